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
    """What an adviser needs at 08:00: log a meeting first, then the day's and week's meetings,
    what is due (overdue first), red warnings, their organisations not met in a year, their
    cases and their last meetings."""
    today = local_today()
    return render_template(
        "home/index.html",
        today=today,
        planned=queries.planned_meetings(db.session, current_user.id, today=today),
        quiet=queries.quiet_portfolio(db.session, current_user.id, today=today),
        due=queries.due_items(db.session, current_user.id, today=today),
        cases=queries.my_open_cases(db.session, current_user.id),
        red_flags=establishment_queries.open_flags(db.session, red_only=True),
        meetings=queries.last_meetings(db.session, current_user.id),
    )
