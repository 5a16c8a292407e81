"""Establishment follow-up: cases through a pipeline of stages, and early-warning flags."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.dates import local_today
from crm.common.models import Audited, UTCDateTime, enum_check, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import Company, Place
    from crm.strategy.models import Strategy


class StageOutcome(enum.StrEnum):
    """What reaching a stage means for the case; the stages themselves are data."""

    OPEN = "open"
    ESTABLISHED = "established"
    LOST = "lost"
    ON_HOLD = "on_hold"


class CaseKind(enum.StrEnum):
    """Why the company is followed up."""

    NEW = "new"
    EXPANSION = "expansion"
    RELOCATION = "relocation"
    RETENTION = "retention"


class LostReason(enum.StrEnum):
    """Why a case was lost."""

    OTHER_MUNICIPALITY = "other_municipality"
    NO_SITE = "no_site"
    PROJECT_STOPPED = "project_stopped"
    OTHER = "other"


class PremisesType(enum.StrEnum):
    """What kind of premises the company needs."""

    OFFICE = "office"
    INDUSTRY_LOGISTICS = "industry_logistics"
    LABORATORY = "laboratory"
    RETAIL = "retail"
    OTHER = "other"


class FlagSeverity(enum.StrEnum):
    """Red needs action now; yellow is worth watching."""

    RED = "red"
    YELLOW = "yellow"


class FlagKind(enum.StrEnum):
    """What the early warning is about."""

    MOVING_OR_CLOSING = "moving_or_closing"
    DOWNSIZING = "downsizing"
    EXPANDING = "expanding"
    LABOUR_SHORTAGE = "labour_shortage"
    PREMISES = "premises"
    REGULATORY = "regulatory"
    SUPPLIER = "supplier"
    OTHER = "other"


class Stage(Audited, db.Model):
    """A column of the board; admins rename and reorder them."""

    __tablename__ = "establishment_stages"
    __table_args__ = (enum_check("outcome", StageOutcome),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20), default=StageOutcome.OPEN.value)

    checklist: Mapped[list[ChecklistItem]] = relationship(
        back_populates="stage",
        cascade="all, delete-orphan",
        order_by="ChecklistItem.position",
    )


class ChecklistItem(Audited, db.Model):
    """A question an adviser should have answered before a case leaves the stage; admin-edited."""

    __tablename__ = "checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(
        ForeignKey("establishment_stages.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)

    stage: Mapped[Stage] = relationship(back_populates="checklist")


case_places = Table(
    "establishment_case_places",
    db.Model.metadata,
    Column("case_id", ForeignKey("establishment_cases.id", ondelete="CASCADE"), primary_key=True),
    Column("place_id", ForeignKey("places.id", ondelete="CASCADE"), primary_key=True),
)

case_strategies = Table(
    "establishment_case_strategies",
    db.Model.metadata,
    Column("case_id", ForeignKey("establishment_cases.id", ondelete="CASCADE"), primary_key=True),
    Column("strategy_id", ForeignKey("strategies.id", ondelete="CASCADE"), primary_key=True),
)


class EstablishmentCase(Audited, db.Model):
    """A company that wants to establish, expand, move within, or might leave the municipality."""

    __tablename__ = "establishment_cases"
    __table_args__ = (
        enum_check("kind", CaseKind),
        enum_check("premises_type", PremisesType),
        enum_check("lost_reason", LostReason),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default=CaseKind.NEW.value)
    stage_id: Mapped[int] = mapped_column(
        ForeignKey("establishment_stages.id", ondelete="RESTRICT"), index=True
    )
    opened_on: Mapped[date] = mapped_column(Date, default=local_today)
    source: Mapped[str] = mapped_column(String(200), default="")
    premises_type: Mapped[str | None] = mapped_column(String(30))
    area_m2: Mapped[int | None] = mapped_column(Integer)
    expected_jobs: Mapped[int | None] = mapped_column(Integer)
    expected_investment_nok: Mapped[int | None] = mapped_column(BigInteger)
    expected_decision_on: Mapped[date | None] = mapped_column(Date)
    adviser_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    next_follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    lost_reason: Mapped[str | None] = mapped_column(String(30))
    lost_to_municipality: Mapped[str | None] = mapped_column(String(100))
    established_place_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="SET NULL")
    )
    established_on: Mapped[date | None] = mapped_column(Date)
    actual_jobs: Mapped[int | None] = mapped_column(Integer)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    company: Mapped[Company] = relationship()
    stage: Mapped[Stage] = relationship()
    adviser: Mapped[User | None] = relationship(foreign_keys=[adviser_id])
    established_place: Mapped[Place | None] = relationship()
    wished_places: Mapped[list[Place]] = relationship(secondary=case_places)
    strategies: Mapped[list[Strategy]] = relationship(secondary=case_strategies)
    stage_changes: Mapped[list[StageChange]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="StageChange.changed_at"
    )


class StageChange(db.Model):
    """A case moved from one stage to another: kept so the time in each stage can be reported."""

    __tablename__ = "establishment_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("establishment_cases.id", ondelete="CASCADE"), index=True
    )
    from_stage_id: Mapped[int | None] = mapped_column(
        ForeignKey("establishment_stages.id", ondelete="SET NULL")
    )
    to_stage_id: Mapped[int] = mapped_column(
        ForeignKey("establishment_stages.id", ondelete="RESTRICT")
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    case: Mapped[EstablishmentCase] = relationship(back_populates="stage_changes")
    from_stage: Mapped[Stage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage] = relationship(foreign_keys=[to_stage_id])
    changed_by: Mapped[User | None] = relationship()


class WarningFlag(Audited, db.Model):
    """An early warning on an organisation: it may move, close, shrink, grow or lack something."""

    __tablename__ = "warning_flags"
    __table_args__ = (
        enum_check("severity", FlagSeverity),
        enum_check("kind", FlagKind),
        UniqueConstraint("company_id", "register_rule", "register_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    severity: Mapped[str] = mapped_column(String(10), default=FlagSeverity.YELLOW.value)
    kind: Mapped[str] = mapped_column(String(30), default=FlagKind.OTHER.value)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    raised_on: Mapped[date] = mapped_column(Date, default=local_today)
    note: Mapped[str] = mapped_column(Text, default="")
    resolved_on: Mapped[date | None] = mapped_column(Date, index=True)
    resolution: Mapped[str] = mapped_column(Text, default="")
    # Raised by a register import (crm/register): which run, which rule, which change (the key
    # keeps one flag per change), and the register fields as {field: [before, after]}.
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_runs.id", ondelete="SET NULL"), index=True
    )
    register_rule: Mapped[str | None] = mapped_column(String(30))
    register_key: Mapped[str | None] = mapped_column(String(100))
    register_fields: Mapped[dict | None] = mapped_column(JSON)

    company: Mapped[Company] = relationship()
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])


class ChecklistAnswer(db.Model):
    """A checklist question answered for a case: by whom, when, and in which meeting if any."""

    __tablename__ = "checklist_answers"
    __table_args__ = (UniqueConstraint("case_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("establishment_cases.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_items.id", ondelete="CASCADE"), index=True
    )
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))

    item: Mapped[ChecklistItem] = relationship()
    answered_by: Mapped[User | None] = relationship()
