"""Paging and sorting for list pages."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from flask import request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, lazyload

from crm.common import counts
from crm.common.converters import MAX_PAGE, parse_page
from crm.common.statements import has_parameters, in_text, is_kept, keep, read

PER_PAGE = 50
MAX_PER_PAGE = 200
# The big lists (organisations, people, meetings) count their rows up to this many
# (CappedPagination): with the whole country's register a common word matches tens of
# thousands of organisations, and counting every one of them cost more than the page.
LIST_COUNT_CAP = 10_000


def page_args() -> tuple[int, int]:
    """The page number and page size asked for, within sane bounds."""
    page = parse_page(request.args.get("page"))
    per_page = parse_page(request.args.get("per_page"), default=PER_PAGE, maximum=MAX_PER_PAGE)
    return page, per_page


def paginate(
    session: Session,
    query: Select,
    *,
    page: int,
    per_page: int,
    rows: bool = False,
    count_cap: int | None = None,
    count_query: Select | None = None,
) -> SelectPagination:
    """One page of `query`'s first column, run on the caller's session, with the total count.

    Flask-SQLAlchemy's db.paginate always runs on db.session; its SelectPagination takes the
    session as an argument, so a service or script with a session of its own pages the same
    way. The page is bounded (1 … MAX_PAGE) so the offset stays small; a page past the last
    one is empty rather than a 404. The page size is the caller's to bound (page_args for a
    request; an export asks for more).

    With `rows`, the items are whole rows (every selected column by name): a list that shows
    a few columns of many records selects those columns, since building whole ORM objects
    (every column, the identity map) for 50 rows cost more than the query itself.
    `count_cap`: count the total only up to that many rows (`capped` then says there are more);
    `count_query`, the same rows written for counting them (another plan), instead of `query`.
    """
    kind = RowPagination if rows else CountedPagination
    extra = {}
    if count_cap is not None:
        kind = CappedRowPagination if rows else CappedPagination
        extra = {"count_cap": count_cap, "count_query": count_query}
    return kind(
        **extra,
        select=query,
        session=session,
        page=min(max(page, 1), MAX_PAGE),
        per_page=max(per_page, 1),
        max_per_page=None,
        error_out=False,
    )


# The statements made from a list's statement (its count, its page) are kept with it, by the
# statement's identity: a list that builds its statement once per set of filters and sort
# (crm.common.statements.built_once) gets the same count and page statements back, whose cache
# keys SQLAlchemy has worked out already (a walk of the whole statement, as much CPU as
# running the count on SQLite). A statement built per request misses and is dropped in turn.
_DERIVED_KEPT = 256


@lru_cache(maxsize=_DERIVED_KEPT)
def count_statement(query: Select, *, cap: int | None = None) -> Select:
    """The number of `query`'s rows (up to `cap` + 1), counting its first column only.

    A row is a row whatever its columns, unless the query is DISTINCT or grouped: counting
    every selected column computed each of them (a joined place's name, the scalar subqueries
    of the cases list) for each of the counted rows, and kept SQLite from counting on a
    narrow index. The organisation list's count of 10,001 rows fell from 6.0 to 1.1 ms on
    SQLite: the unused outer join to places is dropped (by SQLite and PostgreSQL alike) and
    an index is scanned instead of the table. The FROM the columns implied stays, so no
    implicit join is lost.
    """
    grouped = not isinstance(query, Select) or (
        query._distinct or query._group_by_clauses or query._having_criteria
    )
    if grouped:
        counted = query.options(lazyload("*"))
    else:
        counted = query.with_only_columns(query.selected_columns[0], maintain_column_froms=True)
    counted = counted.order_by(None)
    if cap is not None:
        counted = counted.limit(cap + 1)
    return _kept_like(query, select(func.count()).select_from(counted.subquery()))


@lru_cache(maxsize=_DERIVED_KEPT)
def page_statement(query: Select, per_page: int, offset: int) -> Select:
    """One page of `query`'s rows (kept with the statement, as count_statement is).

    A statement without parameters of its own (a list's plain view) gets its size and start in
    the SQL's text (crm.common.statements.in_text), so PostgreSQL plans it once. A filtered one
    keeps them as parameters, and so a plan per request for the values given: a generic plan
    cannot tell a rare value from a common one, and took `?kind=research` (a few hundred of
    1.8 million organisations) for a common kind, walking the whole name index for 50 rows
    (the page took 1.2 s at the national scale, against 9 ms with a plan per request).
    """
    if has_parameters(query):
        return _kept_like(query, query.limit(per_page).offset(offset))
    return _kept_like(query, query.limit(in_text(per_page)).offset(in_text(offset)))


def _kept_like(source: Select, made: Select) -> Select:
    # What is made from a kept statement lives as long (crm.common.statements.keep).
    return keep(made) if is_kept(source) else made


class CountedPagination(SelectPagination):
    """Flask-SQLAlchemy's SelectPagination, counting through count_statement."""

    def _query_count(self) -> int:
        statement = count_statement(self._query_args["select"])
        return counts.count(self._query_args["session"], statement)

    def _query_items(self) -> list:
        statement = page_statement(self._query_args["select"], self.per_page, self._query_offset)
        return list(read(self._query_args["session"], statement).unique().scalars())


class RowPagination(CountedPagination):
    """A page of whole rows (every selected column), not only the first column's objects."""

    def _query_items(self) -> list:
        statement = page_statement(self._query_args["select"], self.per_page, self._query_offset)
        return list(read(self._query_args["session"], statement))


class CappedPagination(CountedPagination):
    """A page whose total is counted up to a cap: `capped` says there are more than `total`.

    Counting every match of a common word among the whole country's 1.8 million organisations
    reads most of the table (a hundred milliseconds and more on PostgreSQL); counting up to the
    cap reads at most cap + 1 rows, and a list of more than 10,000 is read by its filter, not
    paged through to the end.
    """

    def __init__(self, *, count_cap: int, count_query: Select | None = None, **kwargs) -> None:
        # Pagination's __init__ counts, so the cap must be set before it runs.
        self.count_cap = count_cap
        self.count_query = count_query
        self.capped = False
        super().__init__(**kwargs)

    def _query_count(self) -> int:
        query = self._query_args["select"] if self.count_query is None else self.count_query
        statement = count_statement(query, cap=self.count_cap)
        found = counts.count(self._query_args["session"], statement)
        self.capped = found > self.count_cap
        return min(found, self.count_cap)


class CappedRowPagination(CappedPagination, RowPagination):
    """Whole rows, the total counted up to a cap."""


def apply_sort(
    query: Select,
    sort: str | None,
    columns: Mapping[str, ColumnElement],
    default: str,
    tiebreak: ColumnElement,
) -> tuple[Select, str]:
    """Order by an allow-listed column; `-name` sorts descending. Returns the query and the key.

    Only keys in `columns` are accepted, so a request can never choose an arbitrary column.
    """
    key = sort if sort and sort.lstrip("-") in columns else default
    column = columns[key.lstrip("-")]
    ordering = column.desc() if key.startswith("-") else column.asc()
    return query.order_by(ordering, tiebreak), key


class ResultPages(Pagination):
    """The pager's view of results paged elsewhere (a full-text search): page, size and total.

    The page's rows come from the caller's own query; this only numbers the pages for the
    `pager` macro.
    """

    def __init__(self, *, page: int, per_page: int, total: int) -> None:
        self._total = total
        super().__init__(
            page=min(max(page, 1), MAX_PAGE), per_page=per_page, max_per_page=None, error_out=False
        )

    def _query_items(self) -> list:
        return []

    def _query_count(self) -> int:
        return self._total
