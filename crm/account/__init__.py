"""The signed-in user's own account: password and interface language."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from crm.account import routes  # noqa: E402, F401
