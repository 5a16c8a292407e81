"""Personal iCalendar feeds: pages."""

from crm.calendar import bp  # noqa: F401
