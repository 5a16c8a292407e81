"""The register's daily change lists (oppdateringer), applied through the register import.

The register publishes, beside the bulk files, which units changed:
`/enhetsregisteret/api/oppdateringer/enheter` and `/oppdateringer/underenheter`, pages of

    {"_embedded": {"oppdaterteEnheter": [            (sub-units: "oppdaterteUnderenheter")
        {"oppdateringsid": 12345, "dato": "2026-12-01T05:01:33.213Z",
         "organisasjonsnummer": "123456785", "endringstype": "Endring",
         "_links": {"enhet": {"href": "…/enheter/123456785"}}}, …]},
     "_links": {…}, "page": {"size": 20, "totalElements": 1, "totalPages": 1, "number": 0}}

with `endringstype` one of Ukjent, Ny, Endring, Sletting, Fjernet, asked for from an
`oppdateringsid` (that one included). A list names units, not their values: the units' current
records come from a bulk file (as `import-brreg` reads) or a folder of the units' own JSON
documents as `/enheter/{orgnr}` returns them (`{orgnr}.json`).

Choices:
- Only the last entry per organisation number counts (the list may name a unit twice a day).
- Sletting and Fjernet without a record: the organisation (when the database has it) is kept
  with its fields as they are and the status "deleted"; with a record, the record decides.
- Units are applied when they are in the municipalities or the database already holds them
  there (so moving out is seen), through `import_register_units`: the same change rows, change
  page and flags as a file import.
- The run records the highest `oppdateringsid` it read; the next run skips what is not after
  it, and the command prints the id to ask the register for next.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common.messages import N_, Message, message
from crm.common.models import utcnow
from crm.common.orgnr import normalise_orgnr, orgnr_problem
from crm.companies.models import Company
from crm.imports.brreg import DEFAULT_KOMMUNER, deleted_unit, import_register_units
from crm.imports.brreg_reader import RegisterFileError, iter_units
from crm.imports.brreg_units import RegisterUnit, RejectedRow
from crm.imports.models import ImportKind, ImportRun, ImportStatus
from crm.register import rules

CHANGE_TYPES = frozenset({"Ukjent", "Ny", "Endring", "Sletting", "Fjernet"})
GONE = frozenset({"Sletting", "Fjernet"})
LIST_KEYS = {"oppdaterteEnheter": "enheter", "oppdaterteUnderenheter": "underenheter"}


class ChangeListError(Exception):
    """The change list cannot be read; nothing is applied."""

    def __init__(self, template: str, **values: Any) -> None:
        self.message: Message = message(template, **values)
        super().__init__(str(self.message))


@dataclass(frozen=True, slots=True)
class Update:
    """One entry of a change list."""

    update_id: int
    orgnr: str
    change_type: str
    when: str


@dataclass(frozen=True, slots=True)
class ChangeList:
    """A change list as read: main units or sub-units, its entries in order."""

    kind: str  # "enheter" or "underenheter"
    updates: list[Update]


def read_change_list(path: str | os.PathLike[str]) -> ChangeList:
    """Read a change list (one page, or a JSON array of pages) as the register publishes it."""
    try:
        document = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ChangeListError(N_("The change list is not UTF-8 text.")) from exc
    except json.JSONDecodeError as exc:
        raise ChangeListError(
            N_("The change list is not valid JSON (line %(line)s): %(reason)s."),
            line=exc.lineno,
            reason=exc.msg,
        ) from exc
    pages = document if isinstance(document, list) else [document]
    kind: str | None = None
    updates: list[Update] = []
    for page in pages:
        embedded = page.get("_embedded") if isinstance(page, Mapping) else None
        if page == {} or (isinstance(page, Mapping) and "_embedded" not in page and "page" in page):
            continue  # an empty page: the register leaves out _embedded when nothing changed
        if not isinstance(embedded, Mapping):
            raise ChangeListError(
                N_(
                    "The file is not a change list of the register: it has no _embedded with "
                    "oppdaterteEnheter or oppdaterteUnderenheter."
                )
            )
        for key, page_kind in LIST_KEYS.items():
            if key not in embedded:
                continue
            if kind is not None and kind != page_kind:
                raise ChangeListError(
                    N_("The file mixes main units and sub-units; give one list at a time.")
                )
            kind = page_kind
            for index, entry in enumerate(embedded[key] or [], start=1):
                updates.append(_entry(entry, index))
            break
        else:
            raise ChangeListError(
                N_("The change list has neither oppdaterteEnheter nor oppdaterteUnderenheter.")
            )
    return ChangeList(kind or "enheter", updates)


def _entry(entry: Any, index: int) -> Update:
    if not isinstance(entry, Mapping):
        raise ChangeListError(N_("Entry %(n)s of the change list is not an object."), n=index)
    update_id = entry.get("oppdateringsid")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise ChangeListError(N_("Entry %(n)s has no oppdateringsid (a whole number)."), n=index)
    orgnr = normalise_orgnr(str(entry.get("organisasjonsnummer") or ""))
    problem = orgnr_problem(orgnr)
    if problem:
        raise ChangeListError(
            N_("Entry %(n)s (oppdateringsid %(id)s): %(problem)s"),
            n=index,
            id=update_id,
            problem=problem,
        )
    change_type = str(entry.get("endringstype") or "Ukjent")
    if change_type not in CHANGE_TYPES:
        raise ChangeListError(
            N_("Entry %(n)s has the endringstype %(type)r, which the register does not use."),
            n=index,
            type=change_type,
        )
    return Update(update_id, orgnr, change_type, str(entry.get("dato") or ""))


def last_update_id(session: Session, kind: str) -> int | None:
    """The highest oppdateringsid an earlier change-list run of this kind applied."""
    runs = session.scalars(
        select(ImportRun)
        .where(
            ImportRun.kind == ImportKind.BRREG.value,
            ImportRun.status == ImportStatus.FINISHED.value,
        )
        .order_by(ImportRun.id.desc())
        .limit(200)
    )
    for run in runs:
        summary = run.summary or {}
        if summary.get("update_kind") == kind and summary.get("last_update_id") is not None:
            return int(summary["last_update_id"])
    return None


def read_unit_records(
    units_path: str | os.PathLike[str], orgnrs: set[str], *, sub_units: bool
) -> tuple[dict[str, RegisterUnit], list[str]]:
    """The units' current records from a bulk file or a folder of `{orgnr}.json`; and problems."""
    found: dict[str, RegisterUnit] = {}
    problems: list[str] = []
    path = Path(units_path)
    if path.is_dir():
        sources: Iterable[Path] = [
            path / f"{orgnr}.json" for orgnr in sorted(orgnrs) if (path / f"{orgnr}.json").exists()
        ]
        items: Iterator[RegisterUnit | RejectedRow] = (
            item
            for source in sources
            for item in iter_units(source, kommuner=None, sub_units=sub_units)
        )
    else:
        items = iter_units(path, kommuner=frozenset(), sub_units=sub_units, also_orgnrs=orgnrs)
    for item in items:
        if isinstance(item, RejectedRow):
            problems.append(f"{item.orgnr or '?'}: {item.reason}")
        elif item.orgnr in orgnrs:
            found[item.orgnr] = item
    return found, problems


