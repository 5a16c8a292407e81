"""/api/v1/meetings: meetings with their participants, staff and strategies."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import selectinload

from crm.api import bp
from crm.api.common import (
    Listing,
    ListQuery,
    Strict,
    choices,
    committing,
    if_match_version,
    list_response,
    not_found,
    sort_keys,
)
from crm.api.filters import filter_problem
from crm.api.spec import json_response, operation
from crm.api.types import Id, text
from crm.common.converters import MAX_DATE, MIN_DATE
from crm.extensions import db
from crm.meetings import queries, services
from crm.meetings.filters import meeting_filter_form
from crm.meetings.models import Meeting, MeetingKind

TAG = "meetings"
SORTS = {"starts_at": Meeting.starts_at, "updated": Meeting.updated_at}
IdList = list[Id]


class MeetingQuery(ListQuery):
    """The meetings list's filters, as on the web list."""

    q: str | None = Field(default=None, max_length=200, description="In title and notes.")
    kind: choices(MeetingKind) | None = None
    company_id: Id | None = Field(default=None, description="Meetings with this organisation.")
    user_id: Id | None = Field(default=None, description="Meetings this staff member attended.")
    strategy_id: Id | None = Field(default=None, description="Meetings tagged with a strategy.")
    date_from: date | None = Field(default=None, ge=MIN_DATE, le=MAX_DATE)
    date_to: date | None = Field(default=None, ge=MIN_DATE, le=MAX_DATE)
    sort: sort_keys(("id", *SORTS)) = "id"


class MeetingOut(BaseModel):
    """A meeting; participants by id (read people through /people, which is logged)."""

    id: int
    starts_at: datetime
    has_time: bool
    duration_minutes: int | None
    kind: str
    title: str
    location: str
    notes: str
    company_ids: list[int]
    contact_ids: list[int]
    staff_ids: list[int]
    strategy_ids: list[int]
    establishment_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the time with its offset, e.g. 2026-05-01T10:00:00+02:00")
    if not MIN_DATE <= value.date() <= MAX_DATE:
        raise ValueError("the date is out of range")
    return value


class MeetingChange(Strict):
    """The fields to change; lists given replace the old ones, those left out stay."""

    starts_at: datetime | None = None
    has_time: bool | None = None
    title: text(300) | None = None
    kind: choices(MeetingKind) | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60 * 14)
    location: text(300) | None = None
    company_ids: IdList | None = Field(default=None, max_length=200)
    contact_ids: IdList | None = Field(default=None, max_length=200)
    staff_ids: IdList | None = Field(default=None, max_length=200)
    strategy_ids: IdList | None = Field(default=None, max_length=50)
    notes: text(100_000) | None = None

    _aware = field_validator("starts_at")(lambda v: _aware(v) if v is not None else v)


class NewMeeting(Strict):
    """A meeting as the web form logs it."""

    starts_at: datetime = Field(description="With its offset; midnight with has_time false.")
    has_time: bool = True
    title: text(300)
    kind: choices(MeetingKind) = MeetingKind.MEETING.value
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60 * 14)
    location: text(300) = ""
    company_ids: IdList = Field(default_factory=list, max_length=200)
    contact_ids: IdList = Field(default_factory=list, max_length=200)
    staff_ids: IdList = Field(default_factory=list, max_length=200)
    strategy_ids: IdList = Field(default_factory=list, max_length=50)
    notes: text(100_000) = ""
    establishment_id: Id | None = None

    _aware = field_validator("starts_at")(_aware)


def meeting_out(meeting: Meeting) -> MeetingOut:
    """The API's view of a meeting."""
    return MeetingOut(
        id=meeting.id,
        starts_at=meeting.starts_at,
        has_time=meeting.has_time,
        duration_minutes=meeting.duration_minutes,
        kind=meeting.kind,
        title=meeting.title,
        location=meeting.location,
        notes=meeting.notes,
        company_ids=[c.id for c in meeting.companies],
        contact_ids=[c.id for c in meeting.contacts],
        staff_ids=[u.id for u in meeting.staff],
        strategy_ids=[s.id for s in meeting.strategies],
        establishment_id=meeting.establishment_id,
        version=meeting.version,
        created_at=meeting.created_at,
        updated_at=meeting.updated_at,
    )


