"""Search at Lillestrøm's scale (issue 18): the full-text search page against its SQL floor.

Builds a database through the real migrations (a fresh SQLite file by default, or the
PostgreSQL database given with --database-url), fills it with the synthetic generator (11,000
organisations, 25,000 people, 60,000 meetings, seed 1), serves the app over HTTP on 127.0.0.1,
signs in and times the search page for a handful of realistic queries (topics, the most
common words of the notes, a frequent surname, rare words, numbers, an email), a kind's own
page and the type-ahead. Beside each line:

- hits: every hit of every kind (the page counts each kind up to COUNT_CAP);
- cpu / db cpu: the CPU time of one page in this process (the app, served in a thread, and
  the client) and in PostgreSQL's server processes (read from /proc; PostgreSQL on this
  machine), which the machine's load hardly changes where wall-clock times double;
- floor: the bare full-text SQL (`crm.search.queries.rank_hits`: the ranked ids of every kind,
  as the page asks for them; for the type-ahead its suggest function) on the same database;
- LIKE: the search as it was before the index (three `LIKE '%…%'` queries over organisations,
  people and meetings' titles and notes, 21 rows each), as a second reference.

Target: search page p95 under 50 ms.

    .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py --db /tmp/search-bench.sqlite        # keep and reuse
    createdb -h 127.0.0.1 -U postgres kb_search_bench
    .venv/bin/python bench/search.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/kb_search_bench
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import func, make_url, or_, select, text
from sqlalchemy.orm import Session

from bench.core_records import _build, _nproc, percentiles, signed_in_browser, time_runs
from config import TestingConfig
from crm import create_app
from crm.companies.models import Company
from crm.contacts.models import Contact
from crm.extensions import db
from crm.meetings.models import Meeting
from crm.search import index, queries

TARGET_P95_MS = 50.0


def like_search(session: Session, q: str) -> None:
    """The search page's reads before the full-text index (LIKE, 21 rows per section)."""
    session.scalars(
        select(Company).where(Company.name.icontains(q, autoescape=True)).limit(21)
    ).all()
    session.scalars(
        select(Contact)
        .where(
            or_(
                Contact.name.icontains(q, autoescape=True),
                Contact.email.icontains(q, autoescape=True),
            )
        )
        .limit(21)
    ).all()
    session.scalars(
        select(Meeting)
        .where(
            or_(
                Meeting.title.icontains(q, autoescape=True),
                Meeting.notes.icontains(q, autoescape=True),
            )
        )
        .order_by(Meeting.starts_at.desc())
        .limit(21)
    ).all()


def _surname(session: Session) -> str:
    """The most frequent last name among the generated people (a name many records share)."""
    counts: dict[str, int] = {}
    for (name,) in session.execute(select(Contact.name)):
        last = name.split()[-1]
        counts[last] = counts.get(last, 0) + 1
    return max(sorted(counts), key=counts.__getitem__)


def _queries() -> list[tuple[str, str]]:
    """(what it is, the term): words from the generated notes and records of this database."""
    session = db.session
    company = session.execute(
        select(Company.name, Company.org_number)
        .where(Company.org_number.is_not(None))
        .order_by(Company.id)
        .limit(1)
    ).one()
    person = session.execute(
        select(Contact.email, Contact.phone)
        .where(Contact.email.is_not(None), Contact.phone.is_not(None))
        .order_by(Contact.id)
        .limit(1)
    ).first()
    number = company.org_number
    terms = [
        ("a topic", "hydrogen"),
        ("an inflected form", "byggesaken"),
        ("two common words", "Lillestrøm stasjon"),
        ("a very common word", "selskapet"),
        ("common: as", "as"),
        ("common: møte", "møte"),
        ("common: bygg", "bygg"),
        ("common: lillestrøm", "lillestrøm"),
        ("a frequent surname", _surname(session)),
        ("an organisation's name", company.name.split()[0]),
        ("org number, spaced", f"{number[:3]} {number[3:6]} {number[6:]}"),
        ("a rare word", "varmepumpe"),
    ]
    if person is not None:
        terms.append(("an email", person.email))
        terms.append(("a phone, national", person.phone.removeprefix("+47")))
    return terms


def exact_hits(session: Session, words: list[str]) -> int:
    """Every hit of every kind, counted (the page counts up to COUNT_CAP): the table's column."""
    if session.get_bind().dialect.name == "sqlite":
        sql = f"SELECT count(*) FROM {index.SQLITE_TABLE} WHERE {index.SQLITE_TABLE} MATCH :m"  # noqa: S608
        match = queries._sqlite_match(words)
    else:
        sql = (
            f"SELECT count(*) FROM {index.POSTGRES_TABLE} "  # noqa: S608
            "WHERE document @@ to_tsquery('norwegian', :m)"
        )
        match = queries._postgres_match(words)
    return session.execute(text(sql), {"m": match}).scalar_one()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=11_000)
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--meetings", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument(
        "--like-runs", type=int, default=10, help="runs of the LIKE reference (slow on PostgreSQL)"
    )
    parser.add_argument("--db", type=Path, help="SQLite file to keep; reused if it exists")
    parser.add_argument(
        "--database-url", help="a database URL (PostgreSQL); generated into when it is empty"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="koblingsboks-bench-") as tmp:
        url = args.database_url or f"sqlite:///{args.db or Path(tmp) / 'bench.sqlite'}"
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            dialect = db.engine.dialect.name
            version = (
                sqlite3.sqlite_version
                if dialect == "sqlite"
                else db.session.execute(select(func.version())).scalar_one().split(",")[0]
            )
            print(
                f"Machine: {platform.machine()}, {_nproc()} CPUs, "
                f"Python {platform.python_version()}, {dialect} {version}"
            )
            if db.session.scalar(select(Company.id).limit(1)) is None:
                _build(args)
                if dialect != "sqlite":
                    # What autovacuum does after a bulk load: every table's statistics (the
                    # pages' small queries are planned on them too) and the GIN indexes'
                    # pending lists merged (crm.search.index.refill does the same).
                    with db.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT"
                    ) as connection:
                        connection.exec_driver_sql("VACUUM ANALYZE")
            else:
                print("Reusing the records in the database")
            terms = _queries()
            db.session.remove()

        with signed_in_browser(app) as browser:
            failures = _measure(app, browser, terms, args.runs, args.warmups, args.like_runs)
    sys.exit(1 if failures else 0)


