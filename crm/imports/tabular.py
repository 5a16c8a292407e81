"""Spreadsheets in: read CSV or XLSX safely, guess the columns, check each row, plan each row.

Safety first: the file's magic bytes decide what it is; an XLSX (a zip) is refused before it is
parsed when it unpacks to more than 50 MiB or holds more than 1,000 entries (a zip bomb), and it
is parsed with openpyxl in read-only mode with defusedxml installed (no billion laughs). At most
10,000 rows are read. A CSV must be UTF-8 (with or without BOM) or UTF-16 with a BOM; Windows-1252
(Excel's "CSV" on a Norwegian Windows) is recognised and read, and the mapping page says so.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import secrets
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.common.errors import DomainError
from crm.companies.models import Company, Place
from crm.companies.services import clean_org_number, normalise_website
from crm.contacts.models import Contact
from crm.contacts.services import normalise_email, normalise_phone
from crm.imports.queries import FUZZY_THRESHOLD, block_letter, normalise_name

MAX_ROWS = 10_000
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
UPLOAD_LIFETIME_SECONDS = 24 * 3600
KINDS = ("organisations", "contacts")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

# Files people pick by mistake, by their first bytes.
_OTHER_FORMATS = (
    (b"%PDF", _l("a PDF document")),
    (b"\x89PNG", _l("a PNG image")),
    (b"\xff\xd8\xff", _l("a JPEG image")),
    (b"\xd0\xcf\x11\xe0", _l("an old Excel (.xls) or Word file; save it as .xlsx or CSV")),
    (b"\x1f\x8b", _l("a gzip-compressed file")),
    (b"GIF8", _l("a GIF image")),
)


class TableError(DomainError):
    """The file as a whole cannot be read; nothing of it is imported."""

    def __init__(self, message: str) -> None:
        super().__init__("file", message)


@dataclass
class Table:
    """The rows of a file: the header and (spreadsheet row number, cells) per row."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    file_format: str
    encoding: str = "utf-8"


# --- reading ---------------------------------------------------------------------------------


def read_table(data: bytes) -> Table:
    """Tell the format from the content and read the first sheet or the CSV."""
    if not data.strip():
        raise TableError(_l("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    for magic, what in _OTHER_FORMATS:
        if data.startswith(magic):
            raise TableError(
                _l("This is %(what)s, not a spreadsheet. Upload a CSV or XLSX file.", what=what)
            )
    return _read_csv(data)


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise TableError(_l("The file is a damaged XLSX (zip) file.")) from error
    if len(entries) > MAX_ZIP_ENTRIES:
        raise TableError(
            _l(
                "The workbook holds %(n)s parts (at most %(max)s are accepted). It may be a "
                "zip bomb; it was not opened.",
                n=len(entries),
                max=MAX_ZIP_ENTRIES,
            )
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError(
            _l(
                "The workbook unpacks to %(mb)s MB (at most 50 MB are accepted). It may be a "
                "zip bomb; it was not opened.",
                mb=unpacked // (1024 * 1024),
            )
        )
    if "xl/workbook.xml" not in archive.namelist():
        raise TableError(_l("This zip file is not an Excel workbook (.xlsx)."))
    return archive


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover (defusedxml is a dependency)
        raise TableError(_l("XLSX files cannot be read safely on this server."))
    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a broken workbook
        raise TableError(_l("The XLSX file cannot be read: it is damaged.")) from error
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many()
            rows.append((number, cells))
    except TableError:
        raise
    except Exception as error:
        raise TableError(_l("The XLSX file cannot be read: it is damaged.")) from error
    finally:
        book.close()
    if header is None:
        raise TableError(_l("The first sheet of the workbook is empty."))
    return Table(header=header, rows=rows, file_format="xlsx")


def _too_many() -> TableError:
    return TableError(
        _l("The file has more than %(max)s rows. Split it into smaller files.", max=MAX_ROWS)
    )


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise TableError(_l("The file holds binary data, not text. Upload a CSV or XLSX file."))
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise TableError(
            _l(
                'The file is neither UTF-8 nor Windows-1252 text. Save it as "CSV UTF-8" '
                "and upload it again."
            )
        ) from error
    return text, "cp1252"


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; and tab, from the first lines."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(",;\t", key=first.count)


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    if sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\t\r\n") > 8:
        raise TableError(_l("The file holds binary data, not text. Upload a CSV or XLSX file."))
    delimiter = sniff_delimiter(text[:8192])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, values in enumerate(reader, start=1):
            cells = [value.strip() for value in values]
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many()
            rows.append((number, cells))
    except csv.Error as error:
        raise TableError(
            _l("The CSV file cannot be read near row %(n)s: %(reason)s", n=number, reason=error)
        ) from error
    if header is None:
        raise TableError(_l("The file is empty."))
    return Table(header=header, rows=rows, file_format="csv", encoding=encoding)


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


# --- storage between steps -------------------------------------------------------------------


def upload_dir(instance_path: str) -> Path:
    """Where uploads wait between the steps (never in the session cookie)."""
    path = Path(instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_stale_uploads(directory: Path, *, now: float | None = None) -> int:
    """Delete uploads older than a day; return how many files went."""
    now = now or time.time()
    removed = 0
    for item in directory.iterdir():
        if item.is_file() and now - item.stat().st_mtime > UPLOAD_LIFETIME_SECONDS:
            item.unlink(missing_ok=True)
            removed += 1
    return removed


def store_upload(
    directory: Path, *, data: bytes, filename: str, kind: str, user_id: int, encoding: str
) -> str:
    """Keep the file under a random name with a small description beside it; return the token."""
    token = secrets.token_urlsafe(24)
    (directory / f"{token}.bin").write_bytes(data)
    meta = {
        "filename": os.path.basename(filename)[:200] or "upload",
        "kind": kind,
        "user_id": user_id,
        "encoding": encoding,
        "mapping": None,
    }
    (directory / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def load_upload(directory: Path, token: str, *, user_id: int) -> tuple[dict[str, Any], bytes]:
    """The description and bytes of an upload of this user, or LookupError."""
    if not _TOKEN.match(token or ""):
        raise LookupError(token)
    meta_path, data_path = directory / f"{token}.json", directory / f"{token}.bin"
    if not meta_path.exists() or not data_path.exists():
        raise LookupError(token)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("user_id") != user_id:
        raise LookupError(token)
    return meta, data_path.read_bytes()


def save_mapping(directory: Path, token: str, mapping: list[str]) -> None:
    """Remember the chosen column mapping for the preview and the run."""
    meta_path = directory / f"{token}.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["mapping"] = mapping
    meta_path.write_text(json.dumps(meta), encoding="utf-8")


def delete_upload(directory: Path, token: str) -> None:
    """Remove the file and its description."""
    if _TOKEN.match(token or ""):
        for suffix in (".bin", ".json"):
            (directory / f"{token}{suffix}").unlink(missing_ok=True)


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
            .where(func.lower(Company.name).in_(list(names)))
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
