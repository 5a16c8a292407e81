"""Reading the change log: a record's history, and the whole log with its filters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import ColumnElement, Select, String, cast, exists, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from crm.common import folding
from crm.common.dates import local_midnight
from crm.common.pagination import paginate
from crm.extensions import db
from crm.history.models import ChangeEntry, ChangeRecord


def record_history_query(
    table_name: str, record_id: int, *, hide_restricted: bool = False
) -> Select:
    """Entries about a record, newest first: its own and those of rows that point to it.

    `hide_restricted` leaves out the entries that concern a person whose data is restricted
    (GDPR art. 18): an organisation's history must not name them to anyone but admins.
    """
    query = (
        select(ChangeEntry)
        .join(ChangeRecord, ChangeRecord.change_id == ChangeEntry.id)
        .where(ChangeRecord.table_name == table_name, ChangeRecord.record_id == record_id)
        .options(joinedload(ChangeEntry.user))
        .order_by(ChangeEntry.at.desc(), ChangeEntry.id.desc())
    )
    if hide_restricted:
        query = query.where(~_concerns_a_restricted_person())
    return query


def _concerns_a_restricted_person() -> ColumnElement[bool]:
    # The plain table, not the mapped class: the restriction's own rule (contacts.restriction)
    # would otherwise hide exactly the rows this looks for. (Found by name, not imported: the
    # people feature's package imports this one through its services.)
    people = db.metadata.tables["contacts"]
    concerned = aliased(ChangeRecord)
    return exists().where(
        concerned.change_id == ChangeEntry.id,
        concerned.table_name == "contacts",
        concerned.record_id.in_(select(people.c.id).where(people.c.restricted_at.is_not(None))),
    )


def record_history(
    session: Session,
    table_name: str,
    record_id: int,
    *,
    page: int,
    per_page: int,
    hide_restricted: bool = False,
) -> SelectPagination:
    """One page of a record's history."""
    query = record_history_query(table_name, record_id, hide_restricted=hide_restricted)
    return paginate(session, query, page=page, per_page=per_page)


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
        # JSON keeps letters beyond ASCII escaped ("\\u00f8"): look for that spelling too.
        escaped = json.dumps(filters.text)[1:-1]
        values = cast(ChangeEntry.changes, String)
        query = query.where(
            or_(
                folding.contains(ChangeEntry.title, filters.text),
                folding.contains(values, filters.text),
                folding.contains(values, escaped),
                folding.contains(ChangeEntry.actor, filters.text),
            )
        )
    query = query.order_by(ChangeEntry.at.desc(), ChangeEntry.id.desc())
    return paginate(session, query, page=page, per_page=per_page)
