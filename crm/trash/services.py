"""Moving records to the trash, restoring them as they were, and deleting them for good.

Moving to the trash walks the foreign keys from the record: every row that an ON DELETE
CASCADE would take with it (affiliations, memberships, participants, tags, stage history …)
is stored as JSON with the record, and every row that points to one of them with ON DELETE
SET NULL (a task of a meeting, a meeting of a case) is noted as a pointer. Then the record is
deleted for real, so it is out of every list, search, export, report, network and API by
construction. A restore inserts the rows back with their ids and sets the pointers again, or
refuses with a clear message and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.clusters.models import Cluster
from crm.common.errors import DomainError
from crm.common.models import UTCDateTime, utcnow
from crm.common.versioning import ensure_version
from crm.companies.models import Company
from crm.contacts.models import Contact
from crm.establishments.models import EstablishmentCase
from crm.extensions import db
from crm.history.models import ChangeKind, RecordRole
from crm.history.services import erase_history
from crm.history.tracking import (
    Pending,
    association,
    execute_recorded,
    json_value,
    record_members,
    record_rows,
    title_of,
    tracked_execute,
    write_entries,
)
from crm.meetings.models import Meeting
from crm.trash.models import TrashItem, TrashPerson

# What can be moved to the trash, by table.
TRASHABLE: dict[str, type] = {
    "companies": Company,
    "contacts": Contact,
    "meetings": Meeting,
    "clusters": Cluster,
    "establishment_cases": EstablishmentCase,
}


@dataclass
class Snapshot:
    """The rows that go with a record, the pointers to put back, and what blocks it."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pointers: list[dict[str, Any]] = field(default_factory=list)
    blockers: dict[str, int] = field(default_factory=dict)

    def count(self) -> int:
        """How many rows go to the trash."""
        return sum(len(rows) for rows in self.rows.values())


def _key(table: Table, row: dict[str, Any]) -> tuple:
    return tuple(row[column.name] for column in table.primary_key.columns)


