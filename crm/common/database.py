"""Engine set-up that must hold on every connection."""

from __future__ import annotations

import re
import time
from functools import lru_cache

from flask import Flask
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from crm.common.folding import register_sqlite_fold

# Indexes that their own migrations make and the models do not declare, so autogenerate leaves
# them out by name: expression indexes (Alembic cannot reflect them on SQLite) on the name as
# crm.common.folding folds it, which serve the lists' default sort, and PostgreSQL's pg_trgm
# indexes, which serve the lists' searches (a folded column LIKE '%term%').
EXPRESSION_INDEXES = frozenset(
    {
        "ix_companies_folded_name",  # 7c3f9a1e5b20, both databases
        "ix_contacts_name_folded",  # 7c1e5a9d2b40 PostgreSQL, 7d2a6c1f9e35 SQLite
        "ix_contacts_name_trgm",
        "ix_contacts_email_trgm",
        "ix_meetings_title_trgm",
        "ix_meetings_notes_trgm",
        "ix_companies_name_trgm",  # 7c1e9a4b2d60, PostgreSQL
        # 9d4b2f7a1c63, PostgreSQL: by chunk of ids (crm.companies.queries.NAME_CHUNKS)
        *(f"ix_companies_name_trgm_{n}" for n in range(8)),
        "ix_tasks_open_by_due",  # 5b8d3e7a1c94, both: a user's open tasks by due date
    }
)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's autogenerate filter: the search index, the graph's and the reference data's
    versions and the expression indexes are not models."""
    from crm.common.reference import REFERENCE
    from crm.network import version
    from crm.search import index  # the search feature imports the models; this module does not

    if type_ == "index" and name in EXPRESSION_INDEXES:
        return False
    return (
        version.include_name(name, type_)
        and REFERENCE.include_name(name, type_)
        and index.include_name(name, type_, parent_names)
    )


class _BitOr:
    """PostgreSQL's bit_or aggregate for SQLite: the bitwise OR of a group's integers (NULL
    skipped), which the reports use to merge the strategy masks of an organisation's meetings."""

    def __init__(self) -> None:
        self.value: int | None = None

    def step(self, value: int | None) -> None:
        if value is not None:
            self.value = (self.value or 0) | value

    def finalize(self) -> int | None:
        return self.value


def configure_sqlite(app: Flask, engine: Engine) -> None:
    """Turn on foreign keys, WAL and a busy timeout, and add crm.common.folding's function and
    the bit_or aggregate, on every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record) -> None:
        # SQLite leaves foreign keys off per connection; an orphan row would be accepted.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        register_sqlite_fold(dbapi_connection)
        dbapi_connection.create_aggregate("bit_or", 1, _BitOr)


# A write of at least this many rows is followed by ANALYZE on PostgreSQL (see below).
BULK_WRITE_ROWS = 10_000


def refresh_statistics(session: Session) -> None:
    """ANALYZE on PostgreSQL, after a bulk write is committed (commits).

    Autovacuum gathers statistics only some time after a bulk load; until then the planner
    takes the tables for empty and picks plans that read every meeting once per person on the
    people list (2.4 s instead of 5 ms), or scan every organisation of a national register. The
    generator and large register imports call it; SQLite keeps its planner's defaults.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()


# A connection back from the pool after this long idle is asked whether it still answers.
IDLE_PING_SECONDS = 5.0


