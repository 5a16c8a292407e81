"""Clusters, networks and programmes, and who is a member in which role, when."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.dates import local_today
from crm.common.models import Audited, enum_check
from crm.extensions import db

if TYPE_CHECKING:
    from crm.companies.models import Company


class ClusterKind(enum.StrEnum):
    """What kind of collaboration it is."""

    CLUSTER = "cluster"
    NETWORK = "network"
    PROGRAMME = "programme"


class ProgrammeLevel(enum.StrEnum):
    """Level in Norwegian Innovation Clusters, if any."""

    NONE = "none"
    ARENA = "arena"
    ARENA_PRO = "arena_pro"
    NCE = "nce"
    GCE = "gce"


class MembershipRole(enum.StrEnum):
    """The role an organisation has in a cluster."""

    MEMBER = "member"
    PARTNER = "partner"
    FACILITATOR = "facilitator"
    BOARD = "board"
    FOUNDING_MEMBER = "founding_member"


class Cluster(Audited, db.Model):
    """H2Cluster, Solenergiklyngen, Romerike Helsehub, LUP, …"""

    __tablename__ = "clusters"
    __table_args__ = (
        enum_check("kind", ClusterKind),
        enum_check("programme_level", ProgrammeLevel),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=ClusterKind.CLUSTER.value)
    programme_level: Mapped[str] = mapped_column(String(20), default=ProgrammeLevel.NONE.value)
    focus: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(300))
    facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    facilitator: Mapped[Company | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="cluster", cascade="all, delete-orphan"
    )


class Membership(Audited, db.Model):
    """An organisation's membership of a cluster; leaving sets left_on and keeps the history."""

    __tablename__ = "memberships"
    __table_args__ = (enum_check("role", MembershipRole),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default=MembershipRole.MEMBER.value)
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")

    cluster: Mapped[Cluster] = relationship(back_populates="memberships")
    company: Mapped[Company] = relationship()

    @property
    def current(self) -> bool:
        """Whether the organisation is still a member."""
        return self.left_on is None or self.left_on > local_today()
