"""The full-text index's database objects: its triggers are all there after the migrations,
autogenerate leaves it alone, and a rebuild indexes exactly what the triggers did."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crm.extensions import db
from crm.search import index, queries
from tests.factories import make_company, make_contact, make_meeting


def _triggers(session) -> set[str]:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return {name for (name,) in connection.execute(text(sql))}


def test_every_trigger_is_in_place_after_the_migrations(session):
    # A batch ALTER on SQLite rebuilds a table without its triggers: this fails until the
    # migration that did it calls index.create_triggers (see crm/search/index.py).
    expected = index.trigger_names(db.engine.dialect.name)
    assert expected <= _triggers(session), expected - _triggers(session)
    assert len(expected) == len(index.SOURCES) * (3 if db.engine.dialect.name == "sqlite" else 1)


def test_every_kind_has_its_own_index_on_postgresql(session):
    # The search reads a kind's hits through its own partial GIN index (crm/search/queries.py);
    # a kind added to SOURCES without one would read every hit of every kind.
    if db.engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL only: FTS5 seeks a kind's range of ids in its own index")
    rows = session.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :table"),
        {"table": index.POSTGRES_TABLE},
    ).all()
    definitions = dict(rows)
    for source in index.SOURCES:
        definition = definitions[index.kind_index_name(source)]
        assert "USING gin (document)" in definition
        assert f"WHERE ((id >> {index.KIND_SHIFT}) = {source.code})" in definition
    assert f"{index.PREFIX}document" not in definitions


def test_autogenerate_leaves_the_index_out():
    for name in ("search_fts", "search_fts_data", "search_index", "search_document"):
        assert not index.include_name(name, "table", {})
    assert index.include_name("companies", "table", {})
    assert index.include_name("search_fts", "column", {})


def _index_rows(session) -> list[tuple]:
    table = index.SQLITE_TABLE if db.engine.dialect.name == "sqlite" else index.POSTGRES_TABLE
    key = "rowid" if db.engine.dialect.name == "sqlite" else "id"
    sql = f"SELECT {key}, title, body FROM {table} ORDER BY 1"  # noqa: S608  (constants)
    return session.execute(text(sql)).all()


def test_the_cli_rebuild_indexes_what_the_triggers_did(session, runner):
    make_company(session, name="Infinitum AS", org_number="988557390")
    make_contact(session, name="Per Pant", email="per@infinitum.no", phone="+4791234567")
    make_meeting(session, title="Panteordning", notes="Flasker og bokser")
    session.commit()
    by_triggers = _index_rows(session)

    result = runner.invoke(args=["crm", "search-reindex"])

    assert result.exit_code == 0, result.output
    assert "holds 3 records" in result.output
    assert _index_rows(session) == by_triggers
    assert [g.kind for g in queries.search_page(session, "infinitum").groups] == [
        "companies",
        "contacts",
    ]
