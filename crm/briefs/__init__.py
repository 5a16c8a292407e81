"""The visit brief ("Forbered møte"): one page to read before meeting an organisation."""

from flask import Blueprint

bp = Blueprint("briefs", __name__, url_prefix="/briefs")

from crm.briefs import routes  # noqa: E402, F401
