"""Imports: pages."""

from crm.imports import bp  # noqa: F401
