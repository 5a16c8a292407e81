"""Start page."""

from flask import render_template

from crm.common.access import read_access
from crm.home import bp


@bp.route("/")
@read_access
def index():
    """The adviser's start page."""
    return render_template("home/index.html")
