"""The collaboration network: graph building, analysis and the map."""

from flask import Blueprint

bp = Blueprint("network", __name__, url_prefix="/network")

from crm.network import links, routes  # noqa: E402, F401
from crm.network.panels import people_number, people_percent  # noqa: E402

bp.add_app_template_filter(people_number, "people_number")
bp.add_app_template_filter(people_percent, "people_percent")
