"""The department's page: the year so far against last year, and what needs attention."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from crm.dashboard import routes  # noqa: E402, F401
