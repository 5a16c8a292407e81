"""The change log: every create, update, delete, merge, bulk action, trash and restore."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.models import UTCDateTime, enum_check, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User


class ChangeKind(enum.StrEnum):
    """What was done to the record."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    MERGE = "merge"
    BULK = "bulk"
    IMPORT = "import"
    TRASH = "trash"
    RESTORE = "restore"
    PURGE = "purge"


class RecordRole(enum.StrEnum):
    """How an entry concerns a record: the record itself, a row pointing to it, or a member."""

    SELF = "self"
    REFERENCE = "reference"
    MEMBER = "member"


class ChangeEntry(db.Model):
    """One record changed in one flush: who, when, what, each field before → after.

    `changes` maps a column to `[before, after]` (JSON-safe; dates as ISO), or a collection
    (many-to-many) to `{"added": [...], "removed": [...]}` of `{"table", "id", "title"}`.
    `erased` is set when the values were erased with a person (GDPR art. 17): the entry stays.
    """

    __tablename__ = "changes"
    __table_args__ = (
        enum_check("action", ChangeKind),
        Index("ix_changes_table_name_record_id", "table_name", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Who, when no user: "flask crm import-brreg", "system".
    actor: Mapped[str] = mapped_column(String(100), default="")
    request_id: Mapped[str | None] = mapped_column(String(32), index=True)
    table_name: Mapped[str] = mapped_column(String(63))
    record_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    erased: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User | None] = relationship()


class ChangeRecord(db.Model):
    """A record an entry concerns: the changed record, a record its row points to, a member.

    A history page reads entries through these, so an organisation's history shows its
    affiliations, memberships and tasks too, and an erasure finds what names the person.
    """

    __tablename__ = "change_records"
    __table_args__ = (
        enum_check("role", RecordRole),
        Index("ix_change_records_table_name_record_id", "table_name", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    table_name: Mapped[str] = mapped_column(String(63))
    record_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20), default=RecordRole.SELF.value)
