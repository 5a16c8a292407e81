"""A list's filter kept for a user: the last one used (no name) or a saved, named one."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.models import UTCDateTime, enum_check, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User


class ListName(enum.StrEnum):
    """The lists that remember their filters."""

    COMPANIES = "companies"
    CONTACTS = "contacts"
    MEETINGS = "meetings"
    TASKS = "tasks"
    CASES = "cases"


class SavedFilter(db.Model):
    """A list's query arguments as the list reads them (URL-encoded), checked again on use."""

    __tablename__ = "saved_filters"
    __table_args__ = (enum_check("list_name", ListName),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    list_name: Mapped[str] = mapped_column(String(20))
    # None: the user's last filter of the list, restored when the list opens without arguments.
    name: Mapped[str | None] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text, default="")
    # Shared with the department: every user sees it, only the owner or an admin changes it.
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
