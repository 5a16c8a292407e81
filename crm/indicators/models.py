"""External indicators the strategy follows (from SSB, NHO and the municipality), one value a
year each, with the source it came from."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.common.models import Audited, enum_check
from crm.extensions import db


class Indicator(enum.StrEnum):
    """The indicators named in the strategy 2022–2030."""

    BUSINESSES = "businesses"
    JOBS = "jobs"
    IN_COMMUTERS = "in_commuters"
    OUT_COMMUTERS = "out_commuters"
    VALUE_PER_EMPLOYEE = "value_per_employee"
    NHO_RANK = "nho_rank"
    PURCHASING_SHARE = "purchasing_share"


class IndicatorValue(Audited, db.Model):
    """One indicator's value in one year; `national_value` is the country's figure beside it
    (value creation per employee against the national figure)."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("indicator", "year"),
        enum_check("indicator", Indicator),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer, index=True)
    value: Mapped[float] = mapped_column(Float)
    national_value: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
