"""PostgreSQL: a transaction's reads run outside a transaction block until it first needs one,
and from there on it is whole (crm.common.database.begin_before_writes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, text

from crm.common.database import begin_before_writes
from crm.companies.models import Company
from crm.extensions import db
from tests.factories import make_company

IDLE = psycopg.pq.TransactionStatus.IDLE


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("postgresql"):
        pytest.skip("PostgreSQL's transaction blocks; this run uses " + uri.split(":")[0])


@contextmanager
def _blocks_open() -> Iterator[list[tuple[str, bool]]]:
    """Each statement run inside the `with` (its first word) and whether the server had a
    transaction block open when it ended."""
    seen: list[tuple[str, bool]] = []

    def record(_connection, cursor, statement, *_args) -> None:
        in_block = cursor.connection.info.transaction_status != IDLE
        seen.append((statement.split()[0].upper(), in_block))

    sa.event.listen(db.engine, "after_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", record)


def _names(session) -> list[str]:
    session.expire_all()
    return session.scalars(select(Company.name).order_by(Company.name)).all()


def test_a_page_that_only_reads_never_opens_a_block(client, login, session):
    login(role="reader")
    make_company(session, name="Leseselskap")
    session.commit()
    client.get("/contacts/?page=1")  # the sign-in's first view may write (last seen)
    with _blocks_open() as seen:
        answer = client.get("/contacts/?page=1")
    assert answer.status_code == 200
    assert seen and all(word in ("SELECT", "WITH") for word, _ in seen), seen
    # No BEGIN before the first statement, no COMMIT or ROLLBACK after the last: two round
    # trips fewer on each such page.
    assert not any(in_block for _, in_block in seen), seen


def test_reads_then_a_write_are_one_transaction_from_the_write(app, session):
    make_company(session, name="Før")
    session.commit()
    with app.app_context(), _blocks_open() as seen:
        assert db.session.scalar(select(func.count(Company.id))) == 1
        db.session.execute(text("UPDATE companies SET name = 'Midt i'"))
        db.session.execute(text("UPDATE companies SET org_number = NULL"))
        db.session.rollback()
    assert [in_block for _, in_block in seen] == [False, True, True]
    assert _names(session) == ["Før"]  # both updates undone together


def test_a_committed_write_is_kept(app, session):
    with app.app_context():
        db.session.scalar(select(func.count(Company.id)))
        make_company(db.session, name="Lagret")
        db.session.commit()
    assert _names(session) == ["Lagret"]


def test_set_local_holds_for_the_rest_of_the_transaction(app, session):
    with app.app_context():
        default = db.session.scalar(text("SHOW max_parallel_workers_per_gather"))
        db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        assert db.session.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
        db.session.commit()
        assert db.session.scalar(text("SHOW max_parallel_workers_per_gather")) == default


def test_a_locking_read_holds_its_lock_until_the_end(app, session):
    make_company(session, name="Låst")
    session.commit()
    with app.app_context(), _blocks_open() as seen:
        db.session.execute(select(Company.id).with_for_update())
        other = db.engine.connect()
        try:
            other.execute(text("SET lock_timeout = '50ms'"))
            with pytest.raises(sa.exc.OperationalError, match="lock"):
                other.execute(text("UPDATE companies SET name = 'Annen'"))
        finally:
            other.close()
        db.session.rollback()
    assert seen[0] == ("SELECT", True)


def test_a_savepoint_undoes_its_own_part_only(app, session):
    with app.app_context():
        make_company(db.session, name="Ytre")
        db.session.flush()
        savepoint = db.session.begin_nested()
        make_company(db.session, name="Indre")
        db.session.flush()
        savepoint.rollback()
        db.session.commit()
    assert _names(session) == ["Ytre"]


def test_a_streamed_read_runs_in_a_block(app, session):
    for number in range(3):
        make_company(session, name=f"Strøm {number}")
    session.commit()
    with app.app_context(), db.engine.connect() as connection:
        streamed = connection.execution_options(stream_results=True, yield_per=1)
        result = streamed.execute(select(Company.name).order_by(Company.name))
        assert [name for (name,) in result] == ["Strøm 0", "Strøm 1", "Strøm 2"]


def test_an_isolation_level_asked_for_is_kept(app, session):
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.insert(Company.__table__).values(name="Straks", kind="company"))
            connection.rollback()  # nothing to undo: each statement was its own transaction
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            first = connection.scalar(text("SELECT txid_current()"))
            assert connection.scalar(text("SELECT txid_current()")) == first  # one snapshot
            connection.rollback()
    assert _names(session) == ["Straks"]


def test_a_stricter_default_isolation_keeps_every_block(app):
    """A server (or role) whose transactions default to REPEATABLE READ gives each one a single
    snapshot: its reads must share it, so they stay in the block psycopg opens."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    strict = sa.create_engine(
        url, connect_args={"options": "-c default_transaction_isolation=repeatable\\ read"}
    )
    begin_before_writes(strict)
    try:
        with strict.connect() as connection:
            first = connection.scalar(text("SELECT txid_current()"))
            assert connection.scalar(text("SELECT txid_current()")) == first
    finally:
        strict.dispose()
    read_committed = sa.create_engine(url)
    begin_before_writes(read_committed)
    try:
        with read_committed.connect() as connection:
            first = connection.scalar(text("SELECT txid_current()"))
            assert connection.scalar(text("SELECT txid_current()")) != first  # no block
    finally:
        read_committed.dispose()
