"""PostgreSQL: a request that only read ends with COMMIT, so psycopg's prepared statements live
on; anything that wrote, or failed, still ends with ROLLBACK (crm.common.database)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text

from crm.common.dates import local_today
from crm.companies.models import Company
from crm.extensions import db
from crm.meetings.queries import happened_before
from tests.factories import make_affiliation, make_company, make_contact


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("postgresql"):
        pytest.skip("psycopg's prepared statements; this run uses " + uri.split(":")[0])


def _prepared(app) -> int:
    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()


def test_pages_that_only_read_keep_the_prepared_statements(client, login, session, app):
    login(role="reader")
    make_company(session, name="Leseselskap")
    session.commit()
    db.engine.dispose()  # one fresh connection for the requests below and the check
    for _ in range(8):
        assert client.get("/companies/?page=1").status_code == 200
    # psycopg prepares a statement on its sixth run on a connection; a ROLLBACK would have
    # deallocated them all at the end of every request.
    assert _prepared(app) > 0


def test_a_request_that_wrote_without_committing_is_rolled_back(app, session):
    make_company(session, name="Blir værende")
    session.commit()
    with app.app_context():
        db.session.get(Company, 1)  # a read first, then a write never committed
        db.session.execute(text("UPDATE companies SET name = 'Aldri lagret'"))
    assert session.scalars(select(Company.name)).all() == ["Blir værende"]


def test_a_flushed_change_is_rolled_back_and_a_pending_one_is_not_written(app, session):
    make_company(session, name="Før")
    session.commit()
    with app.app_context():
        company = db.session.scalars(select(Company)).one()
        company.name = "Flushet"
        db.session.flush()
    with app.app_context():
        company = db.session.scalars(select(Company)).one()
        company.name = "Bare i minnet"
    session.expire_all()
    assert session.scalars(select(Company.name)).all() == ["Før"]


@contextmanager
def _transaction_ends() -> Iterator[list[str]]:
    """How the transactions inside the block ended: "commit" or "rollback", in order."""
    ends: list[str] = []

    def record(kind):
        return lambda _connection: ends.append(kind)

    commit, rollback = record("commit"), record("rollback")
    sa.event.listen(db.engine, "commit", commit)
    sa.event.listen(db.engine, "rollback", rollback)
    try:
        yield ends
    finally:
        sa.event.remove(db.engine, "commit", commit)
        sa.event.remove(db.engine, "rollback", rollback)


def test_a_request_that_failed_is_rolled_back_even_when_it_only_read(app, session):
    with _transaction_ends() as ends, pytest.raises(RuntimeError), app.app_context():
        db.session.execute(select(Company.id)).all()
        raise RuntimeError("the view failed")
    assert ends == ["rollback"]


def test_reads_end_their_transaction_with_a_commit_and_writes_with_a_rollback(app, session):
    with _transaction_ends() as ends:
        with app.app_context():
            db.session.execute(select(Company.id)).all()
            db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        assert ends == ["commit"]
        ends.clear()
        with app.app_context():
            db.session.execute(select(Company.id)).all()
            db.session.execute(text("SELECT set_config('application_name', 'x', false)"))
            db.session.execute(text("DELETE FROM companies WHERE false"))
        assert ends == ["rollback"]


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced_and_a_busy_one_left_alone(
    app, monkeypatch
):
    from crm.common import database

    pings = []
    with app.app_context():
        engine = db.engine
        real_ping = engine.dialect.do_ping
        monkeypatch.setattr(
            engine.dialect, "do_ping", lambda connection: pings.append(1) or real_ping(connection)
        )
        engine.dispose()

        def backend() -> int:
            with engine.connect() as connection:
                return connection.execute(text("SELECT pg_backend_pid()")).scalar()

        first = backend()
        assert backend() == first and pings == []  # back moments ago: not asked
        monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
        assert backend() == first and pings == [1]  # idle long enough: asked, and it answered
        # The server ends the pooled connection while it sits idle (a restart, a timeout).
        other = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
        with other.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        other.dispose()
        replaced = backend()  # no error: the dead connection was swapped before use
        assert replaced != first and len(pings) >= 2
        engine.dispose()


def test_the_lists_pages_are_planned_once_not_on_every_request(client, login, session, app):
    """The people list's page of ids (LIMIT, OFFSET) and its rows (today's boundaries) carry
    their values in the text, so PostgreSQL keeps a generic plan for both rather than planning
    each anew on every request (crm.common.statements.values_in_text, in_text)."""
    login(role="reader")
    for number in range(3):
        make_affiliation(session, contact=make_contact(session, name=f"Planlagt {number}"))
    session.commit()
    db.engine.dispose()
    # psycopg prepares a statement at its sixth run; PostgreSQL plans the first five runs of a
    # prepared statement for their values, then compares.
    for _ in range(14):
        assert client.get("/contacts/?page=1").status_code == 200
    with app.app_context():
        plans = dict(
            db.session.execute(
                text(
                    "SELECT statement, generic_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE 'SELECT contacts.id%'"
                )
            ).all()
        )
    ids = next(plan for sql, plan in plans.items() if "LIMIT 50 OFFSET 0" in sql)
    rows_sql, rows = next((sql, plan) for sql, plan in plans.items() if "last_contacted" in sql)
    assert ids > 0 and rows > 0, plans
    # Where meetings stop having happened, written in: with a parameter there, the generic
    # plan cannot tell that few meetings lie ahead, and was costed above the custom ones.
    with app.app_context():
        boundary = happened_before(local_today()).astimezone(UTC).isoformat(sep=" ")
    assert f"'{boundary}'" in rows_sql
