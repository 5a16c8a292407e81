"""Plan a spreadsheet's rows against the database: which field each column fills, and what
each row would do (create, update, possible duplicate, unchanged, or an error and why).

Works on the rows as stored at upload (crm/imports/uploads.py); reads the database a fixed
number of times whatever the number of rows, and writes nothing: the import itself is
`services.run_spreadsheet_import`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common import folding
from crm.common.errors import DomainError
from crm.companies.models import Company, Place
from crm.companies.services import clean_org_number, normalise_website
from crm.contacts.models import Contact
from crm.contacts.services import normalise_email, normalise_phone
from crm.imports.queries import FUZZY_THRESHOLD, block_letter, normalise_name
from crm.imports.sheets import Table

KINDS = ("organisations", "contacts")

# --- columns ---------------------------------------------------------------------------------

ORGANISATION_FIELDS = {
    "name": _l("Name"),
    "org_number": _l("Organisation number"),
    "address": _l("Address"),
    "postcode": _l("Postcode"),
    "post_town": _l("Post town"),
    "website": _l("Website"),
    "employees": _l("Employees"),
    "industry_code": _l("Industry code"),
    "description": _l("Description"),
}
CONTACT_FIELDS = {
    "name": _l("Name"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "organisation": _l("Organisation (name or organisation number)"),
    "title": _l("Title"),
    "notes": _l("Notes"),
}
_HEADER_WORDS = {
    "name": {"navn", "name", "firmanavn", "bedriftsnavn", "fulltnavn", "fullname"},
    "org_number": {
        "organisasjonsnummer",
        "orgnr",
        "orgnummer",
        "organisationnumber",
        "orgnumber",
        "orgno",
        "foretaksnummer",
    },
    "address": {"adresse", "address", "gateadresse", "besoksadresse", "forretningsadresse"},
    "postcode": {"postnr", "postnummer", "postcode", "postalcode", "zip", "zipcode"},
    "post_town": {"poststed", "sted", "city", "town", "posttown"},
    "website": {"nettside", "hjemmeside", "website", "web", "url", "nettsted", "www"},
    "employees": {"ansatte", "antallansatte", "employees", "staff"},
    "industry_code": {"naeringskode", "nace", "industrycode", "bransjekode"},
    "description": {"beskrivelse", "description", "om"},
    "email": {"epost", "email", "mail", "epostadresse", "emailaddress"},
    "phone": {"telefon", "tlf", "phone", "mobil", "mobile", "telefonnummer", "mobilnummer"},
    "organisation": {
        "organisasjon",
        "bedrift",
        "firma",
        "company",
        "organisation",
        "organization",
        "arbeidsgiver",
        "virksomhet",
        "orgnr",
        "organisasjonsnummer",
    },
    "title": {"tittel", "stilling", "title", "rolle", "role", "jobtitle"},
    "notes": {"notater", "notat", "notes", "merknad", "kommentar", "comment"},
}
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})


def _header_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    return re.sub(r"[^a-z0-9]", "", folded)


def fields_for(kind: str) -> dict[str, Any]:
    """The fields a row of this kind can fill, with their labels."""
    return ORGANISATION_FIELDS if kind == "organisations" else CONTACT_FIELDS


def guess_mapping(header: Sequence[str], kind: str) -> list[str]:
    """For each column the field it most likely fills, or "" (each field used once)."""
    fields = fields_for(kind)
    used: set[str] = set()
    guesses: list[str] = []
    for title in header:
        key = _header_key(title)
        guess = ""
        for name in fields:
            if name not in used and key in _HEADER_WORDS.get(name, ()):
                guess = name
                break
        if guess:
            used.add(guess)
        guesses.append(guess)
    return guesses


# --- checking and planning rows --------------------------------------------------------------


@dataclass
class PlannedRow:
    """What one row will do: create, update, duplicate (the user decides), unchanged or error."""

    number: int
    values: dict[str, Any]
    action: str = "create"
    target_id: int | None = None
    target_name: str = ""
    score: int | None = None
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    company_id: int | None = None


def _row_values(cells: Sequence[str], mapping: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for index, name in enumerate(mapping):
        if name and index < len(cells) and cells[index] and name not in values:
            values[name] = cells[index]
    return values


def _check(values: dict[str, str], kind: str) -> tuple[dict[str, Any], list[str]]:
    """Clean a row's values; return them and the errors (translated messages)."""
    cleaned: dict[str, Any] = {}
    errors: list[str] = []
    name = " ".join(values.get("name", "").split())
    limit = 300 if kind == "organisations" else 200
    if not name:
        errors.append(str(_l("The name is missing.")))
    elif len(name) > limit:
        errors.append(str(_l("The name is longer than %(n)s characters.", n=limit)))
    cleaned["name"] = name

    def attempt(key: str, function) -> None:
        if key not in values:
            return
        try:
            cleaned[key] = function(values[key])
        except DomainError as error:
            label = fields_for(kind)[key]
            errors.append(f"{label}: {error.message}")

    if kind == "organisations":
        attempt("org_number", clean_org_number)
        attempt("website", normalise_website)
        attempt("employees", _employees)
        attempt("postcode", _postcode)
        for key, size in (
            ("address", 300),
            ("post_town", 100),
            ("industry_code", 10),
            ("description", 10_000),
        ):
            if key in values:
                cleaned[key] = values[key][:size]
    else:
        attempt("email", normalise_email)
        attempt("phone", normalise_phone)
        for key, size in (("organisation", 300), ("title", 200), ("notes", 10_000)):
            if key in values:
                cleaned[key] = values[key][:size]
    return cleaned, errors


