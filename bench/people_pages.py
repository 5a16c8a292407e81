"""People, meetings, tasks and cases pages in process (issue 17 part 1), on either database.

Serves the app in this process through Flask's test client (no HTTP server), signed in as an
editor, and times the people list (every sort, a search, an organisation filter), a person's
page, the meetings list (bare and filtered), a meeting's page, the tasks list, the cases list, a
case's page, the stage form and the move-case POST. For each page it prints the median and p95
of the wall time and of the process's CPU time, the number of SQL statements, the median time
spent in SQL and the slowest statement's time. The floor is the app's bare health check
(`/healthz`, one request through the same stack), so the ratio says what the page adds.
Target: p95 < 50 ms. On a busy machine judge by CPU and SQL time, not by the wall clock.

The database must be filled already (`flask crm generate` at Lillestrøm's scale), or pass
`--fill` to run the migrations and the generator into an empty one first:

    createdb -h 127.0.0.1 -U postgres kb_pages
    .venv/bin/python bench/people_pages.py --fill \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/kb_pages
    .venv/bin/python bench/people_pages.py --fill      # SQLite in a temporary folder
    .venv/bin/python bench/people_pages.py --database-url ... --explain   # plans of slow SQL
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, func, select

TARGET_P95_MS = 50.0
EMAIL = "pages-bench@lillestrom.kommune.no"
PASSWORD = "benchmark password 2026"  # noqa: S105 - a throwaway account in a bench database
_CSRF = re.compile(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Statements:
    """Every SQL statement the engine runs, with its time, while `on` is set."""

    def __init__(self, engine) -> None:
        self.on = False
        self.seen: list[tuple[float, str, object]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        started = conn.info["bench_started"].pop()
        if self.on:
            self.seen.append((time.perf_counter() - started, statement, parameters))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _fill(env: dict) -> None:
    root = Path(__file__).resolve().parents[1]
    flask = [str(root / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    for command in (
        ["db", "upgrade"],
        ["crm", "seed-reference"],
        ["crm", "generate", "--companies=11000", "--contacts=25000", "--meetings=60000"],
    ):
        subprocess.run([*flask, *command], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)


def _ensure_user_and_cases(app) -> None:
    """The bench's editor and 300 open cases to move (the generator makes none), once."""
    from crm.auth import services as auth_services
    from crm.auth.models import User
    from crm.common.dates import local_today
    from crm.companies.models import Company
    from crm.establishments import services as cases
    from crm.extensions import db

    with app.app_context():
        session = db.session
        if session.scalar(select(User).where(User.email == EMAIL)) is not None:
            return
        auth_services.create_user(
            session, email=EMAIL, name="Pages Bench", role="editor", password=PASSWORD
        )
        ids = session.scalars(select(Company.id).order_by(Company.id).limit(900)).all()
        rng = random.Random(1)
        for _ in range(300):
            cases.create_case(session, company_id=rng.choice(ids), opened_on=local_today())
        session.commit()


