"""A version kept by database triggers: one row given a new random value by every committed
write to a set of tables (crm.network.version for the graph, crm.common.reference for the
lists' reference data).

A process caches what it derives from those tables under the version it read first, and reads
the one row per request to know whether the cache still holds: correct across workers and
hosts, since every one of them reads the same row. A write from anywhere (a form, the API, an
import, a merge, the trash, plain SQL) changes the value in the same transaction, so a reader
sees the new version exactly when it sees the new rows. The value is random, never a counter:
a transaction rolled back would otherwise give its number again to other data, and a shared
cache would hand out data of the rolled-back rows, or of another database's.

On PostgreSQL the triggers are deferred constraint triggers that change the row once per
transaction, at its commit: a register import that writes for half an hour holds the row's lock
for an instant at its end, not from its first row on, and two transactions cannot deadlock over
the row, as it is the last lock either takes. Within a transaction the version changes at its
commit, not at its writes. SQLite lets one writer in at a time: plain triggers, per row.

A request whose caches need several versions (a list's filter choices are kept under the
reference data's, its total under the graph's) reads them in one statement, at the first ask,
and keeps them for its transaction until it writes (`share_version_reads`): each such read was a
round trip of its own on PostgreSQL.

SQLite rebuilds a table when a migration alters it in batch mode and drops its triggers:
`crm.search.index.create_triggers` recreates these too, so the one call after such a migration
keeps them all.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine, TextClause, event, inspect, text
from sqlalchemy.orm import Session

from crm.common.database import READ_ONLY_STATEMENT

_EVENTS = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class TriggeredVersion:
    """The one-row table `table` and the triggers on `tables` that give it a new value."""

    table: str
    tables: tuple[str, ...]

    def __post_init__(self) -> None:
        # Read with the others when a cache asks (share_version_reads): the versions are
        # module constants, made at import, so every request reads the same set.
        _VERSIONS[self.table] = self

    @property
    def prefix(self) -> str:
        return f"{self.table}_"

    # The table names below are this module's constants, never input: no injection (S608).
    def _bump(self, dialect: str) -> str:
        if dialect == "sqlite":
            return f"UPDATE {self.table} SET version = hex(randomblob(16))"  # noqa: S608  # nosec B608
        return f"UPDATE {self.table} SET version = gen_random_uuid()::text"  # noqa: S608  # nosec B608

    def read(self, session: Session) -> str:
        """The version now (one row by its key)."""
        return session.execute(self._reads[0]).scalar_one()

    @cached_property
    def _reads(self) -> tuple[TextClause, TextClause]:
        # Made once: a cache reads the version on every request.
        return (
            text(f"SELECT version FROM {self.table}"),  # noqa: S608  # nosec B608
            text(
                "SELECT version, txid_current_if_assigned() IS NOT NULL "  # noqa: S608  # nosec B608
                f"FROM {self.table}"
            ),
        )

    def current(self, session: Session) -> str | None:
        """The version now for a cache, or None when this transaction's own writes may not be
        in it: on PostgreSQL the version changes at the commit (deferred triggers), so a
        transaction that has written may hold rows of its own the version does not tell yet.
        (On SQLite the triggers run at once: such a transaction reads a version of its own,
        which no other sees unless it commits.)"""
        # On the session's connection, not through the ORM's execute: a third of the cost.
        connection = session.connection()
        shared = _shared_read(connection)
        if shared is not None and self.table in shared:
            return shared[self.table]
        sqlite, postgres = self._reads
        if connection.dialect.name == "sqlite":
            return connection.execute(sqlite).scalar_one()
        current, wrote = connection.execute(postgres).one()
        return None if wrote else current

    def trigger_names(self, table: str, dialect: str) -> list[str]:
        """The triggers that keep the version for one table."""
        if dialect == "sqlite":
            return [f"{self.prefix}{table}_{event.lower()}" for event in _EVENTS]
        return [f"{self.prefix}{table}"]

    def _statements(self, dialect: str) -> list[str]:
        if dialect == "sqlite":
            return [
                f"CREATE TRIGGER {self.prefix}{table}_{event.lower()} AFTER {event} ON {table} "
                f"FOR EACH ROW BEGIN {self._bump(dialect)}; END"
                for table in self.tables
                for event in _EVENTS
            ]
        setting = f"koblingsboks.{self.prefix}bumped"
        function = f"""
CREATE OR REPLACE FUNCTION {self.prefix}bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: the deferred triggers of its other rows find it done.
    IF current_setting('{setting}', true) IS DISTINCT FROM
            txid_current()::text THEN
        {self._bump(dialect)};
        PERFORM set_config('{setting}', txid_current()::text, true);
    END IF;
    RETURN NULL;
