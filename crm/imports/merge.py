"""Merge two organisations or two people: everything moves to the kept record, the other goes.

The merge runs in the caller's transaction (one commit), moves every record that points at the
removed one, avoids duplicate link rows and self-links, then deletes the removed record and
records the merge as an ImportRun of kind "merge" naming both records.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, delete, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from crm.common.errors import DomainError
from crm.common.models import utcnow
from crm.common.versioning import ensure_version
from crm.companies.models import Company
from crm.companies.services import EDITABLE_FIELDS
from crm.contacts.models import Contact
from crm.extensions import db
from crm.history.models import ChangeKind
from crm.history.tracking import change_action, tracked_execute
from crm.imports.models import ImportRun
from crm.network.models import CollaborationLink
from crm.trash.services import repoint_in_trash

# The fields a user chooses between on the merge page, in the order shown.
COMPANY_FIELDS = EDITABLE_FIELDS
CONTACT_FIELDS = ("name", "email", "phone", "notes")


@dataclass(frozen=True)
class Move:
    """What a merge does with the rows that point at the removed record through one column.

    - "repoint": the rows point at the kept record instead (their version goes up, so an open
      edit form goes stale); a table pointing at its own kind never points a row at itself.
    - "union": a link table (the column plus one other key is the primary key): each row moves
      unless the kept record has the same link already; the rest go.
    - "links": collaboration links, which must not become self-links or duplicates.
    """

    label: str  # the key in the merge's summary and on the merge page
    strategy: Literal["repoint", "union", "links"]


# Every foreign key to organisations and people, by (table, column). A foreign key missing here
# would be deleted by its ON DELETE CASCADE (or block the merge) when the removed record goes;
# tests/imports/test_merge.py walks the metadata and fails for any foreign key not listed.
COMPANY_MOVES: dict[tuple[str, str], Move] = {
    ("meeting_companies", "company_id"): Move("meetings", "union"),
    ("memberships", "company_id"): Move("memberships", "repoint"),
    ("affiliations", "company_id"): Move("affiliations", "repoint"),
    ("tasks", "company_id"): Move("tasks", "repoint"),
    ("establishment_cases", "company_id"): Move("establishment_cases", "repoint"),
    ("warning_flags", "company_id"): Move("warning_flags", "repoint"),
    ("clusters", "facilitator_id"): Move("cluster_facilitators", "repoint"),
    # Follow-up tasks of a meeting logged from the removed organisation go to the kept one.
    ("meetings", "logged_from_id"): Move("meetings_logged_from", "repoint"),
    ("companies", "parent_id"): Move("sub_units", "repoint"),
    ("company_sectors", "company_id"): Move("sectors", "union"),
    # The register's history of the removed organisation stays readable under the kept one.
    ("register_points", "company_id"): Move("register_history", "repoint"),
    # A partner of an action plan's measure: the kept organisation partners instead.
    ("measure_partners", "company_id"): Move("measure_partners", "union"),
    ("collaboration_links", "source_id"): Move("links", "links"),
    ("collaboration_links", "target_id"): Move("links", "links"),
}
CONTACT_MOVES: dict[tuple[str, str], Move] = {
    ("meeting_contacts", "contact_id"): Move("meetings", "union"),
    ("affiliations", "contact_id"): Move("affiliations", "repoint"),
}


def _as_merge(function: Callable[..., ImportRun]) -> Callable[..., ImportRun]:
    """Record the merge's ORM updates as a merge in the change log."""

    @functools.wraps(function)
    def run(session: Session, **kwargs: Any) -> ImportRun:
        with change_action(session, ChangeKind.MERGE):
            return function(session, **kwargs)

    return run


def _repoint(session: Session, table: Table, column: str, kept_id: int, other_id: int) -> int:
    where = table.c[column] == other_id
    (key,) = table.c[column].foreign_keys
    if key.column.table is table:  # the removed record's sub-units, never the kept one itself
        where &= table.c.id != kept_id
    values: dict[str, Any] = {column: kept_id}
    if "version" in table.c:
        values["version"] = table.c.version + 1
        values["updated_at"] = utcnow()
    statement = update(table).where(where).values(values)
    return tracked_execute(session, statement, action=ChangeKind.MERGE).rowcount or 0


