"""Reports for the head of department."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from crm.reports import routes  # noqa: E402, F401
