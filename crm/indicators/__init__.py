"""The strategy's external indicators, recorded by year (admins record, everyone reads)."""

from flask import Blueprint

bp = Blueprint("indicators", __name__, url_prefix="/indicators")

from crm.indicators import routes  # noqa: E402, F401
