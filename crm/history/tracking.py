"""Every change to every table goes to the change log, in the same transaction as the change.

ORM writes are seen by construction: an `after_flush` listener reads `session.new`, `dirty` and
`deleted` with their attribute history, for every mapped class, including models added later.
Core bulk statements (`session.execute(update(...))`, `delete(...)`, `insert(...)`) are not
seen by the ORM: they go through `tracked_execute` (which reads the rows before and after) or,
when the caller knows the values already, `record_rows` with `execute_recorded`. A guard on
`do_orm_execute` refuses any other Core write to a tracked table, so none slips through.

Tables that are logs or caches themselves are exempt by `EXEMPT_TABLES`, each with its reason;
a test walks `db.metadata` and fails for a table that is neither exempt nor recorded.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Table, event, func, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, attributes
from sqlalchemy.sql.dml import Delete, Insert, Update

from crm.common.models import current_actor_id, utcnow
from crm.extensions import db
from crm.history.models import ChangeEntry, ChangeKind, ChangeRecord, RecordRole

# Tables whose rows are not recorded, each with the reason. Everything else is.
EXEMPT_TABLES: Mapping[str, str] = {
    "changes": "the change log itself",
    "change_records": "the change log's index of the records an entry concerns",
    "trash": "snapshots of deleted records; moving to and from the trash is logged on them",
    "trash_people": "the trash's index of the people its snapshots hold (kept with them)",
    "contact_access_log": "the access log of personal data: a log itself",
    "user_sessions": "sign-in sessions: rewritten on every request (last seen), hold secrets",
    "invitations": "one-time password links: secrets; the user they belong to is recorded",
    "sent_digests": "a log of the reminder mail sent",
    "import_runs": "the import log itself: what each import read, created and changed",
    "import_changes": "the import log's before-values (each change is also in this log)",
    "import_uploads": "uploaded spreadsheets waiting between the wizard's steps (a cache)",
    "register_points": "the register's own dated history of an organisation, kept by imports",
    "saved_filters": "a user's own view: the last filter is rewritten whenever a list is used",
    "recovery_codes": "hashed one-use codes (secrets); turning two-step sign-in on or off is "
    "recorded on the user",
}

# Secrets never go to the log: the fact that they changed does, their values never.
DENIED_COLUMNS = frozenset({"users.password_hash", "users.calendar_token_hash"})
SECRET_NAME = re.compile(r"password|token|secret|hash|otp|recovery|api_key", re.IGNORECASE)
HIDDEN = {"hidden": True}

# Columns every audited record changes on every save: they say nothing the entry does not.
NOISE_COLUMNS = frozenset(
    {"created_at", "updated_at", "created_by_id", "updated_by_id", "version", "last_login_at"}
)
TITLE_COLUMNS = ("name", "title", "text", "key", "email")

_ACTION_KEY = "history_action"
_RECORDED = "history_recorded"


def is_tracked(table_name: str) -> bool:
    """Whether the rows of `table_name` are recorded in the change log."""
    return table_name not in EXEMPT_TABLES


def is_denied(table_name: str, column_name: str) -> bool:
    """Whether a column's values must never be written to the log (secrets)."""
    return f"{table_name}.{column_name}" in DENIED_COLUMNS or bool(SECRET_NAME.search(column_name))


