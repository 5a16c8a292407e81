"""Follow-up tasks, usually from a meeting."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.dates import local_today
from crm.common.models import Audited, UTCDateTime
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import Company
    from crm.meetings.models import Meeting


class Task(Audited, db.Model):
    """Something someone promised to do, with a due date and an assignee."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    establishment_id: Mapped[int | None] = mapped_column(
        ForeignKey("establishment_cases.id", ondelete="SET NULL"), index=True
    )
    done: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    meeting: Mapped[Meeting | None] = relationship()
    company: Mapped[Company | None] = relationship()

    @property
    def overdue(self) -> bool:
        """Open and past its due date."""
        return not self.done and self.due_on is not None and self.due_on < local_today()
