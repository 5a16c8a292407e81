"""Load: twenty advisers at work for five minutes against gunicorn, and the ceiling beside it.

Usage: .venv/bin/python bench/load.py [--advisers 20] [--duration 300] [--think 2 6]
       [--workers 2] [--worker-class sync|gthread] [--threads 4]
       [--companies 11000 --contacts 25000 --meetings 60000] [--database-url URL]

Builds a temporary database (SQLite in a temporary folder unless --database-url names another,
e.g. a PostgreSQL database made for it: it is filled and written to, so never name a real one)
with the migrations and `flask crm generate` at Lillestrøm's scale, adds one editor account per
adviser, and serves the app with gunicorn on a free port of 127.0.0.1.

1. **Advisers**: each adviser is a thread with its own signed-in session that, until the time is
   up, picks an action by weight — browse the organisation list (search or filter), open an
   organisation, browse people and meetings, search, open the home page, log a meeting with a
   follow-up task (the capture form: GET, then POST with its CSRF token), move an establishment
   case to another open stage (GET, then POST) — and then thinks for a random time within
   --think seconds. Every request is timed: requests per second, p50/p95/p99 per action and in
   all, and errors (any status but the expected one, or no answer).
2. **Nothing lost or doubled**: every meeting and task the advisers logged carries a unique
   title; afterwards the database must hold each exactly once, and nothing the server did not
   confirm.
3. **Ceiling**: without think time, `wrk` (Debian's package) drives a bare Flask "hello" behind
   the same gunicorn settings, then the app's organisation list with a signed-in cookie, 8
   connections for --ceiling-seconds each; the app's list throughput is printed as a share of
   the hello page's.

With --kill-every N a worker is killed with SIGKILL every N seconds during the run: requests in
flight fail (counted as errors), but no confirmed meeting or task may be lost or doubled.

Targets (issue 16): with think times, p95 under 150 ms, 0 errors, nothing lost or doubled.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bench.network_load import BIN, PASSWORD, ROOT, Reader, _children, _flask, _free_port

TARGET_P95_MS = 150.0
_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')

HELLO = """
from flask import Flask
app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
"""

# The advisers' accounts, and 300 open establishment cases for them to move (the generator
# makes none).
CREATE_USERS = """
import random
import sys
from sqlalchemy import select
from crm import create_app
from crm.auth import services
from crm.common.dates import local_today
from crm.companies.models import Company
from crm.establishments import services as cases
from crm.extensions import db
app = create_app()
with app.app_context():
    for email in sys.argv[2:]:
        services.create_user(db.session, email=email, name=email, role="editor",
                             password=sys.argv[1])
    ids = db.session.scalars(select(Company.id).order_by(Company.id).limit(900)).all()
    rng = random.Random(1)
    for _ in range(300):
        cases.create_case(db.session, company_id=rng.choice(ids), opened_on=local_today())
    db.session.commit()
"""

# As wsgi.py serves the app: made once, then settled for serving (crm.common.process).
WSGI = """
from crm import create_app
from crm.common.process import settle_for_serving
app = create_app(NETWORK_CACHE_DIR={cache!r})
settle_for_serving()
"""


@dataclass
class Facts:
    """Ids the advisers choose from, read once from the filled database."""

    companies: list[int]
    contacts: list[int]
    places: list[int]
    open_cases: list[int]
    open_stages: list[int]
    words: list[str] = field(
        default_factory=lambda: ["bygg", "energi", "haugen", "AS", "hydrogen", "helse", "sol"]
    )


@dataclass
class Tally:
    """What every adviser saw; one lock for all of them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    meetings: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)

    def add(self, action: str, seconds: float, ok: bool, status: int) -> None:
        with self.lock:
            self.times[action].append(seconds)
            if not ok:
                self.errors[f"{action} HTTP {status}"] += 1


