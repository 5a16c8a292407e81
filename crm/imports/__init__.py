"""Imports: the business register and spreadsheets."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/imports")

from crm.imports import routes  # noqa: E402, F401
