"""The graph's version: one row, given a new random value by every committed write the graph
reads, kept by database triggers.

The network's figures and layouts are cached by this version (crm.network.cache), so every page
that shows them reads it first. It was a fingerprint of counts, latest timestamps and sums over
eleven tables and three link tables, worked out on every request: 36 ms of CPU on SQLite and
about 100 ms of server time on PostgreSQL at Lillestrøm's scale, ten times that for the whole
country. Now it is one row read by its key.

A write from anywhere (a form, the API, an import, a merge, the trash, plain SQL) changes the
value in the same transaction, so a reader sees the new version exactly when it sees the new
rows. The value is random, never a counter: a transaction rolled back would otherwise give its
number again to other data, and a shared cache (Redis) would hand out a graph of the rolled-back
rows, or of another database's.

On PostgreSQL the triggers are deferred constraint triggers that change the row once per
transaction, at its commit: a register import that writes for half an hour holds the row's lock
for an instant at its end, not from its first organisation on (every adviser saving a meeting
would wait for it), and two transactions cannot deadlock over the row, as it is the last lock
either takes. Within a transaction the version changes at its commit, not at its writes. SQLite
lets one writer in at a time: plain triggers, per row.

SQLite rebuilds a table when a migration alters it in batch mode and drops its triggers:
`crm.search.index.create_triggers` recreates these too, so the one call after such a migration
keeps them all; tests/network/test_queries.py fails when one is missing.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text
from sqlalchemy.orm import Session

TABLE = "graph_version"
PREFIX = "graph_version_"

# Every table the graph is built from (crm.network.queries reads them): the records, and the
# link tables of meetings, strategies and sectors.
TABLES = (
    "companies",
    "collaboration_links",
    "link_types",
    "memberships",
    "clusters",
    "meetings",
    "affiliations",
    "contacts",
    "places",
    "sectors",
    "strategies",
    "meeting_companies",
    "meeting_strategies",
    "company_sectors",
)
_EVENTS = ("INSERT", "UPDATE", "DELETE")
_SQLITE_BUMP = "UPDATE graph_version SET version = hex(randomblob(16))"
_POSTGRES_BUMP = "UPDATE graph_version SET version = gen_random_uuid()::text"

_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION graph_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: the deferred triggers of its other rows find it done.
    IF current_setting('koblingsboks.graph_version_bumped', true) IS DISTINCT FROM
            txid_current()::text THEN
        {_POSTGRES_BUMP};
        PERFORM set_config('koblingsboks.graph_version_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END $$"""


def read(session: Session) -> str:
    """The graph's version now (one row by its key)."""
    return session.execute(text("SELECT version FROM graph_version")).scalar_one()


def trigger_names(table: str, dialect: str) -> list[str]:
    """The triggers that keep the version for one table."""
    if dialect == "sqlite":
        return [f"{PREFIX}{table}_{event.lower()}" for event in _EVENTS]
    return [f"{PREFIX}{table}"]


def _statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {PREFIX}{table}_{event.lower()} AFTER {event} ON {table} "
            f"FOR EACH ROW BEGIN {_SQLITE_BUMP}; END"
            for table in TABLES
            for event in _EVENTS
        ]
    return [_POSTGRES_FUNCTION] + [
        f"CREATE CONSTRAINT TRIGGER {PREFIX}{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {PREFIX}bump()"
        for table in TABLES
    ]


def drop_triggers(connection: Connection) -> None:
    """Drop the triggers (and on PostgreSQL their function), if they are there."""
    dialect = connection.dialect.name
    for table in TABLES:
        for name in trigger_names(table, dialect):
            on = "" if dialect == "sqlite" else f" ON {table}"
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{on}"))
    if dialect != "sqlite":
        connection.execute(text(f"DROP FUNCTION IF EXISTS {PREFIX}bump()"))


def create_triggers(connection: Connection) -> None:
    """(Re)create the triggers that keep the version."""
    drop_triggers(connection)
    for statement in _statements(connection.dialect.name):
        connection.execute(text(statement))


def create(connection: Connection) -> None:
    """The version's table with its one row, and the triggers (the migration)."""
    connection.execute(
        text(f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, version VARCHAR(40) NOT NULL)")
    )
    connection.execute(text("INSERT INTO graph_version (id, version) VALUES (1, '')"))
    connection.execute(
        text(_SQLITE_BUMP if connection.dialect.name == "sqlite" else _POSTGRES_BUMP)
    )
    create_triggers(connection)


def drop(connection: Connection) -> None:
    """Drop the triggers and the table."""
    drop_triggers(connection)
    connection.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))


def recreate_triggers(connection: Connection) -> None:
    """create_triggers, once the table is there: a migration before the one that makes it (the
    search index's, which calls this through crm.search.index.create_triggers) leaves them out."""
    if inspect(connection).has_table(TABLE):
        create_triggers(connection)


def include_name(name: str | None, type_: str) -> bool:
    """Alembic's autogenerate filter: the version's table is made by its migration, not a model
    (a model's table would be emptied by the tests between tests, row and all)."""
    return not (type_ == "table" and name == TABLE)
