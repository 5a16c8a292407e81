"""Change log entries as people read them: field names, choice labels, names for ids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Date, DateTime, Table, select
from sqlalchemy.orm import Session

from crm.common import formats
from crm.common.labels import LabelTable, tables
from crm.common.models import UTCDateTime
from crm.extensions import db
from crm.history.labels import FIELD, RECORD_KIND
from crm.history.models import ChangeEntry
from crm.history.tracking import HIDDEN, TITLE_COLUMNS


@dataclass
class Line:
    """One field of an entry: before → after, or members added and removed."""

    label: str
    before: str = ""
    after: str = ""
    hidden: bool = False
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class EntryView:
    """An entry and its lines."""

    entry: ChangeEntry
    kind: str
    lines: list[Line]


def field_label(name: str) -> str:
    """A field's name as the forms call it; an unknown one as it is stored."""
    return str(FIELD[name]) if name in FIELD else name.replace("_", " ")


def record_kind(table_name: str) -> str:
    """What a record of the table is called."""
    return str(RECORD_KIND[table_name]) if table_name in RECORD_KIND else table_name


def _value_tables() -> dict[str, LabelTable]:
    return {column: table for table in tables().values() for column in table.columns}


def _foreign_targets(table: Table) -> dict[str, Table]:
    return {
        column.name: next(iter(column.foreign_keys)).column.table
        for column in table.c
        if column.foreign_keys
    }


def _names(session: Session, wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """The names of the records the entries point to: one query per table."""
    found: dict[tuple[str, int], str] = {}
    for table_name, ids in wanted.items():
        table = db.metadata.tables.get(table_name)
        if table is None or not ids:
            continue
        column = next((table.c[name] for name in TITLE_COLUMNS if name in table.c), None)
        if column is None:
            continue
        for record_id, name in session.execute(
            select(table.c.id, column).where(table.c.id.in_(sorted(ids)[:500]))
        ):
            found[(table_name, record_id)] = str(name or "")
    return found


def _text(
    table: Table | None,
    name: str,
    value: Any,
    labels: dict[str, LabelTable],
    names: dict[tuple[str, int], str],
) -> str:
    if value is None or value == "":
        return "–"
    if table is None:
        return str(value)
    coded = labels.get(f"{table.name}.{name}")
    if coded is not None:
        return coded.label(str(value))
    target = _foreign_targets(table).get(name)
    if target is not None and isinstance(value, int):
        return names.get((target.name, value)) or f"#{value}"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    column = table.c.get(name)
    if column is not None and isinstance(value, str):
        try:
            if isinstance(column.type, DateTime | UTCDateTime):
                return formats.datetime(datetime.fromisoformat(value))
            if isinstance(column.type, Date):
                return formats.date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formats.number(value)
    return str(value)


def present(session: Session, entries: Sequence[ChangeEntry]) -> list[EntryView]:
    """Each entry with its lines in the reader's language; names for ids in a few queries."""
    from crm.history.labels import CHANGE_KIND

    labels = _value_tables()
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        table = db.metadata.tables.get(entry.table_name)
        if table is None:
            continue
        targets = _foreign_targets(table)
        for name, value in (entry.changes or {}).items():
            if name in targets and isinstance(value, list):
                for side in value:
                    if isinstance(side, int):
                        wanted.setdefault(targets[name].name, set()).add(side)
    names = _names(session, wanted)
    views = []
    for entry in entries:
        table = db.metadata.tables.get(entry.table_name)
        lines = []
        for name, value in (entry.changes or {}).items():
            line = Line(field_label(name))
            if value == HIDDEN:
                line.hidden = True
            elif isinstance(value, dict):
                line.added = [m.get("title") or f"#{m.get('id')}" for m in value.get("added", [])]
                line.removed = [
                    m.get("title") or f"#{m.get('id')}" for m in value.get("removed", [])
                ]
            else:
                before, after = value
                line.before = _text(table, name, before, labels, names)
                line.after = _text(table, name, after, labels, names)
            lines.append(line)
        views.append(EntryView(entry, CHANGE_KIND.label(entry.action), lines))
    return views
