"""Case-insensitive comparison of names that holds for æ, ø, å, é, ü … on both databases.

SQLite's LOWER() and LIKE fold only ASCII: "Ørsted" and "ørsted" differ there. So every name
comparison goes through `fold()`: on PostgreSQL it is LOWER() (the database's C.UTF-8 ctype
folds every letter), on SQLite it calls `kb_fold`, a deterministic function that
`register_sqlite_fold` puts on every connection and that folds the way Python's `str.lower`
does. The term on the Python side goes through `fold_text`, the same folding. Folding keeps
diacritics: "bør" is not "bor", "Ø" is "ø" and never "o".

Speed on SQLite: `kb_fold` is a call into Python for each row (about twice the time of LOWER()
on a scan), so a comparison with a term that is all ASCII uses plain LOWER(): such a term can
only meet ASCII letters of the column, and finds the same rows.

tests/common/test_folding_guard.py fails on a bare ilike/icontains/lower( in crm/ outside this
module, so a new filter cannot slip back to ASCII-only folding.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

SQLITE_FUNCTION = "kb_fold"


class fold(GenericFunction):
    """fold(column): the column's text case-folded, the same on SQLite and PostgreSQL."""

    type = String()
    inherit_cache = True
    name = "fold"


@compiles(fold)
def _fold_default(element: fold, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(fold, "sqlite")
def _fold_sqlite(element: fold, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def _folded(column: Any, *terms: str) -> Any:
    """The column as the comparison needs it: a term all in ASCII only meets ASCII letters
    where it matches, so plain LOWER() (no call into Python on SQLite) finds the same rows."""
    if all(fold_text(term).isascii() for term in terms):
        return func.lower(column)
    return fold(column)


def fold_text(value: str | None) -> str:
    """A term folded the way `fold()` folds a column."""
    return (value or "").lower()


def _sqlite_fold(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def register_sqlite_fold(dbapi_connection: Any) -> None:
    """Put `kb_fold` on a SQLite connection (deterministic, so it may be used in an index)."""
    dbapi_connection.create_function(SQLITE_FUNCTION, 1, _sqlite_fold, deterministic=True)


def equals(column: Any, value: str) -> ColumnElement[bool]:
    """column = value, case-insensitively."""
    return _folded(column, value) == fold_text(value)


def contains(column: Any, term: str) -> ColumnElement[bool]:
    """column contains term, case-insensitively; LIKE wildcards in the term match themselves."""
    return _folded(column, term).contains(fold_text(term), autoescape=True)


def startswith(column: Any, term: str) -> ColumnElement[bool]:
    """column starts with term, case-insensitively; LIKE wildcards match themselves."""
    return _folded(column, term).startswith(fold_text(term), autoescape=True)


def one_of(column: Any, values: list[str]) -> ColumnElement[bool]:
    """column is one of values, case-insensitively."""
    return _folded(column, *values).in_([fold_text(v) for v in values])
