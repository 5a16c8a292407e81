"""The action plan: a plan covers a period of years; its measures serve the strategy.

Meetings, establishment cases and tasks are linked to measures through tables of their own,
so a measure's page can list them as its evidence and one meeting may serve two measures.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.dates import local_today
from crm.common.models import Audited, enum_check
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import Company
    from crm.establishments.models import EstablishmentCase
    from crm.meetings.models import Meeting
    from crm.strategy.models import Strategy
    from crm.tasks.models import Task


class MeasureStatus(enum.StrEnum):
    """How far a measure has come; done and dropped are closed."""

    PLANNED = "planned"
    STARTED = "started"
    DONE = "done"
    DROPPED = "dropped"


OPEN_STATUSES = (MeasureStatus.PLANNED.value, MeasureStatus.STARTED.value)


def _link_table(name: str, other: str, other_table: str) -> Table:
    return Table(
        name,
        db.Model.metadata,
        Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
        Column(
            other,
            ForeignKey(f"{other_table}.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
    )


measure_partners = _link_table("measure_partners", "company_id", "companies")
measure_meetings = _link_table("measure_meetings", "meeting_id", "meetings")
measure_cases = _link_table("measure_cases", "case_id", "establishment_cases")
measure_tasks = _link_table("measure_tasks", "task_id", "tasks")


class ActionPlan(Audited, db.Model):
    """A handlingsplan for a period of years, e.g. «Handlingsplan 2022–2024»."""

    __tablename__ = "action_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    measures: Mapped[list[Measure]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Measure.id"
    )

    @property
    def period_label(self) -> str:
        """The years as the plan's title writes them, e.g. 2022–2024."""
        return f"{self.start_year}–{self.end_year}"

    def covers(self, day: date) -> bool:
        """Whether a day falls within the plan's years."""
        return self.start_year <= day.year <= self.end_year


class Measure(Audited, db.Model):
    """A tiltak: what the department will do, for which strategy, by whom and by when."""

    __tablename__ = "measures"
    __table_args__ = (enum_check("status", MeasureStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("action_plans.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("strategies.id", ondelete="SET NULL"), index=True
    )
    responsible_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=MeasureStatus.PLANNED.value)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    progress_note: Mapped[str] = mapped_column(Text, default="")
    progress_on: Mapped[date | None] = mapped_column(Date)
    # The measure of the previous plan this one continues (copied when the new plan was made).
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("measures.id", ondelete="SET NULL"), index=True
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    plan: Mapped[ActionPlan] = relationship(back_populates="measures")
    strategy: Mapped[Strategy | None] = relationship()
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])
    copied_from: Mapped[Measure | None] = relationship(remote_side=[id])
    partners: Mapped[list[Company]] = relationship(
        secondary=measure_partners, order_by="Company.name"
    )
    meetings: Mapped[list[Meeting]] = relationship(secondary=measure_meetings)
    cases: Mapped[list[EstablishmentCase]] = relationship(secondary=measure_cases)
    tasks: Mapped[list[Task]] = relationship(secondary=measure_tasks)

    @property
    def is_open(self) -> bool:
        """Planned or started."""
        return self.status in OPEN_STATUSES

    @property
    def overdue(self) -> bool:
        """Open and its deadline before today."""
        return self.is_open and self.deadline is not None and self.deadline < local_today()

    @property
    def deadline_outside_plan(self) -> bool:
        """A deadline after the plan's last year or before its first: allowed, but flagged."""
        return self.deadline is not None and not self.plan.covers(self.deadline)