def _union(session: Session, table: Table, column: str, kept_id: int, other_id: int) -> int:
    """Repoint a link table's rows from other to kept without duplicate rows."""
    col = table.c[column]
    (partner,) = (c for c in table.primary_key.columns if c.name != column)
    already = select(partner).where(col == kept_id)
    moved = tracked_execute(
        session,
        update(table).where(col == other_id, partner.not_in(already)).values({column: kept_id}),
        action=ChangeKind.MERGE,
    ).rowcount
    tracked_execute(session, delete(table).where(col == other_id), action=ChangeKind.MERGE)
    return moved or 0


def _drop_repeated_register_flags(
    session: Session, table: Table, kept_id: int, other_id: int
) -> None:
    """The register raises one flag per organisation and change: of two, the kept one's stays."""
    kept = select(table.c.register_rule, table.c.register_key).where(
        table.c.company_id == kept_id, table.c.register_rule.is_not(None)
    )
    tracked_execute(
        session,
        delete(table).where(
            table.c.company_id == other_id,
            tuple_(table.c.register_rule, table.c.register_key).in_(kept),
        ),
        action=ChangeKind.MERGE,
    )


def _move_references(
    session: Session, moves: Mapping[tuple[str, str], Move], kept_id: int, other_id: int
) -> dict[str, int]:
    """Carry out every move of the table; return the rows moved per label."""
    counts: dict[str, int] = {}
    for (table_name, column), move in moves.items():
        if move.strategy == "links":
            if move.label not in counts:  # one pass handles both ends of a link
                counts[move.label] = _move_links(session, kept_id, other_id)
            continue
        table = db.metadata.tables[table_name]
        if table_name == "warning_flags":
            _drop_repeated_register_flags(session, table, kept_id, other_id)
        mover = _repoint if move.strategy == "repoint" else _union
        counts[move.label] = counts.get(move.label, 0) + mover(
            session, table, column, kept_id, other_id
        )
    return counts


def differing_fields(kept: Any, other: Any, fields: tuple[str, ...]) -> list[str]:
    """The fields whose values differ between the two records."""
    return [name for name in fields if getattr(kept, name) != getattr(other, name)]


def _choose(kept: Any, other: Any, fields: tuple[str, ...], choices: Mapping[str, str]) -> dict:
    """The values the kept record ends with: its own unless the user chose the other's."""
    chosen = {}
    for name in fields:
        if choices.get(name) == "other" and getattr(other, name) != getattr(kept, name):
            chosen[name] = getattr(other, name)
    return chosen


def _record(
    session: Session,
    *,
    table: str,
    kept: Any,
    other_id: int,
    other_name: str,
    summary: dict,
    user_id: int | None,
) -> ImportRun:
    run = ImportRun(
        kind="merge",
        filename=f"{table} {other_id} → {kept.id}"[:300],
        status="finished",
        user_id=user_id,
        finished_at=utcnow(),
        summary={
            "table": table,
            "kept_id": kept.id,
            "kept_name": kept.name,
            "removed_id": other_id,
            "removed_name": other_name,
            **summary,
        },
        messages=[],
    )
    session.add(run)
    return run


@_as_merge
def merge_companies(
    session: Session,
    *,
    kept: Company,
    other: Company,
    choices: Mapping[str, str],
    kept_version: str | int | None,
    other_version: str | int | None,
    user_id: int | None,
) -> ImportRun:
    """Move everything of `other` to `kept`, apply the chosen values, delete `other`."""
    if kept.id == other.id:
        raise DomainError(None, _l("Choose two different organisations to merge."))
    ensure_version(kept, kept_version)
    ensure_version(other, other_version)
    kept_id, other_id, other_name = kept.id, other.id, other.name
    chosen = _choose(kept, other, COMPANY_FIELDS, choices)
    if chosen.get("parent_id") in (kept_id, other_id):
        chosen["parent_id"] = None
    counts = _move_references(session, COMPANY_MOVES, kept_id, other_id)

    # The removed record goes first, so its organisation number can move to the kept one.
    tracked_execute(session, delete(Company).where(Company.id == other_id), action=ChangeKind.MERGE)
    # Snapshots in the trash that name the removed organisation name the kept one.
    repoint_in_trash(session, table_name="companies", kept_id=kept_id, other_id=other_id)
    session.expire_all()
    kept = session.get(Company, kept_id)
    if kept.parent_id in (other_id, kept_id):
        chosen.setdefault("parent_id", None)
    for name, value in chosen.items():
        setattr(kept, name, value)
    session.flush()
    return _record(
        session,
        table="companies",
        kept=kept,
        other_id=other_id,
        other_name=other_name,
        summary={"moved": counts, "fields": sorted(chosen)},
        user_id=user_id,
    )


