"""A record of every import: what it read, what it changed, so it can be reviewed and reverted."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.models import UTCDateTime, enum_check, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User


class ImportKind(enum.StrEnum):
    """What an import run read: the register's bulk file, a spreadsheet, or a merge."""

    BRREG = "brreg"
    ORGANISATIONS = "organisations"
    CONTACTS = "contacts"
    MERGE = "merge"


class ImportStatus(enum.StrEnum):
    """Where an import run stands."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    REVERTED = "reverted"


class ChangeAction(enum.StrEnum):
    """What an import did to a record."""

    CREATED = "created"
    UPDATED = "updated"


class ImportRun(db.Model):
    """One import: the register's bulk file, or a spreadsheet uploaded in the browser."""

    __tablename__ = "import_runs"
    __table_args__ = (enum_check("kind", ImportKind), enum_check("status", ImportStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    # "brreg" (register bulk file) or "organisations" / "contacts" (spreadsheet).
    kind: Mapped[str] = mapped_column(String(30), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    # "running", "finished", "failed", "reverted".
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Counts: read, kept, created, updated, unchanged, rejected, …
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    # Rejected rows as "row N: reason" (the first few hundred), and a fatal error if any.
    messages: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship()
    changes: Mapped[list[ImportChange]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )


class ImportChange(db.Model):
    """A record an import created or updated, with the values before, so it can be reverted."""

    __tablename__ = "import_changes"
    __table_args__ = (enum_check("action", ChangeAction),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("import_runs.id", ondelete="CASCADE"), index=True
    )
    # The table's name ("companies", "contacts") and the record's id.
    table_name: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[int] = mapped_column(Integer)
    # "created" or "updated".
    action: Mapped[str] = mapped_column(String(10))
    # For "updated": the changed fields' values before the import.
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    row_number: Mapped[int | None] = mapped_column(Integer)

    run: Mapped[ImportRun] = relationship(back_populates="changes")
