"""Follow-up tasks: pages."""

from crm.tasks import bp  # noqa: F401
