"""Reports for the head of department: pages."""

from crm.reports import bp  # noqa: F401
