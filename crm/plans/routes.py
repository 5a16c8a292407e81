"""Routes (filled in below)."""
