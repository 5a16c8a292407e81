"""Meetings."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

from crm.meetings import invitation_routes, routes  # noqa: E402, F401
