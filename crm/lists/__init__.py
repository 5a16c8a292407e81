"""Lists that remember: the last filter and saved filters of every list, and bulk actions.

The list pages import `crm.lists.memory`; the routes here import those features in turn, so
they are loaded when the blueprints are mounted (crm.register_blueprints), not with the package.
"""

from flask import Blueprint

bp = Blueprint("lists", __name__, url_prefix="/lists")
