"""The change log: a record's history, and the whole log for admins."""

from flask import Blueprint

bp = Blueprint("history", __name__, url_prefix="/history")

from crm.history import routes  # noqa: E402, F401
