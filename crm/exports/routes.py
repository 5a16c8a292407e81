"""Data out: pages."""

from crm.exports import bp  # noqa: F401