def _employees(value: str) -> int:
    text = value.replace(" ", "").replace("\u00a0", "")
    if not text.isdigit():
        raise DomainError("employees", _l("The number of employees must be a whole number."))
    return int(text)


def _postcode(value: str) -> str:
    text = value.strip()
    if text.isdigit() and len(text) < 4:
        text = text.zfill(4)  # Excel drops the leading zero of 0150
    if not (text.isdigit() and len(text) == 4):
        raise DomainError("postcode", _l("A Norwegian postcode has 4 digits."))
    return text


@dataclass
class _Existing:
    id: int
    name: str
    key: str
    town: str
    values: dict[str, Any]


def _index_companies(session: Session) -> tuple[dict[str, _Existing], dict[str, list]]:
    rows = session.execute(
        select(
            Company.id,
            Company.name,
            Company.org_number,
            Company.address,
            Company.postcode,
            Company.post_town,
            Company.website,
            Company.employees,
            Company.industry_code,
            Company.description,
            Place.name,
        ).outerjoin(Place, Place.id == Company.place_id)
    )
    by_orgnr: dict[str, _Existing] = {}
    by_town: dict[str, list[_Existing]] = {}
    for row in rows:
        values = {k: getattr(row, k) for k in ORGANISATION_FIELDS}
        towns = {t.strip().lower() for t in (row.post_town, row[10]) if t}
        item = _Existing(row.id, row.name, normalise_name(row.name), "", values)
        if row.org_number:
            by_orgnr[row.org_number] = item
        for town in towns:
            by_town.setdefault(town, []).append(item)
    return by_orgnr, by_town


def _index_contacts(session: Session) -> tuple[dict[str, _Existing], dict[str, list]]:
    rows = session.execute(
        select(Contact.id, Contact.name, Contact.email, Contact.phone, Contact.notes)
    )
    by_email: dict[str, _Existing] = {}
    by_letter: dict[str, list[_Existing]] = {}
    for row in rows:
        item = _Existing(
            row.id,
            row.name,
            normalise_name(row.name),
            "",
            {"name": row.name, "email": row.email, "phone": row.phone, "notes": row.notes},
        )
        if row.email:
            by_email.setdefault(row.email.lower(), item)
        by_letter.setdefault(block_letter(item.key), []).append(item)
    return by_email, by_letter


