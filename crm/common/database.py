"""Engine set-up that must hold on every connection."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from crm.common.folding import register_sqlite_fold

# Expression indexes that their own migrations make (Alembic cannot reflect them on SQLite, so
# they are not declared on the models): autogenerate leaves them out by name.
EXPRESSION_INDEXES = frozenset({"ix_companies_folded_name"})


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's autogenerate filter: the search index and the expression indexes are not models."""
    from crm.search import index  # the search feature imports the models; this module does not

    if type_ == "index" and name in EXPRESSION_INDEXES:
        return False
    return index.include_name(name, type_, parent_names)


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
