"""The department's page at Lillestrøm's scale (issue 15): how fast /dashboard/ answers.

Builds a fresh SQLite database through the real migrations, fills it with the synthetic
generator (11,000 organisations, 25,000 people, 60,000 meetings; seed 1), adds the demo's two
action plans' worth of measures (40, a quarter overdue), serves the app over HTTP on 127.0.0.1,
signs in and times the page. Beside it the page's reads run directly on the same database are
the floor (`crm.dashboard.queries` and the overdue measures and clusters it shows). Target: p95
under 150 ms, the issue's target for the report pages.

    .venv/bin/python bench/dashboard.py
    .venv/bin/python bench/dashboard.py --db /tmp/dashboard-bench.sqlite   # keep and reuse
    .venv/bin/python bench/dashboard.py --database-url postgresql+psycopg://postgres@127.0.0.1/b
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import func, select, text

from bench.core_records import _build, _nproc, percentiles, signed_in_browser, time_runs
from config import TestingConfig
from crm import create_app
from crm.clusters.queries import ClusterFilters, list_clusters
from crm.common.dates import local_today
from crm.companies.models import Company
from crm.dashboard import queries
from crm.extensions import db
from crm.plans import queries as plan_queries
from crm.plans import services as plan_services
from crm.plans.models import ActionPlan
from crm.strategy.models import Strategy

TARGET_P95_MS = 150.0
MEASURES = 40


def _add_measures() -> None:
    """A plan for this year with measures spread over the strategies, every fourth overdue."""
    session = db.session
    if session.scalar(select(ActionPlan.id).limit(1)) is not None:
        return
    today = local_today()
    strategies = list(session.scalars(select(Strategy.id)))
    plan = plan_services.create_plan(
        session, name="Bench", start_year=today.year - 1, end_year=today.year + 1
    )
    for n in range(MEASURES):
        plan_services.create_measure(
            session,
            plan=plan,
            title=f"Tiltak {n}",
            strategy_id=strategies[n % len(strategies)] if strategies else None,
            deadline=today + timedelta(days=-10 if n % 4 == 0 else 100),
        )
    session.commit()


def _floor() -> None:
    today = local_today()
    this_year, last_year = queries.year_to_date(today)
    queries.key_figures(db.session, this_year, last_year)
    queries.open_cases_by_stage(db.session)
    queries.open_red_flags(db.session)
    plan_queries.overdue_count(db.session, today=today)
    list_clusters(db.session, filters=ClusterFilters())
    queries.latest_meetings(db.session)
    db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=11_000)
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--meetings", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument("--db", type=Path, help="keep the database in this file and reuse it")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a database to fill when empty, or reuse when filled (e.g. PostgreSQL)",
    )
    args = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {_nproc()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory(prefix="koblingsboks-dashboard-") as tmp:
        path = args.db or Path(tmp) / "bench.sqlite"
        url = args.database_url or f"sqlite:///{path}"
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            if db.session.scalar(select(func.count(Company.id))) == 0:
                _build(args)
            _add_measures()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))  # what autovacuum does after a bulk load
                db.session.commit()
            print(f"Database: {db.engine.dialect.name}; load average {os.getloadavg()[0]:.1f}")
            db.session.remove()
        with signed_in_browser(app) as browser:

            def load() -> None:
                status, _ = browser.request("GET", "/dashboard/")
                if status != 200:
                    raise SystemExit(f"GET /dashboard/ answered HTTP {status}")

            page_median, page_p95 = percentiles(time_runs(load, args.runs, args.warmups))
            with app.test_request_context():
                floor_median, floor_p95 = percentiles(time_runs(_floor, args.runs, args.warmups))
    verdict = "PASS" if page_p95 < TARGET_P95_MS else "FAIL"
    print(f"\n{args.runs} runs after {args.warmups} warm-ups; ms; target p95 < {TARGET_P95_MS:.0f}")
    print(f"{'page':<14} {'median':>7} {'p95':>7}   {'floor med':>9} {'floor p95':>9} {'ratio':>6}")
    print(
        f"{'/dashboard/':<14} {page_median:7.1f} {page_p95:7.1f}   {floor_median:9.1f} "
        f"{floor_p95:9.1f} {page_median / floor_median:6.1f}  {verdict}"
    )
    sys.exit(1 if verdict == "FAIL" else 0)


if __name__ == "__main__":
    main()
