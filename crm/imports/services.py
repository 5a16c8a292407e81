"""Writes of imports: reverting a run as a whole, and running a planned spreadsheet import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from crm.clusters.models import Cluster, Membership
from crm.common.errors import DomainError
from crm.common.models import utcnow
from crm.companies.models import Company, RegisterPoint
from crm.contacts.models import Affiliation, Contact
from crm.establishments.models import EstablishmentCase, WarningFlag
from crm.history.models import ChangeKind
from crm.history.tracking import tracked_execute
from crm.imports.labels import RECORD_USE
from crm.imports.models import ImportChange, ImportRun
from crm.meetings.models import meeting_companies, meeting_contacts
from crm.network.models import CollaborationLink
from crm.tasks.models import Task

CHUNK = 1000
REVERTIBLE_KINDS = ("brreg", "organisations", "contacts")
TABLES = {"companies": Company, "contacts": Contact, "affiliations": Affiliation}


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _company_uses(session: Session, ids: Sequence[int], own_affiliations: set[int]) -> dict:
    """How many of the companies `ids` each kind of record uses (distinct companies)."""
    checks = {
        "meetings": (meeting_companies.c.company_id, None),
        "memberships": (Membership.company_id, None),
        "affiliations": (Affiliation.company_id, Affiliation.id),
        "tasks": (Task.company_id, None),
        "establishment_cases": (EstablishmentCase.company_id, None),
        "warning_flags": (WarningFlag.company_id, None),
        "cluster_facilitators": (Cluster.facilitator_id, None),
        "links source": (CollaborationLink.source_id, None),
        "links target": (CollaborationLink.target_id, None),
    }
    return _count_uses(session, ids, checks, own_affiliations)


def _contact_uses(session: Session, ids: Sequence[int], own_affiliations: set[int]) -> dict:
    checks = {
        "meetings": (meeting_contacts.c.contact_id, None),
        "affiliations": (Affiliation.contact_id, Affiliation.id),
    }
    return _count_uses(session, ids, checks, own_affiliations)


def _count_uses(session: Session, ids: Sequence[int], checks: dict, own: set[int]) -> dict:
    used: dict[str, set[int]] = {}
    for label, (column, own_id) in checks.items():
        for chunk in _chunks(ids):
            query = select(column).where(column.in_(chunk)).distinct()
            if own_id is not None and own:
                query = query.where(own_id.not_in(own))
            found = set(session.scalars(query))
            if found:
                key = "links" if label.startswith("links") else label
                used.setdefault(key, set()).update(found)
    return used


def revert_import(session: Session, *, run: ImportRun, user_id: int | None) -> dict[str, int]:
    """Delete what the run created and restore what it updated; refuse if created rows are used.

    Returns counts: deleted, restored, missing (records deleted since the import).
    """
    if run.kind not in REVERTIBLE_KINDS:
        raise DomainError(None, _l("Only imports can be reverted, not merges."))
    if run.status != "finished":
        raise DomainError(None, _l("Only a finished import can be reverted."))
    # The warnings a register import raised go with it: what raised them is undone.
    tracked_execute(
        session, delete(WarningFlag).where(WarningFlag.run_id == run.id), action=ChangeKind.DELETE
    )
    changes = list(
        session.execute(
            select(
                ImportChange.table_name,
                ImportChange.record_id,
                ImportChange.action,
                ImportChange.before,
            )
            .where(ImportChange.run_id == run.id)
            .order_by(ImportChange.id.desc())
        )
    )
    created: dict[str, list[int]] = {name: [] for name in TABLES}
    for table_name, record_id, action, _before in changes:
        if action == "created" and table_name in created:
            created[table_name].append(record_id)
    own_affiliations = set(created["affiliations"])
    uses: dict[str, set[int]] = {}
    for key, found in _company_uses(session, created["companies"], own_affiliations).items():
        uses.setdefault(key, set()).update(found)
    for key, found in _contact_uses(session, created["contacts"], own_affiliations).items():
        uses.setdefault(key, set()).update(found)
    if uses:
        in_use = set().union(*uses.values())
        detail = ", ".join(
            f"{RECORD_USE.label(key)}: {len(ids)}" for key, ids in sorted(uses.items())
        )
        raise DomainError(
            None,
            _l(
                "This import cannot be reverted: %(count)s of the records it created are now "
                "used elsewhere (%(uses)s). Remove those uses, or keep the import.",
                count=len(in_use),
                uses=detail,
            ),
        )

    restored = missing = 0
    now = utcnow()
    for table_name, record_id, action, before in changes:
        if action != "updated" or table_name not in TABLES or not before:
            continue
        model = TABLES[table_name]
        table = model.__table__
        values = {k: v for k, v in before.items() if k in table.c}
        if "parent_id" in values and values["parent_id"] is not None:
            exists = session.scalar(select(Company.id).where(Company.id == values["parent_id"]))
            if exists is None:
                values["parent_id"] = None
        result = tracked_execute(
            session,
            update(table)
            .where(table.c.id == record_id)
            .values(**values, updated_at=now, updated_by_id=user_id, version=table.c.version + 1),
            action=ChangeKind.UPDATE,
        )
        if result.rowcount:
            restored += 1
        else:
            missing += 1

    # The history the run wrote goes with it (its created organisations' by the cascade too).
    session.execute(delete(RegisterPoint.__table__).where(RegisterPoint.run_id == run.id))
    deleted = 0
    for table_name in ("affiliations", "contacts", "companies"):
        table = TABLES[table_name].__table__
        for chunk in _chunks(created[table_name]):
            statement = delete(table).where(table.c.id.in_(chunk))
            deleted += tracked_execute(session, statement, action=ChangeKind.DELETE).rowcount or 0

    summary = dict(run.summary or {})
    summary["reverted"] = {"deleted": deleted, "restored": restored, "missing": missing}
    run.summary = summary
    run.status = "reverted"
    session.flush()
    # Core statements changed rows behind the ORM's back: reload anything already loaded.
    session.expire_all()
    return {"deleted": deleted, "restored": restored, "missing": missing}


def start_run(
    session: Session, *, kind: str, filename: str, user_id: int | None, status: str = "running"
) -> ImportRun:
    """A new import record, flushed so its id can be used."""
    run = ImportRun(kind=kind, filename=filename[:300], status=status, user_id=user_id)
    session.add(run)
    session.flush()
    return run


def record_changes(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert ImportChange rows in one statement."""
    if rows:
        session.execute(insert(ImportChange.__table__), rows)


