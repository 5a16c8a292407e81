"""The trash: deleted records, restored by admins or deleted for good."""

from flask import Blueprint

bp = Blueprint("trash", __name__, url_prefix="/trash")

from crm.trash import routes  # noqa: E402, F401