def apply_change_list(
    session: Session,
    path: str | os.PathLike[str],
    *,
    units_path: str | os.PathLike[str],
    kommuner: Iterable[str] = DEFAULT_KOMMUNER,
    user_id: int | None = None,
) -> ImportRun:
    """Apply a change list with the units' records as one register run (flushed; caller commits).

    Raises ChangeListError (nothing written) when the list cannot be read.
    """
    changes = read_change_list(path)
    previous = last_update_id(session, changes.kind)
    latest: dict[str, Update] = {}
    for update in changes.updates:
        if previous is not None and update.update_id <= previous:
            continue
        if update.orgnr not in latest or latest[update.orgnr].update_id < update.update_id:
            latest[update.orgnr] = update
    sub_units = changes.kind == "underenheter"
    kommuner = frozenset(kommuner) or DEFAULT_KOMMUNER
    municipalities = rules.area(kommuner)
    try:
        records, problems = read_unit_records(units_path, set(latest), sub_units=sub_units)
    except RegisterFileError as error:
        raise ChangeListError(N_("The units' records: %(reason)s"), reason=error.message) from error
    held = {
        company.org_number: company
        for company in session.scalars(
            select(Company).where(Company.org_number.in_(sorted(latest)))
        )
    }
    units: list[RegisterUnit] = []
    missing: list[str] = []
    for orgnr, update in sorted(latest.items(), key=lambda item: item[1].update_id):
        company = held.get(orgnr)
        ours = company is not None and rules.in_area(company.municipality_number, municipalities)
        unit = records.get(orgnr)
        if unit is None and update.change_type in GONE and company is not None:
            unit = deleted_unit(company, sub_unit=sub_units)
        if unit is None:
            if update.change_type not in GONE:
                missing.append(orgnr)
            continue
        if ours or rules.in_area(unit.municipality_number, municipalities):
            units.append(unit)
    run = ImportRun(
        kind=ImportKind.BRREG.value,
        filename=Path(path).name[:300],
        status=ImportStatus.RUNNING.value,
        user_id=user_id,
    )
    session.add(run)
    session.flush()
    counts = import_register_units(session, units, run=run, kommuner=kommuner, user_id=user_id)
    ids = [update.update_id for update in changes.updates]
    run.summary = counts | {
        "format": "oppdateringer",
        "update_kind": changes.kind,
        "changes_listed": len(changes.updates),
        "changes_new": len(latest),
        "read": len(units),
        "kept": len(units),
        "no_record": len(missing),
        "last_update_id": max(ids + ([previous] if previous is not None else []), default=None),
    }
    messages = list(run.messages or [])
    messages += [f"{orgnr}: no record among the units given" for orgnr in missing[:100]]
    messages += problems[:100]
    run.messages = messages
    run.rows_read = len(units)
    run.status = ImportStatus.FINISHED.value
    run.finished_at = utcnow()
    session.flush()
    return run