def _move_links(session: Session, kept_id: int, other_id: int) -> int:
    """Repoint collaboration links; drop self-links and links that would be duplicates."""
    links = list(
        session.scalars(
            select(CollaborationLink).where(
                or_(
                    CollaborationLink.source_id == other_id,
                    CollaborationLink.target_id == other_id,
                )
            )
        )
    )
    existing = {
        (link.source_id, link.target_id, link.link_type_id, link.directed)
        for link in session.scalars(
            select(CollaborationLink).where(
                or_(
                    CollaborationLink.source_id == kept_id,
                    CollaborationLink.target_id == kept_id,
                )
            )
        )
    }
    moved = 0
    for link in links:
        source = kept_id if link.source_id == other_id else link.source_id
        target = kept_id if link.target_id == other_id else link.target_id
        if not link.directed and source > target:
            # Undirected links are stored once per pair, lower id first.
            source, target = target, source
        key = (source, target, link.link_type_id, link.directed)
        reverse = (target, source, link.link_type_id, link.directed)
        if source == target or key in existing or (not link.directed and reverse in existing):
            session.delete(link)
            continue
        link.source_id, link.target_id = source, target
        existing.add(key)
        moved += 1
    session.flush()
    return moved


@_as_merge
def merge_contacts(
    session: Session,
    *,
    kept: Contact,
    other: Contact,
    choices: Mapping[str, str],
    kept_version: str | int | None,
    other_version: str | int | None,
    user_id: int | None,
) -> ImportRun:
    """Move the meetings and affiliations of `other` to `kept`, apply choices, delete `other`."""
    if kept.id == other.id:
        raise DomainError(None, _l("Choose two different people to merge."))
    ensure_version(kept, kept_version)
    ensure_version(other, other_version)
    kept_id, other_id, other_name = kept.id, other.id, other.name
    chosen = _choose(kept, other, CONTACT_FIELDS, choices)
    counts = _move_references(session, CONTACT_MOVES, kept_id, other_id)
    tracked_execute(session, delete(Contact).where(Contact.id == other_id), action=ChangeKind.MERGE)
    repoint_in_trash(session, table_name="contacts", kept_id=kept_id, other_id=other_id)
    session.expire_all()
    kept = session.get(Contact, kept_id)
    for name, value in chosen.items():
        setattr(kept, name, value)
    session.flush()
    return _record(
        session,
        table="contacts",
        kept=kept,
        other_id=other_id,
        other_name=other_name,
        summary={"moved": counts, "fields": sorted(chosen)},
        user_id=user_id,
    )


def field_labels(table: str) -> dict[str, Any]:
    """What the merge page calls each field."""
    if table == "companies":
        return {
            "name": _l("Name"),
            "org_number": _l("Organisation number"),
            "kind": _l("Kind"),
            "org_form": _l("Organisation form"),
            "industry_code": _l("Industry code"),
            "industry_standard": _l("Industry standard"),
            "industry_description": _l("Industry"),
            "employees": _l("Employees"),
            "address": _l("Address"),
            "postcode": _l("Postcode"),
            "post_town": _l("Post town"),
            "municipality_number": _l("Municipality number"),
            "place_id": _l("Place"),
            "website": _l("Website"),
            "description": _l("Description"),
            "register_status": _l("Register status"),
            "parent_id": _l("Parent organisation"),
        }
    return {"name": _l("Name"), "email": _l("Email"), "phone": _l("Phone"), "notes": _l("Notes")}


def display_value(record: Any, name: str) -> str:
    """A field's value as the merge page shows it."""
    if name == "place_id":
        return record.place.name if record.place else ""
    if name == "parent_id":
        return record.parent.name if record.parent else ""
    value = getattr(record, name)
    return "" if value is None else str(value)


def count_uses(session: Session, *, table: str, record_id: int) -> dict[str, int]:
    """How many records of each kind point at the organisation or person (one count per move)."""
    moves = COMPANY_MOVES if table == "companies" else CONTACT_MOVES
    uses: dict[str, int] = {}
    for (table_name, column), move in moves.items():
        referring = db.metadata.tables[table_name]
        where = referring.c[column] == record_id
        if move.strategy == "links":
            # A link is counted once, whichever end the record is at.
            if move.label in uses:
                continue
            link = CollaborationLink.__table__
            where = or_(link.c.source_id == record_id, link.c.target_id == record_id)
        uses[move.label] = (
            session.scalar(select(func.count()).select_from(referring).where(where)) or 0
        )
    return uses
