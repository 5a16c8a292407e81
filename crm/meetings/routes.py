"""Meetings: pages."""

from crm.meetings import bp  # noqa: F401
