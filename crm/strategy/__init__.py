"""The business strategy."""

from flask import Blueprint

bp = Blueprint("strategy", __name__, url_prefix="/strategy")

from crm.strategy import routes  # noqa: E402, F401
