"""Data out: list exports (CSV, XLSX) and the full export of the database."""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")

from crm.exports import routes  # noqa: E402, F401
