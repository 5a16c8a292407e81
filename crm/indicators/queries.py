"""Reads of the strategy's external indicators, for the admin pages and the indicators report."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.indicators.models import Indicator, IndicatorValue


@dataclass(frozen=True)
class IndicatorPoint:
    """One year of one indicator."""

    year: int
    value: float
    national_value: float | None
    source: str


def indicator_series(session: Session) -> dict[str, list[IndicatorPoint]]:
    """Every indicator's values by year, oldest first: {indicator code: [IndicatorPoint …]}.

    Every indicator of `Indicator` is a key, in the enum's order, with an empty list when
    nothing is recorded; label the codes with `label(code, "indicator")`. One query.
    """
    series: dict[str, list[IndicatorPoint]] = {i.value: [] for i in Indicator}
    rows = session.scalars(
        select(IndicatorValue).order_by(IndicatorValue.indicator, IndicatorValue.year)
    )
    for row in rows:
        series.setdefault(row.indicator, []).append(
            IndicatorPoint(row.year, row.value, row.national_value, row.source)
        )
    return series


def list_values(session: Session) -> list[IndicatorValue]:
    """Every recorded value, the latest year first, then in the enum's order."""
    order = {i.value: n for n, i in enumerate(Indicator)}
    rows = session.scalars(select(IndicatorValue).order_by(IndicatorValue.year.desc())).all()
    return sorted(rows, key=lambda r: (-r.year, order.get(r.indicator, 99)))


def get_value(session: Session, value_id: int) -> IndicatorValue | None:
    """A recorded value by id, or None."""
    return session.get(IndicatorValue, value_id)