def _best_match(key: str, candidates: list[_Existing]) -> tuple[_Existing, int] | None:
    if not key or not candidates:
        return None
    found = process.extractOne(
        key,
        [c.key for c in candidates],
        scorer=fuzz.token_sort_ratio,
        score_cutoff=FUZZY_THRESHOLD,
    )
    if found is None:
        return None
    _choice, score, index = found
    return candidates[index], int(score)


def _changes(cleaned: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    return [
        k for k, v in cleaned.items() if k in current and v not in (None, "") and v != current[k]
    ]


def _resolve_companies(session: Session, texts: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Organisation column values to (id, name): by organisation number, else by exact name."""
    wanted = {t for t in texts if t}
    found: dict[str, tuple[int, str]] = {}
    numbers = {}
    for text in wanted:
        digits = re.sub(r"[\s.]", "", text)
        if digits.isdigit() and len(digits) == 9:
            numbers[digits] = text
    if numbers:
        for id_, name, number in session.execute(
            select(Company.id, Company.name, Company.org_number).where(
                Company.org_number.in_(list(numbers))
            )
        ):
            found[numbers[number]] = (id_, name)
    names = {t.lower(): t for t in wanted if t not in found}
    if names:
        for id_, name in session.execute(
            select(Company.id, Company.name)
            .where(folding.one_of(Company.name, list(names)))
            .order_by(Company.id)
        ):
            found.setdefault(names[name.lower()], (id_, name))
    return found


def plan_rows(
    session: Session, table: Table, *, kind: str, mapping: Sequence[str]
) -> list[PlannedRow]:
    """Check every row and say what it would do; queries the database a fixed number of times."""
    planned: list[PlannedRow] = []
    if kind == "organisations":
        by_key, by_block = _index_companies(session)
    else:
        by_key, by_block = _index_contacts(session)
    organisations: dict[str, tuple[int, str]] = {}
    if kind == "contacts":
        organisations = _resolve_companies(
            session,
            (_row_values(cells, mapping).get("organisation", "") for _, cells in table.rows),
        )
    first_row_of: dict[str, int] = {}
    for number, cells in table.rows:
        raw = _row_values(cells, mapping)
        cleaned, errors = _check(raw, kind)
        row = PlannedRow(number=number, values=cleaned, errors=errors)
        planned.append(row)
        unique = cleaned.get("org_number") if kind == "organisations" else cleaned.get("email")
        if unique:
            unique = unique.lower()
            if unique in first_row_of:
                row.errors.append(
                    str(_l("Same as row %(n)s, which is imported instead.", n=first_row_of[unique]))
                )
            else:
                first_row_of[unique] = number
        if row.errors:
            row.action = "error"
            continue
        if kind == "contacts" and cleaned.get("organisation"):
            match = organisations.get(cleaned["organisation"])
            if match:
                row.company_id = match[0]
            else:
                row.warnings.append(
                    str(
                        _l(
                            'No organisation "%(name)s" was found: the person is imported '
                            "without it.",
                            name=cleaned["organisation"],
                        )
                    )
                )
        existing = by_key.get(unique) if unique else None
        if existing is not None:
            row.target_id, row.target_name = existing.id, existing.name
            row.changes = _changes(cleaned, existing.values)
            row.action = "update" if row.changes or row.company_id else "unchanged"
            continue
        key = normalise_name(cleaned["name"])
        if kind == "organisations":
            town = (cleaned.get("post_town") or "").strip().lower()
            candidates = by_block.get(town, []) if town else []
            if cleaned.get("org_number"):
                # Two different organisation numbers are two organisations, however alike.
                candidates = [c for c in candidates if not c.values.get("org_number")]
        else:
            candidates = by_block.get(block_letter(key), [])
        match = _best_match(key, candidates)
        if match is not None:
            existing, score = match
            row.action = "duplicate"
            row.target_id, row.target_name, row.score = existing.id, existing.name, score
            row.changes = _changes(cleaned, existing.values)
    return planned