def json_value(value: Any) -> Any:
    """A value as JSON keeps it: dates and times as ISO, decimals as text, enums by value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    return value


def title_of(table: Table, values: Mapping[str, Any]) -> str:
    """A readable title for a row: its name, title, text, key or email, else nothing."""
    for name in TITLE_COLUMNS:
        if name in table.c and values.get(name):
            return str(values[name])[:300]
    return ""


@dataclass
class Pending:
    """An entry about to be written, with the records it concerns."""

    table_name: str
    record_id: int
    action: str
    title: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    refs: set[tuple[str, int, str]] = field(default_factory=set)


def _field_value(table_name: str, column: str, value: Any) -> Any:
    return HIDDEN if is_denied(table_name, column) else json_value(value)


def _references(table: Table, values: Iterable[Mapping[str, Any]]) -> set[tuple[str, int, str]]:
    """The tracked records a row points to (users aside: every row names its author)."""
    refs: set[tuple[str, int, str]] = set()
    for column in table.c:
        for key in column.foreign_keys:
            target = key.column.table.name
            if target == "users" or not is_tracked(target):
                continue
            for row in values:
                value = row.get(column.name)
                if isinstance(value, int):
                    refs.add((target, value, RecordRole.REFERENCE.value))
    return refs


def row_entry(
    table: Table,
    record_id: int,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> Pending | None:
    """The entry for one row from its values before and after; None when nothing changed."""
    before = before or {}
    after = after or {}
    changes: dict[str, Any] = {}
    for column in table.c:
        name = column.name
        if name in NOISE_COLUMNS or column.primary_key:
            continue  # the entry's record_id says which record
        if name not in before and name not in after:
            continue
        old, new = before.get(name), after.get(name)
        if old == new and action in (ChangeKind.UPDATE, ChangeKind.BULK, ChangeKind.MERGE):
            continue
        if old is None and new is None:
            continue
        if is_denied(table.name, name):
            changes[name] = HIDDEN
        else:
            changes[name] = [json_value(old), json_value(new)]
    if not changes and action not in (ChangeKind.CREATE, ChangeKind.DELETE):
        return None
    entry = Pending(
        table.name, record_id, str(action), title_of(table, after or before), changes=changes
    )
    entry.refs = {(table.name, record_id, RecordRole.SELF.value)} | _references(
        table, (before, after)
    )
    return entry


# --- the ORM: every flush ------------------------------------------------------------------


def _loaded(obj: Any) -> dict[str, Any]:
    """The column values of an object that are loaded (never a lazy load inside a flush)."""
    state = inspect(obj)
    values = {}
    for prop in state.mapper.column_attrs:
        if prop.key in state.dict:
            values[prop.columns[0].name] = state.dict[prop.key]
    return values


def _member(obj: Any) -> dict[str, Any]:
    table = inspect(obj).mapper.local_table
    values = _loaded(obj)
    return {
        "table": table.name,
        "id": values.get(_pk(table).name),
        "title": title_of(table, values),
    }


def _collections(obj: Any, entry: Pending) -> None:
    """Many-to-many changes as members added and removed, on the owning record."""
    mapper = inspect(obj).mapper
    for rel in mapper.relationships:
        if rel.secondary is None or rel.viewonly or not is_tracked(rel.secondary.name):
            continue
        history = attributes.get_history(obj, rel.key, passive=attributes.PASSIVE_NO_INITIALIZE)
        added = [_member(o) for o in history.added or ()]
        removed = [_member(o) for o in history.deleted or ()]
        if added or removed:
            entry.changes[rel.key] = {"added": added, "removed": removed}
            for member in (*added, *removed):
                entry.refs.add((member["table"], member["id"], RecordRole.MEMBER.value))


def _object_entry(obj: Any, action: str, default: str | None) -> Pending | None:
    state = inspect(obj)
    table = state.mapper.local_table
    if not isinstance(table, Table) or not is_tracked(table.name):
        return None
    now = _loaded(obj)
    if len(table.primary_key.columns) != 1:
        return None
    # New objects get their identity key only after this hook: read the primary key itself.
    record_id = state.identity[0] if state.identity else now.get(_pk(table).name)
    if not isinstance(record_id, int):
        return None
    if action == ChangeKind.UPDATE:
        before, after = {}, {}
        for prop in state.mapper.column_attrs:
            history = attributes.get_history(
                obj, prop.key, passive=attributes.PASSIVE_NO_INITIALIZE
            )
            if not history.added and not history.deleted:
                continue
            name = prop.columns[0].name
            before[name] = history.deleted[0] if history.deleted else None
            after[name] = history.added[0] if history.added else now.get(name)
        entry = row_entry(table, record_id, default or action, before, after)
        entry = entry or Pending(table.name, record_id, default or action, title_of(table, now))
        entry.title = title_of(table, now)
        entry.refs |= {(table.name, record_id, RecordRole.SELF.value)} | _references(table, [now])
    elif action == ChangeKind.CREATE:
        entry = row_entry(table, record_id, action, None, now)
    else:
        entry = row_entry(table, record_id, default if default else action, now, None)
    if entry is not None:
        _collections(obj, entry)
        if action == ChangeKind.UPDATE and not entry.changes:
            return None
    return entry


# Set in session.info only by the migration tests, which write rows into an old schema that
# has no change log yet; nothing in the application sets it.
WITHOUT_HISTORY = "without_history"


def load_deleted(session: Session, _flush_context, _instances) -> None:
    """before_flush: load what a deleted record held (it may be expired), for its entry."""
    if session.info.get(WITHOUT_HISTORY):
        return
    for obj in session.deleted:
        state = inspect(obj)
        if state.expired_attributes and is_tracked(state.mapper.local_table.name):
            session.refresh(obj)


def record_flush(session: Session, _flush_context) -> None:
    """after_flush: one entry per record the flush created, changed or deleted."""
    if session.info.get(WITHOUT_HISTORY):
        return
    default = session.info.get(_ACTION_KEY)
    entries: list[Pending] = []
    for obj in session.new:
        entries.append(_object_entry(obj, ChangeKind.CREATE, None))
    for obj in session.dirty:
        if session.is_modified(obj):
            entries.append(_object_entry(obj, ChangeKind.UPDATE, default))
    for obj in session.deleted:
        entries.append(_object_entry(obj, ChangeKind.DELETE, None))
    write_entries(session.connection(), [entry for entry in entries if entry is not None])


# --- who, and from which request ----------------------------------------------------------


def _actor() -> tuple[int | None, str, str | None]:
    from flask import g, has_request_context

    user_id = current_actor_id()
    request_id = g.get("request_id") if has_request_context() else None
    label = ""
    if not has_request_context():
        import click

        context = click.get_current_context(silent=True)
        label = context.command_path if context is not None else "system"
    return user_id, label[:100], request_id


def write_entries(connection: Connection, entries: Sequence[Pending]) -> None:
    """Insert the entries and the records they concern, on the flush's own connection."""
    if not entries:
        return
    user_id, actor, request_id = _actor()
    at = utcnow()
    changes = ChangeEntry.__table__
    rows = [
        {
            "at": at,
            "user_id": user_id,
            "actor": actor,
            "request_id": request_id,
            "table_name": entry.table_name,
            "record_id": entry.record_id,
            "title": entry.title[:300],
            "action": entry.action,
            "changes": entry.changes,
            "erased": False,
        }
        for entry in entries
    ]
    ids = insert_with_ids(connection, changes, rows)
    refs = [
        {"change_id": change_id, "table_name": table, "record_id": record, "role": role}
        for change_id, entry in zip(ids, entries, strict=True)
        for table, record, role in _distinct_refs(entry.refs)
    ]
    if refs:
        connection.execute(insert(ChangeRecord.__table__), refs)


