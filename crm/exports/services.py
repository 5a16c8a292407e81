"""What the exports hold: the list pages' rows as columns, and the whole database as JSON.

The list exports call the list pages' own query functions with the same filters, so a file
holds exactly what the list shows (every page of it, up to MAX_ROWS).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from crm.companies.labels import COMPANY_KIND, REGISTER_STATUS
from crm.companies.queries import list_companies
from crm.contacts.models import Contact
from crm.contacts.queries import list_contacts
from crm.establishments.labels import CASE_KIND, LOST_REASON
from crm.establishments.queries import CaseFilters, case_list_query
from crm.extensions import db
from crm.meetings.models import meeting_contacts
from crm.meetings.queries import list_meetings

MAX_ROWS = 50_000
LOCAL_ZONE = ZoneInfo("Europe/Oslo")
CHUNK = 1000

# Never exported: secrets and server-side sessions.
EXCLUDED_TABLES = frozenset({"user_sessions", "alembic_version"})
EXCLUDED_COLUMNS = {"users": frozenset({"password_hash", "calendar_token_hash"})}


class Export:
    """Columns, rows and how many rows the filter matched in all."""

    def __init__(self, columns: Sequence[str], rows: list[list[Any]], total: int) -> None:
        self.columns = list(columns)
        self.rows = rows
        self.total = total

    @property
    def truncated(self) -> bool:
        """Whether the filter matched more rows than an export holds."""
        return self.total > len(self.rows)


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(LOCAL_ZONE) if moment is not None else None


def export_companies(session: Session, *, filters: dict[str, Any], sort: str | None) -> Export:
    """The organisations the list shows with these filters and this sort."""
    pagination, _sort = list_companies(session, **filters, sort=sort, page=1, per_page=MAX_ROWS)
    columns = [
        _("Id"),
        _("Name"),
        _("Organisation number"),
        _("Kind"),
        _("Organisation form"),
        _("Industry code"),
        _("Industry standard"),
        _("Industry"),
        _("Employees"),
        _("Address"),
        _("Postcode"),
        _("Post town"),
        _("Municipality number"),
        _("Place"),
        _("Sectors"),
        _("Website"),
        _("Register status"),
        _("Description"),
        _("Last changed"),
    ]
    rows = [
        [
            c.id,
            c.name,
            c.org_number,
            COMPANY_KIND.label(c.kind),
            c.org_form,
            c.industry_code,
            c.industry_standard,
            c.industry_description,
            c.employees,
            c.address,
            c.postcode,
            c.post_town,
            c.municipality_number,
            c.place.name if c.place else None,
            ", ".join(s.name for s in c.sectors),
            c.website,
            REGISTER_STATUS.label(c.register_status),
            c.description,
            _local(c.updated_at),
        ]
        for c in pagination.items
    ]
    return Export(columns, rows, pagination.total or 0)


def export_contacts(
    session: Session,
    *,
    q: str,
    company_id: int | None,
    include_former: bool,
    sort: str | None,
) -> Export:
    """The people the list shows with these filters and this sort."""
    pagination, _sort = list_contacts(
        session,
        q=q,
        company_id=company_id,
        include_former=include_former,
        sort=sort,
        page=1,
        per_page=MAX_ROWS,
    )
    columns = [
        _("Id"),
        _("Name"),
        _("Email"),
        _("Phone"),
        _("Organisation"),
        _("Organisation number"),
        _("Title"),
        _("Last contacted"),
    ]
    rows = [
        [
            row.contact.id,
            row.contact.name,
            row.contact.email,
            row.contact.phone,
            row.company.name if row.company else None,
            row.company.org_number if row.company else None,
            row.affiliation.title if row.affiliation else None,
            _local(row.last_contacted),
        ]
        for row in pagination.items
    ]
    return Export(columns, rows, pagination.total or 0)


def export_meetings(session: Session, *, filters: dict[str, Any]) -> Export:
    """The meetings the list shows with these filters, newest first, with their participants."""
    pagination = list_meetings(session, **filters, page=1, per_page=MAX_ROWS)
    meetings = list(pagination.items)
    people: dict[int, list[str]] = {}
    ids = [m.id for m in meetings]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = session.execute(
            select(meeting_contacts.c.meeting_id, Contact.name)
            .join(Contact, Contact.id == meeting_contacts.c.contact_id)
            .where(meeting_contacts.c.meeting_id.in_(chunk))
            .order_by(Contact.name)
        )
        for meeting_id, name in found:
            people.setdefault(meeting_id, []).append(name)
    columns = [
        _("Id"),
        _("Starts"),
        _("Duration (minutes)"),
        _("Kind"),
        _("Title"),
        _("Location"),
        _("Organisations"),
        _("People"),
        _("Staff"),
        _("Notes"),
    ]
    rows = [
        [
            m.id,
            _local(m.starts_at),
            m.duration_minutes,
            m.kind,
            m.title,
            m.location,
            ", ".join(c.name for c in m.companies),
            ", ".join(people.get(m.id, [])),
            ", ".join(u.name for u in m.staff),
            m.notes,
        ]
        for m in meetings
    ]
    return Export(columns, rows, pagination.total or 0)


def export_cases(session: Session, *, filters: CaseFilters) -> Export:
    """The establishment cases the list shows with these filters, in the list's order."""
    query = case_list_query(filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    cases = session.scalars(query.limit(MAX_ROWS)).all()
    columns = [
        _("Id"),
        _("Organisation"),
        _("Kind of case"),
        _("Stage"),
        _("Opened"),
        _("Responsible adviser"),
        _("Next follow-up"),
        _("Wished places"),
        _("Area needed (m²)"),
        _("Expected jobs"),
        _("Expected investment (NOK)"),
        _("Expected decision"),
        _("Established in"),
        _("Established on"),
        _("Actual jobs"),
        _("Lost reason"),
    ]
    rows = [
        [
            case.id,
            case.company.name,
            CASE_KIND.label(case.kind),
            case.stage.name,
            case.opened_on,
            case.adviser.name if case.adviser else None,
            case.next_follow_up_on,
            ", ".join(place.name for place in case.wished_places),
            case.area_m2,
            case.expected_jobs,
            case.expected_investment_nok,
            case.expected_decision_on,
            case.established_place.name if case.established_place else None,
            case.established_on,
            case.actual_jobs,
            LOST_REASON.label(case.lost_reason) or None,
        ]
        for case in cases
    ]
    return Export(columns, rows, total or 0)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot export {type(value).__name__}")


def stream_everything(engine: Engine, *, exported_at: datetime) -> Iterator[str]:
    """Every table as one JSON document, row by row: {"exported_at", "tables": {name: [rows]}}."""
    yield json.dumps({"format": "koblingsboks-export", "version": 1})[:-1]
    yield f', "exported_at": {json.dumps(exported_at.isoformat())}, "tables": {{'
    with engine.connect() as connection:
        streaming = connection.execution_options(stream_results=True, yield_per=CHUNK)
        for index, table in enumerate(
            t for t in db.metadata.sorted_tables if t.name not in EXCLUDED_TABLES
        ):
            excluded = EXCLUDED_COLUMNS.get(table.name, frozenset())
            columns = [c for c in table.columns if c.name not in excluded]
            primary = list(table.primary_key.columns)
            yield ("," if index else "") + json.dumps(table.name) + ": ["
            query = select(*columns).order_by(*primary)
            for number, row in enumerate(streaming.execute(query)):
                text = json.dumps(dict(row._mapping), default=_json_default, ensure_ascii=False)
                yield ("," if number else "") + text
            yield "]"
    yield "}}"
