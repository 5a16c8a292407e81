"""Writes about meetings: log one, change one. Everything is checked before anything changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.common.dates import LOCAL_TIMEZONE
from crm.common.errors import DomainError
from crm.common.models import utcnow
from crm.common.versioning import ensure_version
from crm.companies.models import Company
from crm.contacts.models import Contact
from crm.establishments import queries as establishment_queries
from crm.meetings.labels import MEETING_KIND
from crm.meetings.models import Exemption, Meeting, MeetingKind
from crm.strategy.models import Strategy
from crm.tasks import services as task_services

MAX_NOTES_LENGTH = 50_000
MAX_TITLE_LENGTH = 300
MAX_LOCATION_LENGTH = 300
MAX_DURATION_MINUTES = 7 * 24 * 60

M = TypeVar("M")


def local_datetime(day: date, at: time | None, timezone: str = LOCAL_TIMEZONE) -> datetime:
    """A wall-clock date and time in the municipality's time zone, as an aware datetime.

    Without a time: midnight of that day (the meeting then has no time, `has_time` false).
    """
    return datetime.combine(day, (at or time(0)).replace(tzinfo=None), tzinfo=ZoneInfo(timezone))


@dataclass(frozen=True)
class FollowUp:
    """A follow-up task logged with its meeting; no `company_id`: the meeting's default."""

    title: str
    due_on: date | None = None
    assignee_id: int | None = None
    company_id: int | None = None


def _default_title(kind: str, companies: Sequence[Company], contacts: Sequence[Contact]) -> str:
    """ "Company visit – Infinitum, RainPower" when the adviser gave no title."""
    names = [c.name for c in companies] or [c.name for c in contacts]
    shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
    return _("%(kind)s – %(names)s", kind=MEETING_KIND.label(kind), names=shown)[:MAX_TITLE_LENGTH]


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(i) for i in ids))


def _load(session: Session, model: type[M], ids: Sequence[int]) -> tuple[list[M], str]:
    """The records with these ids in the given order, and the unknown ids as a text."""
    if not ids:
        return [], ""
    found = {r.id: r for r in session.scalars(select(model).where(model.id.in_(ids)))}
    missing = ", ".join(str(i) for i in ids if i not in found)
    return [found[i] for i in ids if i in found], missing


def _check_fields(
    *, starts_at: datetime, duration_minutes: int | None, kind: str, title: str, location: str,
    notes: str, exemption: str | None = None,
) -> None:  # fmt: skip
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise DomainError("time", _l("The time has no time zone."))
    if kind not in {k.value for k in MeetingKind}:
        raise DomainError("kind", _l("Choose a kind of meeting from the list."))
    if exemption is not None and exemption not in {e.value for e in Exemption}:
        raise DomainError("exemption", _l("Choose an exemption ground from the list."))
    if len(title) > MAX_TITLE_LENGTH:
        raise DomainError(
            "title", _l("The title may be at most %(n)d characters long.", n=MAX_TITLE_LENGTH)
        )
    if len(location) > MAX_LOCATION_LENGTH:
        raise DomainError(
            "location",
            _l("The location may be at most %(n)d characters long.", n=MAX_LOCATION_LENGTH),
        )
    if duration_minutes is not None and not 0 < duration_minutes <= MAX_DURATION_MINUTES:
        raise DomainError(
            "duration_minutes",
            _l("The duration must be between 1 and %(n)d minutes.", n=MAX_DURATION_MINUTES),
        )
    if len(notes) > MAX_NOTES_LENGTH:
        raise DomainError(
            "notes",
            _l(
                "The notes may be at most %(n)d characters long; they are %(length)d.",
                n=MAX_NOTES_LENGTH,
                length=len(notes),
            ),
        )


def _participants(
    session: Session,
    *,
    company_ids: Sequence[int],
    contact_ids: Sequence[int],
    staff_ids: Sequence[int],
    strategy_ids: Sequence[int],
    current_staff: Sequence[User] = (),
) -> tuple[list[Company], list[Contact], list[User], list[Strategy]]:
    """Load every participant and strategy; refuse unknown ids and meetings without anyone."""
    companies, missing = _load(session, Company, _unique(company_ids))
    if missing:
        raise DomainError(
            "company_ids",
            _l(
                "These organisations were not found: %(ids)s. Remove them and try again.",
                ids=missing,
            ),
        )
    contacts, missing = _load(session, Contact, _unique(contact_ids))
    if missing:
        raise DomainError(
            "contact_ids",
            _l("These people were not found: %(ids)s. Remove them and try again.", ids=missing),
        )
    if not companies and not contacts:
        raise DomainError("company_ids", _l("Add at least one organisation or person."))
    staff, missing = _load(session, User, _unique(staff_ids))
    if missing:
        raise DomainError(
            "staff_ids", _l("These staff members were not found: %(ids)s.", ids=missing)
        )
    # A colleague who has left stays on the meetings they attended, but is not added anew.
    already = {u.id for u in current_staff}
    inactive = ", ".join(u.name for u in staff if not u.active and u.id not in already)
    if inactive:
        raise DomainError(
            "staff_ids", _l("These users are deactivated: %(names)s.", names=inactive)
        )
    strategies, missing = _load(session, Strategy, _unique(strategy_ids))
    if missing:
        raise DomainError(
            "strategy_ids", _l("These strategies were not found: %(ids)s.", ids=missing)
        )
    return companies, contacts, staff, strategies