# Below this many rows one INSERT … RETURNING is cheaper than asking the sequence first.
_SEQUENCE_FROM = 50


def insert_with_ids(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows (no id given) and return their new ids in the rows' order.

    On PostgreSQL a batch first takes its ids from the table's sequence in one query, then
    inserts them as a plain executemany, which psycopg sends as one prepared statement. INSERT …
    RETURNING over many rows is instead one statement with a placeholder per value, which
    psycopg parses in Python each time: 20 µs a value, most of a national register import's
    time. SQLite (and small batches) keep RETURNING.
    """
    pk = _pk(table)
    if connection.dialect.name != "postgresql" or len(rows) < _SEQUENCE_FROM:
        statement = insert(table).returning(pk, sort_by_parameter_order=True)
        return list(connection.execute(statement, rows).scalars())
    ids = list(
        connection.execute(
            select(func.nextval(func.pg_get_serial_sequence(table.name, pk.name))).select_from(
                func.generate_series(1, len(rows))
            )
        ).scalars()
    )
    connection.execute(
        insert(table), [{**row, pk.name: new_id} for row, new_id in zip(rows, ids, strict=True)]
    )
    return ids


def _distinct_refs(refs: set[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    """One row per record: the strongest role (self, then reference, then member)."""
    order = {RecordRole.SELF.value: 0, RecordRole.REFERENCE.value: 1, RecordRole.MEMBER.value: 2}
    best: dict[tuple[str, int], str] = {}
    for table, record, role in refs:
        key = (table, record)
        if key not in best or order[role] < order[best[key]]:
            best[key] = role
    return [(table, record, role) for (table, record), role in sorted(best.items())]


@contextmanager
def change_action(session: Session, action: ChangeKind) -> Iterator[None]:
    """Record the ORM updates inside the block as `action` (a bulk action, a merge)."""
    previous = session.info.get(_ACTION_KEY)
    session.info[_ACTION_KEY] = action.value
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(_ACTION_KEY, None)
        else:
            session.info[_ACTION_KEY] = previous


# --- Core statements -----------------------------------------------------------------------


@dataclass(frozen=True)
class Association:
    """A many-to-many table seen from its owning record."""

    owner_column: str
    member_column: str
    key: str
    member_table: Table


def association(table: Table) -> Association | None:
    """How a link table is recorded: on the record whose relationship names it."""
    from sqlalchemy.orm import class_mapper

    for mapper in db.Model.registry.mappers:
        for rel in class_mapper(mapper.class_).relationships:
            if rel.secondary is table and not rel.viewonly:
                (owner,) = (c for c, _ in rel.synchronize_pairs)
                (member,) = (c for c, _ in rel.secondary_synchronize_pairs)
                owner_col = next(
                    c.name for c in table.c if any(k.column is owner for k in c.foreign_keys)
                )
                member_col = next(
                    c.name for c in table.c if any(k.column is member for k in c.foreign_keys)
                )
                return Association(owner_col, member_col, rel.key, member.table)
    return None


def _titles(session: Session, table: Table, ids: set[int]) -> dict[int, str]:
    column = next((table.c[name] for name in TITLE_COLUMNS if name in table.c), None)
    if column is None or not ids:
        return {}
    found: dict[int, str] = {}
    for chunk in _chunks(sorted(ids)):
        found.update(session.execute(select(table.c.id, column).where(table.c.id.in_(chunk))).all())
    return {key: str(value or "") for key, value in found.items()}


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rows(session: Session, table: Table, where) -> list[dict[str, Any]]:
    query = select(table) if where is None else select(table).where(where)
    return [dict(row) for row in session.execute(query).mappings()]


def _pk(table: Table):
    (column,) = table.primary_key.columns
    return column


def record_rows(
    session: Session,
    table: Table,
    action: ChangeKind,
    rows: Iterable[tuple[int, Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> None:
    """Record rows the caller changed itself: (id, values before, values after) each."""
    entries = [
        row_entry(table, record_id, action, before, after) for record_id, before, after in rows
    ]
    write_entries(session.connection(), [entry for entry in entries if entry is not None])


def record_members(
    session: Session,
    link: Association,
    table: Table,
    action: ChangeKind,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
) -> None:
    """Record link rows before and after as members added and removed, on their owners."""

    def members(rows: list[dict[str, Any]]) -> dict[int, set[int]]:
        found: dict[int, set[int]] = {}
        for row in rows:
            found.setdefault(row[link.owner_column], set()).add(row[link.member_column])
        return found

    old, new = members(before), members(after)
    owners = sorted(set(old) | set(new))
    changed = {owner: (old.get(owner, set()), new.get(owner, set())) for owner in owners}
    everyone = {m for a, b in changed.values() for m in a ^ b}
    titles = _titles(session, link.member_table, everyone)
    owner_table = next(k.column.table for k in table.c[link.owner_column].foreign_keys)
    owner_titles = _titles(session, owner_table, set(owners))
    entries = []
    for owner, (was, now) in changed.items():
        if was == now:
            continue

        def describe(ids: set[int]) -> list[dict[str, Any]]:
            return [
                {"table": link.member_table.name, "id": m, "title": titles.get(m, "")}
                for m in sorted(ids)
            ]

        entry = Pending(owner_table.name, owner, action.value, owner_titles.get(owner, ""))
        entry.changes[link.key] = {"added": describe(now - was), "removed": describe(was - now)}
        entry.refs.add((owner_table.name, owner, RecordRole.SELF.value))
        for member in was ^ now:
            entry.refs.add((link.member_table.name, member, RecordRole.MEMBER.value))
        entries.append(entry)
    write_entries(session.connection(), entries)


def tracked_execute(session: Session, statement: Insert | Update | Delete, *, action: ChangeKind):
    """Run one Core INSERT, UPDATE or DELETE and record what it did to each row.

    UPDATE and DELETE read the rows their WHERE clause picks before (and an UPDATE after);
    a link table is recorded on its owning record as members added and removed. An INSERT of
    an ordinary table returns its rows (RETURNING) so each is recorded with its id.
    """
    marked = statement.execution_options(**{_RECORDED: True})
    # The plain table, also for update(Model): a select of the ORM's would return objects.
    table = db.metadata.tables.get(getattr(statement.table, "name", ""))
    if table is None or not is_tracked(table.name):
        return session.execute(marked)
    link = association(table)
    if isinstance(statement, Insert):
        if link is not None:
            raise TypeError("insert link rows with insert_links(), which records them")
        result = session.execute(marked.returning(*table.c, sort_by_parameter_order=True))
        rows = [dict(row) for row in result.mappings()]
        record_rows(session, table, action, [(row[_pk(table).name], None, row) for row in rows])
        return rows
    where = statement.whereclause
    if link is not None:
        owners = {row[link.owner_column] for row in _rows(session, table, where)}
        # An update may move rows to another owner (a merge): that owner changes too.
        owners |= {
            value
            for key, value in (getattr(statement, "_values", None) or {}).items()
            if getattr(key, "name", key) == link.owner_column and isinstance(value, int)
        }
        owner_col = table.c[link.owner_column]
        before = _rows(session, table, owner_col.in_(owners)) if owners else []
        result = session.execute(marked)
        after = _rows(session, table, owner_col.in_(owners)) if owners else []
        record_members(session, link, table, action, before, after)
        return result
    pk = _pk(table)
    before = _rows(session, table, where)
    result = session.execute(marked)
    ids = [row[pk.name] for row in before]
    after: dict[int, dict[str, Any]] = {}
    if isinstance(statement, Update):
        for chunk in _chunks(ids):
            after.update({row[pk.name]: row for row in _rows(session, table, pk.in_(chunk))})
    record_rows(
        session,
        table,
        action,
        [(row[pk.name], row, after.get(row[pk.name])) for row in before],
    )
    return result


def execute_recorded(
    session: Session, statement, params: Sequence[Mapping[str, Any]] | None = None
):
    """Run a Core write whose rows the caller records with `record_rows` (see crm.demo.generate
    for the one caller that records none: synthetic benchmark data)."""
    return session.execute(statement.execution_options(**{_RECORDED: True}), params)


def insert_links(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, action: ChangeKind
) -> None:
    """Insert rows of a link table and record them on their owners as members added."""
    link = association(table)
    if link is None:
        raise TypeError(f"{table.name} is no link table of a relationship")
    if not rows:
        return
    session.execute(insert(table).execution_options(**{_RECORDED: True}), list(rows))
    record_members(session, link, table, action, [], [dict(row) for row in rows])


def insert_rows(
    session: Session, table: Table, rows: Iterable[Mapping[str, Any]], *, action: ChangeKind
) -> list[dict[str, Any]]:
    """Insert rows (executemany) and record each; returns them with their ids."""
    rows = [dict(row) for row in rows]
    if not rows:
        return []
    statement = insert(table).execution_options(**{_RECORDED: True})
    if not is_tracked(table.name):
        session.execute(statement, rows)
        return rows
    if association(table) is not None:
        insert_links(session, table, rows, action=action)
        return rows
    pk = _pk(table).name
    if not all(row.get(pk) is not None for row in rows):
        ids = insert_with_ids(session.connection(), table, rows)
        # What RETURNING gave before: the values written, the columns' scalar defaults for
        # those left out (the others are NULL, which the change log leaves out anyway).
        defaults = {
            column.name: column.default.arg
            for column in table.c
            if column.default is not None and column.default.is_scalar
        }
        rows = [{**defaults, **row, pk: new_id} for row, new_id in zip(rows, ids, strict=True)]
    else:
        session.execute(statement, rows)
    record_rows(session, table, action, [(row[pk], None, row) for row in rows])
    return rows


# --- the guard ----------------------------------------------------------------------------


class UnrecordedWrite(RuntimeError):
    """A Core statement wrote to a tracked table without going through this module."""


def refuse_unrecorded(state: ORMExecuteState) -> None:
    """do_orm_execute: a Core write to a tracked table must come through tracked_execute."""
    statement = state.statement
    if not isinstance(statement, Insert | Update | Delete):
        return
    if state.execution_options.get(_RECORDED) or statement.get_execution_options().get(_RECORDED):
        return
    table = statement.table
    name = getattr(table, "name", None)
    if name is not None and is_tracked(name):
        raise UnrecordedWrite(
            f"a Core {type(statement).__name__.upper()} on {name} bypasses the change log: "
            "use crm.history.tracking.tracked_execute"
        )


def new_request_id() -> None:
    """before_request: an id for the request, in the log and in the X-Request-Id header."""
    from flask import g

    g.request_id = uuid.uuid4().hex


def send_request_id(response):
    """after_request: the request's id, so a user can quote it and an admin find its changes."""
    from flask import g

    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-Id"] = request_id
    return response


def register_history_listeners() -> None:
    """Hook the change log into every ORM session once."""
    if not event.contains(Session, "before_flush", load_deleted):
        event.listen(Session, "before_flush", load_deleted)
    if not event.contains(Session, "after_flush", record_flush):
        event.listen(Session, "after_flush", record_flush)
    if not event.contains(Session, "do_orm_execute", refuse_unrecorded):
        event.listen(Session, "do_orm_execute", refuse_unrecorded)