class Adviser(Reader):
    """A signed-in editor who also posts forms."""

    def __init__(self, base: str) -> None:
        super().__init__(base)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def post(self, path: str, data: dict) -> tuple[int, bytes, float, str]:
        """(status, body, seconds, final URL); redirects are followed like a browser does."""
        started = time.perf_counter()
        body = urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=120) as response:
                result = response.status, response.read(), response.url
        except urllib.error.HTTPError as error:
            result = error.code, error.read(), path
        except OSError:
            result = 0, b"", path
        return result[0], result[1], time.perf_counter() - started, result[2]


def _read_facts(database: str) -> Facts:
    engine = sa.create_engine(database)
    with engine.connect() as connection:

        def ids(sql: str) -> list[int]:
            return [row[0] for row in connection.execute(sa.text(sql))]

        facts = Facts(
            companies=ids("SELECT id FROM companies ORDER BY id"),
            contacts=ids("SELECT id FROM contacts ORDER BY id LIMIT 5000"),
            places=ids("SELECT id FROM places ORDER BY id"),
            open_stages=ids(
                "SELECT id FROM establishment_stages WHERE outcome = 'open' ORDER BY position"
            ),
            open_cases=[],
        )
        stages = ",".join(str(i) for i in facts.open_stages) or "0"
        facts.open_cases = ids(
            f"SELECT id FROM establishment_cases WHERE stage_id IN ({stages}) ORDER BY id"  # noqa: S608 - ids from the database itself
        )
    engine.dispose()
    return facts


