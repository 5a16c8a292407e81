"""Writes for search: rebuilding the full-text index (crm/search/index.py)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from crm.search import index


def rebuild_index(session: Session) -> int:
    """Recreate the index's triggers and index every record again; returns the rows indexed.

    The triggers keep the index in step by themselves; this is for a database whose triggers
    a migration dropped (a batch ALTER on SQLite), or after loading rows with triggers off.
    """
    connection = session.connection()
    index.create_triggers(connection)
    index.refill(connection)
    table = index.SQLITE_TABLE if connection.dialect.name == "sqlite" else index.POSTGRES_TABLE
    return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608  # nosec B608
