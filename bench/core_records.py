"""Core records at Lillestrøm's scale (issues 3 and 17): how fast the reading pages answer.

Builds a database through the real migrations (a fresh SQLite file in a temporary directory,
or the database --database-url names), fills it when it is empty with the synthetic generator
(11,000 organisations, 25,000 people, 60,000 meetings, seed 1; eight advisers made first, so
tasks, relationship managers and meetings' staff are theirs) and establishment cases, runs
ANALYZE on PostgreSQL, serves the app with a real HTTP server on 127.0.0.1, signs in through
the login form as one of the advisers and times pages over HTTP. Beside each page it times the
page's main query run directly on the same database (the floor), so the ratio shows what the
page adds on top of SQL. Target: p95 under 50 ms for every line.

    .venv/bin/python bench/core_records.py
    .venv/bin/python bench/core_records.py --companies 2000 --contacts 5000 --meetings 10000
    .venv/bin/python bench/core_records.py --database-url postgresql+psycopg://postgres@127.0.0.1/kb
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    # Run as a script: make the repository importable without installing it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.serving import WSGIRequestHandler, make_server

from config import TestingConfig
from crm import create_app
from crm.auth import services as auth_services
from crm.clusters.models import Membership
from crm.common import counts
from crm.common.dates import local_today
from crm.companies.models import Company, Place
from crm.demo.generate import generate
from crm.establishments import services as establishments
from crm.establishments.models import EstablishmentCase, StageChange
from crm.extensions import db
from crm.meetings.models import meeting_companies, meeting_contacts

TARGET_P95_MS = 50.0
EMAIL = "bench@lillestrom.kommune.no"
# Advisers made before the generator runs, which shares tasks, organisations and meetings among
# the users there are: the bench signs in as the first, so its task list is an adviser's.
ADVISERS = 8
CASES = 1000
PASSWORD = "benchmark password 2026"  # noqa: S105 - a throwaway account in a temporary database
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class QuietHandler(WSGIRequestHandler):
    """Keep-alive like a browser, and no access log on stderr."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs) -> None:
        pass


class Browser:
    """One keep-alive connection with a cookie jar: enough to sign in and load pages."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {"Accept-Language": "nb"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text

    def sign_in(self, email: str, password: str) -> None:
        status, html = self.request("GET", "/auth/login")
        match = _CSRF.search(html)
        if status != 200 or not match:
            raise SystemExit(f"The login page did not answer with a form (HTTP {status}).")
        status, _ = self.request(
            "POST",
            "/auth/login",
            {"email": email, "password": password, "csrf_token": match.group(1)},
        )
        if status != 302:
            raise SystemExit(f"Signing in failed (HTTP {status}).")


@contextmanager
def signed_in_browser(app) -> Iterator[Browser]:
    """The app served on a loopback port (one thread), with a client signed in as the bench user."""
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        browser = Browser(server.server_port)
        browser.sign_in(EMAIL, PASSWORD)
        yield browser
    finally:
        server.shutdown()
        thread.join()


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=100, method="inclusive")[94]
    return median * 1000, p95 * 1000


def time_runs(run: Callable[[], None], runs: int, warmups: int) -> list[float]:
    """Wall-clock seconds of each of `runs` calls of `run`, after `warmups` calls.

    Before each call the lists' kept totals are dropped (crm.common.counts keeps them between
    requests until a record changes): every run counts its list as the first view after a
    change does, and as a search typed once does. bench/throughput.py measures the kept state.
    """
    for _ in range(warmups):
        counts.forget()
        run()
    samples = []
    for _ in range(runs):
        counts.forget()
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument("--only", default="", help="measure only the pages whose label matches")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="koblingsboks-bench-") as tmp:
        app, cases = filled_app(args, Path(tmp))
        with signed_in_browser(app) as browser:
            failures = _measure(app, browser, cases, args.runs, args.warmups, args.only)
    sys.exit(1 if failures else 0)


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    """The scale of the generated records and where they live (--db or --database-url)."""
    parser.add_argument("--companies", type=int, default=11_000)
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--meetings", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--db",
        type=Path,
        help="keep the SQLite database in this file; if it exists, reuse it instead of generating",
    )
    parser.add_argument(
        "--database-url",
        help="a database to fill when it is empty and reuse when it is not (PostgreSQL: one made "
        "for the bench, never a real one)",
    )


def database_url(args: argparse.Namespace, folder: Path) -> str:
    """--database-url, else the SQLite file --db names, else one in `folder`."""
    return args.database_url or f"sqlite:///{args.db or folder / 'bench.sqlite'}"


def filled_app(args: argparse.Namespace, folder: Path):
    """The app on the migrated database, filled when empty, and the pages to measure."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url(args, folder))
    with app.app_context():
        upgrade()
        print(describe_machine())
        if db.session.scalar(select(Company.id).limit(1)) is None:
            _build(args, advisers=ADVISERS, cases=CASES)
        else:
            print("Reusing the records in the database")
        cases = _cases()
        db.session.remove()
    return app, cases


