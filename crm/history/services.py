"""Writes to the change log beyond what the listeners record: erasing a person's values."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.history.models import ChangeEntry, ChangeRecord, RecordRole


def erase_history(session: Session, *, table_name: str, record_id: int) -> int:
    """Erase the values of every entry about a record (GDPR art. 17); the entries stay.

    Entries of the record itself and of rows that pointed to it (a person's affiliations)
    lose their title and values; entries that named it as a member (a meeting's participants)
    lose its name. Returns how many entries were touched.
    """
    refs = session.execute(
        select(ChangeRecord.change_id, ChangeRecord.role).where(
            ChangeRecord.table_name == table_name, ChangeRecord.record_id == record_id
        )
    ).all()
    roles = dict(refs)
    if not roles:
        return 0
    entries = session.scalars(select(ChangeEntry).where(ChangeEntry.id.in_(roles))).all()
    for entry in entries:
        if roles[entry.id] == RecordRole.MEMBER:
            entry.changes = _without_member(entry.changes, table_name, record_id)
        else:
            entry.title = ""
            entry.changes = {}
        entry.erased = True
    session.flush()
    return len(entries)


def _without_member(changes: dict, table_name: str, record_id: int) -> dict:
    """The changes with the member's title removed from every added/removed list."""
    cleaned: dict = {}
    for key, value in changes.items():
        if isinstance(value, dict) and ("added" in value or "removed" in value):
            value = {
                side: [
                    {**m, "title": ""}
                    if m.get("table") == table_name and m.get("id") == record_id
                    else m
                    for m in value.get(side, [])
                ]
                for side in ("added", "removed")
            }
        cleaned[key] = value
    return cleaned
