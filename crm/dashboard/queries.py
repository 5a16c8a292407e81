"""Reads for the department's page: the year so far against the same days last year, and what
needs attention now. Every figure is an aggregate in the database, not a loop over rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, selectinload

from crm.common.dates import local_midnight
from crm.common.models import utcnow
from crm.establishments.models import (
    EstablishmentCase,
    FlagSeverity,
    Stage,
    StageOutcome,
    WarningFlag,
)
from crm.meetings.models import Meeting, meeting_companies

ACTIVE_OUTCOMES = (StageOutcome.OPEN.value, StageOutcome.ON_HOLD.value)
LATEST_MEETINGS = 8


@dataclass(frozen=True)
class Period:
    """From the first to the last day, both included."""

    first: date
    last: date


def year_to_date(today: date) -> tuple[Period, Period]:
    """This year up to today, and last year up to the same date (28 February for a 29th)."""
    try:
        same_day = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        same_day = today.replace(year=today.year - 1, day=28)
    return (
        Period(date(today.year, 1, 1), today),
        Period(date(today.year - 1, 1, 1), same_day),
    )


@dataclass(frozen=True)
class KeyFigures:
    """What the department did in a period."""

    meetings: int
    organisations: int
    cases_opened: int
    cases_established: int
    new_jobs: int


def _figures(period: Period) -> list:
    """Five scalar subqueries for a period, in KeyFigures' order."""
    start = local_midnight(period.first)
    end = local_midnight(period.last + timedelta(days=1))
    in_period = (Meeting.starts_at >= start) & (Meeting.starts_at < end)
    established = (
        select(EstablishmentCase.id)
        .join(EstablishmentCase.stage)
        .where(
            Stage.outcome == StageOutcome.ESTABLISHED.value,
            EstablishmentCase.established_on >= period.first,
            EstablishmentCase.established_on <= period.last,
        )
    )
    return [
        select(func.count(Meeting.id)).where(in_period).scalar_subquery(),
        select(func.count(distinct(meeting_companies.c.company_id)))
        .join(Meeting, Meeting.id == meeting_companies.c.meeting_id)
        .where(in_period)
        .scalar_subquery(),
        select(func.count(EstablishmentCase.id))
        .where(
            EstablishmentCase.opened_on >= period.first,
            EstablishmentCase.opened_on <= period.last,
        )
        .scalar_subquery(),
        select(func.count()).select_from(established.subquery()).scalar_subquery(),
        # New jobs: the jobs an established case brought, or expected when none are counted.
        select(
            func.coalesce(
                func.sum(
                    func.coalesce(EstablishmentCase.actual_jobs, EstablishmentCase.expected_jobs, 0)
                ),
                0,
            )
        )
        .where(EstablishmentCase.id.in_(established))
        .scalar_subquery(),
    ]


def key_figures(session: Session, *periods: Period) -> list[KeyFigures]:
    """The key figures of each period, all in one statement."""
    columns = [column for period in periods for column in _figures(period)]
    row = session.execute(select(*columns)).one()
    size = len(KeyFigures.__dataclass_fields__)
    return [
        KeyFigures(*(int(value or 0) for value in row[i : i + size]))
        for i in range(0, len(row), size)
    ]


@dataclass(frozen=True)
class StageCount:
    """An active stage of the board and its number of cases."""

    stage_id: int
    name: str
    cases: int


def open_cases_by_stage(session: Session) -> list[StageCount]:
    """Every open or on-hold stage in the board's order with its number of cases (0 too)."""
    rows = session.execute(
        select(Stage.id, Stage.name, func.count(EstablishmentCase.id))
        .outerjoin(EstablishmentCase, EstablishmentCase.stage_id == Stage.id)
        .where(Stage.outcome.in_(ACTIVE_OUTCOMES))
        .group_by(Stage.id, Stage.name, Stage.position)
        .order_by(Stage.position, Stage.id)
    )
    return [StageCount(stage_id, name, count) for stage_id, name, count in rows]


def open_red_flags(session: Session) -> int:
    """How many red warnings are not resolved."""
    return (
        session.scalar(
            select(func.count(WarningFlag.id)).where(
                WarningFlag.resolved_on.is_(None),
                WarningFlag.severity == FlagSeverity.RED.value,
            )
        )
        or 0
    )


def latest_meetings(session: Session, *, limit: int = LATEST_MEETINGS) -> list[Meeting]:
    """The department's latest meetings held (none in the future), with their organisations."""
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.starts_at <= utcnow())
            .options(selectinload(Meeting.companies))
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(limit)
        )
    )
