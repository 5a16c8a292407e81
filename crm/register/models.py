"""The rules that turn register changes into early-warning flags; admins edit them."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.common.models import Audited, enum_check
from crm.establishments.models import FlagKind, FlagSeverity
from crm.extensions import db


class RuleKey(enum.StrEnum):
    """The changes in the register a rule can watch for (the rules' code, see rules.py)."""

    BANKRUPTCY = "bankruptcy"
    LIQUIDATION = "liquidation"
    DELETED = "deleted"
    MOVED_OUT = "moved_out"
    EMPLOYEES_DOWN = "employees_down"
    ACCOUNTS_NOT_FILED = "accounts_not_filed"
    NEW_SUB_UNIT = "new_sub_unit"


class FlagRule(Audited, db.Model):
    """One rule: which flag (kind, severity) a register change raises, if it is on."""

    __tablename__ = "register_flag_rules"
    __table_args__ = (
        enum_check("rule", RuleKey),
        enum_check("kind", FlagKind),
        enum_check("severity", FlagSeverity),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # employees_down only: a fall of at least this share and at least this many people.
    threshold_percent: Mapped[int | None] = mapped_column(Integer)
    threshold_people: Mapped[int | None] = mapped_column(Integer)
