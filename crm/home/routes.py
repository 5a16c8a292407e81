"""Start page."""

from flask import render_template
from flask_login import current_user

from crm.common.access import read_access
from crm.common.dates import local_today
from crm.establishments import queries as establishment_queries
from crm.extensions import db
from crm.home import bp, queries


@bp.route("/")
@read_access
def index():
    """The adviser's start page: what is due, their cases, red warnings, their last meetings."""
    today = local_today()
    return render_template(
        "home/index.html",
        today=today,
        due=queries.due_items(db.session, current_user.id, today=today),
        cases=queries.my_open_cases(db.session, current_user.id),
        red_flags=establishment_queries.open_flags(db.session, red_only=True),
        meetings=queries.last_meetings(db.session, current_user.id),
    )
