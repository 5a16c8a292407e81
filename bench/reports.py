"""The report pages at Lillestrøm's scale (issue 15): median and p95 of every report page.

Builds a database through the real migrations (SQLite in a temporary folder, or the empty
PostgreSQL database named by --database-url), fills it with the synthetic generator (11,000
organisations, 25,000 people, 60,000 meetings tagged with strategies, seed 1) and 1,000
establishment cases moved through their stages, serves the app on 127.0.0.1, signs in as an
admin (so the reach report also counts meetings per adviser) and times each report page over
HTTP. Beside each page it times the report's own queries run directly (the floor), so the ratio
shows what the page adds on top of SQL. Target: p95 under 150 ms on SQLite and PostgreSQL.

    .venv/bin/python bench/reports.py
    .venv/bin/python bench/reports.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

After the pages, each floor is run again for its CPU time (this process, plus the PostgreSQL
backend's from /proc when the server runs on this machine) and its number of statements: on a
shared machine the wall clock stretches with the load, the CPU time hardly does.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import event, func, select, text

from bench import core_records
from bench.core_records import EMAIL, PASSWORD, _nproc, signed_in_browser
from config import TestingConfig
from crm import create_app
from crm.auth import services as auth_services
from crm.common.dates import local_today
from crm.companies.models import Company
from crm.demo.generate import generate
from crm.establishments.models import EstablishmentCase
from crm.extensions import db
from crm.reports import queries
from crm.reports.filters import Period, year_period

TARGET_P95_MS = 150.0
CASES = 1_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=11_000)
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--meetings", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--database-url",
        default=None,
        help="a database to fill when empty, or reuse when filled (PostgreSQL or sqlite:///PATH)",
    )
    args = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {_nproc()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; load average at start {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="koblingsboks-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            print(f"Database: {db.engine.dialect.name}")
            if db.session.scalar(select(func.count(Company.id))):
                print("The database has data: reusing it")
            else:
                _build(args)
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                # What autovacuum does some time after a bulk load or a migration that rewrites
                # rows (5a7d3c1e9b80 sets every meeting's strategy set): the planner's statistics,
                # and the visibility map that lets the strategy report read its index alone.
                # VACUUM runs outside a transaction.
                with db.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                ) as connection:
                    connection.execute(text("VACUUM ANALYZE"))
        with signed_in_browser(app) as browser:
            failures = _measure(app, browser, args.runs, args.warmups)
        with app.test_request_context():
            _cpu_table(args.runs)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    sys.exit(1 if failures else 0)


def _build(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    generate(
        db.session,
        companies=args.companies,
        contacts=args.contacts,
        meetings=args.meetings,
        seed=args.seed,
    )
    db.session.commit()
    auth_services.create_user(
        db.session, email=EMAIL, name="Benchmark", role="admin", password=PASSWORD
    )
    core_records.make_cases(db.session, count=CASES, seed=args.seed)
    db.session.commit()
    cases = db.session.scalar(select(func.count(EstablishmentCase.id)))
    print(f"Generated in {time.perf_counter() - started:.1f} s ({cases} establishment cases)")


def _cases() -> list[tuple[str, str, Callable[[], object]]]:
    """(label, path, floor) for every report page: the floor runs the report's queries."""
    today = local_today()
    this_year = year_period(today.year)
    strategy_years = Period(date(2022, 1, 1), today)
    since_2022 = f"start=2022-01-01&end={today.isoformat()}"
    return [
        (
            "strategy, this year",
            "/reports/strategy",
            lambda: queries.strategy_report(db.session, period=this_year),
        ),
        (
            "strategy, 2022 to today (per year)",
            f"/reports/strategy?{since_2022}",
            lambda: queries.strategy_report(db.session, period=strategy_years),
        ),
        (
            "reach, this year (admin)",
            "/reports/reach",
            lambda: queries.reach_report(db.session, period=this_year, advisers=True),
        ),
        (
            "clusters, this year",
            "/reports/clusters",
            lambda: queries.clusters_report(db.session, period=this_year),
        ),
        (
            "clusters, 2022 to today",
            f"/reports/clusters?{since_2022}",
            lambda: queries.clusters_report(db.session, period=strategy_years),
        ),
        ("pipeline, all cases", "/reports/pipeline", lambda: queries.pipeline_report(db.session)),
        ("results, all years", "/reports/results", lambda: queries.results_report(db.session)),
        (
            "indicators, 2022 to today",
            f"/reports/indicators?{since_2022}",
            lambda: queries.jobs_by_year(db.session, period=strategy_years),
        ),
        (
            "strategy CSV, per strategy",
            "/reports/strategy.csv",
            lambda: queries.strategy_report(db.session, period=this_year),
        ),
    ]


def _backend_cpu() -> float:
    """The CPU seconds of this session's PostgreSQL backend, when it runs on this machine."""
    if db.engine.dialect.name != "postgresql":
        return 0.0
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_table(runs: int) -> None:
    """Each floor's statements and CPU time (mean over the runs: the backend's clock ticks in
    hundredths of a second, too coarse for one run)."""
    print(f"\nFloors: statements and CPU ms (mean of {runs} runs; with the PostgreSQL backend's)")
    for label, _path, floor in _cases():
        statements: list[str] = []

        def count(*args, statements=statements) -> None:
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        floor()
        event.remove(db.engine, "before_cursor_execute", count)
        db.session.remove()
        times = []
        for _ in range(runs):
            backend, own = _backend_cpu(), time.process_time()
            floor()
            times.append(time.process_time() - own + _backend_cpu() - backend)
            db.session.remove()
        print(
            f"{label:<46} {len(statements):3d} statements {statistics.mean(times) * 1000:8.1f} ms"
        )


def _measure(app, browser, runs: int, warmups: int) -> int:
    """core_records' measurement (page over HTTP beside its floor), with this target."""
    core_records.TARGET_P95_MS = TARGET_P95_MS
    with app.app_context():
        cases = _cases()
    return core_records._measure(app, browser, cases, runs, warmups)


if __name__ == "__main__":
    main()
