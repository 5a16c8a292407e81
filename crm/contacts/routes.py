"""People: pages."""

from crm.contacts import bp  # noqa: F401
