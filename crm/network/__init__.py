"""The collaboration network: graph building, analysis and the map."""

from flask import Blueprint

bp = Blueprint("network", __name__, url_prefix="/network")

from crm.network import links, routes  # noqa: E402, F401
