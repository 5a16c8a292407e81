"""Core records at Lillestrøm's scale (issue 3): how fast the busiest reading pages answer.

Builds a fresh SQLite database in a temporary directory through the real migrations, fills it
with the synthetic generator (11,000 organisations, 25,000 people, 60,000 meetings, seed 1),
serves the app with a real HTTP server on 127.0.0.1, signs in through the login form and times
pages over HTTP. Beside each page it times the page's main query run directly on the same
database (the floor), so the ratio shows what the page adds on top of SQL. Target: p95 under
50 ms for every line.

    .venv/bin/python bench/core_records.py
    .venv/bin/python bench/core_records.py --companies 2000 --contacts 5000 --meetings 10000
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    # Run as a script: make the repository importable without installing it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from config import TestingConfig
from crm import create_app
from crm.auth import services as auth_services
from crm.companies.models import Company, Place
from crm.demo.generate import generate
from crm.extensions import db
from crm.meetings.models import meeting_companies

TARGET_P95_MS = 50.0
EMAIL = "bench@lillestrom.kommune.no"
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
    for _ in range(warmups):
        run()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=11_000)
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--meetings", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument(
        "--db",
        type=Path,
        help="keep the database in this file; if it exists, reuse it instead of generating",
    )
    args = parser.parse_args()

    print(
        f"Machine: {platform.machine()}, {_nproc()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory(prefix="koblingsboks-bench-") as tmp:
        path = args.db or Path(tmp) / "bench.sqlite"
        reuse = path.exists()
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
        with app.app_context():
            upgrade()
            if reuse:
                print(f"Reusing {path}")
            else:
                _build(args)
            cases = _cases()
            db.session.remove()

        with signed_in_browser(app) as browser:
            failures = _measure(app, browser, cases, args.runs, args.warmups)
    sys.exit(1 if failures else 0)


def _build(args: argparse.Namespace) -> None:
    """Generate the records and add the account the benchmark signs in with."""
    started = time.perf_counter()
    counts = generate(
        db.session,
        companies=args.companies,
        contacts=args.contacts,
        meetings=args.meetings,
        seed=args.seed,
    )
    db.session.commit()
    print(
        f"Generated in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{counts[k]} {k}" for k in ("companies", "contacts", "meetings"))
        + f" ({counts['meeting_companies']} meeting–organisation links)"
    )
    auth_services.create_user(
        db.session, email=EMAIL, name="Benchmark", role="editor", password=PASSWORD
    )
    db.session.commit()


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

    from crm.companies import queries as companies
    from crm.search import queries as search

    def floor(name: str, module, **kwargs) -> Callable[[], object] | None:
        function = getattr(module, name, None)
        if function is None:
            return None
        return lambda: function(db.session, **kwargs)

    q, prefix, text = "bygg", "Ber", "haugen"
    return [
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
            f"company page, 200 of {typical.n} meetings",
            f"/companies/{typical.company_id}",
            floor("company_timeline", companies, company_id=typical.company_id),
        ),
        (
            f"company page, 200 of {hub.n} meetings (hub)",
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
    ]


def _measure(app, browser: Browser, cases, runs: int, warmups: int) -> int:
    print(
        f"\n{runs} runs after {warmups} warm-ups; times in ms; target p95 < {TARGET_P95_MS:.0f} ms"
    )
    print(
        f"{'page':<46} {'median':>7} {'p95':>7}   {'floor med':>9} {'floor p95':>9} "
        f"{'ratio':>6}  result"
    )
    failures = 0
    for label, path, floor in cases:
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

                floor_median, floor_p95 = percentiles(time_runs(run_floor, runs, warmups))
            ratio = page_median / floor_median if floor_median else float("inf")
            floor_text = f"{floor_median:9.1f} {floor_p95:9.1f} {ratio:6.1f}"
        verdict = "PASS" if page_p95 < TARGET_P95_MS else "FAIL"
        failures += verdict == "FAIL"
        print(f"{label:<46} {page_median:7.1f} {page_p95:7.1f}   {floor_text}  {verdict}")
    return failures


if __name__ == "__main__":
    main()
