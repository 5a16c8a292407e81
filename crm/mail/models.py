"""What mail was sent: each adviser's digest at most once a day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.common.models import UTCDateTime, utcnow
from crm.extensions import db


class SentDigest(db.Model):
    """An adviser's daily digest the SMTP server accepted; one row per adviser and day.

    The row is written before the message is handed over and committed only after the server
    accepted it, in one transaction: a run that fails sends nothing it records, and two runs at
    once cannot both send (the second one's insert waits for, then collides with, the first's).
    """

    __tablename__ = "sent_digests"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    items: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