def _work(adviser: Adviser, facts: Facts, tally: Tally, until: float, think, seed: int) -> None:
    rng = random.Random(seed)

    def get(action: str, path: str) -> bytes:
        status, _headers, body, seconds = adviser.get(path)
        tally.add(action, seconds, status == 200, status)
        return body

    def log_meeting() -> None:
        form = get("capture form (GET)", "/meetings/new")
        token = _CSRF.search(form)
        if token is None:
            return
        title = f"Lasttest {uuid.uuid4().hex[:12]}"
        task = f"Oppfølging {uuid.uuid4().hex[:12]}"
        company = rng.choice(facts.companies)
        status, _body, seconds, url = adviser.post(
            "/meetings/new",
            {
                "csrf_token": token.group(1).decode(),
                "day": time.strftime("%Y-%m-%d"),
                "time": "10:00",
                "kind": "meeting",
                "title": title,
                "company_ids": company,
                "notes": "Lasttest: møte logget av en simulert rådgiver.",
                "tasks-0-title": task,
                "tasks-0-due_on": time.strftime(
                    "%Y-%m-%d", time.localtime(time.time() + 7 * 86400)
                ),
            },
        )
        saved = status == 200 and re.search(r"/meetings/\d+$", url) is not None
        tally.add("log meeting + task (POST)", seconds, saved, status)
        if saved:
            with tally.lock:
                tally.meetings.append(title)
                tally.tasks.append(task)

    def move_case() -> None:
        if not facts.open_cases or len(facts.open_stages) < 2:
            return
        case = rng.choice(facts.open_cases)
        form = get("case stage form (GET)", f"/establishments/{case}/stage")
        token = _CSRF.search(form)
        if token is None:
            return
        status, _body, seconds, url = adviser.post(
            f"/establishments/{case}/stage",
            {
                "csrf_token": token.group(1).decode(),
                "stage_id": rng.choice(facts.open_stages),
                "confirmed": "y",
            },
        )
        tally.add("move case (POST)", seconds, status == 200 and "/stage" not in url, status)

    actions = [
        (20, lambda: get("organisation list", f"/companies/?q={rng.choice(facts.words)}")),
        (8, lambda: get("organisation list", f"/companies/?place={rng.choice(facts.places)}")),
        (20, lambda: get("organisation page", f"/companies/{rng.choice(facts.companies)}")),
        (8, lambda: get("people list", f"/contacts/?q={rng.choice(facts.words)}")),
        (5, lambda: get("person page", f"/contacts/{rng.choice(facts.contacts)}")),
        (8, lambda: get("meetings list", "/meetings/")),
        (10, lambda: get("search", f"/search/?q={rng.choice(facts.words)}")),
        (5, lambda: get("home page", "/")),
        (10, log_meeting),
        (6, move_case),
    ]
    weights = [weight for weight, _ in actions]
    while time.monotonic() < until:
        rng.choices(actions, weights)[0][1]()
        time.sleep(rng.uniform(*think))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _report(tally: Tally, seconds: float) -> bool:
    every = [t for times in tally.times.values() for t in times]
    print(f"\n{'action':<28} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for action in sorted(tally.times):
        times = tally.times[action]
        print(
            f"{action:<28} {len(times):8d} {statistics.median(times) * 1000:8.1f} "
            f"{_percentile(times, 0.95) * 1000:8.1f} {_percentile(times, 0.99) * 1000:8.1f}"
        )
    p95 = _percentile(every, 0.95) * 1000
    print(
        f"{'all':<28} {len(every):8d} {statistics.median(every) * 1000:8.1f} {p95:8.1f} "
        f"{_percentile(every, 0.99) * 1000:8.1f}"
    )
    errors = sum(tally.errors.values())
    print(f"\n{len(every) / seconds:.1f} requests/s over {seconds:.0f} s; errors: {errors}")
    for error, count in tally.errors.most_common():
        print(f"  {count} × {error}")
    return p95 < TARGET_P95_MS and errors == 0


def _check_saved(database: str, tally: Tally) -> bool:
    """Every logged meeting and task is in the database exactly once; nothing unconfirmed."""
    engine = sa.create_engine(database)
    with engine.connect() as connection:
        meetings = Counter(
            row[0]
            for row in connection.execute(
                sa.text("SELECT title FROM meetings WHERE title LIKE 'Lasttest %'")
            )
        )
        tasks = Counter(
            row[0]
            for row in connection.execute(
                sa.text("SELECT title FROM tasks WHERE title LIKE 'Oppfølging %'")
            )
        )
    engine.dispose()
    confirmed_meetings, confirmed_tasks = Counter(tally.meetings), Counter(tally.tasks)
    doubled = [t for t, n in meetings.items() if n > 1] + [t for t, n in tasks.items() if n > 1]
    lost = [t for t in confirmed_meetings if t not in meetings] + [
        t for t in confirmed_tasks if t not in tasks
    ]
    # A save the client saw fail (no answer) may still have committed: listed, not counted lost.
    unconfirmed = [t for t in meetings if t not in confirmed_meetings]
    print(
        f"\nSaved: {len(confirmed_meetings)} meetings and {len(confirmed_tasks)} tasks confirmed; "
        f"in the database {sum(meetings.values())} and {sum(tasks.values())}; "
        f"lost {len(lost)}, doubled {len(doubled)}, saved without a confirmation "
        f"{len(unconfirmed)}"
    )
    return not lost and not doubled


def _gunicorn(args, folder: Path, env: dict, app: str, port: int) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        f"--workers={args.workers}",
        f"--worker-class={args.worker_class}",
        f"--bind=127.0.0.1:{port}",
        "--timeout=120",
        "--log-level=warning",
        app,
    ]
    if args.worker_class == "gthread":
        command.insert(3, f"--threads={args.threads}")
    server = subprocess.Popen(command, cwd=folder, env=env, start_new_session=True)
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except urllib.error.HTTPError:
            return server  # answered: it is up (the hello app has no /healthz)
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def _kill_workers(server: subprocess.Popen, until: float, every: float) -> None:
    """kill -9 one worker at a time, as a crash or the OOM killer would; gunicorn replaces it."""
    killed = 0
    while time.monotonic() + every < until:
        time.sleep(every)
        workers = _children(server.pid)
        if workers:
            os.kill(random.choice(workers), signal.SIGKILL)
            killed += 1
    print(f"  killed {killed} workers with SIGKILL during the run", flush=True)


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _wrk(url: str, seconds: int, cookie: str | None = None) -> tuple[float, str]:
    """Requests per second and wrk's latency line, 2 threads and 8 connections."""
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout=30s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)\s*$", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)\s*$", output, re.MULTILINE)
    if not (rate and p50 and p99):
        raise SystemExit(f"wrk's output was not understood:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    note = f"p50 {p50.group(1)}, p99 {p99.group(1)}"
    if non_2xx:
        note += f"; {non_2xx.group(1)} answers were not 2xx"
    return float(rate.group(1)), note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advisers", type=int, default=20)
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 6.0))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--ceiling-seconds", type=int, default=15)
    parser.add_argument("--companies", type=int, default=11000)
    parser.add_argument("--contacts", type=int, default=25000)
    parser.add_argument("--meetings", type=int, default=60000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--kill-every",
        type=float,
        default=0,
        help="SIGKILL a gunicorn worker this often (seconds; 0: never): errors are expected, "
        "losses and doubles are not",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="load-") as folder:
        folder_path = Path(folder)
        database = args.database_url or f"sqlite:///{folder_path / 'load.sqlite'}"
        env = {
            **os.environ,
            "CRM_ENV": "development",
            "DATABASE_URL": database,
            "SECRET_KEY": "bench-" + "x" * 40,
            "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
            "CRM_INSTANCE_PATH": str(folder_path / "instance"),
        }
        started = time.perf_counter()
        _flask(env, "db", "upgrade")
        _flask(env, "crm", "seed-reference")
        _flask(
            env,
            "crm",
            "generate",
            f"--companies={args.companies}",
            f"--contacts={args.contacts}",
            f"--meetings={args.meetings}",
        )
        emails = [f"adviser{n}@bench.local" for n in range(args.advisers)]
        # One process for every account (a `flask crm create-user` each starts the app 20 times).
        subprocess.run(
            [str(BIN / "python"), "-c", CREATE_USERS, PASSWORD, *emails],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(
            f"Database filled in {time.perf_counter() - started:.0f} s "
            f"({database.split(':')[0]}); gunicorn {args.workers} × {args.worker_class}"
            + (f" ({args.threads} threads)" if args.worker_class == "gthread" else ""),
            flush=True,
        )
        facts = _read_facts(database)
        (folder_path / "bench_wsgi.py").write_text(
            WSGI.format(cache=str(folder_path / "network-cache"))
        )
        (folder_path / "hello_wsgi.py").write_text(HELLO)

        port = _free_port()
        server = _gunicorn(args, folder_path, env, "bench_wsgi:app", port)
        try:
            base = f"http://127.0.0.1:{port}"
            advisers = []
            for email in emails:
                adviser = Adviser(base)
                adviser.sign_in(email)
                advisers.append(adviser)
            tally = Tally()
            until = time.monotonic() + args.duration
            threads = [
                threading.Thread(
                    target=_work, args=(a, facts, tally, until, args.think, n), daemon=True
                )
                for n, a in enumerate(advisers)
            ]
            if args.kill_every:
                threads.append(
                    threading.Thread(
                        target=_kill_workers, args=(server, until, args.kill_every), daemon=True
                    )
                )
            began = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            took = time.monotonic() - began
            fast = _report(tally, took)
            whole = _check_saved(database, tally)

            ceiling_ok = shutil.which("wrk") is not None
            if ceiling_ok:
                cookie = "; ".join(f"{c.name}={c.value}" for c in advisers[0].jar)
                app_rate, app_note = _wrk(f"{base}/companies/", args.ceiling_seconds, cookie)
        finally:
            _stop(server)

        if ceiling_ok:
            port = _free_port()
            hello = _gunicorn(args, folder_path, env, "hello_wsgi:app", port)
            try:
                hello_rate, hello_note = _wrk(f"http://127.0.0.1:{port}/", args.ceiling_seconds)
            finally:
                _stop(hello)
            print(
                f"\nCeiling, 8 connections, no think time, {args.ceiling_seconds} s each:\n"
                f"  bare Flask hello: {hello_rate:.0f} req/s ({hello_note})\n"
                f"  organisation list: {app_rate:.0f} req/s ({app_note})\n"
                f"  the list reaches {app_rate / hello_rate:.1%} of the hello page"
            )
        else:
            print("\nCeiling not measured: wrk is not installed (apt-get install wrk).")
    verdict = "PASS" if fast and whole else "FAIL"
    print(f"\n{verdict}: p95 < {TARGET_P95_MS:.0f} ms, no errors, nothing lost or doubled")
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
