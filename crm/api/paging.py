"""Cursor (keyset) pagination: an opaque cursor on (sort key, id).

A page is "the next `limit` rows after this (value, id)" rather than "rows 10,950 to 11,000",
so the last page of 11,000 rows costs what the first does (no OFFSET), and rows added while a
client pages never shift the pages: nothing is repeated or skipped. Every sort key is a
non-null column expression, and the id breaks ties, so the order is total.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import json
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from crm.api.problems import ApiProblem

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# A total is counted only when the filtered rows are few enough to count cheaply.
TOTAL_LIMIT = 20_000


@dataclass
class Page:
    """One page of rows and the cursor for the next (None on the last page)."""

    rows: list[Any]
    next_cursor: str | None
    total: int | None
    sort: str


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return datetime.fromisoformat(value["t"])
    return value


def encode_cursor(sort: str, value: Any, row_id: int) -> str:
    """The opaque cursor after a row."""
    raw = json.dumps([sort, _encode(value), row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The (value, id) a cursor points after; 400 when it is not one of ours for this sort."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key, value, row_id = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        value = _decode(value)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise ApiProblem(
            400, "The cursor is not valid.", errors=[{"field": "cursor", "message": "not valid"}]
        ) from None
    if key != sort or not isinstance(row_id, int) or isinstance(value, list | dict):
        raise ApiProblem(
            400,
            "The cursor belongs to another sort order; start again without it.",
            errors=[{"field": "cursor", "message": "another sort order"}],
        )
    return value, row_id


def keyset_page(
    session: Session,
    query: Select,
    *,
    id_column: ColumnElement,
    sorts: Mapping[str, ColumnElement],
    sort: str,
    cursor: str | None,
    limit: int,
    count: bool = True,
) -> Page:
    """One page of `query` (its first entity) in `sort` order (`-key` descending), after `cursor`.

    `query` is a feature's filtered list select; its own ORDER BY is replaced. `sorts` is the
    allow-list of sort keys; `id` is always allowed.
    """
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    column = id_column if name == "id" else sorts[name]
    query = query.order_by(None)
    if cursor:
        value, after_id = decode_cursor(cursor, sort)
        if name == "id":
            query = query.where(id_column < after_id if descending else id_column > after_id)
        else:
            beyond = column < value if descending else column > value
            query = query.where(or_(beyond, and_(column == value, id_column > after_id)))
    ordering: Sequence[ColumnElement] = (
        [id_column.desc() if descending else id_column.asc()]
        if name == "id"
        else [column.desc() if descending else column.asc(), id_column.asc()]
    )
    page_query = query.add_columns(column.label("_sort_value")).order_by(*ordering)
    rows = list(session.execute(page_query.limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(sort, last[-1], last[0].id if name != "id" else last[-1])
    total = None
    if count and not cursor:
        total = _cheap_total(session, query, id_column)
    return Page([row[0] for row in rows], next_cursor, total, sort)


def _cheap_total(session: Session, query: Select, id_column: ColumnElement) -> int | None:
    """The number of matching rows, or None when there are too many to count cheaply."""
    counted = session.scalar(
        select(func.count()).select_from(
            query.with_only_columns(id_column).limit(TOTAL_LIMIT + 1).subquery()
        )
    )
    return counted if counted is not None and counted <= TOTAL_LIMIT else None
