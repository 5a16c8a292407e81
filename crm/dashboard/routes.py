"""The department's page: key figures for the year so far against last year, and what needs
attention; every figure links to the list behind it, filtered."""

from __future__ import annotations

from flask import render_template

from crm.clusters.queries import ClusterFilters, list_clusters
from crm.common.access import read_access
from crm.common.dates import local_today
from crm.dashboard import bp, queries
from crm.extensions import db
from crm.plans import queries as plan_queries


@bp.route("/")
@read_access
def index():
    """Key figures, open cases by stage, red warnings, overdue measures, clusters, meetings."""
    today = local_today()
    this_year, last_year = queries.year_to_date(today)
    now, before = queries.key_figures(db.session, this_year, last_year)
    return render_template(
        "dashboard/index.html",
        this_year=this_year,
        last_year=last_year,
        now=now,
        before=before,
        stages=queries.open_cases_by_stage(db.session),
        red_flags=queries.open_red_flags(db.session),
        overdue_measures=plan_queries.overdue_count(db.session, today=today),
        clusters=list_clusters(db.session, filters=ClusterFilters()),
        meetings=queries.latest_meetings(db.session),
    )
