"""The whole country on PostgreSQL (issue 17, part 3): the national register, pages under 50 ms.

Steps, each skipped with --reuse when the database already holds what it makes:
1. Migrate the database (`flask db upgrade`, `crm seed-reference`), in child processes.
2. Write the synthetic national register with bench/brreg_file.py (1.2 million main units and
   about 0.53 million sub-units, seed 1) unless the files are in --files already, and import
   both with `flask crm import-brreg FILE --all-municipalities`, each in a child process that
   is timed (wall clock, CPU) and whose peak memory is read from its own rusage (ru_maxrss).
3. Add the department's records at ten times Lillestrøm's scale with `crm.demo.generate`
   (110,000 organisations with places, sectors and advisers, 250,000 people, 600,000 meetings,
   their links, clusters and tasks; seed 1). The generator makes organisations of its own: it
   cannot attach people and meetings to organisations it did not make, so the register's 1.73
   million units are the bulk of the organisations table, and the generated ones those the
   department works with.
4. VACUUM ANALYZE (what autovacuum does after a bulk load).
5. Serve the app on 127.0.0.1, sign in, and time each page over HTTP (warm-ups, then --runs
   runs: median and p95), with the page's query function run directly as its floor. Then
   EXPLAIN (ANALYZE, BUFFERS) every SQL statement the floor runs (captured as it runs), print
   the plans, and print a WARNING line for every sequential scan on a big table.

Target: p95 under 50 ms per page. Exit status 1 when a page misses it or is missing.

    createdb -h 127.0.0.1 -U postgres kb_national
    .venv/bin/python bench/national.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/kb_national
    .venv/bin/python bench/national.py --database-url … --reuse      # measure again
    .venv/bin/python bench/national.py --database-url … --reuse --only 'organisation page'
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    # Run as a script: make the repository importable without installing it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import event, func, make_url, select

from bench import brreg_file
from bench.core_records import (
    EMAIL,
    PASSWORD,
    TARGET_P95_MS,
    _nproc,
    percentiles,
    signed_in_browser,
    time_runs,
)
from config import TestingConfig
from crm import create_app
from crm.auth import services as auth_services
from crm.auth.models import User
from crm.companies.models import Company, Place, Sector, company_sectors
from crm.companies.page import company_page
from crm.contacts.models import Contact
from crm.demo.generate import generate
from crm.extensions import db
from crm.meetings.models import meeting_companies

ROOT = Path(__file__).resolve().parents[1]
BIG_TABLES = ("companies", "contacts", "meetings", "meeting_companies", "meeting_contacts")
BIG_TABLES += ("affiliations", "search_index", "company_sectors", "changes", "change_records")
_SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
SCALE = 10  # times Lillestrøm's 11,000 / 25,000 / 60,000


def main() -> None:
    """Parse the arguments, build or reuse the database, measure; exit 1 on a miss."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="postgresql+psycopg://…")
    parser.add_argument("--reuse", action="store_true", help="skip the steps already done")
    parser.add_argument("--files", type=Path, default=Path(tempfile.gettempdir()) / "kb-national")
    parser.add_argument("--units", type=int, default=1_200_000, help="main units to write")
    parser.add_argument("--companies", type=int, default=11_000 * SCALE)
    parser.add_argument("--contacts", type=int, default=25_000 * SCALE)
    parser.add_argument("--meetings", type=int, default=60_000 * SCALE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--no-explain", action="store_true", help="leave the plans out")
    parser.add_argument("--only", help="only the pages whose label matches this regex")
    parser.add_argument(
        "--explain-only", action="store_true", help="only the plans, no timed runs (a busy machine)"
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("--database-url must name a PostgreSQL database")

    env = {**os.environ, "DATABASE_URL": args.database_url}
    env.setdefault("SECRET_KEY", "national-bench-" + "x" * 40)
    _child(env, "db", "upgrade")
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=args.database_url)
    with app.app_context():
        upgrade()  # already done by the child; binds Alembic's view for this process
        version = db.session.execute(select(func.version())).scalar_one().split(",")[0]
        print(
            f"Machine: {platform.machine()}, {_nproc()} CPUs, Python {platform.python_version()},"
            f" {version}; load average {_load()}"
        )
        has_units = db.session.scalar(select(Company.id).where(Company.org_number.is_not(None)))
        has_people = db.session.scalar(select(Contact.id).limit(1))
        db.session.remove()
        if (has_units or has_people) and not args.reuse:
            raise SystemExit("The database holds records: give --reuse, or a fresh database.")
        loaded = False
        if not has_units:
            _child(env, "crm", "seed-reference")
            _import_register(env, args)
            loaded = True
        if not has_people:
            _fill(args)
            loaded = True
        if loaded:
            _vacuum_analyze()
        _ensure_user()
        _describe()
        cases = _cases()
        if args.only:
            cases = [case for case in cases if re.search(args.only, case[0])]
        db.session.remove()

    failures = 0
    if not args.explain_only:
        with signed_in_browser(app) as browser:
            failures = _measure(app, browser, cases, args.runs, args.warmups)
    if not args.no_explain:
        with app.app_context(), app.test_request_context():
            _explain_all(cases)
    sys.exit(1 if failures else 0)


# --- building ---------------------------------------------------------------------------------


def _child(env: dict[str, str], *command: str) -> tuple[float, float, float]:
    """Run `flask --app wsgi …` in a child; return its wall seconds, CPU seconds and peak MB."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    output = process.stdout.read() if process.stdout else ""
    # wait4: this child's own rusage (RUSAGE_CHILDREN would be the maximum over all children).
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode:
        print(output)
        raise SystemExit(f"flask {' '.join(command)} failed with status {process.returncode}")
    if command[:2] == ("crm", "import-brreg"):
        print(output.rstrip())
    # ru_maxrss is in kilobytes on Linux.
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _import_register(env: dict[str, str], args: argparse.Namespace) -> None:
    """Write the national files (unless there) and import both, timed in child processes."""
    args.files.mkdir(parents=True, exist_ok=True)
    main_file = args.files / f"enheter-{args.units}-{args.seed}.csv.gz"
    sub_file = args.files / f"underenheter-{args.units}-{args.seed}.csv.gz"
    if not (main_file.exists() and sub_file.exists()):
        started = time.perf_counter()
        _, subs = brreg_file.write(main_file, args.units, args.seed, sub_file)
        print(
            f"Wrote {args.units:,} main units and {subs:,} sub-units in "
            f"{time.perf_counter() - started:.0f} s"
        )
    for label, path in (("main units", main_file), ("sub-units", sub_file)):
        wall, cpu, peak = _child(env, "crm", "import-brreg", str(path), "--all-municipalities")
        print(
            f"IMPORT {label}: {wall:.0f} s wall, {cpu:.0f} s CPU in the importer, "
            f"peak memory {peak:.0f} MB (load average {_load()})",
            flush=True,
        )
        # The import ends with ANALYZE itself (crm.imports.brreg.refresh_statistics_after): with
        # the statistics of an empty table the sub-units' parent lookups (org_number IN …, a
        # batch at a time) would be planned as sequential scans, seconds each.


def _fill(args: argparse.Namespace) -> None:
    """The department's records at ten times Lillestrøm's scale, in one transaction."""
    started, cpu = time.perf_counter(), time.process_time()
    counts = generate(
        db.engine,
        companies=args.companies,
        contacts=args.contacts,
        meetings=args.meetings,
        seed=args.seed,
    )
    print(
        f"Generated in {time.perf_counter() - started:.0f} s ({time.process_time() - cpu:.0f} s "
        "CPU): " + ", ".join(f"{counts[k]:,} {k}" for k in sorted(counts))
    )


def _vacuum_analyze() -> None:
    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE: {time.perf_counter() - started:.0f} s")


def _ensure_user() -> None:
    if db.session.scalar(select(User.id).where(User.email == EMAIL)) is None:
        auth_services.create_user(
            db.session, email=EMAIL, name="Benchmark", role="editor", password=PASSWORD
        )
        db.session.commit()


def _describe() -> None:
    """What the database holds (estimates from the statistics: a count(*) would scan)."""
    rows = db.session.connection().exec_driver_sql(
        "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)"
        " ORDER BY reltuples DESC",
        (list(BIG_TABLES),),
    )
    sizes = (
        db.session.connection()
        .exec_driver_sql("SELECT pg_size_pretty(pg_database_size(current_database()))")
        .scalar_one()
    )
    print(f"Database {sizes}: " + ", ".join(f"{name} ~{n:,}" for name, n in rows))


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


# --- the pages --------------------------------------------------------------------------------


def _cases() -> list[tuple[str, str, Callable[[], object]]]:
    """(label, path, floor) for every measured page; run inside an app context."""
    from crm.companies import queries as companies
    from crm.search import queries as search

    session = db.session
    place = session.execute(
        select(Place.id, Place.name)
        .join(Company, Company.place_id == Place.id)
        .group_by(Place.id, Place.name)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    sector = session.execute(
        select(Sector.id, Sector.name)
        .join(company_sectors, company_sectors.c.sector_id == Sector.id)
        .group_by(Sector.id, Sector.name)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    per_company = (
        select(meeting_companies.c.company_id, func.count().label("n"))
        .group_by(meeting_companies.c.company_id)
        .subquery()
    )
    hub = session.execute(
        select(per_company.c.company_id, per_company.c.n).order_by(per_company.c.n.desc()).limit(1)
    ).one()
    # A mid-size organisation: the busiest with at most a fifth of the hub's meetings. Ordered
    # by the meeting's own start, its timeline walked far more of the meetings than the hub's.
    mid = session.execute(
        select(per_company.c.company_id, per_company.c.n)
        .where(per_company.c.n <= hub.n // 5)
        .order_by(per_company.c.n.desc())
        .limit(1)
    ).one()
    # A register main unit with many sub-units (a chain): its page lists them.
    chain = session.execute(
        select(Company.parent_id, func.count().label("n"))
        .where(Company.parent_id.is_not(None))
        .group_by(Company.parent_id)
        .order_by(func.count().desc())
        .limit(1)
    ).first()
    filters = companies.CompanyFilters

    def floor(function, **kwargs) -> Callable[[], object]:
        return lambda: function(db.session, **kwargs)

    listing = companies.list_companies
    chains = []
    if chain is not None:  # no sub-units imported yet
        chains.append(
            (
                f"organisation page, chain ({chain.n:,} sub-units)",
                f"/companies/{chain.parent_id}",
                floor(company_page, company_id=chain.parent_id),
            )
        )
    return [
        (
            "list ?q=bygg&kind=company",
            "/companies/?q=bygg&kind=company",
            floor(listing, filters=filters(q="bygg", kind="company")),
        ),
        (
            "list ?q=havbris energi (rare)",
            "/companies/?" + urlencode({"q": "havbris energi"}),
            floor(listing, filters=filters(q="havbris energi")),
        ),
        (
            "list ?q=<orgnr>",
            "/companies/?q=100000024",
            floor(listing, filters=filters(q="100000024")),
        ),
        (
            f"list ?place={place.name}&sort=name",
            "/companies/?" + urlencode({"place": place.id, "sort": "name"}),
            floor(listing, filters=filters(place_id=place.id), sort="name"),
        ),
        (
            f"list ?sector={sector.name}",
            "/companies/?" + urlencode({"sector": sector.id}),
            floor(listing, filters=filters(sector_id=sector.id)),
        ),
        (
            "list ?kind=research",
            "/companies/?kind=research",
            floor(listing, filters=filters(kind="research")),
        ),
        # A bare /companies/ reopens the user's last filter (a redirect): ask for the order.
        ("list, no filter, by name", "/companies/?sort=name", floor(listing, filters=filters())),
        (
            f"organisation page, hub ({hub.n:,} meetings)",
            f"/companies/{hub.company_id}",
            floor(companies.company_timeline, company_id=hub.company_id),
        ),
        (
            f"organisation page, mid-size ({mid.n:,} meetings)",
            f"/companies/{mid.company_id}",
            floor(companies.company_timeline, company_id=mid.company_id),
        ),
        *chains,
        (
            "suggest companies q=Ber",
            "/search/suggest?type=companies&q=Ber",
            floor(search.suggest_companies, q="Ber"),
        ),
        (
            "suggest companies q=fjord",
            "/search/suggest?type=companies&q=fjord",
            floor(search.suggest_companies, q="fjord"),
        ),
        ("search page q=haugen", "/search/?q=haugen", floor(search.search_page, q="haugen")),
        ("search page q=nordlys", "/search/?q=nordlys", floor(search.search_page, q="nordlys")),
    ]


class CpuMeter:
    """CPU time of this process (client, and the app served in a thread of it) plus that of
    every PostgreSQL backend of the database: on a shared machine the wall clock stretches with
    the load, the CPU spent much less. Linux /proc; backends in ticks of 10 ms, so it is read
    over all the runs of a line and divided."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.tick = os.sysconf("SC_CLK_TCK")

    def _backends(self) -> float:
        pids = db.session.connection().exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)
        )
        total = 0.0
        for (pid,) in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a backend that ended meanwhile
            total += (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime
        db.session.remove()
        return total

    def timed(
        self, function: Callable[[], None], runs: int, warmups: int
    ) -> tuple[float, float, float]:
        """Median and p95 wall-clock ms of `function` (core_records.time_runs), and its mean CPU
        ms over the same calls (warm-ups included)."""
        backends, own = self._backends(), time.process_time()
        samples = time_runs(function, runs, warmups)
        spent = time.process_time() - own + self._backends() - backends
        return *percentiles(samples), spent * 1000 / (runs + warmups)


def _measure(app, browser, cases, runs: int, warmups: int) -> int:
    meter = CpuMeter(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    print(
        f"\n{runs} runs after {warmups} warm-ups; times in ms; target p95 < {TARGET_P95_MS:.0f} ms;"
        f" load average {_load()}"
    )
    print("cpu: mean CPU per run of this process and the database's backends (see CpuMeter)")
    print(
        f"{'page':<44} {'median':>7} {'p95':>7} {'cpu':>6}   {'floor med':>9} {'floor p95':>9} "
        f"{'f.cpu':>6} {'ratio':>6}  result"
    )
    failures = 0
    for label, path, floor in cases:
        status, _ = browser.request("GET", path)
        if status != 200:
            print(f"{label:<44} MISSING: GET {path} answered HTTP {status}")
            failures += 1
            continue

        def load(path: str = path) -> None:
            status, _ = browser.request("GET", path)
            if status != 200:
                raise SystemExit(f"GET {path} answered HTTP {status}")

        with app.app_context():
            page_median, page_p95, page_cpu = meter.timed(load, runs, warmups)
        with app.test_request_context():

            def run_floor(floor=floor) -> None:
                floor()
                db.session.remove()  # no identity-map help between runs

            floor_median, floor_p95, floor_cpu = meter.timed(run_floor, runs, warmups)
        ratio = page_median / floor_median if floor_median else float("inf")
        verdict = "PASS" if page_p95 < TARGET_P95_MS else "FAIL"
        failures += verdict == "FAIL"
        print(
            f"{label:<44} {page_median:7.1f} {page_p95:7.1f} {page_cpu:6.1f}   {floor_median:9.1f} "
            f"{floor_p95:9.1f} {floor_cpu:6.1f} {ratio:6.1f}  {verdict}",
            flush=True,
        )
    print(f"load average after the runs: {_load()}")
    return failures


# --- the plans --------------------------------------------------------------------------------


def _explain_all(cases) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) each statement of each floor; warn of big sequential scans."""
    warnings = 0
    for label, _, floor in cases:
        statements = _captured(floor)
        print(f"\n=== {label}: {len(statements)} statements")
        for number, (sql, parameters) in enumerate(statements, start=1):
            connection = db.session.connection()
            plan = [
                row[0]
                for row in connection.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + sql, parameters
                )
            ]
            db.session.rollback()
            print(f"--- {number}: {' '.join(sql.split())[:300]}")
            print("\n".join(plan))
            for line in plan:
                match = _SEQ_SCAN.search(line)
                if match and match.group(1) in BIG_TABLES:
                    warnings += 1
                    print(f"WARNING: {label}, statement {number}: {line.strip()}")
    print(f"\n{warnings} sequential scans on big tables")


def _captured(floor: Callable[[], object]) -> list[tuple[str, object]]:
    """The SQL statements (with their parameters) that one run of `floor` sends."""
    statements: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        floor()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
        db.session.remove()
    return statements


if __name__ == "__main__":
    main()