END $$"""
        return [function] + [
            f"CREATE CONSTRAINT TRIGGER {self.prefix}{table} AFTER INSERT OR UPDATE OR DELETE "
            f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f"EXECUTE FUNCTION {self.prefix}bump()"
            for table in self.tables
        ]

    def drop_triggers(self, connection: Connection) -> None:
        """Drop the triggers (and on PostgreSQL their function), if they are there."""
        dialect = connection.dialect.name
        for table in self.tables:
            for name in self.trigger_names(table, dialect):
                on = "" if dialect == "sqlite" else f" ON {table}"
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{on}"))
        if dialect != "sqlite":
            connection.execute(text(f"DROP FUNCTION IF EXISTS {self.prefix}bump()"))

    def create_triggers(self, connection: Connection) -> None:
        """(Re)create the triggers that keep the version."""
        self.drop_triggers(connection)
        for statement in self._statements(connection.dialect.name):
            connection.execute(text(statement))

    def create(self, connection: Connection) -> None:
        """The version's table with its one row, and the triggers (the migration)."""
        connection.execute(
            text(
                f"CREATE TABLE {self.table} (id INTEGER PRIMARY KEY, version VARCHAR(40) NOT NULL)"
            )
        )
        connection.execute(text(f"INSERT INTO {self.table} (id, version) VALUES (1, '')"))  # noqa: S608  # nosec B608
        connection.execute(text(self._bump(connection.dialect.name)))
        self.create_triggers(connection)

    def drop(self, connection: Connection) -> None:
        """Drop the triggers and the table."""
        self.drop_triggers(connection)
        connection.execute(text(f"DROP TABLE IF EXISTS {self.table}"))

    def recreate_triggers(self, connection: Connection) -> None:
        """create_triggers, once the table is there: a migration before the one that makes it
        (the search index's, which calls this through crm.search.index.create_triggers) leaves
        them out."""
        if inspect(connection).has_table(self.table):
            self.create_triggers(connection)

    def include_name(self, name: str | None, type_: str) -> bool:
        """Alembic's autogenerate filter: the version's table is made by its migration, not a
        model (a model's table would be emptied by the tests between tests, row and all)."""
        return not (type_ == "table" and name == self.table)


T = TypeVar("T")


class VersionedCache(Generic[T]):
    """Values made from a version's tables, kept per process while the version holds.

    Each `get` reads the version (one row by its key); a new version empties the cache, so a
    write committed on any host shows at every worker's next request. At most `size` values
    are kept (the least recently used go first); None keeps all.
    """

    def __init__(self, version: TriggeredVersion, *, size: int | None = None) -> None:
        self.version = version
        self.size = size
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._of_version = ""

    def clear(self) -> None:
        """Drop every value kept."""
        with self._lock:
            self._values.clear()
            self._of_version = ""

    def get(self, session: Session, key: Hashable, load: Callable[[], T]) -> T:
        """The value kept under `key` for the current version, else `load()` (kept)."""
        current = self.version.current(session)
        if current is None:
            return load()
        with self._lock:
            if self._of_version != current:
                self._values.clear()
                self._of_version = current
            elif key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = load()
        with self._lock:
            if self._of_version == current:
                self._values[key] = value
                if self.size is not None and len(self._values) > self.size:
                    self._values.popitem(last=False)
        return value


# --- the versions a request's caches read, in one statement -----------------------------

# Every version, by table (TriggeredVersion.__post_init__).
_VERSIONS: dict[str, TriggeredVersion] = {}
# Engines whose transactions drop the shared read at their ends and writes.
_SHARING: weakref.WeakSet[Engine] = weakref.WeakSet()
_SHARED = "crm_versions"


def share_version_reads(engine: Engine) -> None:
    """Let the versions of a transaction's caches be read once, together (see the module's
    note): the shared read is dropped when the transaction begins, commits or rolls back,
    and before any statement that is not a read (a write may change a version: on SQLite at
    once, on PostgreSQL at the commit, which `current` then tells as None)."""
    if engine in _SHARING:
        return
    _SHARING.add(engine)

    def _drop(connection, *_args) -> None:
        connection.info.pop(_SHARED, None)

    for name in ("begin", "commit", "rollback"):
        event.listen(engine, name, _drop)

    @event.listens_for(engine, "before_cursor_execute")
    def _drop_before_writes(connection, _cursor, statement, *_args) -> None:
        if _SHARED in connection.info and not READ_ONLY_STATEMENT.match(statement):
            connection.info.pop(_SHARED)


def _shared_read(connection: Connection) -> dict[str, str | None] | None:
    """Every cached version as this transaction reads it (read now if not yet), or None where
    the engine does not share reads."""
    if connection.engine not in _SHARING:
        return None
    shared = connection.info.get(_SHARED)
    if shared is None:
        tables = tuple(sorted(_VERSIONS))
        row = connection.execute(_read_together(tables, connection.dialect.name)).one()
        if connection.dialect.name == "sqlite":
            shared = dict(zip(tables, row, strict=True))
        else:
            *versions, wrote = row
            shared = dict.fromkeys(tables) if wrote else dict(zip(tables, versions, strict=True))
        connection.info[_SHARED] = shared
    return shared


@cache
def _read_together(tables: tuple[str, ...], dialect: str) -> TextClause:
    # One row of each version's one-row table. The names are this module's constants (the
    # tables of TriggeredVersion instances in code), never input: no injection (S608).
    columns = ", ".join(f"{table}.version" for table in tables)
    if dialect != "sqlite":
        columns += ", txid_current_if_assigned() IS NOT NULL"
    return text(f"SELECT {columns} FROM {', '.join(tables)}")  # noqa: S608  # nosec B608
