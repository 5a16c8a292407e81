"""Writes to the strategy's external indicators: one value per indicator and year."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common.errors import DomainError
from crm.common.versioning import ensure_version
from crm.indicators.models import Indicator, IndicatorValue

MIN_YEAR = 1990
MAX_YEAR = 2100


def _check(
    session: Session,
    *,
    indicator: str,
    year: int,
    value: float,
    national_value: float | None,
    exclude_id: int | None = None,
) -> None:
    if indicator not in {i.value for i in Indicator}:
        raise DomainError("indicator", _l("Choose an indicator from the list."))
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(
            "year", _l("Give a year from %(first)d to %(last)d.", first=MIN_YEAR, last=MAX_YEAR)
        )
    for name, number in (("value", value), ("national_value", national_value)):
        if number is not None and (not math.isfinite(number) or number < 0):
            raise DomainError(name, _l("Give a number of zero or more."))
    if indicator == Indicator.PURCHASING_SHARE and value > 100:
        raise DomainError("value", _l("A share is at most 100 %."))
    taken = select(IndicatorValue.id).where(
        IndicatorValue.indicator == indicator, IndicatorValue.year == year
    )
    if exclude_id is not None:
        taken = taken.where(IndicatorValue.id != exclude_id)
    if session.scalar(taken.limit(1)) is not None:
        raise DomainError(
            "year", _l("This indicator already has a value for %(year)d; edit that one.", year=year)
        )


def record_value(
    session: Session,
    *,
    indicator: str,
    year: int,
    value: float,
    national_value: float | None = None,
    source: str = "",
    is_demo: bool = False,
) -> IndicatorValue:
    """Record an indicator's value for a year (a year already recorded is refused)."""
    _check(session, indicator=indicator, year=year, value=value, national_value=national_value)
    record = IndicatorValue(
        indicator=indicator,
        year=year,
        value=value,
        national_value=national_value,
        source=(source or "").strip(),
        is_demo=is_demo,
    )
    session.add(record)
    session.flush()
    return record


def update_value(
    session: Session,
    *,
    record: IndicatorValue,
    version: str | int | None,
    indicator: str,
    year: int,
    value: float,
    national_value: float | None = None,
    source: str = "",
) -> IndicatorValue:
    """Correct a recorded value, its year or its source."""
    ensure_version(record, version)
    _check(
        session,
        indicator=indicator,
        year=year,
        value=value,
        national_value=national_value,
        exclude_id=record.id,
    )
    record.indicator = indicator
    record.year = year
    record.value = value
    record.national_value = national_value
    record.source = (source or "").strip()
    session.flush()
    return record


def delete_value(session: Session, *, record: IndicatorValue) -> None:
    """Delete a value recorded by mistake."""
    session.delete(record)
    session.flush()
