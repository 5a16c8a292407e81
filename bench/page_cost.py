"""What one request costs in process: CPU time and SQL statements per page, and where it goes.

Usage: .venv/bin/python bench/page_cost.py --db /tmp/core.sqlite [--only REGEX] [--runs 30]
       .venv/bin/python bench/page_cost.py --database-url postgresql+psycopg://…/kb [--profile]

The database is built and filled as `bench/core_records.py` does (the same pages, the same
generator, reused when it has records). Each page is requested through Flask's test client
(no HTTP server, no network), signed in as the bench's adviser: after warm-ups, the CPU time
of this process per request (`time.process_time`, which another process's load hardly moves,
unlike the wall clock) as median and p95, the number of SQL statements the request ran, and
the Python function calls per request (cProfile; the same at any load, so two runs made on a
busy machine still compare). With --profile, the functions that took the most time
(cProfile, cumulative and own time) for each page.

Two lines come first, to tell the page's fixed part from its own work: the bare Flask list of
`bench/throughput.py` (50 organisations, one plain statement, no session, no sign-in), run in
this process through its own test client, and the change-password page, which is the signed-in
frame (header, menu, user menu, language switch, flashes) around a three-field form and reads
nothing of its own.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bench import core_records
from bench.core_records import EMAIL, PASSWORD
from bench.throughput import FLOOR
from crm.extensions import db

PROFILED = 10  # requests under cProfile: the function calls, and --profile's figures

# The frame around next to nothing: no reads of its own, a small form.
FRAME = ("frame only (change-password page)", "/account/password")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    core_records.add_database_arguments(parser)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument("--only", default="", help="only the pages whose label matches")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="koblingsboks-bench-") as tmp:
        app, cases = core_records.filled_app(args, Path(tmp))
        with app.app_context():
            statements = _statement_counter(db.engine)

        client = app.test_client()
        with client:
            token = _csrf(client.get("/auth/login").get_data(as_text=True))
            answer = client.post(
                "/auth/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
            )
            if answer.status_code != 302:
                raise SystemExit(f"Signing in failed (HTTP {answer.status_code}).")
        print(
            f"\n{args.runs} runs after {args.warmups} warm-ups; CPU ms of this process per request"
        )
        print(f"{'page':<46} {'CPU med':>8} {'CPU p95':>8} {'SQL':>5} {'calls':>8}")
        floor_label = "bare Flask list of 50 (floor, no frame)"
        if not args.only or re.search(args.only, floor_label):
            bare, bare_statements = _bare_client(app)
            _measure(bare, floor_label, "/", args, bare_statements)
        for label, path, _floor in [(*FRAME, None), *cases]:
            if args.only and not re.search(args.only, label):
                continue
            _measure(client, label, path, args, statements)


def _bare_client(app) -> tuple[object, list[int]]:
    """A test client of throughput.py's bare Flask list on the same database, and its counter."""
    namespace: dict = {"__name__": "bench_floor"}
    # The floor reads its database from the environment (it runs under gunicorn there).
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        exec(compile(FLOOR, "bench_floor", "exec"), namespace)  # noqa: S102  (our own constant)
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL")
        else:
            os.environ["DATABASE_URL"] = saved
    return namespace["app"].test_client(), _statement_counter(namespace["engine"])


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if match is None:
        raise SystemExit("The login page has no form.")
    return match.group(1)


def _statement_counter(engine: sa.Engine) -> list[int]:
    """A counter of the statements `engine` runs (one cell, reset by the caller)."""
    count = [0]

    def record(*_args) -> None:
        count[0] += 1

    sa.event.listen(engine, "before_cursor_execute", record)
    return count


def _measure(client, label: str, path: str, args, statements: list[int]) -> None:
    def load() -> None:
        answer = client.get(path, headers={"Accept-Language": "nb"})
        if answer.status_code != 200:
            raise SystemExit(f"GET {path} answered HTTP {answer.status_code}")

    for _ in range(args.warmups):
        load()
    samples = []
    statements[0] = 0
    for _ in range(args.runs):
        started = time.process_time()
        load()
        samples.append(time.process_time() - started)
    per_request = statements[0] / args.runs
    median = statistics.median(samples) * 1000
    p95 = statistics.quantiles(samples, n=100, method="inclusive")[94] * 1000
    # Python function calls per request: unlike the CPU time, the same whatever the load.
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(PROFILED):
        load()
    profile.disable()
    stats = pstats.Stats(profile)
    calls = stats.total_calls / PROFILED
    print(f"{label:<46} {median:8.1f} {p95:8.1f} {per_request:5.0f} {calls:8.0f}")
    if args.profile:
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
