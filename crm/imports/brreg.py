"""Import the business register's bulk files (Enhetsregisteret) into the organisations table.

The reader (`brreg_reader.iter_units`) streams the file and keeps the configured municipalities'
units; this module upserts them by organisation number in batches: one SELECT … IN per batch for
the existing rows, then bulk Core INSERTs and UPDATEs, so memory stays flat and a national file
passes in well under a minute.

Choices:
- Only the register's fields are written: name, org_form, industry code/standard/description,
  employees, address, postcode, post_town, municipality_number, website, register_status and
  parent. What users curate (description, sectors, clusters, place, kind, notes) is never
  overwritten; `kind` is only guessed once, when the organisation is created.
- A missing field in the register (no website, employees not reported) clears the field: the
  register is the source of those fields, and "not reported" is not zero.
- Parents: a sub-unit (or an ORGL) is linked to its parent when the parent is in the database,
  or created earlier in the same run (also when the parent comes later in the file). No stub is
  created for a parent outside the municipality: it would be a record without a name or address.
  Import the main units before the sub-units. A link is never removed by the import, so a
  parent chosen by a user stays when the register names none the database knows.
- Every created and updated record is an ImportChange (updated ones with the values before), so
  the run can be reverted as a whole.
- History: the facts advisers follow over time (employees, status, address, industry code) are
  kept as a dated RegisterPoint when the run creates the organisation, changes one of them, or
  finds an organisation without a point yet. A rerun of the same file adds none; a revert
  deletes the run's points with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask_babel import gettext
from sqlalchemy import bindparam, insert, select, true, update
from sqlalchemy.orm import Session

from crm.common.database import BULK_WRITE_ROWS, refresh_statistics
from crm.common.dates import local_today
from crm.common.messages import translate
from crm.common.models import utcnow
from crm.companies.models import Company, CompanyKind, RegisterPoint, history_values
from crm.history.models import ChangeKind
from crm.history.tracking import execute_recorded, insert_rows, record_rows
from crm.imports.brreg_columns import SUB_UNIT_FORMS
from crm.imports.brreg_detection import RegisterFileError
from crm.imports.brreg_reader import ReadStats, iter_units
from crm.imports.brreg_units import RegisterUnit, RejectedRow
from crm.imports.models import ImportChange, ImportRun
from crm.register import rules as register_rules

if TYPE_CHECKING:
    from crm.register.services import RegisterWatcher

DEFAULT_KOMMUNER = frozenset({"3205"})
BATCH_SIZE = 1000
MAX_MESSAGES = 500
PROGRESS_EVERY = 100_000

# The register's fields, in the order the summary and the revert use them.
REGISTER_FIELDS = (
    "name",
    "org_form",
    "industry_code",
    "industry_standard",
    "industry_description",
    "employees",
    "address",
    "postcode",
    "post_town",
    "municipality_number",
    "website",
    "register_status",
    "last_accounts_year",
)
# Organisation forms of public bodies: a new organisation of these forms is "public".
_PUBLIC_FORMS = frozenset({"STAT", "FYLK", "KOMM", "ORGL", "SF", "KF", "FKF", "IKS", "KIRK"})
_LIMITS = {
    "name": 300,
    "org_form": 10,
    "industry_code": 10,
    "industry_standard": 10,
    "industry_description": 300,
    "address": 300,
    "post_town": 100,
    "website": 300,
}

ProgressCallback = Callable[[ReadStats], None]

_companies = Company.__table__
_changes = ImportChange.__table__
_points = RegisterPoint.__table__


def register_values(unit: RegisterUnit) -> dict[str, Any]:
    """The register's fields of a unit as Company column values, cut to the columns' sizes."""
    values: dict[str, Any] = {
        "name": unit.name,
        "org_form": unit.org_form_code,
        "industry_code": unit.industry_code,
        "industry_standard": unit.industry_standard,
        "industry_description": unit.industry_description,
        "employees": unit.employees,
        "address": unit.address,
        # Foreign addresses have postcodes the four-digit column cannot hold.
        "postcode": unit.postcode if unit.postcode and len(unit.postcode) <= 4 else None,
        "post_town": unit.post_town,
        "municipality_number": (
            unit.municipality_number
            if unit.municipality_number and len(unit.municipality_number) <= 4
            else None
        ),
        "website": unit.website,
        "register_status": unit.status,
        "last_accounts_year": unit.last_accounts_year,
    }
    for name, limit in _LIMITS.items():
        if isinstance(values[name], str):
            values[name] = values[name][:limit]
    return values


@dataclass
class _Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    parents_linked: int = 0
    messages: list[str] = field(default_factory=list)

    def reject(self, message: str) -> None:
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(message)


class _Importer:
    """Holds one run's state: the batch, and the org numbers seen or created so far."""

    def __init__(
        self,
        session: Session,
        run: ImportRun,
        user_id: int | None,
        observed_on: date,
        watcher: RegisterWatcher | None = None,
    ) -> None:
        self.watcher = watcher
        self.session = session
        self.run = run
        self.user_id = user_id
        self.observed_on = observed_on
        self.counts = _Counts()
        self.seen: set[str] = set()
        # orgnr -> id of what this run created or found; small (the municipality's units).
        self.known_ids: dict[str, int] = {}
        # Sub-units whose parent was not in the database when they were written.
        self.pending_parents: dict[int, str] = {}
        self.batch: list[tuple[int, RegisterUnit]] = []
        # How many main units and sub-units the file held (a complete file holds one kind).
        self.kinds = {True: 0, False: 0}

    def add(self, position: int, unit: RegisterUnit) -> None:
        if unit.orgnr in self.seen:
            self.counts.reject(
                gettext(
                    "Row %(n)s: organisation number %(number)s appears earlier in the file; "
                    "this row is skipped.",
                    n=position,
                    number=unit.orgnr,
                )
            )
            self.counts.duplicates += 1
            return
        self.seen.add(unit.orgnr)
        self.kinds[unit.is_sub_unit] += 1
        self.batch.append((position, unit))
        if len(self.batch) >= BATCH_SIZE:
            self.flush_batch()

    def flush_batch(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        wanted = {unit.orgnr for _, unit in batch}
        wanted |= {unit.parent_orgnr for _, unit in batch if unit.parent_orgnr}
        wanted -= self.known_ids.keys()
        columns = [_companies.c.id, _companies.c.org_number, _companies.c.parent_id]
        columns += [_companies.c[name] for name in REGISTER_FIELDS]
        existing: dict[str, Any] = {}
        if wanted:
            rows = self.session.execute(
                select(*columns).where(_companies.c.org_number.in_(sorted(wanted)))
            )
            for row in rows:
                existing[row.org_number] = row
                self.known_ids[row.org_number] = row.id

        now = utcnow()
        inserts: list[dict[str, Any]] = []
        insert_positions: dict[str, int] = {}
        updates: list[dict[str, Any]] = []
        change_rows: list[dict[str, Any]] = []
        # (id, before, after) of each organisation updated, for the change log.
        history: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        pending_new: dict[str, str] = {}
        points: list[dict[str, Any]] = []
        with_history = self._with_history([row.id for row in existing.values()])
        observations: list[register_rules.Observation] = []
        created_units: dict[str, RegisterUnit] = {}
        for position, unit in batch:
            values = register_values(unit)
            parent_id = self.known_ids.get(unit.parent_orgnr) if unit.parent_orgnr else None
            row = existing.get(unit.orgnr)
            if row is None:
                kind = (
                    CompanyKind.PUBLIC.value
                    if unit.org_form_code in _PUBLIC_FORMS
                    else CompanyKind.COMPANY.value
                )
                inserts.append(
                    {
                        **values,
                        "org_number": unit.orgnr,
                        "kind": kind,
                        "parent_id": parent_id,
                        "description": "",
                        "is_demo": False,
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                        "created_by_id": self.user_id,
                        "updated_by_id": self.user_id,
                    }
                )
                insert_positions[unit.orgnr] = position
                created_units[unit.orgnr] = unit
                if unit.parent_orgnr and parent_id is None:
                    pending_new[unit.orgnr] = unit.parent_orgnr  # linked once ids are known
                if parent_id is not None:
                    self.counts.parents_linked += 1
                continue
            before = {name: row._mapping[name] for name in REGISTER_FIELDS}
            if row.id not in with_history or history_values(before) != history_values(values):
                points.append(self._point(row.id, values))
            changed = {
                name: values[name] for name in REGISTER_FIELDS if before[name] != values[name]
            }
            if parent_id is not None and parent_id != row.parent_id and parent_id != row.id:
                changed["parent_id"] = parent_id
                before["parent_id"] = row.parent_id
                self.counts.parents_linked += 1
            elif unit.parent_orgnr and parent_id is None and row.parent_id is None:
                self.pending_parents[row.id] = unit.parent_orgnr
            if self.watcher is not None:
                observations.append(
                    register_rules.Observation(
                        row.id, unit.orgnr, False, before, values, unit.is_sub_unit
                    )
                )
            if not changed:
                self.counts.unchanged += 1
                continue
            self.counts.updated += 1
            history.append((row.id, {name: before[name] for name in changed}, changed))
            updates.append(
                {
                    **{name: values[name] for name in REGISTER_FIELDS},
                    "parent_id": changed.get("parent_id", row.parent_id),
                    "b_id": row.id,
                    "updated_at": now,
                    "updated_by_id": self.user_id,
                }
            )
            change_rows.append(
                {
                    "run_id": self.run.id,
                    "table_name": "companies",
                    "record_id": row.id,
                    "action": "updated",
                    "before": {name: before[name] for name in changed},
                    "row_number": position,
                    **self._described(before, values, changed),
                }
            )

        if inserts:
            inserts_by_orgnr = {row["org_number"]: row for row in inserts}
            created = insert_rows(self.session, _companies, inserts, action=ChangeKind.IMPORT)
            for new_id, orgnr in ((row["id"], row["org_number"]) for row in created):
                self.known_ids[orgnr] = new_id
                self.counts.created += 1
                points.append(self._point(new_id, inserts_by_orgnr[orgnr]))
                if orgnr in pending_new:
                    self.pending_parents[new_id] = pending_new[orgnr]
                change_rows.append(
                    {
                        "run_id": self.run.id,
                        "table_name": "companies",
                        "record_id": new_id,
                        "action": "created",
                        "before": {},
                        "row_number": insert_positions[orgnr],
                        **self._described(None, inserts_by_orgnr[orgnr], ()),
                    }
                )
                if self.watcher is not None:
                    unit = created_units[orgnr]
                    parent = self.known_ids.get(unit.parent_orgnr) if unit.parent_orgnr else None
                    observations.append(
                        register_rules.Observation(
                            new_id,
                            orgnr,
                            True,
                            {},
                            register_values(unit),
                            unit.is_sub_unit,
                            parent if parent != new_id else None,
                        )
                    )
        if updates:
            statement = (
                update(_companies)
                .where(_companies.c.id == bindparam("b_id"))
                .values(
                    **{name: bindparam(name) for name in REGISTER_FIELDS},
                    parent_id=bindparam("parent_id"),
                    updated_at=bindparam("updated_at"),
                    updated_by_id=bindparam("updated_by_id"),
                    # Bulk updates bypass version_id_col: bump it, so open edit forms go stale.
                    version=_companies.c.version + 1,
                )
            )
            execute_recorded(self.session, statement, updates)
            record_rows(self.session, _companies, ChangeKind.IMPORT, history)
        if change_rows:
            self.session.execute(insert(_changes), change_rows)
        if points:
            self.session.execute(insert(_points), points)
        if self.watcher is not None:
            self.watcher.observe(observations)

    def _described(
        self, before: dict[str, Any] | None, after: dict[str, Any], changed: Iterable[str]
    ) -> dict[str, Any]:
        """A change row's category, changed fields and values after (register runs only)."""
        if self.watcher is None:
            return {"category": None, "fields": None, "after": None}
        names = [name for name in changed if name in REGISTER_FIELDS]
        observation = register_rules.Observation(0, "", before is None, before or {}, after)
        found = register_rules.category(observation, self.watcher.municipalities)
        return {
            "category": found.value if found else register_rules.Category.CHANGED.value,
            "fields": "," + ",".join(names) + "," if names else "",
            "after": {name: after[name] for name in names} if before is not None else {},
        }

    def _with_history(self, company_ids: list[int]) -> set[int]:
        """Which of these organisations have a register point already."""
        if not company_ids:
            return set()
        return set(
            self.session.scalars(
                select(_points.c.company_id)
                .where(_points.c.company_id.in_(sorted(set(company_ids))))
                .distinct()
            )
        )

    def _point(self, company_id: int, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "company_id": company_id,
            "run_id": self.run.id,
            "observed_on": self.observed_on,
            **history_values(values),
        }

    def link_late_parents(self) -> None:
        """Link sub-units whose parent came later in the file (or now exists)."""
        if not self.pending_parents:
            return
        missing = {o for o in self.pending_parents.values() if o not in self.known_ids}
        for chunk in _chunks(sorted(missing), BATCH_SIZE):
            rows = self.session.execute(
                select(_companies.c.id, _companies.c.org_number).where(
                    _companies.c.org_number.in_(chunk)
                )
            )
            self.known_ids.update({orgnr: record_id for record_id, orgnr in rows})
        links = [
            {"b_id": child, "parent_id": self.known_ids[orgnr]}
            for child, orgnr in self.pending_parents.items()
            if orgnr in self.known_ids and self.known_ids[orgnr] != child
        ]
        if not links:
            return
        created_here = set(
            self.session.scalars(
                select(_changes.c.record_id).where(
                    _changes.c.run_id == self.run.id, _changes.c.action == "created"
                )
            )
        )
        changes = [
            {
                "run_id": self.run.id,
                "table_name": "companies",
                "record_id": link["b_id"],
                "action": "updated",
                "before": {"parent_id": None},
                "row_number": None,
            }
            for link in links
            if link["b_id"] not in created_here
        ]
        execute_recorded(
            self.session,
            update(_companies)
            .where(_companies.c.id == bindparam("b_id"))
            .values(parent_id=bindparam("parent_id"), version=_companies.c.version + 1),
            links,
        )
        record_rows(
            self.session,
            _companies,
            ChangeKind.IMPORT,
            [
                (link["b_id"], {"parent_id": None}, {"parent_id": link["parent_id"]})
                for link in links
            ],
        )
        if changes:
            self.session.execute(insert(_changes), changes)
            self.counts.updated += len(changes)
        self.counts.parents_linked += len(links)


def deleted_unit(company: Company, *, sub_unit: bool) -> RegisterUnit:
    """The organisation as the database has it, with the status "deleted" (gone from it)."""
    return RegisterUnit(
        orgnr=company.org_number or "",
        name=company.name,
        org_form_code=company.org_form,
        org_form_description=None,
        industry_code=company.industry_code,
        industry_description=company.industry_description,
        industry_standard=company.industry_standard,
        employees=company.employees,
        address=company.address,
        postcode=company.postcode,
        post_town=company.post_town,
        municipality_number=company.municipality_number,
        website=company.website,
        status="deleted",
        parent_orgnr=company.parent.org_number if company.parent else None,
        is_sub_unit=sub_unit,
        founded=None,
        deleted_on=None,
        last_accounts_year=company.last_accounts_year,
    )


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def refresh_statistics_after(session: Session, run: ImportRun) -> None:
    """After a committed run that wrote many organisations, ANALYZE (on PostgreSQL): the next
    pages must not be planned as if the tables were still as small as before the import."""
    summary = run.summary or {}
    if summary.get("created", 0) + summary.get("updated", 0) >= BULK_WRITE_ROWS:
        refresh_statistics(session)


def import_register_file(
    session: Session,
    path: str | os.PathLike[str],
    *,
    kommuner: Iterable[str] = DEFAULT_KOMMUNER,
    user_id: int | None = None,
    industry_standard: str | None = None,
    progress: ProgressCallback | None = None,
    observed_on: date | None = None,
    run: ImportRun | None = None,
    complete: bool = False,
    all_municipalities: bool = False,
) -> ImportRun:
    """Upsert the municipalities' units of a register file; return the run (flushed).

    `observed_on` dates the history points the run writes (default: today). `run` is a run
    already recorded (an import started from the web); by default the import records its own.
    `complete` says the file is the register's whole file of its kind (the nightly bulk file
    leaves deleted units out): the municipality's organisations of that kind it does not hold
    are then marked deleted. `all_municipalities` keeps every unit of the file, wherever it is
    (a national installation, or the national benchmark); `kommuner` is then ignored.

    Organisations of the municipalities that the file places elsewhere now are updated too
    (they moved out), and units still filed under a municipality's number before 2024 count.
    What changed becomes early-warning flags by the admins' rules (crm.register), from the
    second register import on: the first one is the baseline.

    On a fatal file error (RegisterFileError) the import's own savepoint is rolled back, so
    nothing of the file is kept, and the run is marked failed with the message. Either way the
    caller commits once.
    """
    from crm.register.services import RegisterWatcher

    kommuner = frozenset() if all_municipalities else frozenset(kommuner) or DEFAULT_KOMMUNER
    filename = Path(path).name[:300]
    if run is None:
        run = ImportRun(kind="brreg", filename=filename, status="running", user_id=user_id)
        session.add(run)
        session.flush()
    stats = ReadStats()
    watcher = RegisterWatcher.start(
        session, run=run, kommuner=None if all_municipalities else kommuner, today=local_today()
    )
    importer = _Importer(session, run, user_id, observed_on or local_today(), watcher)
    try:
        # A savepoint: a broken file undoes this import's rows, not the caller's other work.
        with session.begin_nested():
            _read_into(importer, path, watcher.wanted, stats, industry_standard, progress)
            if complete:
                _mark_missing_deleted(session, importer, watcher.wanted)
            watcher.raise_flags()
    except RegisterFileError as error:
        run.status = "failed"
        run.summary = _summary(stats, importer.counts, kommuner) | {"created": 0, "updated": 0}
        run.error = translate(error.message)
    else:
        if progress is not None:
            progress(stats)
        run.status = "finished"
        run.summary = _summary(stats, importer.counts, kommuner) | watcher.summary()
    run.rows_read = stats.read
    run.finished_at = utcnow()
    run.messages = importer.counts.messages
    session.flush()
    return run


def _read_into(
    importer: _Importer,
    path: str | os.PathLike[str],
    kommuner: frozenset[str] | None,
    stats: ReadStats,
    industry_standard: str | None,
    progress: ProgressCallback | None,
) -> None:
    next_report = PROGRESS_EVERY
    watcher = importer.watcher
    for item in iter_units(
        path,
        kommuner=kommuner,
        stats=stats,
        industry_standard=industry_standard,
        also_orgnrs=watcher.residents if watcher is not None else None,
    ):
        if isinstance(item, RejectedRow):
            importer.counts.reject(
                gettext(
                    "Row %(n)s: %(reason)s", n=item.line_or_index, reason=translate(item.reason)
                )
            )
        else:
            # A unit carries no position: count as RejectedRow does (CSV: header is row 1).
            importer.add(stats.read + 1 if stats.format == "csv" else stats.read, item)
        if progress is not None and stats.read >= next_report:
            progress(stats)
            next_report = (stats.read // PROGRESS_EVERY + 1) * PROGRESS_EVERY
    importer.flush_batch()
    importer.link_late_parents()


def _mark_missing_deleted(
    session: Session, importer: _Importer, wanted: frozenset[str] | None
) -> None:
    """Mark the municipality's organisations a complete file left out as deleted.

    Only organisations of the file's kind count (a file of main units says nothing of sub-units),
    told by their organisation form; one without a form is left alone. `wanted` None: the whole
    country's organisations count.
    """
    if bool(importer.kinds[True]) == bool(importer.kinds[False]):
        return  # no units, or both kinds: not one of the register's complete files
    sub_units = importer.kinds[True] > 0
    forms = Company.org_form.in_(sorted(SUB_UNIT_FORMS))
    missing = session.scalars(
        select(Company)
        .where(
            Company.org_number.is_not(None),
            true() if wanted is None else Company.municipality_number.in_(wanted),
            Company.register_status != "deleted",
            Company.org_form.is_not(None),
            forms if sub_units else ~forms,
        )
        .order_by(Company.id)
    )
    for company in missing:
        if company.org_number not in importer.seen:
            importer.add(0, deleted_unit(company, sub_unit=sub_units))
    importer.flush_batch()


def import_register_units(
    session: Session,
    units: Iterable[RegisterUnit],
    *,
    run: ImportRun,
    kommuner: Iterable[str] = DEFAULT_KOMMUNER,
    user_id: int | None = None,
    observed_on: date | None = None,
) -> dict[str, Any]:
    """Upsert units read elsewhere (the register's change lists) as one run; return the counts.

    The same upsert, change rows and flags as a file import; the caller reads the units, keeps
    the municipalities' ones and those of organisations the database holds, and commits.
    """
    from crm.register.services import RegisterWatcher

    kommuner = frozenset(kommuner) or DEFAULT_KOMMUNER
    watcher = RegisterWatcher.start(session, run=run, kommuner=kommuner, today=local_today())
    importer = _Importer(session, run, user_id, observed_on or local_today(), watcher)
    position = 0
    for position, unit in enumerate(units, start=1):
        importer.add(position, unit)
    importer.flush_batch()
    importer.link_late_parents()
    watcher.raise_flags()
    counts = importer.counts
    run.messages = counts.messages
    return {
        "kommuner": sorted(kommuner),
        "read": position,
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "rejected": counts.duplicates,
        "parents_linked": counts.parents_linked,
    } | watcher.summary()


def _summary(stats: ReadStats, counts: _Counts, kommuner: frozenset[str]) -> dict[str, Any]:
    # No municipality named: every municipality (all_municipalities).
    return {
        "format": stats.format,
        "kommuner": sorted(kommuner),
        "read": stats.read,
        "kept": stats.kept,
        "other_municipalities": stats.skipped_other_municipality,
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "rejected": stats.rejected + counts.duplicates,
        "parents_linked": counts.parents_linked,
    }
