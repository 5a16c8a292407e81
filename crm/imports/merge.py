"""Merge two organisations or two people: everything moves to the kept record, the other goes.

The merge runs in the caller's transaction (one commit), moves every record that points at the
removed one, avoids duplicate link rows and self-links, then deletes the removed record and
records the merge as an ImportRun of kind "merge" naming both records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from crm.clusters.models import Cluster, Membership
from crm.common.errors import DomainError
from crm.common.models import utcnow
from crm.common.versioning import ensure_version
from crm.companies.models import Company, company_sectors
from crm.companies.services import EDITABLE_FIELDS
from crm.contacts.models import Affiliation, Contact
from crm.establishments.models import EstablishmentCase, WarningFlag
from crm.imports.models import ImportRun
from crm.meetings.models import Meeting, meeting_companies, meeting_contacts
from crm.network.models import CollaborationLink
from crm.tasks.models import Task

# The fields a user chooses between on the merge page, in the order shown.
COMPANY_FIELDS = EDITABLE_FIELDS
CONTACT_FIELDS = ("name", "email", "phone", "notes")


def differing_fields(kept: Any, other: Any, fields: tuple[str, ...]) -> list[str]:
    """The fields whose values differ between the two records."""
    return [name for name in fields if getattr(kept, name) != getattr(other, name)]


def _move_link_table(session: Session, table, column: str, kept_id: int, other_id: int) -> int:
    """Repoint a (meeting_id, <column>) table from other to kept without duplicate rows."""
    col = table.c[column]
    already = select(table.c.meeting_id).where(col == kept_id)
    moved = session.execute(
        update(table)
        .where(col == other_id, table.c.meeting_id.not_in(already))
        .values({column: kept_id})
    ).rowcount
    session.execute(delete(table).where(col == other_id))
    return moved or 0


def _bump(model, where, **values):
    return update(model).where(where).values(**values, version=model.version + 1)


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
    counts: dict[str, int] = {}
    now = utcnow()

    counts["meetings"] = _move_link_table(
        session, meeting_companies, "company_id", kept_id, other_id
    )
    for label, model in (
        ("memberships", Membership),
        ("affiliations", Affiliation),
        ("tasks", Task),
        ("establishment_cases", EstablishmentCase),
        ("warning_flags", WarningFlag),
    ):
        counts[label] = (
            session.execute(
                _bump(model, model.company_id == other_id, company_id=kept_id, updated_at=now)
            ).rowcount
            or 0
        )
    counts["facilitated_clusters"] = (
        session.execute(
            _bump(Cluster, Cluster.facilitator_id == other_id, facilitator_id=kept_id)
        ).rowcount
        or 0
    )
    # Follow-up tasks of a meeting logged from the removed organisation go to the kept one.
    session.execute(_bump(Meeting, Meeting.logged_from_id == other_id, logged_from_id=kept_id))
    counts["sub_units"] = (
        session.execute(
            _bump(
                Company,
                and_(Company.parent_id == other_id, Company.id != kept_id),
                parent_id=kept_id,
            )
        ).rowcount
        or 0
    )
    counts["links"] = _move_links(session, kept_id, other_id)

    sector_ids = set(
        session.scalars(
            select(company_sectors.c.sector_id).where(company_sectors.c.company_id == other_id)
        )
    ) - set(
        session.scalars(
            select(company_sectors.c.sector_id).where(company_sectors.c.company_id == kept_id)
        )
    )
    if sector_ids:
        session.execute(
            insert(company_sectors),
            [{"company_id": kept_id, "sector_id": s} for s in sorted(sector_ids)],
        )
    counts["sectors"] = len(sector_ids)

    # The removed record goes first, so its organisation number can move to the kept one.
    session.execute(delete(Company).where(Company.id == other_id))
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
    counts = {
        "meetings": _move_link_table(session, meeting_contacts, "contact_id", kept_id, other_id),
        "affiliations": session.execute(
            _bump(Affiliation, Affiliation.contact_id == other_id, contact_id=kept_id)
        ).rowcount
        or 0,
    }
    session.execute(delete(Contact).where(Contact.id == other_id))
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
    """How many records of each kind point at the organisation or person."""
    if table == "companies":
        checks = {
            "meetings": (meeting_companies.c.company_id, meeting_companies.c.meeting_id),
            "memberships": (Membership.company_id, Membership.id),
            "affiliations": (Affiliation.company_id, Affiliation.id),
            "tasks": (Task.company_id, Task.id),
            "establishment_cases": (EstablishmentCase.company_id, EstablishmentCase.id),
            "warning_flags": (WarningFlag.company_id, WarningFlag.id),
            "sub_units": (Company.parent_id, Company.id),
        }
    else:
        checks = {
            "meetings": (meeting_contacts.c.contact_id, meeting_contacts.c.meeting_id),
            "affiliations": (Affiliation.contact_id, Affiliation.id),
        }
    uses = {}
    for label, (column, counted) in checks.items():
        uses[label] = session.scalar(select(func.count(counted)).where(column == record_id)) or 0
    if table == "companies":
        uses["links"] = (
            session.scalar(
                select(func.count(CollaborationLink.id)).where(
                    or_(
                        CollaborationLink.source_id == record_id,
                        CollaborationLink.target_id == record_id,
                    )
                )
            )
            or 0
        )
    return uses
