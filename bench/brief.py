"""The visit brief at Lillestrøm's scale (issue 14): how fast "Forbered møte" answers.

Builds a fresh SQLite database through the real migrations, fills it with the synthetic
generator (11,000 organisations, 25,000 people, 60,000 meetings, five years of register
history; seed 1), opens an establishment case in "Behov avklart" for the two organisations
measured, serves the app over HTTP on 127.0.0.1, signs in and times the brief. Beside it the
brief's query function (`crm.briefs.queries.get_brief`: every SELECT the page runs) run
directly on the same database is the floor. Target: p95 under 100 ms. The strongest ties,
which the page fetches after loading (`/briefs/<id>/ties`, a graph of the organisation's
neighbourhood), are timed on their own line against `strongest_ties`, without a target.

    .venv/bin/python bench/brief.py
    .venv/bin/python bench/brief.py --db /tmp/brief-bench.sqlite   # keep and reuse the data
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import sys
import tempfile
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import func, select

from bench.core_records import (
    Browser,
    _build,
    _nproc,
    percentiles,
    signed_in_browser,
    time_runs,
)
from config import TestingConfig
from crm import create_app
from crm.briefs import queries as brief_queries
from crm.common.dates import local_today
from crm.establishments import queries as establishment_queries
from crm.establishments import services as establishment_services
from crm.extensions import db
from crm.meetings.models import meeting_companies

TARGET_P95_MS = 100.0


def _open_case(company_id: int) -> int:
    """A case in "Behov avklart" with two of its six questions answered."""
    session = db.session
    stages = {s.key: s for s in establishment_services.seed_stages(session)}
    case = establishment_services.create_case(
        session, company_id=company_id, opened_on=date(2025, 3, 3), area_m2=2500
    )
    establishment_services.move_case(session, case=case, stage_id=stages["needs_clarified"].id)
    items = establishment_queries.stage_checklist(session, stages["needs_clarified"].id)
    establishment_services.answer_checklist(
        session, case=case, answered_ids=[i.id for i in items[:2]], actor_id=None
    )
    session.commit()
    return case.id


def _cases() -> list[tuple[str, int, int]]:
    """(label, organisation id, case id): a typical busy organisation and the busiest hub."""
    per_company = (
        select(meeting_companies.c.company_id, func.count().label("n"))
        .group_by(meeting_companies.c.company_id)
        .subquery()
    )
    typical = db.session.execute(
        select(per_company.c.company_id, per_company.c.n)
        .where(per_company.c.n >= 200)
        .order_by(per_company.c.n, per_company.c.company_id)
        .limit(1)
    ).first()
    hub = db.session.execute(
        select(per_company.c.company_id, per_company.c.n).order_by(per_company.c.n.desc()).limit(1)
    ).one()
    typical = typical or hub
    return [
        (f"brief, {typical.n} meetings", typical.company_id, _open_case(typical.company_id)),
        (f"brief, {hub.n} meetings (hub)", hub.company_id, _open_case(hub.company_id)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=11_000)
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--meetings", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument("--db", type=Path, help="keep the database in this file and reuse it")
    args = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {_nproc()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory(prefix="koblingsboks-brief-") as tmp:
        path = args.db or Path(tmp) / "bench.sqlite"
        reuse = path.exists()
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
        with app.app_context():
            upgrade()
            if not reuse:
                _build(args)
            cases = _cases()
            db.session.remove()
        with signed_in_browser(app) as browser:
            failures = _measure(app, browser, cases, args.runs, args.warmups)
    sys.exit(1 if failures else 0)


def _measure(app, browser: Browser, cases, runs: int, warmups: int) -> int:
    print(f"\n{runs} runs after {warmups} warm-ups; ms; target p95 < {TARGET_P95_MS:.0f} ms")
    print(f"{'page':<34} {'median':>7} {'p95':>7}   {'floor med':>9} {'floor p95':>9} {'ratio':>6}")
    failures = 0
    lines = []
    for label, company_id, case_id in cases:
        lines.append(
            (
                label,
                f"/briefs/{company_id}?case_id={case_id}",
                lambda c=company_id, k=case_id: brief_queries.get_brief(
                    db.session, c, today=local_today(), case_id=k
                ),
            )
        )
        lines.append(
            (
                "  its ties, fetched after",
                f"/briefs/{company_id}/ties",
                lambda c=company_id: brief_queries.strongest_ties(db.session, c, local_today()),
            )
        )
    for label, path, read in lines:

        def load(path: str = path) -> None:
            status, _ = browser.request("GET", path)
            if status != 200:
                raise SystemExit(f"GET {path} answered HTTP {status}")

        page_median, page_p95 = percentiles(time_runs(load, runs, warmups))
        with app.test_request_context():

            def floor(read=read) -> None:
                read()
                db.session.remove()

            floor_median, floor_p95 = percentiles(time_runs(floor, runs, warmups))
        # The target is the brief's; its ties load after it, beside the page (reported only).
        verdict = "PASS" if page_p95 < TARGET_P95_MS else "FAIL"
        if path.endswith("/ties"):
            verdict = "-"
        failures += verdict == "FAIL"
        print(
            f"{label:<34} {page_median:7.1f} {page_p95:7.1f}   {floor_median:9.1f} "
            f"{floor_p95:9.1f} {page_median / floor_median:6.1f}  {verdict}"
        )
    return failures


if __name__ == "__main__":
    main()
