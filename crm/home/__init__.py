"""The start page of the signed-in user."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from crm.home import routes  # noqa: E402, F401
