"""Clusters and networks."""

from flask import Blueprint

bp = Blueprint("clusters", __name__, url_prefix="/clusters")

from crm.clusters import routes  # noqa: E402, F401
