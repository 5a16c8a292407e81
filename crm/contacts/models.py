"""People outside the municipality, and the organisations they belong to over time."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.dates import local_today
from crm.common.models import Audited, UTCDateTime, enum_check, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import Company


class Contact(Audited, db.Model):
    """A person: personal data under GDPR, kept on the municipality's public task."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    # E.164, parsed with phonenumbers (Norway as the default region).
    phone: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # GDPR art. 18: while set, the person is out of every list, search, export and the network
    # for everyone but admins, and nothing about them can be changed (contacts.restriction).
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    restricted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    restriction_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # GDPR art. 5(1)(e): an admin reviewed the person for retention and kept them on this day,
    # for this reason; they come up for review again one retention period later.
    retention_kept_on: Mapped[date | None] = mapped_column(Date)
    retention_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # The start of the person's newest meeting, planned ones too: kept by database triggers
    # (crm.contacts.last_met) for the list's "last contacted" sort; never set from Python.
    last_meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    restricted_by: Mapped[User | None] = relationship(foreign_keys=[restricted_by_id])
    affiliations: Mapped[list[Affiliation]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        order_by="(Affiliation.end_date.is_(None).desc(), Affiliation.start_date.desc())",
    )


class Affiliation(Audited, db.Model):
    """A person's role at an organisation for a period; a person has several over time."""

    __tablename__ = "affiliations"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    primary: Mapped[bool] = mapped_column(Boolean, default=False)

    contact: Mapped[Contact] = relationship(back_populates="affiliations")
    company: Mapped[Company] = relationship()

    @property
    def current(self) -> bool:
        """Whether the affiliation has not ended."""
        return self.end_date is None or self.end_date >= local_today()


class AccessAction(enum.StrEnum):
    """What someone did with a person's data."""

    VIEWED = "viewed"
    EXPORTED = "exported"
    ERASED = "erased"
    # A list export names many people at once; `detail` says which list.
    LISTED_IN_EXPORT = "listed_in_export"


class ContactAccess(db.Model):
    """Someone saw, exported or erased a person's data: access to personal data is traceable.

    Holds no personal data itself, and `contact_id` is a plain number (no foreign key) so the
    trail outlives an erasure.
    """

    __tablename__ = "contact_access_log"
    __table_args__ = (enum_check("action", AccessAction),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # None for a list export, which names many people (see `detail`).
    contact_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # "viewed", "exported", "erased" or "listed_in_export".
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User | None] = relationship()
