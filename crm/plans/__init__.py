"""The action plan (handlingsplan): plans with a period, and their measures (tiltak).

The views are imported by create_app (register_blueprints), not here: meetings, cases and tasks
read and write their measures through this package's queries and services, and importing the
views from here would make that a cycle.
"""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")