def describe_machine() -> str:
    """The machine, Python and the database in use (inside an app context)."""
    dialect = db.engine.dialect.name
    version = (
        sqlite3.sqlite_version
        if dialect == "sqlite"
        else db.session.scalar(select(func.version())).split(",")[0]
    )
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    return (
        f"Machine: {platform.machine()}, {_nproc()} CPUs, Python {platform.python_version()}, "
        f"{dialect} {version}; load average {load}"
    )


def _build(args: argparse.Namespace, *, advisers: int = 0, cases: int = 0) -> None:
    """Generate the records, the account the benchmark signs in with, and statistics.

    With `advisers`, that many editors (the bench's account first) exist before the generator
    runs, which shares tasks, organisations and meetings' staff among them; without, the
    account is added afterwards and owns nothing (what the other bench scripts measure).
    """
    started = time.perf_counter()
    for n in range(advisers):
        auth_services.create_user(
            db.session,
            email=EMAIL if n == 0 else f"adviser{n}@lillestrom.kommune.no",
            name="Benchmark" if n == 0 else f"Rådgiver {n}",
            role="editor",
            password=PASSWORD,
        )
    db.session.commit()
    counts = generate(
        db.session,
        companies=args.companies,
        contacts=args.contacts,
        meetings=args.meetings,
        seed=args.seed,
    )
    db.session.commit()
    if not advisers:
        auth_services.create_user(
            db.session, email=EMAIL, name="Benchmark", role="editor", password=PASSWORD
        )
    made = make_cases(db.session, count=cases, seed=args.seed) if cases else 0
    db.session.commit()
    print(
        f"Generated in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{counts[k]} {k}" for k in ("companies", "contacts", "meetings"))
        + f" ({counts['meeting_companies']} meeting–organisation links), {made} cases"
    )
    analyze()


