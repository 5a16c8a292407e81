"""Meetings, company visits, calls and events the department logs."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.models import Audited, UTCDateTime, enum_check, link_table
from crm.extensions import db
from crm.meetings.company_starts import PLACEHOLDER_START

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import Company
    from crm.contacts.models import Contact
    from crm.strategy.models import Strategy


class MeetingKind(enum.StrEnum):
    """How the department met the organisation."""

    MEETING = "meeting"
    VISIT = "visit"
    PHONE = "phone"
    WORKSHOP = "workshop"
    CONFERENCE = "conference"
    EMAIL = "email"


class Exemption(enum.StrEnum):
    """The legal ground for keeping a meeting's notes from the public (offentleglova).

    Stored with the meeting and carried on every export of it, so the archivist who files the
    notes and whoever answers a request for access sees the ground the adviser gave.
    """

    PERSONAL = "offl_13_fvl_13_1_1"
    BUSINESS_SECRETS = "offl_13_fvl_13_1_2"
    INTERNAL = "offl_14"
    NEGOTIATIONS = "offl_23_1"
    INSPECTIONS = "offl_24"


def _link_table(name: str, other: str, other_table: str, *extra: Any) -> Table:
    return link_table(
        db.Model.metadata, name, ("meeting_id", "meetings"), (other, other_table), *extra
    )


# starts_at: the meeting's start, kept on each of its organisations' links by database triggers
# (crm.meetings.company_starts) and never written by the ORM (the relationship inserts the two
# keys; the server default is a placeholder the insert's trigger replaces at once). An
# organisation's timeline reads its page of meetings newest first from the index alone.
meeting_companies = _link_table(
    "meeting_companies",
    "company_id",
    "companies",
    Column("starts_at", UTCDateTime, nullable=False, server_default=PLACEHOLDER_START),
    Index("ix_meeting_companies_company_starts", "company_id", "starts_at", "meeting_id"),
)
meeting_contacts = _link_table("meeting_contacts", "contact_id", "contacts")
meeting_staff = _link_table("meeting_staff", "user_id", "users")
meeting_strategies = _link_table("meeting_strategies", "strategy_id", "strategies")


class Meeting(Audited, db.Model):
    """A logged meeting; its notes may be a public document (offentleglova) and archived."""

    __tablename__ = "meetings"
    __table_args__ = (
        enum_check("kind", MeetingKind),
        enum_check("exemption", Exemption),
        # The strategy report reads the period's meetings with their strategy sets (and ids,
        # for the organisations met) from this index alone, on both databases.
        Index("ix_meetings_strategy_set", "starts_at", "strategy_mask", "id"),
        # An organisation's timeline walks this newest first to find its meetings from the
        # index alone (companies.queries._meeting_entries), reading rows for the page only.
        Index("ix_meetings_starts_at_id", "starts_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # False when the adviser gave only the date: starts_at is then local midnight of that day,
    # and the time is not shown.
    has_time: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default=MeetingKind.MEETING.value)
    title: Mapped[str] = mapped_column(String(300))
    location: Mapped[str] = mapped_column(String(300), default="")
    # Markdown, rendered through a sanitiser; never trusted HTML.
    notes: Mapped[str] = mapped_column(Text, default="")
    # None: the notes may be handed out on request; else the ground for exempting them.
    exemption: Mapped[str | None] = mapped_column(String(20))
    # The organisation whose page the meeting was logged from: its follow-up tasks go there
    # unless the adviser chooses another of the meeting's organisations.
    logged_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    # The establishment case the meeting belongs to, if any.
    establishment_id: Mapped[int | None] = mapped_column(
        ForeignKey("establishment_cases.id", ondelete="SET NULL"), index=True
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # The meeting's strategies as one integer, a bit per strategy (`Strategy.bit`): kept by
    # database triggers (crm.meetings.strategy_sets) for the strategy report; never set from
    # Python. Deferred: not loaded with a meeting, so never in its change log entries.
    strategy_mask: Mapped[int] = mapped_column(BigInteger, server_default="0", deferred=True)

    companies: Mapped[list[Company]] = relationship(
        secondary=meeting_companies, order_by="Company.name"
    )
    contacts: Mapped[list[Contact]] = relationship(
        secondary=meeting_contacts, order_by="Contact.name"
    )
    staff: Mapped[list[User]] = relationship(secondary=meeting_staff, order_by="User.name")
    strategies: Mapped[list[Strategy]] = relationship(
        secondary=meeting_strategies, order_by="Strategy.number"
    )

    @property
    def follow_up_company_id(self) -> int | None:
        """Where a follow-up task goes unless the adviser chooses: the organisation the meeting
        was logged from, else its first organisation by name."""
        companies = sorted(self.companies, key=lambda company: (company.name, company.id))
        if any(company.id == self.logged_from_id for company in companies):
            return self.logged_from_id
        return companies[0].id if companies else None
