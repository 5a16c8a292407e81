"""A record of every import: what it read, what it changed, so it can be reviewed and reverted."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
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


class UploadState(enum.StrEnum):
    """Where a stored spreadsheet stands: waiting in the wizard, or imported (once)."""

    PENDING = "pending"
    IMPORTED = "imported"


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
    # Progress while it runs, for the page that follows it: units read, how many in all when
    # known (a change list), and how far into the file (per cent, from its bytes).
    rows_read: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_total: Mapped[int | None] = mapped_column(Integer)
    percent_done: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User | None] = relationship()
    changes: Mapped[list[ImportChange]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )


class ImportChange(db.Model):
    """A record an import created or updated, with the values before, so it can be reverted."""

    __tablename__ = "import_changes"
    __table_args__ = (
        enum_check("action", ChangeAction),
        Index("ix_import_changes_run_id_category", "run_id", "category"),
    )

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
    # Register runs: what the change means for the municipality (crm.register.rules.Category),
    # the changed fields as ",employees,address," (for the filter) and their values after.
    category: Mapped[str | None] = mapped_column(String(20))
    fields: Mapped[str | None] = mapped_column(String(300))
    after: Mapped[dict | None] = mapped_column(JSON)

    run: Mapped[ImportRun] = relationship(back_populates="changes")


class ImportUpload(db.Model):
    """A spreadsheet between the wizard's steps: read once at upload, imported at most once.

    The rows are stored as read (header, then (row number, cells) per row), so no later step
    opens the file again. `state` goes from "pending" to "imported" in the same transaction as
    the import itself, by a conditional UPDATE: of two clicks, or two workers, only one imports.
    """

    __tablename__ = "import_uploads"
    __table_args__ = (enum_check("kind", ImportKind), enum_check("state", UploadState))

    id: Mapped[int] = mapped_column(primary_key=True)
    # The random name in the wizard's URLs (never the id: the next upload's is easy to guess).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # "organisations" or "contacts".
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(10))
    encoding: Mapped[str] = mapped_column(String(20))
    header: Mapped[list] = mapped_column(JSON)
    row_count: Mapped[int] = mapped_column(Integer)
    # The first rows, for the column page, which then need not load them all.
    samples: Mapped[list] = mapped_column(JSON)
    rows: Mapped[list | None] = mapped_column(JSON, deferred=True)
    # The field each column fills, once chosen.
    mapping: Mapped[list | None] = mapped_column(JSON)
    # "pending", then "imported" (the rows are then dropped; the run says what happened).
    state: Mapped[str] = mapped_column(String(20), default="pending")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