LOADED = (
    selectinload(Meeting.companies),
    selectinload(Meeting.contacts),
    selectinload(Meeting.staff),
    selectinload(Meeting.strategies),
)


def filtered_meetings(query: MeetingQuery):
    """The web list's filter form and query."""
    args = {
        name: value.isoformat() if isinstance(value, date) else str(value)
        for name in ("q", "kind", "company_id", "user_id", "strategy_id", "date_from", "date_to")
        if (value := getattr(query, name)) is not None
    }
    form, filters = meeting_filter_form(db.session, args)
    filter_problem(form)
    return queries.meeting_list_query(filters).options(*LOADED)


@operation(
    bp,
    "/meetings",
    "GET",
    mirrors="meetings.index",
    summary="List meetings",
    tag=TAG,
    query=MeetingQuery,
    response=Listing[MeetingOut],
)
def list_meetings(query: MeetingQuery):
    """Meetings matching the filters, a page at a time."""
    return list_response(
        query,
        filtered_meetings(query),
        id_column=Meeting.id,
        sorts=SORTS,
        item=meeting_out,
        model=MeetingOut,
        filename="meetings",
    )


@operation(
    bp,
    "/meetings/<int:meeting_id>",
    "GET",
    mirrors="meetings.detail",
    summary="Read a meeting",
    tag=TAG,
    response=MeetingOut,
    etag=True,
)
def get_meeting(meeting_id: int):
    """One meeting."""
    meeting = not_found(queries.get_meeting(db.session, meeting_id))
    return json_response(meeting_out(meeting), etag=meeting.version)


@operation(
    bp,
    "/meetings",
    "POST",
    mirrors="meetings.create",
    summary="Log a meeting",
    tag=TAG,
    body=NewMeeting,
    response=MeetingOut,
    status=201,
    etag=True,
)
def create_meeting(body: NewMeeting):
    """Log a meeting under the web form's rules (participants and strategies must exist)."""
    with committing():
        meeting = services.create_meeting(db.session, **body.model_dump())
    meeting = queries.get_meeting(db.session, meeting.id)
    return json_response(meeting_out(meeting), 201, etag=meeting.version)


FIELDS = ("starts_at", "has_time", "title", "kind", "duration_minutes", "location", "notes")


@operation(
    bp,
    "/meetings/<int:meeting_id>",
    "PATCH",
    mirrors="meetings.edit",
    summary="Change a meeting",
    tag=TAG,
    body=MeetingChange,
    response=MeetingOut,
    versioned=True,
    etag=True,
)
def update_meeting(meeting_id: int, body: MeetingChange):
    """Change the fields given; 412 when the meeting changed since If-Match."""
    meeting = not_found(queries.get_meeting(db.session, meeting_id))
    version = if_match_version()
    current = meeting_out(meeting)
    values = {name: getattr(current, name) for name in FIELDS}
    for name in ("company_ids", "contact_ids", "staff_ids", "strategy_ids"):
        values[name] = getattr(current, name)
    values = {**values, **body.model_dump(exclude_unset=True)}
    for name in ("starts_at", "title", "kind", "has_time"):
        if values[name] is None:
            values[name] = getattr(current, name)
    values["location"] = values["location"] or ""
    values["notes"] = values["notes"] or ""
    for name in ("company_ids", "contact_ids", "staff_ids", "strategy_ids"):
        values[name] = values[name] or []
    with committing():
        services.update_meeting(db.session, meeting=meeting, version=version, **values)
    meeting = queries.get_meeting(db.session, meeting_id)
    return json_response(meeting_out(meeting), etag=meeting.version)
