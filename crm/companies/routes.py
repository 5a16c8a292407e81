"""Organisations: pages."""

from crm.companies import bp  # noqa: F401
