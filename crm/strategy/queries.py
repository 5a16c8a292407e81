"""Reads about the strategy: periods with their focus areas and strategies, and meeting counts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crm.meetings.models import meeting_strategies
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod


def _with_tree():
    return selectinload(StrategyPeriod.focus_areas).selectinload(FocusArea.strategies)


def get_current_period(session: Session) -> StrategyPeriod | None:
    """The current strategy period with its focus areas and strategies, or None."""
    return session.scalar(
        select(StrategyPeriod)
        .where(StrategyPeriod.current.is_(True))
        .order_by(StrategyPeriod.start_year.desc(), StrategyPeriod.id.desc())
        .options(_with_tree())
        .limit(1)
    )


def get_period(session: Session, period_id: int) -> StrategyPeriod | None:
    """One period with its focus areas and strategies, or None."""
    return session.scalar(
        select(StrategyPeriod).where(StrategyPeriod.id == period_id).options(_with_tree())
    )


def list_periods(session: Session) -> list[StrategyPeriod]:
    """Every period, the current one first, then the latest."""
    return list(
        session.scalars(
            select(StrategyPeriod).order_by(
                StrategyPeriod.current.desc(),
                StrategyPeriod.start_year.desc(),
                StrategyPeriod.name,
            )
        )
    )


def get_focus_area(session: Session, focus_area_id: int) -> FocusArea | None:
    """One focus area with its period, or None."""
    return session.scalar(
        select(FocusArea)
        .where(FocusArea.id == focus_area_id)
        .options(selectinload(FocusArea.period))
    )


def get_strategy(session: Session, strategy_id: int) -> Strategy | None:
    """One strategy with its focus area and period, or None."""
    return session.scalar(
        select(Strategy)
        .where(Strategy.id == strategy_id)
        .options(selectinload(Strategy.focus_area).selectinload(FocusArea.period))
    )


def meeting_counts_by_strategy(session: Session, *, period_id: int) -> dict[int, int]:
    """How many meetings are tagged with each strategy of a period (strategies without any are
    absent), in one grouped query."""
    rows = session.execute(
        select(meeting_strategies.c.strategy_id, func.count(meeting_strategies.c.meeting_id))
        .join(Strategy, Strategy.id == meeting_strategies.c.strategy_id)
        .join(FocusArea, FocusArea.id == Strategy.focus_area_id)
        .where(FocusArea.period_id == period_id)
        .group_by(meeting_strategies.c.strategy_id)
    )
    return {strategy_id: count for strategy_id, count in rows}


def meeting_counts_by_focus_area(session: Session, *, period_id: int) -> dict[int, int]:
    """How many distinct meetings serve each focus area of a period: a meeting tagged with two
    strategies of the same area counts once."""
    rows = session.execute(
        select(Strategy.focus_area_id, func.count(func.distinct(meeting_strategies.c.meeting_id)))
        .join(Strategy, Strategy.id == meeting_strategies.c.strategy_id)
        .join(FocusArea, FocusArea.id == Strategy.focus_area_id)
        .where(FocusArea.period_id == period_id)
        .group_by(Strategy.focus_area_id)
    )
    return {area_id: count for area_id, count in rows}


def suggest_strategy_number(session: Session, *, focus_area: FocusArea) -> str:
    """The next free number under a focus area, e.g. "2.4" after 2.1–2.3."""
    numbers = session.scalars(
        select(Strategy.number).where(Strategy.focus_area_id == focus_area.id)
    ).all()
    taken = set(numbers)
    n = len(numbers) + 1
    while f"{focus_area.number}.{n}" in taken:
        n += 1
    return f"{focus_area.number}.{n}"


def suggest_focus_area_number(session: Session, *, period: StrategyPeriod) -> str:
    """The next free focus area number in a period."""
    taken = set(session.scalars(select(FocusArea.number).where(FocusArea.period_id == period.id)))
    n = len(taken) + 1
    while str(n) in taken:
        n += 1
    return str(n)
