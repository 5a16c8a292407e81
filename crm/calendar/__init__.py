"""Personal iCalendar feeds."""

from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

from crm.calendar import routes  # noqa: E402, F401
