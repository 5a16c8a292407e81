"""Establishment follow-up: cases, stages and early-warning flags."""

from flask import Blueprint

bp = Blueprint("establishments", __name__, url_prefix="/establishments")

from crm.establishments import routes  # noqa: E402, F401
