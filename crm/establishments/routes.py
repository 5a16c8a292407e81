"""Establishment follow-up: pages."""

from crm.establishments import bp  # noqa: F401
