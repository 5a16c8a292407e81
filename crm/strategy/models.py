"""The municipality's business strategy: periods, focus areas (innsatsområder) and strategies."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.models import Audited
from crm.extensions import db


class StrategyPeriod(Audited, db.Model):
    """One strategy document, e.g. «Strategi for bærekraftig næringsutvikling 2022–2030»."""

    __tablename__ = "strategy_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    # New meetings are tagged with the current period's strategies; old tags stay valid.
    current: Mapped[bool] = mapped_column(Boolean, default=False)

    focus_areas: Mapped[list[FocusArea]] = relationship(
        back_populates="period", order_by="FocusArea.position", cascade="all, delete-orphan"
    )


class FocusArea(Audited, db.Model):
    """An innsatsområde with the UN sustainable development goals it serves."""

    __tablename__ = "focus_areas"
    __table_args__ = (UniqueConstraint("period_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("strategy_periods.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(300))
    # UN SDG numbers as a comma-separated list, e.g. "3,7,13"; see `sdg_list`.
    sdgs: Mapped[str] = mapped_column(String(50), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    period: Mapped[StrategyPeriod] = relationship(back_populates="focus_areas")
    strategies: Mapped[list[Strategy]] = relationship(
        back_populates="focus_area", order_by="Strategy.position", cascade="all, delete-orphan"
    )

    @property
    def sdg_list(self) -> list[int]:
        """The SDG numbers as integers."""
        return [int(x) for x in self.sdgs.split(",") if x.strip().isdigit()]


class Strategy(Audited, db.Model):
    """A strategy under a focus area, e.g. «1.1 Innovasjonsdistrikt»."""

    __tablename__ = "strategies"
    __table_args__ = (UniqueConstraint("focus_area_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The strategy's own bit in `Meeting.strategy_mask` (0-62), given by a database trigger
    # when it is made and kept while it lives (crm.meetings.strategy_sets); None when all are
    # taken. Never set from Python; deferred (read by the report's own query, never logged).
    bit: Mapped[int | None] = mapped_column(SmallInteger, index=True, unique=True, deferred=True)

    focus_area: Mapped[FocusArea] = relationship(back_populates="strategies")

    @property
    def label(self) -> str:
        """Number and name, as the strategy document writes them."""
        return f"{self.number} {self.name}"