def collect(session: Session, table_name: str, record_id: int) -> Snapshot:
    """Everything a deletion of the record would take with it, found by walking the keys."""
    tables = db.metadata.tables
    root = tables[table_name]
    snapshot = Snapshot()
    seen: dict[str, set[tuple]] = {}

    def add(table: Table, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        fresh = []
        keys = seen.setdefault(table.name, set())
        for row in rows:
            if _key(table, row) not in keys:
                keys.add(_key(table, row))
                fresh.append(row)
        snapshot.rows.setdefault(table.name, []).extend(fresh)
        return fresh

    start = [
        dict(r) for r in session.execute(select(root).where(root.c.id == record_id)).mappings()
    ]
    frontier = [(root, add(root, start))]
    pointers: list[tuple[Table, dict[str, Any], str]] = []
    restricted: list[tuple[Table, dict[str, Any]]] = []
    while frontier:
        parent, rows = frontier.pop()
        if not rows:
            continue
        for child in db.metadata.sorted_tables:
            for key in child.foreign_keys:
                if key.column.table is not parent:
                    continue
                values = sorted({row[key.column.name] for row in rows})
                found = []
                for start_at in range(0, len(values), 500):
                    chunk = values[start_at : start_at + 500]
                    found += [
                        dict(r)
                        for r in session.execute(
                            select(child).where(key.parent.in_(chunk))
                        ).mappings()
                    ]
                rule = (key.ondelete or "").upper()
                if rule == "CASCADE":
                    frontier.append((child, add(child, found)))
                elif rule == "SET NULL":
                    pointers += [(child, row, key.parent.name) for row in found]
                else:
                    restricted += [(child, row) for row in found]
    for table, row, column in pointers:
        if _key(table, row) in seen.get(table.name, set()):
            continue  # deleted with the record anyway
        (pk,) = table.primary_key.columns
        snapshot.pointers.append(
            {"table": table.name, "id": row[pk.name], "column": column, "value": row[column]}
        )
    for table, row in restricted:
        if _key(table, row) not in seen.get(table.name, set()):
            snapshot.blockers[table.name] = snapshot.blockers.get(table.name, 0) + 1
    return snapshot


def _record(session: Session, table_name: str, record_id: int):
    model = TRASHABLE.get(table_name)
    record = session.get(model, record_id) if model is not None else None
    if record is None:
        raise DomainError(None, _l("The record is gone already."))
    return record


def move_to_trash(
    session: Session,
    *,
    table_name: str,
    record_id: int,
    version: str | int | None,
    user_id: int | None,
) -> TrashItem:
    """Delete a record and what hangs on it, keeping every row in the trash for a restore."""
    from crm.history.display import record_kind

    record = _record(session, table_name, record_id)
    ensure_version(record, version)
    session.flush()
    snapshot = collect(session, table_name, record_id)
    if snapshot.blockers:
        names = ", ".join(record_kind(name) for name in sorted(snapshot.blockers))
        raise DomainError(
            None,
            _l(
                "It cannot be deleted while other records depend on it: %(names)s. "
                "Delete or move those first.",
                names=names,
            ),
        )
    root = db.metadata.tables[table_name]
    (root_row,) = snapshot.rows[table_name]
    title = record_title(session, table_name, root_row)
    item = TrashItem(
        table_name=table_name,
        record_id=record_id,
        title=title,
        deleted_by_id=user_id,
        rows=[
            {"table": table.name, "values": {k: json_value(v) for k, v in row.items()}}
            for table in db.metadata.sorted_tables
            for row in snapshot.rows.get(table.name, [])
        ],
        pointers=snapshot.pointers,
    )
    item.people = [
        TrashPerson(contact_id=contact_id, restricted=restricted)
        for contact_id, restricted in sorted(people_in(item.rows).items())
    ]
    session.add(item)
    _record_trash(session, snapshot)
    session.expunge(record)
    execute_recorded(session, delete(root).where(root.c.id == record_id))
    session.flush()
    session.expire_all()
    return item


def _person_columns() -> dict[str, list[str]]:
    """Per table, the columns that name a person: `contacts.id` and every key to it."""
    contacts = db.metadata.tables["contacts"]
    columns: dict[str, list[str]] = {"contacts": ["id"]}
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is contacts:
                columns.setdefault(table.name, []).append(key.parent.name)
    return columns


def people_in(rows: list[dict[str, Any]]) -> dict[int, bool]:
    """The people a snapshot's rows name, each with whether their own row there is restricted."""
    columns = _person_columns()
    people: dict[int, bool] = {}
    for row in rows:
        values = row["values"]
        for column in columns.get(row["table"], []):
            contact_id = values.get(column)
            if contact_id is None:
                continue
            restricted = row["table"] == "contacts" and values.get("restricted_at") is not None
            people[contact_id] = people.get(contact_id, False) or restricted
    return people


def erase_from_trash(session: Session, *, contact_id: int) -> int:
    """Erase a person from every snapshot in the trash (GDPR art. 17); returns how many changed.

    The snapshot loses what the database itself drops when the person is deleted: their own
    row, and every row that hangs on it by ON DELETE CASCADE (their affiliations at a trashed
    organisation, their place among a trashed meeting's participants), or has its key set to
    NULL by ON DELETE SET NULL. So a restore brings back the record as the erasure would have
    left it, never the person, and is not refused for want of them. A snapshot that was the
    person's own goes altogether, as if deleted for good.
    """
    items = session.scalars(
        select(TrashItem)
        .join(TrashPerson, TrashPerson.trash_id == TrashItem.id)
        .where(TrashPerson.contact_id == contact_id)
        .execution_options(include_restricted=True)
    ).all()
    for item in items:
        rows = _without_person(item.rows, contact_id)
        if not any(
            row["table"] == item.table_name and row["values"].get("id") == item.record_id
            for row in rows
        ):
            _forget(session, item)
            continue
        item.rows = rows
        item.pointers = [
            pointer
            for pointer in item.pointers
            if not (pointer["table"] == "contacts" and pointer["id"] == contact_id)
        ]
        item.people = [person for person in item.people if person.contact_id != contact_id]
    session.flush()
    return len(items)


def _without_person(rows: list[dict[str, Any]], contact_id: int) -> list[dict[str, Any]]:
    """The rows as the deletion of the person would leave them (rows are parents first)."""
    tables = db.metadata.tables
    # The ids deleted so far, by table (every key in the schema points to an `id`).
    gone: dict[str, set] = {"contacts": {contact_id}}
    kept = []
    for row in rows:
        table = tables[row["table"]]
        values = dict(row["values"])
        if table.name == "contacts" and values.get("id") == contact_id:
            continue
        dropped = False
        for key in table.foreign_keys:
            value = values.get(key.parent.name)
            if value is None or value not in gone.get(key.column.table.name, set()):
                continue
            if (key.ondelete or "").upper() == "SET NULL":
                values[key.parent.name] = None
            else:
                dropped = True
        if dropped:
            if "id" in table.c and values.get("id") is not None:
                gone.setdefault(table.name, set()).add(values["id"])
            continue
        kept.append({**row, "values": values})
    return kept


def repoint_in_trash(session: Session, *, table_name: str, kept_id: int, other_id: int) -> int:
    """After a merge: the snapshots that name the removed record name the kept one; returns how
    many changed.

    The merge moves every live row from the removed organisation or person to the kept one; a
    snapshot holds rows the merge could not see (a trashed meeting's participants, a trashed
    organisation's affiliations and links). Left as they were, they would name a record that
    no longer exists, and a restore would be refused for good. They are moved as the merge
    moves live rows: a row that would now repeat another's key, or link the kept record to
    itself, goes.
    """
    target = db.metadata.tables[table_name]
    columns = {
        table.name: [key.parent.name for key in table.foreign_keys if key.column.table is target]
        for table in db.metadata.sorted_tables
    }
    query = select(TrashItem).execution_options(include_restricted=True)
    if table_name == "contacts":  # the people a snapshot holds are indexed; organisations not
        query = query.join(TrashPerson, TrashPerson.trash_id == TrashItem.id).where(
            TrashPerson.contact_id == other_id
        )
    changed = 0
    for item in session.scalars(query).all():
        rows = _repointed(item.rows, columns, kept_id, other_id)
        if rows == item.rows:
            continue
        changed += 1
        item.rows = rows
        if table_name == "contacts":
            item.people = [
                TrashPerson(contact_id=contact_id, restricted=restricted)
                for contact_id, restricted in sorted(people_in(rows).items())
            ]
            session.flush()  # the old index rows go before the new ones (same primary key)
    session.flush()
    return changed


def _repointed(
    rows: list[dict[str, Any]], columns: dict[str, list[str]], kept_id: int, other_id: int
) -> list[dict[str, Any]]:
    tables = db.metadata.tables
    moved: dict[int, dict[str, Any]] = {}  # position in rows → the moved row's values
    for position, row in enumerate(rows):
        names = columns.get(row["table"], [])
        if not any(row["values"].get(name) == other_id for name in names):
            continue
        values = {
            name: kept_id if name in names and value == other_id else value
            for name, value in row["values"].items()
        }
        if row["table"] == "collaboration_links" and not values.get("directed"):
            # Undirected links are stored once per pair, lower id first (as the merge keeps them).
            values["source_id"], values["target_id"] = sorted(
                (values["source_id"], values["target_id"])
            )
        moved[position] = values
    if not moved:
        return rows
    # A row that was not moved keeps its place; a moved one goes when it would repeat the key
    # of another row, or when it now links the kept record to itself.
    taken = {
        key
        for position, row in enumerate(rows)
        if position not in moved
        for key in _unique_keys(tables[row["table"]], row["values"])
    }
    result = []
    for position, row in enumerate(rows):
        values = moved.get(position)
        if values is None:
            result.append(row)
            continue
        names = columns[row["table"]]
        if len(names) > 1 and all(values.get(name) == kept_id for name in names):
            continue
        keys = _unique_keys(tables[row["table"]], values)
        if keys & taken:
            continue
        taken |= keys
        result.append({**row, "values": values})
    return result


def _unique_keys(table: Table, values: dict[str, Any]) -> set[tuple]:
    """The row's primary key and unique keys, each tagged with the table and its columns."""
    keys = set()
    constraints = [table.primary_key] + [
        c for c in table.constraints if isinstance(c, UniqueConstraint)
    ]
    for constraint in constraints:
        names = tuple(column.name for column in constraint.columns)
        key = tuple(values.get(name) for name in names)
        if names and None not in key:
            keys.add((table.name, names, key))
    return keys


def record_title(session: Session, table_name: str, row: dict[str, Any]) -> str:
    """The name a trashed record goes by: its own, or its organisation's (a case)."""
    table = db.metadata.tables[table_name]
    title = title_of(table, row)
    if not title and "company_id" in row:
        title = session.scalar(select(Company.name).where(Company.id == row["company_id"])) or ""
    return title or f"#{row['id']}"


def _record_trash(session: Session, snapshot: Snapshot) -> None:
    """One entry per row that goes to the trash, and per pointer the deletion clears."""
    for table in db.metadata.sorted_tables:
        rows = snapshot.rows.get(table.name, [])
        if not rows:
            continue
        link = association(table)
        if link is not None:
            record_members(session, link, table, ChangeKind.TRASH, rows, [])
        elif len(table.primary_key.columns) == 1:
            (pk,) = table.primary_key.columns
            record_rows(
                session, table, ChangeKind.TRASH, [(row[pk.name], row, None) for row in rows]
            )
    tables = db.metadata.tables
    for pointer in snapshot.pointers:
        record_rows(
            session,
            tables[pointer["table"]],
            ChangeKind.TRASH,
            [(pointer["id"], {pointer["column"]: pointer["value"]}, {pointer["column"]: None})],
        )


def _python(table: Table, name: str, value: Any) -> Any:
    """A JSON value back as the column's Python value."""
    if value is None:
        return None
    kind = table.c[name].type
    if isinstance(kind, JSON):
        return value
    if isinstance(kind, DateTime | UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


def restore(session: Session, *, item: TrashItem) -> None:
    """Put the rows back with their ids, and the links that pointed to them; all or nothing."""
    from crm.history.display import record_kind

    tables = db.metadata.tables
    rows = [(tables[row["table"]], row["values"]) for row in item.rows]
    back: dict[str, set] = {}
    for table, values in rows:
        back.setdefault(table.name, set()).add(_key(table, values))
    for table, values in rows:
        if (
            len(table.primary_key.columns) == 1
            and session.execute(select(table.c.id).where(table.c.id == values["id"])).first()
        ):
            raise DomainError(None, _l("It has been restored already."))
        for column in table.c:
            value = values.get(column.name)
            if value is None or not column.foreign_keys:
                continue
            (key,) = column.foreign_keys
            target = key.column.table
            if (value,) in back.get(target.name, set()):
                continue
            if session.execute(select(key.column).where(key.column == value)).first():
                continue
            if (key.ondelete or "").upper() == "SET NULL":
                values[column.name] = None  # as the deletion of that record would have done
                continue
            raise DomainError(
                None,
                _l(
                    "It cannot be restored: %(kind)s no. %(id)s, which it refers to, "
                    "has been deleted since. Restore that first.",
                    kind=record_kind(target.name).lower(),
                    id=value,
                ),
            )
    by_table: dict[str, list[dict[str, Any]]] = {}
    for table, values in rows:
        by_table.setdefault(table.name, []).append(
            {name: _python(table, name, value) for name, value in values.items() if name in table.c}
        )
    try:
        with session.begin_nested():
            _insert_back(session, by_table)
    except IntegrityError as error:
        raise DomainError(
            None,
            _l(
                "It cannot be restored: a record with the same name or number has been "
                "made since. Change or merge that one first."
            ),
        ) from error
    _point_back(session, item)
    session.delete(item)
    session.flush()
    session.expire_all()


def _insert_back(session: Session, by_table: dict[str, list[dict[str, Any]]]) -> None:
    for table in db.metadata.sorted_tables:
        batch = by_table.get(table.name)
        if not batch:
            continue
        execute_recorded(session, insert(table), batch)
        link = association(table)
        if link is not None:
            record_members(session, link, table, ChangeKind.RESTORE, [], batch)
        elif len(table.primary_key.columns) == 1:
            (pk,) = table.primary_key.columns
            record_rows(
                session, table, ChangeKind.RESTORE, [(row[pk.name], None, row) for row in batch]
            )


def _point_back(session: Session, item: TrashItem) -> None:
    tables = db.metadata.tables
    for pointer in item.pointers:
        table = tables[pointer["table"]]
        (pk,) = table.primary_key.columns
        column = table.c[pointer["column"]]
        tracked_execute(
            session,
            update(table)
            .where(pk == pointer["id"], column.is_(None))
            .values(_keep_stamps(table, {column.name: pointer["value"]})),
            action=ChangeKind.RESTORE,
        )


def _keep_stamps(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Put a link back as it was: `updated_at` stays (a Core UPDATE would set it to now)."""
    if "updated_at" in table.c:
        values["updated_at"] = table.c.updated_at
    return values


def purge(session: Session, *, item: TrashItem) -> None:
    """Delete a trashed record for good; the change log keeps that it was.

    A person deleted for good is erased: the values in their history go too, and they go from
    every other snapshot in the trash (a trashed meeting they attended), GDPR art. 17.
    """
    table_name, record_id = item.table_name, item.record_id
    _forget(session, item)
    if table_name == "contacts":
        erase_history(session, table_name="contacts", record_id=record_id)
        erase_from_trash(session, contact_id=record_id)


def _forget(session: Session, item: TrashItem) -> None:
    """Delete the snapshot, noting in the change log that the record is gone for good."""
    write_entries(
        session.connection(),
        [
            Pending(
                item.table_name,
                item.record_id,
                ChangeKind.PURGE.value,
                item.title,
                refs={(item.table_name, item.record_id, RecordRole.SELF.value)},
            )
        ],
    )
    session.delete(item)
    session.flush()


def empty_trash(session: Session, *, older_than: timedelta) -> int:
    """Delete for good what has been in the trash longer than `older_than`; returns how many."""
    cutoff = utcnow() - older_than
    # Restricted people's entries too: a restriction limits processing, not how long it is kept.
    items = session.scalars(
        select(TrashItem)
        .where(TrashItem.deleted_at < cutoff)
        .execution_options(include_restricted=True)
    ).all()
    for item in items:
        purge(session, item=item)
    return len(items)