def _database_cpu(database: str | None) -> float:
    """CPU seconds used so far by the server processes of `database` (PostgreSQL on this
    machine, read from /proc; 0 where they cannot be read)."""
    if database is None:
        return 0.0
    total = 0
    marker = f" {database} ".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def _timed(load, runs: int, warmups: int, database: str | None) -> tuple[list[float], float, float]:
    """The wall-clock samples of `runs` loads, and their mean CPU ms per load: this process
    (the app, served in a thread here, and the client) and the database's server processes."""
    for _ in range(warmups):
        load()
    cpu, db_cpu = time.process_time(), _database_cpu(database)
    samples = time_runs(load, runs, 0)
    cpu = (time.process_time() - cpu) / runs * 1000
    return samples, cpu, (_database_cpu(database) - db_cpu) / runs * 1000


def _measure(app, browser, terms, runs: int, warmups: int, like_runs: int) -> int:
    print(f"\n{runs} runs after {warmups} warm-ups; ms; target page p95 < {TARGET_P95_MS:.0f}")
    print(
        "cpu: CPU ms per page in this process (app and client); db cpu: in PostgreSQL's "
        "server processes (mean of the timed runs; - on SQLite, in-process)"
    )
    print(
        f"{'query':<44} {'hits':>6} {'median':>7} {'p95':>7}  {'cpu':>5} {'db cpu':>6}  "
        f"{'floor':>6} {'f.p95':>6} {'ratio':>5}  {'LIKE':>6} {'L.p95':>6}  result"
    )
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    database = None if url.startswith("sqlite") else make_url(url).database
    # (label, path, hits, floor, LIKE reference or None)
    lines = []
    with app.test_request_context():
        for what, term in terms:
            words = queries.search_words(queries.clean_query(term))
            hits = exact_hits(db.session, words)
            db.session.remove()

            def floor(words=words) -> None:
                queries.rank_hits(db.session, words, kind=None, offset=0, limit=queries.PER_KIND)
                db.session.remove()

            def like(term=term) -> None:
                like_search(db.session, term)
                db.session.remove()

            lines.append(
                (f"{what}: {term}", "/search/?" + urlencode({"q": term}), hits, floor, like)
            )
        # A kind's own page (the second of meetings for a common word) and the type-ahead.
        words = queries.search_words("møte")

        def kind_floor(words=words) -> None:
            queries.rank_hits(
                db.session, words, kind="meetings", offset=queries.PER_PAGE, limit=queries.PER_PAGE
            )
            db.session.remove()

        path = "/search/?" + urlencode({"q": "møte", "kind": "meetings", "page": 2})
        lines.append(
            ("kind page 2: møte, meetings", path, exact_hits(db.session, words), kind_floor, None)
        )
        for kind, prefix in (("companies", "Ber"), ("contacts", "Han"), ("meetings", "Lill")):

            def suggest_floor(kind=kind, prefix=prefix) -> None:
                queries.SUGGESTERS[kind](db.session, prefix)
                db.session.remove()

            path = "/search/suggest?" + urlencode({"type": kind, "q": prefix})
            lines.append((f"type-ahead {kind}: {prefix}", path, None, suggest_floor, None))
        db.session.remove()

    failures = 0
    for label, path, hits, floor, like in lines:

        def load(path: str = path) -> None:
            status, _ = browser.request("GET", path)
            if status != 200:
                raise SystemExit(f"GET {path} answered HTTP {status}")

        load()
        samples, cpu, db_cpu = _timed(load, runs, warmups, database)
        page_median, page_p95 = percentiles(samples)
        db_text = f"{db_cpu:6.1f}" if database else f"{'-':>6}"
        with app.test_request_context():
            floor_median, floor_p95 = percentiles(time_runs(floor, runs, warmups))
            like_text = f"{'-':>6} {'-':>6}"
            if like is not None:
                like_median, like_p95 = percentiles(time_runs(like, like_runs, 1))
                like_text = f"{like_median:6.1f} {like_p95:6.1f}"
        ratio = page_median / floor_median if floor_median else float("inf")
        verdict = "PASS" if page_p95 < TARGET_P95_MS else "FAIL"
        failures += verdict == "FAIL"
        hits_text = "-" if hits is None else str(hits)
        print(
            f"{label[:44]:<44} {hits_text:>6} {page_median:7.1f} {page_p95:7.1f}  "
            f"{cpu:5.1f} {db_text}  "
            f"{floor_median:6.1f} {floor_p95:6.1f} {ratio:5.1f}  {like_text}  {verdict}",
            flush=True,
        )
    return failures


if __name__ == "__main__":
    main()
