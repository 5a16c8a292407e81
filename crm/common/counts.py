"""The lists' totals, kept per process while the records they count are unchanged.

A list's total is a count of up to 10,001 rows (crm.common.pagination) and the same for every
request until someone changes a record: at Lillestrøm's scale the people list's count took
1.2 ms in SQLite (a fifth of the page's samples under py-spy) and 2.9 ms on PostgreSQL, the
organisation and meeting lists' 0.7 and 0.8 ms in SQLite (1.0 ms for the meetings on PostgreSQL).

A count is kept under the records' version (crm.network.version: its triggers give it a new
value at every committed write to the organisations, people, meetings, places, sectors,
memberships … that the graph and the lists read, from anywhere: a form, the API, an import,
plain SQL), by the count statement's identity (statements built once, crm.common.statements:
the filters are in the statement) and by how the reader sees the restricted people (an admin
counts them, nobody else does: crm.common.statements.reader_view). A count whose statement
reads a table outside the version's, or was built for this request only, is counted every
time. A number of rows is not personal data.
"""

from __future__ import annotations

from functools import cache

from flask.globals import _cv_app
from sqlalchemy import Executable
from sqlalchemy.orm import Session

from crm.common.statements import (
    ORM_READ_TABLES,
    STATEMENTS_KEPT,
    is_kept,
    read,
    reader_view,
    tables_read,
)
from crm.common.triggered_version import VersionedCache


def forget() -> None:
    """Drop every kept count (a benchmark that measures a first search)."""
    _cache()[0].clear()


@cache
def _cache() -> tuple[VersionedCache[int], frozenset[str]]:
    """The kept counts and the tables whose writes the version follows."""
    # The records' version lives with the network's cache, its first reader (imported here:
    # the network's package imports the lists' routes, which import this module).
    from crm.network.version import GRAPH

    # Every list's plain view and its filters in use, in both views (admins and the others).
    return VersionedCache(GRAPH, size=STATEMENTS_KEPT * 4), frozenset(GRAPH.tables)


def count(session: Session, statement: Executable) -> int:
    """The one value `statement` selects (a count), kept while the records are unchanged."""
    context = _cv_app.get(None)
    if not is_kept(statement) or (context and not context.app.config["LIST_COUNTS_KEPT"]):
        return read(session, statement).scalar_one()
    kept, versioned = _cache()
    tables = tables_read(statement)
    if not tables or not tables <= versioned:
        return read(session, statement).scalar_one()
    view = reader_view(session) if tables & ORM_READ_TABLES else None
    return kept.get(session, (statement, view), lambda: read(session, statement).scalar_one())