def ping_after_idle(engine: Engine) -> None:
    """Before a pooled connection that sat idle for IDLE_PING_SECONDS is used, check that the
    server still answers it; a dead one is replaced before the request sees it.

    The pool's own `pre_ping` asks before every checkout: a round trip (and, on psycopg, two
    changes of autocommit) per request, about a tenth of a millisecond of each side's CPU, on
    every page. What it guards against happens to idle connections: the server restarted, a
    firewall or PgBouncer closed them. A connection back in the pool within the last seconds
    was answered then; under load none is asked, with a few advisers at work nearly all are.
    SQLite's file needs no asking.
    """
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record) -> None:
        record.info["idle_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        idle_from = record.info.get("idle_from")
        if idle_from is None or time.monotonic() - idle_from < IDLE_PING_SECONDS:
            return  # new, or back from a request moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool throws the connection away and checks out another (SQLAlchemy's
            # PoolEvents.checkout); if the server is down, connecting fails as before.
            raise exc.DisconnectionError(str(error)) from error


# A statement PostgreSQL can run outside a transaction block with the same result: a plain
# read. Not a read that locks rows (FOR UPDATE/SHARE) or takes a transaction's advisory lock,
# nor one that changes a setting for the transaction (set_config(…, true)): outside a block,
# each would end with the statement.
_PLAIN_READ = re.compile(r"\s*(SELECT|SHOW)\b", re.IGNORECASE)
_HOLDS_UNTIL_COMMIT = re.compile(
    r"\bFOR\s+(UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b|\bpg_advisory_xact|\bset_config\b",
    re.IGNORECASE,
)


def begin_before_writes(engine: Engine) -> None:
    """On PostgreSQL, open a transaction's block at its first statement that is not a plain
    read, not at its first statement.

    psycopg opens a block (BEGIN) before a transaction's first statement and Flask-SQLAlchemy
    ends every request with ROLLBACK or COMMIT: two round trips on every page, however little
    it reads (measured with psycopg alone on a 2-core host: BEGIN, a SELECT and COMMIT 377 µs
    wall, 174 µs of the client's CPU, against 127 / 69 µs for the SELECT alone). Most requests
    only read. Under READ COMMITTED, PostgreSQL's default and ours, every statement takes its
    own snapshot inside a block as outside one, so reads outside a block return the same rows.

    So each connection is in psycopg's autocommit mode while checked out, and the block is
    opened here, by a BEGIN of its own, just before the first statement that needs one: a
    write, DDL, SET LOCAL, a savepoint, a read that locks (above), a server-side cursor
    (exports' streamed reads). From there on the transaction is whole as before: psycopg's
    commit() and rollback() send COMMIT or ROLLBACK whenever the server has a block open,
    whatever the mode (its Connection._commit_gen), and do nothing when it has none. A
    connection given an isolation level of its own (`execution_options(isolation_level=…)`,
    Alembic's autocommit blocks) is left as SQLAlchemy set it, and so is every connection
    when the server's or the engine's default isolation is stricter than READ COMMITTED (one
    snapshot per transaction, which reads outside a block would not share). Tests:
    tests/common/test_transaction_blocks.py (PostgreSQL).
    """
    if engine.dialect.name != "postgresql":
        return
    psycopg = engine.dialect.loaded_dbapi
    idle = psycopg.pq.TransactionStatus.IDLE
    read_committed = psycopg.IsolationLevel.READ_COMMITTED

    @event.listens_for(engine, "checkout")
    def _reads_outside_blocks(dbapi_connection, _record, _proxy) -> None:
        if engine.dialect.default_isolation_level != "READ COMMITTED" or (
            dbapi_connection.isolation_level not in (None, read_committed)
        ):
            return  # one snapshot per transaction (server's or engine's default): blocks kept
        # A checked-in connection has no block open (the pool's reset rolled it back).
        dbapi_connection.autocommit = True

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_if_needed(connection, cursor, statement, _parameters, _context, _many) -> None:
        # DECLARE (a server-side cursor: exports' streamed reads) needs a block too.
        if not _needs_block(statement) and not isinstance(cursor, psycopg.ServerCursor):
            return
        dbapi_connection = cursor.connection
        if not dbapi_connection.autocommit or dbapi_connection.pgconn.transaction_status != idle:
            return  # a block is open, or SQLAlchemy manages this connection's isolation
        if not connection.in_transaction() or "isolation_level" in (
            connection.get_execution_options()
        ):
            return  # AUTOCOMMIT asked for: every statement on its own, as asked
        dbapi_connection.execute(b"BEGIN")


@lru_cache(maxsize=1024)
def _needs_block(statement: str) -> bool:
    """Whether `statement` must run in a transaction block (see _PLAIN_READ), per statement's
    text: searching a page's long statements on every run was 3 % of the organisation page."""
    return not _PLAIN_READ.match(statement) or _HOLDS_UNTIL_COMMIT.search(statement) is not None


def without_parallel_workers(session: Session) -> None:
    """On PostgreSQL, plan the rest of the transaction's statements without parallel workers.

    Pages that read a few rows of a big table along an index are planned, at the national
    scale, with a Gather whose workers' start costs more than the statements themselves: a
    hub's timeline walks the meetings newest first until its page is full (17–28 ms alone
    against 55–89 ms with two workers, each walking its own share past the page), the
    organisation list's sector filter (0.6 ms against 7–12 ms, and bimodal). SET LOCAL ends
    with the request's transaction. One statement, a round trip: called by the organisation
    list only (the page's timeline reads an index of the links since, with no Gather).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


# A statement that only reads: a read, or a setting that ends with the transaction either way
# (SQLite's PRAGMAs are its settings). A transaction that ran only these may end with COMMIT
# instead of ROLLBACK (below), and keeps the versions it read (crm.common.triggered_version).
READ_ONLY_STATEMENT = re.compile(r"\s*(SELECT|SHOW|SET LOCAL|PRAGMA)\b", re.IGNORECASE)
_WROTE = "crm_wrote"


def keep_prepared_statements(app: Flask, engine: Engine, session: scoped_session) -> None:
    """On PostgreSQL, end a request whose transaction only read with COMMIT, not ROLLBACK.

    psycopg prepares a statement on the server once a connection has run it five times, so
    that PostgreSQL parses it (and, with a generic plan, plans it) once; but it deallocates
    every prepared statement at each ROLLBACK (an object the statements name might have gone
    with the rolled-back transaction). Flask-SQLAlchemy ends every request's transaction with
    a rollback, and most requests only read: each statement was parsed and planned anew on
    every request, most of the database's CPU for a page (the organisation page: 7.6 ms a
    request, against 1.6 ms for its fourteen statements prepared). For a transaction that ran
    only reads, COMMIT and ROLLBACK leave the data the same; any statement that is not a read
    (any write, DDL, a function call outside a SELECT) keeps the rollback, as does an error.
    Since begin_before_writes a request that only reads opens no block at all (both ends are
    then no-ops); this still matters for one that read and set something for its transaction
    (the organisation list's SET LOCAL).
    """
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "begin")
    def _forget_writes(connection) -> None:
        connection.info.pop(_WROTE, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(connection, _cursor, statement, _parameters, _context, _many) -> None:
        if not READ_ONLY_STATEMENT.match(statement):
            connection.info[_WROTE] = True

    # Registered after Flask-SQLAlchemy's own teardown, so it runs before it (Flask runs them
    # in reverse): the session is still there.
    @app.teardown_appcontext
    def _commit_reads(error: BaseException | None) -> None:
        if error is not None or not session.registry.has():
            return
        current = session()
        if not current.in_transaction() or not current.is_active:
            return
        if current.new or current.dirty or current.deleted:
            return  # changes never flushed: left to the rollback
        if current.connection().info.get(_WROTE):
            return
        current.commit()
