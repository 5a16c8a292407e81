"""Search: pages."""

from crm.search import bp  # noqa: F401