def _taking_part(company_id: int | None, companies: Sequence[Company]) -> int | None:
    """The organisation id if it is among the meeting's organisations, else None."""
    return company_id if any(c.id == company_id for c in companies) else None


def create_meeting(
    session: Session,
    *,
    starts_at: datetime,
    title: str,
    kind: str = MeetingKind.MEETING.value,
    duration_minutes: int | None = None,
    location: str = "",
    company_ids: Sequence[int] = (),
    contact_ids: Sequence[int] = (),
    staff_ids: Sequence[int] = (),
    strategy_ids: Sequence[int] = (),
    notes: str = "",
    establishment_id: int | None = None,
    logged_from_id: int | None = None,
    has_time: bool = True,
    exemption: str | None = None,
) -> Meeting:
    """Log a meeting with its participants and strategies; refused whole if anything is wrong.

    `establishment_id` ties it to an establishment case (etableringssak), if given.
    `logged_from_id` is the organisation whose page it was logged from; it is kept only while
    that organisation takes part (its follow-up tasks go there by default). Without a title,
    the kind and the participants' names make one.
    """
    title, location = (title or "").strip(), (location or "").strip()
    notes = notes or ""
    _check_fields(
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        kind=kind,
        title=title,
        location=location,
        notes=notes,
        exemption=exemption,
    )
    companies, contacts, staff, strategies = _participants(
        session,
        company_ids=company_ids,
        contact_ids=contact_ids,
        staff_ids=staff_ids,
        strategy_ids=strategy_ids,
    )
    if establishment_id is not None and not establishment_queries.establishment_exists(
        session, establishment_id
    ):
        raise DomainError(None, _l("That establishment case was not found."))
    meeting = Meeting(
        establishment_id=establishment_id,
        logged_from_id=_taking_part(logged_from_id, companies),
        starts_at=starts_at,
        has_time=has_time,
        duration_minutes=duration_minutes,
        kind=kind,
        title=title or _default_title(kind, companies, contacts),
        location=location,
        notes=notes,
        exemption=exemption,
        companies=companies,
        contacts=contacts,
        staff=staff,
        strategies=strategies,
    )
    session.add(meeting)
    session.flush()
    return meeting


def log_meeting(session: Session, *, follow_ups: Sequence[FollowUp] = (), **meeting) -> Meeting:
    """Log a meeting (`create_meeting`'s arguments) with its follow-up tasks, all or nothing.

    A wrong task row refuses the whole capture, with the row's number in the message.
    """
    logged = create_meeting(session, **meeting)
    for number, row in enumerate(follow_ups, start=1):
        try:
            task_services.create_task(
                session,
                title=row.title,
                due_on=row.due_on,
                assignee_id=row.assignee_id,
                company_id=row.company_id,
                meeting=logged,
            )
        except DomainError as error:
            raise DomainError(
                "tasks",
                _l(
                    "Follow-up task %(number)d: %(message)s Nothing is saved yet.",
                    number=number,
                    message=error.message,
                ),
            ) from error
    return logged


def update_meeting(
    session: Session,
    *,
    meeting: Meeting,
    version: str | int | None,
    starts_at: datetime,
    title: str,
    kind: str,
    duration_minutes: int | None,
    location: str,
    company_ids: Sequence[int],
    contact_ids: Sequence[int],
    staff_ids: Sequence[int],
    strategy_ids: Sequence[int],
    notes: str,
    has_time: bool = True,
    exemption: str | None = None,
) -> Meeting:
    """Change a meeting loaded at `version`; every field and list is replaced."""
    ensure_version(meeting, version)
    title, location = (title or "").strip(), (location or "").strip()
    notes = notes or ""
    _check_fields(
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        kind=kind,
        title=title,
        location=location,
        notes=notes,
        exemption=exemption,
    )
    companies, contacts, staff, strategies = _participants(
        session,
        company_ids=company_ids,
        contact_ids=contact_ids,
        staff_ids=staff_ids,
        strategy_ids=strategy_ids,
        current_staff=meeting.staff,
    )
    meeting.starts_at = starts_at
    meeting.has_time = has_time
    meeting.duration_minutes = duration_minutes
    meeting.kind = kind
    meeting.title = title or _default_title(kind, companies, contacts)
    meeting.location = location
    meeting.notes = notes
    meeting.exemption = exemption
    meeting.companies = companies
    meeting.logged_from_id = _taking_part(meeting.logged_from_id, companies)
    meeting.contacts = contacts
    meeting.staff = staff
    meeting.strategies = strategies
    # Touch the row so its version moves even when only the participant lists changed.
    meeting.updated_at = utcnow()
    session.flush()
    return meeting
