"""The action plan (handlingsplan): plans with a period, and their measures (tiltak)."""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")

from crm.plans import routes  # noqa: E402, F401
