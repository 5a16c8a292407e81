"""Reading the change log: a record's history, and the whole log with its filters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, String, cast, or_, select
from sqlalchemy.orm import Session, joinedload

from crm.common.dates import local_midnight
from crm.common.pagination import paginate
from crm.history.models import ChangeEntry, ChangeRecord


def record_history_query(table_name: str, record_id: int) -> Select:
    """Entries about a record, newest first: its own and those of rows that point to it."""
    return (
        select(ChangeEntry)
        .join(ChangeRecord, ChangeRecord.change_id == ChangeEntry.id)
        .where(ChangeRecord.table_name == table_name, ChangeRecord.record_id == record_id)
        .options(joinedload(ChangeEntry.user))
        .order_by(ChangeEntry.at.desc(), ChangeEntry.id.desc())
    )


def record_history(
    session: Session, table_name: str, record_id: int, *, page: int, per_page: int
) -> SelectPagination:
    """One page of a record's history."""
    return paginate(
        session, record_history_query(table_name, record_id), page=page, per_page=per_page
    )


@dataclass(frozen=True)
class LogFilters:
    """What the admin's change log is narrowed to."""

    user_id: int | None = None
    table_name: str | None = None
    record_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""
    request_id: str = ""


def change_log(
    session: Session, filters: LogFilters, *, page: int, per_page: int
) -> SelectPagination:
    """One page of the whole change log, newest first, narrowed by `filters`."""
    query = select(ChangeEntry).options(joinedload(ChangeEntry.user))
    if filters.user_id is not None:
        query = query.where(ChangeEntry.user_id == filters.user_id)
    if filters.table_name:
        query = query.where(ChangeEntry.table_name == filters.table_name)
    if filters.record_id is not None:
        query = query.where(ChangeEntry.record_id == filters.record_id)
    if filters.date_from is not None:
        query = query.where(ChangeEntry.at >= local_midnight(filters.date_from))
    if filters.date_to is not None:
        query = query.where(ChangeEntry.at < local_midnight(filters.date_to + timedelta(days=1)))
    if filters.request_id:
        query = query.where(ChangeEntry.request_id == filters.request_id)
    if filters.text:
        pattern = _contains(filters.text)
        # JSON keeps letters beyond ASCII escaped ("\\u00f8"): look for that spelling too.
        escaped = _contains(json.dumps(filters.text)[1:-1])
        values = cast(ChangeEntry.changes, String)
        query = query.where(
            or_(
                ChangeEntry.title.ilike(pattern, escape="!"),
                values.ilike(pattern, escape="!"),
                values.ilike(escaped, escape="!"),
                ChangeEntry.actor.ilike(pattern, escape="!"),
            )
        )
    query = query.order_by(ChangeEntry.at.desc(), ChangeEntry.id.desc())
    return paginate(session, query, page=page, per_page=per_page)


def _contains(text: str) -> str:
    """A LIKE pattern for `text` anywhere, its wildcards taken literally (escape "!")."""
    for char in ("!", "%", "_"):
        text = text.replace(char, "!" + char)
    return f"%{text}%"
