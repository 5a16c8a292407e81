"""Small shared pieces with no domain logic."""
