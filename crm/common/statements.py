"""Statements built once per set of arguments, for the pages every adviser opens all day.

SQLAlchemy keeps a statement's compiled SQL under its cache key, but works that key out anew
for every statement object it is given: a walk of the whole statement, which for a list's
filtered, sorted, joined select cost as much CPU as SQLite took to run it. A list page that
builds its statements per request pays the building and the walk each time; the same
statement object given again pays neither (the key is kept on the object).

`built_once` keeps what a builder returns, by its arguments. They must be hashable (filters
are frozen dataclasses) and must be everything the statement depends on: the filters, the sort,
the local day a statement compares with, the database's dialect. Values the statement holds
(a search word, an id) are only read from it, never served to anyone: no rows are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# Per builder: every list's plain view, its sorts and the filters in use by a department.
STATEMENTS_KEPT = 128


def built_once(builder: Callable[P, R]) -> Callable[P, R]:
    """Keep `builder`'s statements by its arguments (the most recent STATEMENTS_KEPT)."""
    return lru_cache(maxsize=STATEMENTS_KEPT)(builder)  # type: ignore[return-value]
