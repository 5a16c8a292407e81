"""Engine set-up that must hold on every connection."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from crm.common.folding import register_sqlite_fold

# Indexes PostgreSQL alone has, made by their migration (7c1e9a4b2d60): an expression index and
# a pg_trgm GIN index the models cannot declare for both databases.
POSTGRES_ONLY_INDEXES = frozenset({"ix_companies_name_folded", "ix_companies_name_trgm"})


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's autogenerate filter: leave out the search index and the PostgreSQL-only
    indexes, which their own migrations make, so `flask db check` compares only the models."""
    from crm.search import index as search_index

    if type_ == "index" and name in POSTGRES_ONLY_INDEXES:
        return False
    return search_index.include_name(name, type_, parent_names)


def configure_sqlite(app: Flask, engine: Engine) -> None:
    """Turn on foreign keys, WAL and a busy timeout, and add crm.common.folding's function, on
    every SQLite connection."""
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
