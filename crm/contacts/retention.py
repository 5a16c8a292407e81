"""GDPR art. 5(1)(e), storage limitation: people the department no longer deals with.

A person comes up for review when, for a whole retention period (RETENTION_YEARS, default 3),
they attended no meeting, held no current affiliation, and their record was not created or
kept at an earlier review. Admins erase them (the same erasure as on the person's page) or keep
them with a reason, which holds until one more period has passed. Restricted people are
reviewed too: a restriction limits processing, it does not extend storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, exists, func, select
from sqlalchemy.orm import Session

from crm.common.dates import local_midnight
from crm.common.errors import DomainError
from crm.contacts import queries, services
from crm.contacts.models import Affiliation, Contact, ContactAccess
from crm.meetings.models import Meeting, meeting_contacts


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def due_query(*, today: date, years: int) -> Select:
    """The people due for review, oldest last change first."""
    cutoff_day = years_before(today, years)
    cutoff = local_midnight(cutoff_day)
    recent_meeting = exists().where(
        meeting_contacts.c.contact_id == Contact.id,
        Meeting.id == meeting_contacts.c.meeting_id,
        Meeting.starts_at >= cutoff,
    )
    current_affiliation = exists().where(
        Affiliation.contact_id == Contact.id, queries.current_clause(Affiliation, today)
    )
    return (
        select(Contact)
        .where(
            Contact.created_at < cutoff,
            Contact.updated_at < cutoff,
            ~recent_meeting,
            ~current_affiliation,
            (Contact.retention_kept_on.is_(None)) | (Contact.retention_kept_on < cutoff_day),
        )
        .order_by(Contact.updated_at, Contact.id)
        .execution_options(include_restricted=True)
    )


def last_meetings(session: Session, contact_ids: Sequence[int]) -> dict[int, datetime]:
    """When each of these people last attended a meeting (absent: never), in one query."""
    rows = session.execute(
        select(meeting_contacts.c.contact_id, func.max(Meeting.starts_at))
        .join(Meeting, Meeting.id == meeting_contacts.c.meeting_id)
        .where(meeting_contacts.c.contact_id.in_(contact_ids))
        .group_by(meeting_contacts.c.contact_id)
    )
    return {contact_id: last for contact_id, last in rows}


def _chosen(session: Session, ids: Sequence[int], *, today: date, years: int) -> list[Contact]:
    """The chosen people, refusing the whole choice if any of them is no longer due."""
    if not ids:
        raise DomainError("contact_ids", _l("Choose at least one person."))
    wanted = set(ids)
    due = due_query(today=today, years=years).where(Contact.id.in_(wanted))
    found = list(session.scalars(due))
    if len(found) != len(wanted):
        raise DomainError(
            "contact_ids",
            _l(
                "Some of the chosen people are no longer due for review (someone met them, "
                "changed them or kept them meanwhile). Nothing is done; reload the list."
            ),
        )
    return found


def erase_due(
    session: Session, ids: Sequence[int], *, today: date, years: int, user_id: int | None
) -> int:
    """Erase the chosen people (all of them or none); returns how many."""
    people = _chosen(session, ids, today=today, years=years)
    for contact in people:
        contact_id = contact.id
        services.erase_contact(session, contact=contact, version=contact.version)
        services.record_access(
            session,
            user_id=user_id,
            action="erased",
            contact_id=contact_id,
            detail="retention review",
        )
    return len(people)


def keep_due(session: Session, ids: Sequence[int], *, reason: str, today: date, years: int) -> int:
    """Keep the chosen people for one more period, with the reason; returns how many."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason", _l("Say why the people are kept."))
    people = _chosen(session, ids, today=today, years=years)
    for contact in people:
        contact.retention_kept_on = today
        contact.retention_note = reason[:500]
    session.flush()
    return len(people)


def prune_access_log(session: Session, *, today: date, years: int) -> int:
    """Delete access log entries older than their own retention period; returns how many."""
    cutoff = local_midnight(years_before(today, years))
    result = session.execute(delete(ContactAccess).where(ContactAccess.at < cutoff))
    return result.rowcount or 0


def access_log_due(session: Session, *, today: date, years: int) -> int:
    """How many access log entries a prune would delete."""
    cutoff = local_midnight(years_before(today, years))
    query = select(func.count()).select_from(ContactAccess).where(ContactAccess.at < cutoff)
    return session.scalar(query) or 0
