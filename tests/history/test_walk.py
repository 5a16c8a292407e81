"""The walk: every table of db.metadata is either exempt with a reason, or its changes are recorded.

Each table gets a case of its own, built generically (factories where they exist, else every
required column filled from its type, its enum or the table it refers to), so a table added
this week is walked without anyone writing a test for it, and fails until it is recorded or
declared exempt.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.orm import Session

from crm import models  # noqa: F401  (every table)
from crm.common.models import UTCDateTime, utcnow
from crm.extensions import db
from crm.history.models import ChangeEntry
from crm.history.tracking import (
    EXEMPT_TABLES,
    NOISE_COLUMNS,
    association,
    is_denied,
    is_tracked,
)
from tests import factories

TABLES = sorted(table.name for table in db.metadata.sorted_tables)
_numbers = itertools.count(1000)

# Factories with readable defaults where the tests have them.
FACTORIES = {
    "users": factories.make_user,
    "companies": factories.make_company,
    "contacts": factories.make_contact,
    "clusters": factories.make_cluster,
    "meetings": factories.make_meeting,
    "places": factories.make_place,
    "sectors": factories.make_sector,
    "strategies": factories.make_strategy,
    "tasks": factories.make_task,
    "action_plans": factories.make_plan,
    "measures": factories.make_measure,
    "indicator_values": factories.make_indicator_value,
}


def _mapped(table: Table):
    for mapper in db.Model.registry.mappers:
        if mapper.local_table is table:
            return mapper
    return None


def _enum_value(table: Table, column_name: str) -> str | None:
    for constraint in table.constraints:
        info = getattr(constraint, "info", {}) or {}
        if info.get("column") == column_name and info.get("enum") is not None:
            return next(iter(info["enum"])).value
    return None


def _sample(table: Table, column) -> Any:
    coded = _enum_value(table, column.name)
    if coded is not None:
        return coded
    kind = column.type
    n = next(_numbers)
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime | UTCDateTime):
        return utcnow()
    if isinstance(kind, Date):
        return date(2026, 5, 1)
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, Integer):
        return n
    if isinstance(kind, Float | Numeric):
        return n + 0.5
    if isinstance(kind, String | Text):
        length = getattr(kind, "length", None) or 20
        return f"w{n}"[:length]
    raise AssertionError(f"no sample value for {table.name}.{column.name} ({kind!r})")


def build(session: Session, table: Table):
    """A flushed object of the table's class, its required references built first."""
    if table.name in FACTORIES:
        return FACTORIES[table.name](session)
    mapper = _mapped(table)
    assert mapper is not None, f"{table.name} has no mapped class"
    values = {}
    for column in table.c:
        if column.primary_key and not column.foreign_keys:
            continue
        if column.foreign_keys:
            if column.nullable:
                continue
            (key,) = column.foreign_keys
            values[column.name] = build(session, key.column.table).id
            continue
        if column.nullable or column.default is not None or column.server_default is not None:
            continue
        values[column.name] = _sample(table, column)
    keyed = {mapper.get_property_by_column(table.c[name]).key: v for name, v in values.items()}
    obj = mapper.class_(**keyed)
    session.add(obj)
    session.flush()
    return obj


def _changed(table: Table, value: Any, column) -> Any:
    coded = _enum_value(table, column.name)
    if coded is not None:
        (enum,) = (c.info["enum"] for c in table.constraints if c.info.get("column") == column.name)
        others = [member.value for member in enum if member.value != value]
        return others[0] if others else value
    if isinstance(value, bool):
        return not value
    if isinstance(value, datetime):
        return value + timedelta(hours=1)
    if isinstance(value, date):
        return value + timedelta(days=1)
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return (value + "y")[: getattr(column.type, "length", None) or 50]
    return None


def _column_to_change(table: Table, obj):
    """A plain column the walk changes: no key, no bookkeeping, no secret."""
    for column in table.c:
        if column.primary_key or column.foreign_keys or column.name in NOISE_COLUMNS:
            continue
        if is_denied(table.name, column.name) or isinstance(column.type, JSON):
            continue
        mapper = _mapped(table)
        key = mapper.get_property_by_column(column).key
        value = getattr(obj, key)
        new = _changed(table, value, column)
        if value is not None and new is not None and new != value:
            return key, column.name, value, new
    raise AssertionError(f"{table.name}: no column the walk can change")


def _entries(session: Session, table_name: str, record_id: int, action: str) -> list[ChangeEntry]:
    return list(
        session.scalars(
            select(ChangeEntry).where(
                ChangeEntry.table_name == table_name,
                ChangeEntry.record_id == record_id,
                ChangeEntry.action == action,
            )
        )
    )


def test_every_exemption_names_a_table_and_gives_a_reason():
    assert set(EXEMPT_TABLES) <= set(TABLES), set(EXEMPT_TABLES) - set(TABLES)
    assert all(len(reason) > 10 for reason in EXEMPT_TABLES.values())


def test_every_table_is_mapped_owned_by_a_relationship_or_exempt():
    """A table written only through the Core, with no class and no owner, cannot be recorded."""
    undeclared = [
        table.name
        for table in db.metadata.sorted_tables
        if is_tracked(table.name) and _mapped(table) is None and association(table) is None
    ]
    assert undeclared == []


@pytest.mark.parametrize("table_name", TABLES)
def test_changes_of_every_table_are_recorded(session, table_name):
    table = db.metadata.tables[table_name]
    if not is_tracked(table_name):
        assert EXEMPT_TABLES[table_name]
        return
    link = association(table)
    if link is not None:
        owner_mapper = next(
            m
            for m in db.Model.registry.mappers
            if link.key in m.relationships and m.relationships[link.key].secondary is table
        )
        owner = build(session, owner_mapper.local_table)
        member = build(session, link.member_table)
        getattr(owner, link.key).append(member)
        session.flush()
        (entry,) = _entries(session, owner_mapper.local_table.name, owner.id, "update")
        assert [m["id"] for m in entry.changes[link.key]["added"]] == [member.id]
        getattr(owner, link.key).remove(member)
        session.flush()
        entries = _entries(session, owner_mapper.local_table.name, owner.id, "update")
        assert [m["id"] for e in entries for m in e.changes[link.key]["removed"]] == [member.id]
        return

    obj = build(session, table)
    (pk,) = table.primary_key.columns
    record_id = getattr(obj, _mapped(table).get_property_by_column(pk).key)
    assert _entries(session, table_name, record_id, "create"), f"{table_name}: no create entry"

    key, column, before, after = _column_to_change(table, obj)
    setattr(obj, key, after)
    session.flush()
    (entry,) = _entries(session, table_name, record_id, "update")
    from crm.history.tracking import json_value

    assert entry.changes[column] == [json_value(before), json_value(after)]

    session.delete(obj)
    session.flush()
    assert _entries(session, table_name, record_id, "delete"), f"{table_name}: no delete entry"
