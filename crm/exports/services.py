"""What the exports hold: the list pages' rows as columns, and the whole database as JSON.

The list exports run the list pages' own queries with the same filters (crm.common.filters), so
a file holds exactly what the list shows: every matching row, never a silently cut part. Rows
are read from the database in chunks (yield_per) while the file is written, so memory stays
bounded however long the list is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, joinedload

from crm.companies.labels import COMPANY_KIND, REGISTER_STATUS
from crm.companies.queries import CompanyFilters, company_list_query
from crm.contacts.models import Contact
from crm.contacts.queries import ContactFilters, contact_list_query
from crm.contacts.restriction import reader_session
from crm.establishments.labels import CASE_KIND, LOST_REASON
from crm.establishments.models import EstablishmentCase
from crm.establishments.queries import CaseFilters, case_list_query
from crm.extensions import db
from crm.meetings.labels import EXEMPTION, MEETING_KIND
from crm.meetings.models import meeting_contacts
from crm.meetings.queries import MeetingFilters, meeting_list_query

LOCAL_ZONE = ZoneInfo("Europe/Oslo")
CHUNK = 1000

# Never exported: secrets and server-side sessions.
EXCLUDED_TABLES = frozenset({"user_sessions", "alembic_version"})
EXCLUDED_COLUMNS = {"users": frozenset({"password_hash", "calendar_token_hash"})}


@dataclass(frozen=True)
class Export:
    """A list as a file: its columns, how many rows match, and how to read the rows."""

    columns: list[str]
    total: int
    read: Callable[[Session], Iterator[list[Any]]]

    def rows(self, engine: Engine) -> Iterator[list[Any]]:
        """The rows, read in a session of their own: a streamed response outlives the request.

        Everything translated (columns, labels) is translated before, in the request, and the
        session is made then too, so it reads for the request's reader (an admin sees
        restricted people in the file as on the list).
        """
        return self._read(reader_session(engine))

    def _read(self, reader: Session) -> Iterator[list[Any]]:
        with reader as session:
            yield from self.read(session)


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(LOCAL_ZONE) if moment is not None else None


def _count(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _in_chunks(query: Select) -> Select:
    # Rows come from the database CHUNK at a time (a server-side cursor on PostgreSQL).
    return query.execution_options(yield_per=CHUNK)


def export_companies(session: Session, *, filters: CompanyFilters, sort: str | None) -> Export:
    """The organisations the list shows with these filters and this sort."""
    query, _sort = company_list_query(filters, sort=sort)
    kinds, statuses = dict(COMPANY_KIND), dict(REGISTER_STATUS)
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
        _("Relationship manager"),
        _("Website"),
        _("Register status"),
        _("Description"),
        _("Last changed"),
    ]

    def read(session: Session) -> Iterator[list[Any]]:
        for c in session.scalars(_in_chunks(query)):
            yield [
                c.id,
                c.name,
                c.org_number,
                kinds.get(c.kind, c.kind),
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
                c.responsible.name if c.responsible else None,
                c.website,
                statuses.get(c.register_status, c.register_status),
                c.description,
                _local(c.updated_at),
            ]

    return Export(columns, _count(session, query), read)


def export_contacts(session: Session, *, filters: ContactFilters, sort: str | None) -> Export:
    """The people the list shows with these filters and this sort."""
    query, count_query, _sort = contact_list_query(filters, sort=sort)
    columns = [
        _("Id"),
        _("Name"),
        _("Email"),
        _("Phone"),
        _("Organisation"),
        _("Organisation number"),
        _("Title"),
        _("Last contacted"),
        _("Next meeting"),
    ]

    def read(session: Session) -> Iterator[list[Any]]:
        rows = session.execute(_in_chunks(query))
        for contact, last_contacted, next_meeting, affiliation, company in rows:
            yield [
                contact.id,
                contact.name,
                contact.email,
                contact.phone,
                company.name if company else None,
                company.org_number if company else None,
                affiliation.title if affiliation else None,
                _local(last_contacted),
                _local(next_meeting),
            ]

    return Export(columns, _count(session, count_query), read)


def _participants(session: Session, meeting_ids: list[int]) -> dict[int, list[str]]:
    people: dict[int, list[str]] = {}
    found = session.execute(
        select(meeting_contacts.c.meeting_id, Contact.name)
        .join(Contact, Contact.id == meeting_contacts.c.contact_id)
        .where(meeting_contacts.c.meeting_id.in_(meeting_ids))
        .order_by(Contact.name)
    )
    for meeting_id, name in found:
        people.setdefault(meeting_id, []).append(name)
    return people


def export_meetings(session: Session, *, filters: MeetingFilters) -> Export:
    """The meetings the list shows with these filters, newest first, with their participants."""
    query = meeting_list_query(filters)
    kinds = dict(MEETING_KIND)
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
        _("Exempt from public access"),
    ]

    def read(session: Session) -> Iterator[list[Any]]:
        for meetings in session.scalars(_in_chunks(query)).partitions():
            # One query for the participants of each chunk, not one per meeting.
            people = _participants(session, [m.id for m in meetings])
            for m in meetings:
                yield [
                    m.id,
                    _local(m.starts_at),
                    m.duration_minutes,
                    kinds.get(m.kind, m.kind),
                    m.title,
                    m.location,
                    ", ".join(c.name for c in m.companies),
                    ", ".join(people.get(m.id, [])),
                    ", ".join(u.name for u in m.staff),
                    m.notes,
                    EXEMPTION.label(m.exemption),
                ]

    return Export(columns, _count(session, query), read)


def export_cases(session: Session, *, filters: CaseFilters) -> Export:
    """The establishment cases the list shows with these filters, in the list's order."""
    query = case_list_query(filters).options(joinedload(EstablishmentCase.established_place))
    kinds, lost_reasons = dict(CASE_KIND), dict(LOST_REASON)
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

    def read(session: Session) -> Iterator[list[Any]]:
        for case in session.scalars(_in_chunks(query)):
            yield [
                case.id,
                case.company.name,
                kinds.get(case.kind, case.kind),
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
                lost_reasons.get(case.lost_reason) if case.lost_reason else None,
            ]

    return Export(columns, _count(session, query), read)


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
