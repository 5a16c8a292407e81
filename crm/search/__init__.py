"""Search."""

from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/search")

from crm.search import routes  # noqa: E402, F401
