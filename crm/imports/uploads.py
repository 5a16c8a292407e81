"""Spreadsheets between the wizard's steps: stored as read at upload, imported at most once.

The rows live in the database (`ImportUpload`), not in files or the session cookie: every
worker sees them, and the step that imports them can claim them in the same transaction as the
import. Each function takes the session and flushes; the route commits.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, null, select, update
from sqlalchemy.orm import Session, undefer

from crm.common.models import utcnow
from crm.imports.models import ImportUpload
from crm.imports.sheets import Table

# secrets.token_urlsafe's alphabet; the tokens we make are 32 characters long.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")

LIFETIME = timedelta(hours=24)
SAMPLE_ROWS = 3


def store_upload(
    session: Session, *, table: Table, filename: str, kind: str, user_id: int
) -> ImportUpload:
    """Keep a file's rows under a random token until the import (or a day) is over."""
    upload = ImportUpload(
        token=secrets.token_urlsafe(24),
        user_id=user_id,
        kind=kind,
        filename=os.path.basename(filename)[:200] or "upload",
        file_format=table.file_format,
        encoding=table.encoding,
        header=table.header,
        row_count=len(table.rows),
        samples=[cells for _number, cells in table.rows[:SAMPLE_ROWS]],
        rows=[[number, cells] for number, cells in table.rows],
        state="pending",
    )
    session.add(upload)
    session.flush()
    return upload


def remove_stale_uploads(session: Session) -> int:
    """Delete uploads older than a day, imported or not; return how many went."""
    cutoff = utcnow() - LIFETIME
    result = session.execute(delete(ImportUpload).where(ImportUpload.created_at < cutoff))
    return result.rowcount or 0


def get_upload(
    session: Session, token: str, *, user_id: int, with_rows: bool = False
) -> ImportUpload | None:
    """This user's upload with that token (its rows loaded only when asked), or None."""
    if not TOKEN_SHAPE.fullmatch(token):
        # Not a token we make (and PostgreSQL refuses a NUL in a text parameter outright).
        return None
    query = select(ImportUpload).where(ImportUpload.token == token, ImportUpload.user_id == user_id)
    if with_rows:
        query = query.options(undefer(ImportUpload.rows))
    return session.scalar(query)


def table_of(upload: ImportUpload) -> Table:
    """The stored rows as the planner reads them."""
    return Table(
        header=list(upload.header),
        rows=[(number, cells) for number, cells in upload.rows or ()],
        file_format=upload.file_format,
        encoding=upload.encoding,
    )


def save_mapping(session: Session, *, upload: ImportUpload, mapping: list[str]) -> None:
    """Remember the chosen column mapping for the preview and the run."""
    upload.mapping = mapping
    session.flush()


def claim_upload(session: Session, *, upload_id: int) -> bool:
    """Mark a pending upload as imported; False when another request did so first.

    One conditional UPDATE: on PostgreSQL a second claim waits for the first transaction and
    then finds the state changed; on SQLite writers take turns. Call it in the transaction
    that runs the import, so the claim and the import land together or not at all.
    """
    result = session.execute(
        update(ImportUpload)
        .where(ImportUpload.id == upload_id, ImportUpload.state == "pending")
        .values(state="imported")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_run(session: Session, *, upload_id: int, run_id: int) -> None:
    """Point a claimed upload at its run and drop its rows (the run keeps what happened)."""
    session.execute(
        update(ImportUpload)
        .where(ImportUpload.id == upload_id)
        .values(run_id=run_id, rows=null())
        .execution_options(synchronize_session=False)
    )


def delete_upload(session: Session, *, upload: ImportUpload) -> None:
    """Drop a pending upload (an imported one stays, so a late click finds its run)."""
    if upload.state == "pending":
        session.delete(upload)
        session.flush()