def run_spreadsheet_import(
    session: Session,
    *,
    kind: str,
    filename: str,
    planned: Sequence[Any],
    decisions: dict[int, str],
    default_decision: str,
    user_id: int | None,
) -> ImportRun:
    """Write the planned rows: valid rows go in, rows with errors are reported, not imported.

    `decisions` maps a row number of a possible duplicate to "create", "update" or "skip";
    rows without one follow `default_decision`.
    """
    model = Company if kind == "organisations" else Contact
    table_name = model.__tablename__
    run = start_run(session, kind=kind, filename=filename, user_id=user_id)
    counts = {"read": len(planned), "created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    counts["rejected"] = 0
    messages: list[str] = []
    created: list[tuple[int, Any]] = []
    updated: list[tuple[int, Any, dict]] = []
    affiliations: list[tuple[int, Any, int, str]] = []
    targets = {row.target_id for row in planned if row.target_id}
    records = {}
    if targets:
        for chunk in _chunks(sorted(targets)):
            for record in session.scalars(select(model).where(model.id.in_(chunk))):
                records[record.id] = record
    for row in planned:
        if row.action == "error":
            counts["rejected"] += 1
            if len(messages) < 500:
                messages.append(
                    _("Row %(n)s: %(reason)s", n=row.number, reason="; ".join(row.errors))
                )
            continue
        action = row.action
        if action == "duplicate":
            action = decisions.get(row.number) or default_decision
            if action not in ("create", "update", "skip"):
                action = "skip"
        if action == "skip":
            counts["skipped"] += 1
            continue
        if action == "unchanged":
            counts["unchanged"] += 1
            continue
        values = {k: v for k, v in row.values.items() if k in model.__table__.c}
        if action == "create":
            record = model(**values)
            session.add(record)
            created.append((row.number, record))
        else:
            record = records.get(row.target_id)
            if record is None:
                counts["rejected"] += 1
                messages.append(
                    _("Row %(n)s: the record to update no longer exists.", n=row.number)
                )
                continue
            before = {}
            for key, value in values.items():
                if value not in (None, "") and getattr(record, key) != value:
                    before[key] = getattr(record, key)
                    setattr(record, key, value)
            if before:
                updated.append((row.number, record, before))
            elif not row.company_id:
                counts["unchanged"] += 1
                continue
        if kind == "contacts" and row.company_id:
            affiliations.append((row.number, record, row.company_id, row.values.get("title", "")))
    session.flush()
    if affiliations:
        contact_ids = {record.id for _n, record, _c, _t in affiliations}
        present = set()
        for chunk in _chunks(sorted(contact_ids)):
            rows = session.execute(
                select(Affiliation.contact_id, Affiliation.company_id).where(
                    Affiliation.contact_id.in_(chunk), Affiliation.end_date.is_(None)
                )
            )
            present |= {(contact_id, company_id) for contact_id, company_id in rows}
        new_affiliations = []
        for number, record, company_id, title in affiliations:
            if (record.id, company_id) in present:
                continue
            present.add((record.id, company_id))
            affiliation = Affiliation(contact_id=record.id, company_id=company_id, title=title)
            session.add(affiliation)
            new_affiliations.append((number, affiliation))
        session.flush()
    else:
        new_affiliations = []
    change_rows = [
        {
            "run_id": run.id,
            "table_name": table_name,
            "record_id": record.id,
            "action": "created",
            "before": {},
            "row_number": number,
        }
        for number, record in created
    ]
    change_rows += [
        {
            "run_id": run.id,
            "table_name": table_name,
            "record_id": record.id,
            "action": "updated",
            "before": before,
            "row_number": number,
        }
        for number, record, before in updated
    ]
    change_rows += [
        {
            "run_id": run.id,
            "table_name": "affiliations",
            "record_id": affiliation.id,
            "action": "created",
            "before": {},
            "row_number": number,
        }
        for number, affiliation in new_affiliations
    ]
    record_changes(session, change_rows)
    counts["created"] = len(created)
    counts["updated"] = len(updated) + sum(
        1
        for number, _a in new_affiliations
        if number not in {n for n, _r in created} and number not in {n for n, _r, _b in updated}
    )
    counts["affiliations"] = len(new_affiliations)
    run.summary = counts
    run.messages = messages
    run.status = "finished"
    run.finished_at = utcnow()
    session.flush()
    return run
