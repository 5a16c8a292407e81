"""Reads for calendar feeds: whose feed a token opens, and what goes in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm.auth.models import User
from crm.calendar.services import hash_token
from crm.common.models import utcnow
from crm.establishments.models import EstablishmentCase, Stage, StageOutcome
from crm.meetings.models import Meeting, meeting_staff
from crm.tasks.models import Task

# Meetings from this many days back are in the feed, and every later one.
MEETINGS_SINCE_DAYS = 90
ACTIVE_OUTCOMES = (StageOutcome.OPEN.value, StageOutcome.ON_HOLD.value)


def user_for_token(session: Session, token: str) -> User | None:
    """The active user whose feed the token opens, or None.

    Only the token's hash is looked up, so timing says nothing about the stored secrets.
    """
    if not token or len(token) > 200:
        return None
    user = session.scalar(select(User).where(User.calendar_token_hash == hash_token(token)))
    return user if user is not None and user.active else None


@dataclass
class FeedContent:
    """What a user's feed holds."""

    meetings: list[Meeting]
    cases: list[EstablishmentCase]
    tasks: list[Task]


def feed_content(session: Session, user_id: int, *, now: datetime | None = None) -> FeedContent:
    """Meetings the user attends (last 90 days on), their cases' follow-ups, their open tasks."""
    since = (now or utcnow()) - timedelta(days=MEETINGS_SINCE_DAYS)
    meetings = list(
        session.scalars(
            select(Meeting)
            .join(meeting_staff, meeting_staff.c.meeting_id == Meeting.id)
            .where(meeting_staff.c.user_id == user_id, Meeting.starts_at >= since)
            .options(selectinload(Meeting.companies))
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    cases = list(
        session.scalars(
            select(EstablishmentCase)
            .join(EstablishmentCase.stage)
            .where(
                EstablishmentCase.adviser_id == user_id,
                Stage.outcome.in_(ACTIVE_OUTCOMES),
                EstablishmentCase.next_follow_up_on.is_not(None),
            )
            .options(joinedload(EstablishmentCase.company))
            .order_by(EstablishmentCase.next_follow_up_on, EstablishmentCase.id)
        )
    )
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.assignee_id == user_id, Task.done.is_(False), Task.due_on.is_not(None))
            .options(joinedload(Task.company))
            .order_by(Task.due_on, Task.id)
        )
    )
    return FeedContent(meetings, cases, tasks)


def has_feed(user: User) -> bool:
    """Whether the user has a feed URL that works."""
    return user.calendar_token_hash is not None
