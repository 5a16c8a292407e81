"""Paging and sorting for list pages."""

from __future__ import annotations

from collections.abc import Mapping

from flask import request
from sqlalchemy import ColumnElement, Select

PER_PAGE = 50
MAX_PER_PAGE = 200


def page_args() -> tuple[int, int]:
    """The page number and page size asked for, within sane bounds."""
    page = request.args.get("page", 1, type=int) or 1
    per_page = request.args.get("per_page", PER_PAGE, type=int) or PER_PAGE
    return max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)


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
