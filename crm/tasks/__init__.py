"""Follow-up tasks."""

from flask import Blueprint

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

from crm.tasks import routes  # noqa: E402, F401