def _sign_in(client) -> None:
    page = client.get("/auth/login")
    token = _CSRF.search(page.data).group(1).decode()
    answer = client.post(
        "/auth/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    if answer.status_code != 302:
        raise SystemExit(f"Signing in failed (HTTP {answer.status_code}).")


def _facts(app) -> dict:
    from crm.companies.models import Company
    from crm.contacts.models import Affiliation
    from crm.establishments.models import EstablishmentCase, Stage
    from crm.extensions import db
    from crm.meetings.models import Meeting, meeting_contacts

    with app.app_context():
        s = db.session
        busy_contact = s.execute(
            select(meeting_contacts.c.contact_id, func.count().label("n"))
            .group_by(meeting_contacts.c.contact_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        busy_company = s.execute(
            select(Affiliation.company_id, func.count().label("n"))
            .group_by(Affiliation.company_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        open_stages = s.scalars(
            select(Stage.id).where(Stage.outcome == "open").order_by(Stage.position)
        ).all()
        case = s.scalar(
            select(EstablishmentCase.id)
            .where(EstablishmentCase.stage_id.in_(open_stages))
            .order_by(EstablishmentCase.id)
            .limit(1)
        )
        meeting = s.scalar(select(func.max(Meeting.id)))
        company = s.get(Company, busy_company.company_id)
        return {
            "contact": busy_contact.contact_id,
            "contact_meetings": busy_contact.n,
            "company": company.id,
            "company_people": busy_company.n,
            "meeting": meeting,
            "case": case,
            "open_stages": list(open_stages),
        }


def _cases(facts: dict) -> list[tuple[str, str | Callable]]:
    """(label, path or a POST's preparation) for every measured page."""
    company = facts["company"]
    pages: list[tuple[str, str | Callable]] = [
        ("floor: /healthz", "/healthz"),
        ("people list (name)", "/contacts/?sort=name"),
        ("people list -name", "/contacts/?sort=-name"),
        ("people list last contacted", "/contacts/?sort=last_contacted"),
        ("people list -last contacted", "/contacts/?sort=-last_contacted"),
        ("people list -updated", "/contacts/?sort=-updated"),
        ("people list page 300", "/contacts/?page=300"),
        ("people list ?q=haugen", "/contacts/?q=haugen"),
        ("people list ?q=sol", "/contacts/?q=sol"),
        (
            f"people list org ({facts['company_people']} people)",
            f"/contacts/?company_id={company}&include_former=y&sort=-last_contacted",
        ),
        (f"person page ({facts['contact_meetings']} meetings)", f"/contacts/{facts['contact']}"),
        ("meetings list", "/meetings/?page=1"),
        ("meetings list ?q=energi", "/meetings/?q=energi"),
        ("meetings list org", f"/meetings/?company_id={company}"),
        ("meetings list page 100", "/meetings/?page=100"),
        ("meeting page", f"/meetings/{facts['meeting']}"),
        ("tasks list", "/tasks/?include_done=y"),
        ("cases list", "/establishments/?page=1"),
        ("case page", f"/establishments/{facts['case']}"),
        ("case stage form", f"/establishments/{facts['case']}/stage"),
        ("move case (POST)", _move_case(facts)),
    ]
    return pages


def _move_case(facts: dict) -> Callable:
    """A POST moving the case between its first two open stages: (path, form) before timing."""
    turn = iter(range(10**9))

    def prepare(client) -> tuple[str, dict]:
        path = f"/establishments/{facts['case']}/stage"
        token = _CSRF.search(client.get(path).data).group(1).decode()
        stage = facts["open_stages"][next(turn) % 2]
        return path, {"csrf_token": token, "stage_id": stage, "confirmed": "y"}

    return prepare


def main() -> None:
    """Measure the pages and print the table; exit 1 when a page misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--fill", action="store_true", help="migrate and generate first")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow SQL (PG)")
    parser.add_argument("--only", default="", help="only pages whose label contains this")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="pages-")
    database = args.database_url or f"sqlite:///{folder}/pages.sqlite"
    os.environ.update(
        {
            "CRM_ENV": "development",
            "DATABASE_URL": database,
            "SECRET_KEY": "bench-" + "x" * 40,
            "CRM_INSTANCE_PATH": f"{folder}/instance",
        }
    )
    from crm import create_app
    from crm.extensions import db

    if args.fill:
        _fill(dict(os.environ))
    app = create_app(RATELIMIT_ENABLED=False)
    _ensure_user_and_cases(app)
    facts = _facts(app)
    with app.app_context():
        statements = Statements(db.engine)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nb"
    _sign_in(client)

    print(f"{database.split(':')[0]}; load average {os.getloadavg()[0]:.2f}; times in ms")
    print(
        f"{'page':<40} {'median':>7} {'p95':>7} {'cpu med':>7} {'cpu p95':>7} {'ratio':>6} "
        f"{'sql':>4} {'sql ms':>6} {'slowest':>7}  result"
    )
    floor = None
    failures = 0
    slow: dict[str, tuple[float, str, object]] = {}
    for label, path in _cases(facts):
        if args.only and args.only not in label and not label.startswith("floor"):
            continue
        wall, cpu, counts, in_sql = [], [], [], []
        for n in range(args.warmups + args.runs):
            form = None
            if callable(path):
                url, form = path(client)
            else:
                url = path
            statements.seen.clear()
            statements.on = True
            started, started_cpu = time.perf_counter(), time.process_time()
            answer = client.post(url, data=form) if form is not None else client.get(url)
            elapsed = time.perf_counter() - started
            elapsed_cpu = time.process_time() - started_cpu
            statements.on = False
            if answer.status_code != (302 if form is not None else 200):
                raise SystemExit(f"{url} answered HTTP {answer.status_code}")
            if n >= args.warmups:
                wall.append(elapsed * 1000)
                cpu.append(elapsed_cpu * 1000)
                counts.append(len(statements.seen))
                in_sql.append(sum(seconds for seconds, _s, _p in statements.seen) * 1000)
                worst = max(statements.seen, default=(0.0, "", None), key=lambda s: s[0])
                if worst[0] > slow.get(label, (0.0,))[0]:
                    slow[label] = worst
        median, p95 = statistics.median(wall), _percentile(wall, 0.95)
        if floor is None:
            floor = median
        verdict = "PASS" if p95 < TARGET_P95_MS else "FAIL"
        failures += verdict == "FAIL"
        print(
            f"{label:<40} {median:7.1f} {p95:7.1f} {statistics.median(cpu):7.1f} "
            f"{_percentile(cpu, 0.95):7.1f} {median / floor:6.1f} {max(counts):4d} "
            f"{statistics.median(in_sql):6.1f} "
            f"{slow.get(label, (0.0,))[0] * 1000:7.1f}  {verdict}",
            flush=True,
        )
    if args.explain and database.startswith("postgresql"):
        with app.app_context():
            connection = db.session.connection().connection.driver_connection
            for label, (seconds, statement, parameters) in slow.items():
                if seconds < 0.005:
                    continue
                print(f"\n--- {label}: {seconds * 1000:.1f} ms\n{statement}\n{parameters}")
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN ANALYZE " + statement, parameters)
                    for (line,) in cursor.fetchall():
                        print(line)
            db.session.rollback()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