def analyze() -> None:
    """PostgreSQL: statistics for the planner after a bulk load, as autovacuum would."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def make_cases(session: Session, *, count: int, seed: int) -> int:
    """`count` establishment cases moved through the stages (30 % established, 15 % lost)."""
    stages = {s.key: s.id for s in establishments.seed_stages(session)}
    rng = random.Random(seed)
    company_ids = session.scalars(select(Company.id).limit(count * 3)).all()
    place_ids = session.scalars(select(Place.id)).all()
    today = local_today()
    for n in range(count):
        opened = today - timedelta(days=rng.randrange(1, 4 * 365))
        case = establishments.create_case(
            session,
            company_id=rng.choice(company_ids),
            opened_on=opened,
            area_m2=rng.randrange(100, 5000),
            expected_jobs=rng.randrange(1, 80),
            expected_investment_nok=rng.randrange(1, 200) * 100_000,
        )
        path = ["needs_clarified", "site_search", "offer_decision"][: rng.randrange(0, 4)]
        end = rng.random()
        for key in path:
            establishments.move_case(session, case=case, stage_id=stages[key])
        if end < 0.3:
            establishments.move_case(
                session,
                case=case,
                stage_id=stages["established"],
                established_place_id=rng.choice(place_ids),
                established_on=min(today, opened + timedelta(days=rng.randrange(30, 400))),
                actual_jobs=rng.randrange(0, 60),
            )
        elif end < 0.45:
            establishments.move_case(
                session, case=case, stage_id=stages["lost"], lost_reason="no_site"
            )
        if n % 200 == 0:
            session.flush()
    session.flush()
    return session.scalar(select(func.count(EstablishmentCase.id)))


def _nproc() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _cases() -> list[tuple[str, str, Callable[[], object] | None]]:
    """(label, path, floor) for every measured page; run inside an app context."""
    session = db.session
    biggest_place = session.execute(
        select(Place.id, Place.name)
        .join(Company, Company.place_id == Place.id)
        .group_by(Place.id, Place.name)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    per_company = (
        select(meeting_companies.c.company_id, func.count().label("n"))
        .group_by(meeting_companies.c.company_id)
        .subquery()
    )
    # A typical busy organisation (the fewest meetings at or above 200) and the busiest hub.
    typical = session.execute(
        select(per_company.c.company_id, per_company.c.n)
        .where(per_company.c.n >= 200)
        .order_by(per_company.c.n, per_company.c.company_id)
        .limit(1)
    ).first()
    hub = session.execute(
        select(per_company.c.company_id, per_company.c.n).order_by(per_company.c.n.desc()).limit(1)
    ).one()
    if typical is None:
        typical = hub

    busy_person = session.execute(
        select(meeting_contacts.c.contact_id)
        .group_by(meeting_contacts.c.contact_id)
        .order_by(func.count().desc(), meeting_contacts.c.contact_id)
        .limit(1)
    ).scalar_one()
    big_meeting = session.execute(
        select(meeting_companies.c.meeting_id)
        .group_by(meeting_companies.c.meeting_id)
        .order_by(func.count().desc(), meeting_companies.c.meeting_id)
        .limit(1)
    ).scalar_one()
    # The case with the longest stage history, and the cluster with the most members.
    long_case = session.scalar(
        select(StageChange.case_id)
        .group_by(StageChange.case_id)
        .order_by(func.count().desc(), StageChange.case_id)
        .limit(1)
    )
    big_cluster = session.execute(
        select(Membership.cluster_id)
        .group_by(Membership.cluster_id)
        .order_by(func.count().desc(), Membership.cluster_id)
        .limit(1)
    ).scalar_one()
    user_id = auth_services.get_user_by_email(session, EMAIL).id

    from crm.clusters import queries as clusters
    from crm.companies import queries as companies
    from crm.contacts import queries as contacts
    from crm.establishments import queries as cases
    from crm.meetings import queries as meetings
    from crm.network import queries as network
    from crm.search import queries as search
    from crm.tasks import queries as tasks

    def floor(name: str, module, **kwargs) -> Callable[[], object] | None:
        function = getattr(module, name, None)
        if function is None:
            return None
        return lambda: function(db.session, **kwargs)

    q, prefix, text = "bygg", "Ber", "haugen"
    return [
        (
            "companies (plain list, by name)",
            "/companies/?page=1",
            floor("list_companies", companies, filters=companies.CompanyFilters()),
        ),
        (
            f"companies ?q={q}&kind=company",
            f"/companies/?q={q}&kind=company",
            floor(
                "list_companies", companies, filters=companies.CompanyFilters(q=q, kind="company")
            ),
        ),
        (
            f"companies ?place={biggest_place.name}&sort=name",
            f"/companies/?{urlencode({'place': biggest_place.id, 'sort': 'name'})}",
            floor(
                "list_companies",
                companies,
                filters=companies.CompanyFilters(place_id=biggest_place.id),
                sort="name",
            ),
        ),
        (
            f"company page, {companies.TIMELINE_LIMIT} of {typical.n} meetings",
            f"/companies/{typical.company_id}",
            floor("company_timeline", companies, company_id=typical.company_id),
        ),
        (
            f"company page, {companies.TIMELINE_LIMIT} of {hub.n} meetings (hub)",
            f"/companies/{hub.company_id}",
            floor("company_timeline", companies, company_id=hub.company_id),
        ),
        (
            f"search suggest companies q={prefix}",
            f"/search/suggest?type=companies&q={prefix}",
            floor("suggest_companies", search, q=prefix),
        ),
        (
            f"search page q={text}",
            f"/search/?q={text}",
            floor("search_page", search, q=text),
        ),
        # ?page=1: the plain list without the stored last filter (no arguments restore it).
        (
            "people list",
            "/contacts/?page=1",
            floor("list_contacts", contacts, filters=contacts.ContactFilters()),
        ),
        (
            f"people list ?q={text}",
            f"/contacts/?q={text}",
            floor("list_contacts", contacts, filters=contacts.ContactFilters(q=text)),
        ),
        (
            "people list, last contacted first",
            "/contacts/?sort=-last_contacted",
            floor(
                "list_contacts",
                contacts,
                filters=contacts.ContactFilters(),
                sort="-last_contacted",
            ),
        ),
        (
            "meetings list",
            "/meetings/?page=1",
            floor("list_meetings", meetings, filters=meetings.MeetingFilters()),
        ),
        (
            "tasks list (my tasks)",
            "/tasks/?page=1",
            floor("my_tasks", tasks, user_id=user_id, today=local_today()),
        ),
        (
            "cases list",
            "/establishments/?page=1",
            floor(
                "list_cases",
                cases,
                filters=cases.CaseFilters(today=local_today()),
                page=1,
                per_page=50,
            ),
        ),
        (
            "person page, most meetings",
            f"/contacts/{busy_person}",
            floor("get_contact_detail", contacts, contact_id=busy_person),
        ),
        (
            "meeting page, most organisations",
            f"/meetings/{big_meeting}",
            floor("get_meeting_detail", meetings, meeting_id=big_meeting),
        ),
        (
            "case page, longest history",
            f"/establishments/{long_case}",
            floor("get_case_detail", cases, case_id=long_case),
        ),
        (
            "cluster page, most members",
            f"/clusters/{big_cluster}",
            floor(
                "cluster_members",
                clusters,
                cluster_id=big_cluster,
                filters=clusters.MemberFilters(),
            ),
        ),
        # Fetched by the cluster page after it loads; its floor is the graph's version.
        (
            "cluster page's members' network (fragment)",
            f"/network/clusters/{big_cluster}/summary",
            floor("graph_version", network),
        ),
    ]


def _measure(app, browser: Browser, cases, runs: int, warmups: int, only: str = "") -> int:
    print(
        f"\n{runs} runs after {warmups} warm-ups; times in ms; target p95 < {TARGET_P95_MS:.0f} ms"
    )
    print(
        f"{'page':<46} {'median':>7} {'p95':>7}   {'floor med':>9} {'floor p95':>9} "
        f"{'ratio':>6}  result"
    )
    failures = 0
    for label, path, floor in cases:
        if only and not re.search(only, label):
            continue
        status, _ = browser.request("GET", path)
        if status != 200:
            print(f"{label:<46} MISSING: GET {path} answered HTTP {status}")
            failures += 1
            continue

        def load(path: str = path) -> None:
            status, _ = browser.request("GET", path)
            if status != 200:
                raise SystemExit(f"GET {path} answered HTTP {status}")

        page_median, page_p95 = percentiles(time_runs(load, runs, warmups))
        floor_text = f"{'-':>9} {'-':>9} {'-':>6}"
        if floor is not None:
            with app.test_request_context():

                def run_floor(floor=floor) -> None:
                    floor()
                    db.session.remove()  # no identity-map help between runs

                try:
                    floor_median, floor_p95 = percentiles(time_runs(run_floor, runs, warmups))
                except TypeError as error:  # the query function's arguments changed
                    db.session.remove()
                    floor_median = None
                    print(f"  (floor not measured: {error})")
            if floor_median is not None:
                ratio = page_median / floor_median if floor_median else float("inf")
                floor_text = f"{floor_median:9.1f} {floor_p95:9.1f} {ratio:6.1f}"
        verdict = "PASS" if page_p95 < TARGET_P95_MS else "FAIL"
        failures += verdict == "FAIL"
        print(f"{label:<46} {page_median:7.1f} {page_p95:7.1f}   {floor_text}  {verdict}")
    return failures


if __name__ == "__main__":
    main()
