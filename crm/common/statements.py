"""Statements built once per set of arguments, and read without the ORM where it adds nothing:
for the pages every adviser opens all day.

SQLAlchemy keeps a statement's compiled SQL under its cache key, but works that key out anew
for every statement object it is given: a walk of the whole statement, which for a list's
filtered, sorted, joined select cost as much CPU as SQLite took to run it. A list page that
builds its statements per request pays the building and the walk each time; the same
statement object given again pays neither (the key is kept on the object).

`built_once` keeps what a builder returns, by its arguments. They must be hashable (filters
are frozen dataclasses) and must be everything the statement depends on: the filters, the sort,
the local day a statement compares with, the database's dialect. Values the statement holds
(a search word, an id) are only read from it, never served to anyone: no rows are kept.

`read` runs a statement of plain columns on the session's connection. Session.execute takes
every statement through the ORM's steps (its execution hooks, its compile state, its result
set-up) even when it selects no mapped object: some 60 µs a statement on SQLite, a tenth of a
list page's CPU over its three or four statements. What the ORM must see still goes through
it: mapped objects and bundles, and every statement that touches a table registered in
ORM_READ_TABLES (crm.contacts.restriction's: its hook adds the restriction's criteria there).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any, ParamSpec, TypeVar
from weakref import WeakSet

from sqlalchemy import BindParameter, Executable, Integer, Result, TableClause, literal
from sqlalchemy import inspect as inspect_
from sqlalchemy.orm import Bundle, Session
from sqlalchemy.sql.util import find_tables
from sqlalchemy.sql.visitors import cloned_traverse, iterate

P = ParamSpec("P")
R = TypeVar("R")

# Per builder: every list's plain view, its sorts and the filters in use by a department.
STATEMENTS_KEPT = 128


def built_once(builder: Callable[P, R]) -> Callable[P, R]:
    """Keep `builder`'s statements by its arguments (the most recent STATEMENTS_KEPT); each
    statement it returns (alone or in a tuple) is marked kept, for `read`."""

    @functools.wraps(builder)
    def build(*args: P.args, **kwargs: P.kwargs) -> R:
        made = builder(*args, **kwargs)
        for statement in made if isinstance(made, tuple) else (made,):
            if isinstance(statement, Executable):
                keep(statement)
        return made

    return lru_cache(maxsize=STATEMENTS_KEPT)(build)  # type: ignore[return-value]


# Statements that live on (built once, module constants, and those made from them by
# crm.common.pagination): only these are read without the ORM, as only for these does the
# check (`_core_readable`, a walk of the statement) happen once; for a statement built per
# request it cost about what skipping the ORM saved.
_KEPT: WeakSet[Executable] = WeakSet()

S = TypeVar("S", bound=Executable)


def keep(statement: S) -> S:
    """Mark `statement` as one that lives on (see _KEPT) and give it back."""
    _KEPT.add(statement)
    return statement


def is_kept(statement: Executable) -> bool:
    """Whether `statement` was marked by keep (or built by a built_once builder)."""
    return statement in _KEPT


# The values whose parameters cost a list its generic plan (values_in_text, below).
_PLANNED_TYPES = (date, datetime)


def values_in_text(statement: S) -> S:
    """`statement` with its dates and times written into its SQL, not sent as parameters.

    psycopg prepares a statement that a connection runs often, so that PostgreSQL can plan it
    once (a generic plan) rather than on every run (a custom plan, for the values given). It
    keeps the generic plan only if its estimated cost is no worse than the custom plans'; with
    a day as a parameter it cannot tell that few meetings lie ahead of today, so the people
    list's page of rows was planned anew on every request (0.6 ms of the server's CPU against
    0.05 ms, running no faster). A day written into the text is known to the generic plan too.
    For statements kept per day (`built_once` with the day among its arguments): the text
    changes once a day. Each value is written by its type (on SQLite, as its parameter is
    stored).
    """

    def visit(bind: BindParameter) -> None:
        if bind.value is not None and isinstance(bind.value, _PLANNED_TYPES):
            bind.literal_execute = True

    return keep(cloned_traverse(statement, {"maintain_key": True}, {"bindparam": visit}))


def has_parameters(statement: Executable) -> bool:
    """Whether `statement` holds a bound value anywhere (a filter's, a search's, a day's)."""
    return any(isinstance(element, BindParameter) for element in iterate(statement))


def in_text(number: int) -> BindParameter[int]:
    """A LIMIT or OFFSET written into the SQL, not sent as a parameter: a generic plan with a
    parameter for LIMIT takes it for a tenth of the table and costs far more than the custom
    ones, so PostgreSQL planned each list's page anew on every request."""
    return literal(number, Integer, literal_execute=True)


# Tables whose reads must go through Session.execute: a `do_orm_execute` hook adds conditions
# to them (crm.contacts.restriction registers the people's tables when it installs its hook).
ORM_READ_TABLES: set[str] = set()
# How those hooks read for a session's reader, each a function of the session (the restriction
# registers whether the reader is an admin): what is kept of such a read is kept per view.
READER_VIEWS: list[Callable[[Session], Hashable]] = []


def reader_view(session: Session) -> tuple[Hashable, ...]:
    """How the reads of ORM_READ_TABLES see rows for this session's reader."""
    return tuple(view(session) for view in READER_VIEWS)


def read(
    session: Session, statement: Executable, parameters: Mapping[str, Any] | None = None
) -> Result:
    """The rows of `statement` on the session's connection and transaction, without the ORM's
    steps when they add nothing (see the module's note); through Session.execute otherwise.

    The session's pending changes are flushed first, as Session.execute's autoflush would.
    Only kept statements (see _KEPT) skip the ORM; any other goes through the session.
    """
    if statement not in _KEPT or not _core_readable(statement):
        return session.execute(statement, parameters)
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, parameters)


@lru_cache(maxsize=STATEMENTS_KEPT * 2)
def _core_readable(statement: Executable) -> bool:
    """Whether `statement` is a SELECT of plain columns touching no ORM_READ_TABLES (worked out
    once per statement object: a statement built once asks once)."""
    descriptions = getattr(statement, "column_descriptions", None)
    if descriptions is None:
        return False
    for description in descriptions:
        expression = description["expr"]
        if isinstance(expression, Bundle | type):
            return False
        inspected = inspect_(expression, raiseerr=False)
        if getattr(inspected, "is_mapper", False) or getattr(inspected, "is_aliased_class", False):
            return False
    return not tables_read(statement) & ORM_READ_TABLES


@lru_cache(maxsize=STATEMENTS_KEPT * 2)
def tables_read(statement: Executable) -> frozenset[str]:
    """The names of the tables `statement` reads, in joins, subqueries and aliases too (worked
    out once per statement object)."""
    found = find_tables(
        statement,  # type: ignore[arg-type]
        check_columns=True,
        include_aliases=True,
        include_joins=True,
        include_selects=True,
    )
    # Tables only: the walk finds the aliases and subqueries too, and the tables inside them.
    return frozenset(table.name for table in found if isinstance(table, TableClause))
