"""The business strategy: pages."""

from crm.strategy import bp  # noqa: F401
