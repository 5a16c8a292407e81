"""Reads for the start page: what the signed-in adviser has due, follows and last attended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm.common.dates import local_midnight
from crm.common.models import utcnow
from crm.companies.models import Company
from crm.establishments.models import EstablishmentCase, Stage, StageOutcome
from crm.meetings.models import Meeting, meeting_companies, meeting_staff
from crm.tasks.models import Task

ACTIVE_OUTCOMES = (StageOutcome.OPEN.value, StageOutcome.ON_HOLD.value)
# What is due within this many days shows on the start page; everything overdue does too.
DUE_HORIZON_DAYS = 14
LAST_MEETINGS = 10
# An organisation of the adviser's portfolio not met for this long shows on the start page.
QUIET_DAYS = 365
QUIET_LIMIT = 15


@dataclass
class DueItem:
    """A task or a case follow-up with a date."""

    kind: str  # "task" or "case"
    due_on: date
    title: str
    company_name: str | None
    record_id: int
    overdue: bool


def due_items(session: Session, user_id: int, *, today: date) -> list[DueItem]:
    """The user's open tasks and case follow-ups due within two weeks, overdue first."""
    until = today + timedelta(days=DUE_HORIZON_DAYS)
    tasks = session.scalars(
        select(Task)
        .where(
            Task.assignee_id == user_id,
            Task.done.is_(False),
            Task.due_on.is_not(None),
            Task.due_on <= until,
        )
        .options(joinedload(Task.company))
    )
    items = [
        DueItem(
            "task",
            task.due_on,
            task.title,
            task.company.name if task.company else None,
            task.id,
            task.due_on < today,
        )
        for task in tasks
    ]
    cases = session.scalars(
        select(EstablishmentCase)
        .join(EstablishmentCase.stage)
        .where(
            EstablishmentCase.adviser_id == user_id,
            Stage.outcome.in_(ACTIVE_OUTCOMES),
            EstablishmentCase.next_follow_up_on.is_not(None),
            EstablishmentCase.next_follow_up_on <= until,
        )
        .options(joinedload(EstablishmentCase.company))
    )
    items += [
        DueItem(
            "case",
            case.next_follow_up_on,
            case.company.name,
            case.company.name,
            case.id,
            case.next_follow_up_on < today,
        )
        for case in cases
    ]
    return sorted(items, key=lambda item: (item.due_on, item.kind, item.record_id))


def my_open_cases(session: Session, user_id: int) -> list[EstablishmentCase]:
    """The cases the user is responsible for that are open or on hold, by next follow-up."""
    return list(
        session.scalars(
            select(EstablishmentCase)
            .join(EstablishmentCase.stage)
            .where(EstablishmentCase.adviser_id == user_id, Stage.outcome.in_(ACTIVE_OUTCOMES))
            .options(joinedload(EstablishmentCase.company), joinedload(EstablishmentCase.stage))
            .order_by(
                EstablishmentCase.next_follow_up_on.is_(None),
                EstablishmentCase.next_follow_up_on,
                EstablishmentCase.id,
            )
        )
    )


@dataclass
class PlannedMeetings:
    """The user's meetings from now: the rest of today, and the rest of the week after it."""

    today: list[Meeting]
    this_week: list[Meeting]


def planned_meetings(session: Session, user_id: int, *, today: date) -> PlannedMeetings:
    """Meetings the user takes part in, today (all of it) and the rest of this week (to Sunday)."""
    tomorrow = today + timedelta(days=1)
    week_end = today + timedelta(days=7 - today.weekday())
    meetings = list(
        session.scalars(
            select(Meeting)
            .join(meeting_staff, meeting_staff.c.meeting_id == Meeting.id)
            .where(
                meeting_staff.c.user_id == user_id,
                Meeting.starts_at >= local_midnight(today),
                Meeting.starts_at < local_midnight(week_end),
            )
            .options(selectinload(Meeting.companies))
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    boundary = local_midnight(tomorrow)
    return PlannedMeetings(
        today=[m for m in meetings if m.starts_at < boundary],
        this_week=[m for m in meetings if m.starts_at >= boundary],
    )


def last_meetings(session: Session, user_id: int, *, limit: int = LAST_MEETINGS) -> list[Meeting]:
    """The latest meetings the user attended (not future ones), newest first."""
    return list(
        session.scalars(
            select(Meeting)
            .join(meeting_staff, meeting_staff.c.meeting_id == Meeting.id)
            .where(meeting_staff.c.user_id == user_id, Meeting.starts_at <= utcnow())
            .options(selectinload(Meeting.companies))
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(limit)
        )
    )


@dataclass
class QuietOrganisation:
    """An organisation the adviser is responsible for, and when it was last met (or never)."""

    company: Company
    last_met: datetime | None


def quiet_portfolio(
    session: Session, user_id: int, *, today: date, limit: int = QUIET_LIMIT
) -> list[QuietOrganisation]:
    """The user's organisations (responsible adviser) with no meeting in the last 12 months,
    never met first, then longest ago."""
    last_met = (
        select(meeting_companies.c.company_id, func.max(Meeting.starts_at).label("last_met"))
        .join(Meeting, Meeting.id == meeting_companies.c.meeting_id)
        .where(Meeting.starts_at < local_midnight(today + timedelta(days=1)))
        .group_by(meeting_companies.c.company_id)
        .subquery()
    )
    since = local_midnight(today - timedelta(days=QUIET_DAYS))
    rows = session.execute(
        select(Company, last_met.c.last_met)
        .outerjoin(last_met, last_met.c.company_id == Company.id)
        .where(
            Company.responsible_id == user_id,
            or_(last_met.c.last_met.is_(None), last_met.c.last_met < since),
        )
        .order_by(last_met.c.last_met.is_not(None), last_met.c.last_met, Company.name)
        .limit(limit)
    )
    return [QuietOrganisation(company, last) for company, last in rows]
