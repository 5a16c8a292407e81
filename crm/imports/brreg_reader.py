"""Read the business register's bulk files (Enhetsregisteret) as a stream of units.

Pure and database-free: `crm/imports/brreg.py` turns what this yields into rows. The register
publishes main units (/enhetsregisteret/api/enheter/lastned[/csv]) and sub-units
(/underenheter/lastned[/csv]), each as JSON (one array of unit objects) or CSV (nested names
flattened with dots, e.g. `forretningsadresse.kommunenummer`), usually gzip-compressed. The
national files hold about 1.1 million units, of which one municipality keeps well under one per
cent, so files are streamed, filtered on one field before a unit is built, and never loaded whole.

Choices, from the register's documentation and published headers:
- A main unit belongs to the municipality of its business address (`forretningsadresse`), the
  address the register's own municipality search uses. Units without one (many associations
  have only a postal address) fall back to `postadresse`; a sub-unit (an establishment) only
  counts where it is located (`beliggenhetsadresse`), never where its mail goes.
- A unit is a sub-unit when it has a `beliggenhetsadresse`, or its organisation form is one the
  register uses for sub-units (BEDR, AAFY, ADOS), or it has an `overordnetEnhet` and no address
  of a main unit. `overordnetEnhet` alone is not enough: main units of the form ORGL carry it too.
- Industry codes: the register moved from SN2007 to SN2025 without changing the field
  (`naeringskode1.kode`, same NN.NNN shape), so a code cannot tell its standard. A unit is SN2025
  when a field beside the code names that standard; otherwise the caller's `industry_standard`
  for the whole file applies, and SN2007 when none is given.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal, TextIO

from crm.common.orgnr import normalise_orgnr, orgnr_error

RegisterFormat = Literal["json", "csv"]
UnitStatus = Literal["active", "under_liquidation", "bankrupt", "deleted"]

CHUNK_SIZE: Final = 1 << 20
# A unit is a few kilobytes; an "element" this long means the JSON is broken, and reading on
# in search of its end would load the rest of the file into memory.
MAX_ELEMENT_CHARS: Final = 16 << 20
SNIFF_BYTES: Final = 64 * 1024

# The register's CSV header for main units (enheter/lastned/csv), in the register's order.
# Newer files may add columns; the reader looks columns up by name, ignoring case, because the
# register itself is not consistent (`registreringsdatoenhetsregisteret` here, camelCase in JSON).
MAIN_UNIT_CSV_COLUMNS: Final = (
    "organisasjonsnummer",
    "navn",
    "organisasjonsform.kode",
    "organisasjonsform.beskrivelse",
    "naeringskode1.kode",
    "naeringskode1.beskrivelse",
    "naeringskode2.kode",
    "naeringskode2.beskrivelse",
    "naeringskode3.kode",
    "naeringskode3.beskrivelse",
    "hjelpeenhetskode.kode",
    "hjelpeenhetskode.beskrivelse",
    "harRegistrertAntallAnsatte",
    "antallAnsatte",
    "hjemmeside",
    "postadresse.adresse",
    "postadresse.poststed",
    "postadresse.postnummer",
    "postadresse.kommune",
    "postadresse.kommunenummer",
    "postadresse.land",
    "postadresse.landkode",
    "forretningsadresse.adresse",
    "forretningsadresse.poststed",
    "forretningsadresse.postnummer",
    "forretningsadresse.kommune",
    "forretningsadresse.kommunenummer",
    "forretningsadresse.land",
    "forretningsadresse.landkode",
    "institusjonellSektorkode.kode",
    "institusjonellSektorkode.beskrivelse",
    "sisteInnsendteAarsregnskap",
    "registreringsdatoenhetsregisteret",
    "stiftelsesdato",
    "registrertIMvaRegisteret",
    "frivilligMvaRegistrertBeskrivelser",
    "registrertIFrivillighetsregisteret",
    "registrertIForetaksregisteret",
    "registrertIStiftelsesregisteret",
    "konkurs",
    "konkursdato",
    "underAvvikling",
    "underAvviklingDato",
    "underTvangsavviklingEllerTvangsopplosning",
    "tvangsopplostPgaManglendeDagligLederDato",
    "tvangsopplostPgaManglendeRevisorDato",
    "tvangsopplostPgaManglendeRegnskapDato",
    "tvangsopplostPgaMangelfulltStyreDato",
    "tvangsavvikletPgaManglendeSlettingDato",
    "overordnetEnhet",
    "maalform",
    "vedtektsdato",
    "vedtektsfestetFormaal",
    "aktivitet",
)

# The register's CSV header for sub-units (underenheter/lastned/csv).
SUB_UNIT_CSV_COLUMNS: Final = (
    "organisasjonsnummer",
    "navn",
    "organisasjonsform.kode",
    "organisasjonsform.beskrivelse",
    "naeringskode1.kode",
    "naeringskode1.beskrivelse",
    "naeringskode2.kode",
    "naeringskode2.beskrivelse",
    "naeringskode3.kode",
    "naeringskode3.beskrivelse",
    "hjelpeenhetskode.kode",
    "hjelpeenhetskode.beskrivelse",
    "harRegistrertAntallAnsatte",
    "antallAnsatte",
    "hjemmeside",
    "postadresse.adresse",
    "postadresse.poststed",
    "postadresse.postnummer",
    "postadresse.kommune",
    "postadresse.kommunenummer",
    "postadresse.land",
    "postadresse.landkode",
    "beliggenhetsadresse.adresse",
    "beliggenhetsadresse.poststed",
    "beliggenhetsadresse.postnummer",
    "beliggenhetsadresse.kommune",
    "beliggenhetsadresse.kommunenummer",
    "beliggenhetsadresse.land",
    "beliggenhetsadresse.landkode",
    "registreringsdatoIEnhetsregisteret",
    "frivilligMvaRegistrertBeskrivelser",
    "registrertIMvaregisteret",
    "oppstartsdato",
    "datoEierskifte",
    "overordnetEnhet",
    "nedleggelsesdato",
)

REQUIRED_COLUMNS: Final = ("organisasjonsnummer", "navn")
SUB_UNIT_FORMS: Final = frozenset({"BEDR", "AAFY", "ADOS"})
INDUSTRY_STANDARDS: Final = ("SN2007", "SN2025")
# The register's code for "industry not stated"; storing it would read as a real industry.
_NO_INDUSTRY: Final = "00.000"

# Messages name fields as the register spells them, not as the lower-cased lookup keys.
_REGISTER_NAMES: Final = {
    name.lower(): name for name in (*MAIN_UNIT_CSV_COLUMNS, *SUB_UNIT_CSV_COLUMNS, "slettedato")
}
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TRUE = frozenset({"true", "j", "ja", "y", "yes", "1"})
_FALSE = frozenset({"false", "n", "nei", "no", "0"})

# Magic bytes of files people download by mistake, and what to tell them.
_NOT_REGISTER_FILES: Final = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word document"),
    (b"\x1f\x8b", "a file compressed twice with gzip"),
)


class RegisterFileError(Exception):
    """The file cannot be read as a register file; the message says why, in plain English."""


@dataclass(frozen=True, slots=True)
class RegisterUnit:
    """One main unit or sub-unit, in the words of the CRM rather than of the register."""

    orgnr: str
    name: str
    org_form_code: str | None
    org_form_description: str | None
    industry_code: str | None
    industry_description: str | None
    industry_standard: str | None
    employees: int | None
    address: str | None
    postcode: str | None
    post_town: str | None
    municipality_number: str | None
    website: str | None
    status: UnitStatus
    parent_orgnr: str | None
    is_sub_unit: bool
    founded: date | None
    deleted_on: date | None


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A unit the file holds but the CRM refuses; CSV counts lines (header = 1), JSON units."""

    line_or_index: int
    orgnr: str | None
    reason: str

    def describe(self) -> str:
        """Say where and what, as the import shows it: "row 12: ..."."""
        return f"row {self.line_or_index}: {self.reason}"


@dataclass(slots=True)
class ReadStats:
    """Counts kept while reading: read = kept + skipped_other_municipality + rejected."""

    format: str = ""
    read: int = 0
    kept: int = 0
    skipped_other_municipality: int = 0
    rejected: int = 0
    # The file's size on disk and how far into it the reader is, for a progress bar: the
    # number of units is not known until the end, the bytes are.
    bytes_total: int = 0
    _position: Callable[[], int] | None = field(default=None, repr=False)

    @property
    def fraction_done(self) -> float | None:
        """How much of the file has been read (0 to 1), or None when it cannot be told."""
        if not self.bytes_total or self._position is None:
            return None
        try:
            return min(self._position() / self.bytes_total, 1.0)
        except (OSError, ValueError):  # the file is closed: the reading is over
            return 1.0


class _RowProblem(Exception):
    """A field of one unit cannot be understood; the unit becomes a RejectedRow."""


@dataclass(frozen=True, slots=True)
class _Options:
    wanted: frozenset[str] | None
    sub_units: bool | None
    industry_standard: str
    stats: ReadStats


def open_register_file(path: str | os.PathLike[str]) -> tuple[RegisterFormat, TextIO]:
    """Tell the file's format from its content and open it as UTF-8 text (gzip or not)."""
    fmt = _sniff(path)
    return fmt, _open_text(path)


def iter_units(
    path: str | os.PathLike[str],
    *,
    kommuner: AbstractSet[str] | None,
    sub_units: bool | None = None,
    stats: ReadStats | None = None,
    industry_standard: str | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[RegisterUnit | RejectedRow]:
    """Yield the units of `kommuner` (all when None) and the rows refused, counting in `stats`."""
    if industry_standard is not None and industry_standard not in INDUSTRY_STANDARDS:
        raise ValueError(f"industry_standard must be one of {INDUSTRY_STANDARDS}")
    stats = stats if stats is not None else ReadStats()
    wanted = None if kommuner is None else frozenset(_municipality(k) for k in kommuner)
    fmt, stream = open_register_file(path)
    stats.format = fmt
    stats.bytes_total = os.path.getsize(path)
    # Position in the file as stored (compressed bytes for a .gz), which is what its size counts.
    binary = stream.buffer
    stats._position = binary.fileobj.tell if isinstance(binary, gzip.GzipFile) else binary.tell
    options = _Options(wanted, sub_units, industry_standard or "SN2007", stats)
    with stream:
        try:
            if fmt == "csv":
                yield from _iter_csv(stream, options)
            else:
                yield from _iter_json(stream, options, chunk_size)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            # The transaction around the import must roll back: half a register is not a register.
            raise RegisterFileError(
                f"The compressed file is cut short or damaged after {stats.read} units "
                f"({exc}). Nothing from it should be saved; download the file again."
            ) from exc
        except UnicodeDecodeError as exc:
            raise RegisterFileError(
                f"The file is not UTF-8 text: after {stats.read} units it has a byte "
                f"(0x{exc.object[exc.start]:02X}) that UTF-8 does not allow. {_SAVE_AS_UTF8}"
            ) from exc


def iter_json_array(stream: TextIO, *, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple[int, Any]]:
    """Yield (1-based position, value) for each element of a JSON array, reading in chunks."""
    buffer = _Buffer(stream, chunk_size)
    first = buffer.next_char()
    if first == "{":
        yield from _iter_json_object(buffer)
        return
    if first != "[":
        raise RegisterFileError("The JSON file does not hold a list of units.")
    buffer.pos += 1
    position = 0
    if buffer.next_char() == "]":
        return
    decoder = json.JSONDecoder()
    while True:
        position += 1
        buffer.next_char()  # raw_decode does not skip the whitespace before a value
        yield position, buffer.decode(decoder, position)
        separator = buffer.next_char()
        if separator == ",":
            buffer.pos += 1
        elif separator == "]":
            return
        elif separator == "":
            raise RegisterFileError(
                f"The JSON file ends after unit {position} without closing its list: "
                "the file is cut short. Download it again."
            )
        else:
            raise RegisterFileError(
                f"The JSON file is not valid after unit {position}: expected ',' or ']', "
                f"found {separator!r}."
            )


# --- detecting and opening -------------------------------------------------------------------

_SAVE_AS_UTF8 = (
    "It looks like Latin-1 or Windows-1252 (often from Excel); export it as UTF-8 "
    '("CSV UTF-8") or download the register\'s file again.'
)


def _sniff(path: str | os.PathLike[str]) -> RegisterFormat:
    head, complete = _read_head(path)
    if not head.strip():
        raise RegisterFileError("The file is empty.")
    for magic, what in _NOT_REGISTER_FILES:
        if head.startswith(magic):
            raise RegisterFileError(
                f"This is {what}, not a register file. Download the register's CSV or JSON "
                "file (…/lastned/csv or …/lastned) instead."
            )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RegisterFileError(f"The file is UTF-16 text, not UTF-8. {_SAVE_AS_UTF8}")
    if _looks_binary(head):
        raise RegisterFileError(
            "The file holds binary data, not text: it is not a register CSV or JSON file."
        )
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")("strict").decode(head, final=complete)
    except UnicodeDecodeError as exc:
        line = head.count(b"\n", 0, exc.start) + 1
        raise RegisterFileError(
            f"The file is not UTF-8 text: line {line} has a byte (0x{head[exc.start]:02X}) "
            f"that UTF-8 does not allow. {_SAVE_AS_UTF8}"
        ) from exc
    text = text.lstrip()
    if text[:1] in ("[", "{"):
        return "json"
    header = text.split("\n", 1)[0]
    if "organisasjonsnummer" not in header.lower():
        raise RegisterFileError(
            "This does not look like a register file: it is not JSON, and its first line has "
            f"no 'organisasjonsnummer' column. The first line reads: {header[:120]!r}"
        )
    return "csv"


def _read_head(path: str | os.PathLike[str]) -> tuple[bytes, bool]:
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if compressed else open
        with opener(path, "rb") as stream:
            head = stream.read(SNIFF_BYTES)
            complete = len(head) < SNIFF_BYTES
    except FileNotFoundError as exc:
        raise RegisterFileError(f"The file {os.fspath(path)!r} does not exist.") from exc
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise RegisterFileError(
            f"The compressed (gzip) file is cut short or damaged ({exc}). Download it again."
        ) from exc
    except OSError as exc:
        raise RegisterFileError(f"The file cannot be read: {exc.strerror or exc}.") from exc
    return head, complete


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    return controls > len(head) // 100


def _open_text(path: str | os.PathLike[str]) -> TextIO:
    with open(path, "rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    binary = gzip.open(path, "rb") if compressed else open(path, "rb")  # noqa: SIM115
    # utf-8-sig: a byte-order mark (Excel writes one) must not become part of the first column.
    # newline="": the CSV reader sees line breaks inside quoted fields as they are.
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")


# --- CSV -------------------------------------------------------------------------------------


def _iter_csv(stream: TextIO, options: _Options) -> Iterator[RegisterUnit | RejectedRow]:
    stats, wanted = options.stats, options.wanted
    header_line = stream.readline()
    # The register writes commas; a file re-saved by a Norwegian Excel has semicolons or tabs.
    delimiter = max(",;\t", key=header_line.count)
    names = [name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter))]
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        columns.setdefault(name, index)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise RegisterFileError(
            f"The file has no {' or '.join(repr(m) for m in missing)} column; the register's "
            "files always have one. Is this the right file?"
        )
    location = [i for n, i in columns.items() if n.startswith("beliggenhetsadresse.")]
    has_business = any(n.startswith("forretningsadresse.") for n in columns)
    form = columns.get("organisasjonsform.kode")
    sub_kommune = columns.get("beliggenhetsadresse.kommunenummer")
    main_kommune = columns.get("forretningsadresse.kommunenummer")
    postal_kommune = columns.get("postadresse.kommunenummer")
    # The register's files hold one kind of unit, so the kind is decided once, from the header;
    # only a hand-made file with both kinds of address column is decided row by row.
    file_kind = options.sub_units
    if file_kind is None and not (location and has_business):
        file_kind = bool(location)

    reader = csv.reader(stream, delimiter=delimiter)
    previous_line = 0
    try:
        for row in reader:
            start_line, previous_line = previous_line + 2, reader.line_num
            if not row:
                continue
            stats.read += 1
            is_sub = file_kind
            if is_sub is None:
                is_sub = (form is not None and _cell(row, form) in SUB_UNIT_FORMS) or any(
                    _cell(row, i) for i in location
                )
            if wanted is not None:
                # The cheap check that skips 99 % of the national file: one cell, no record.
                kommune = _cell(row, sub_kommune if is_sub else main_kommune)
                if not kommune and not is_sub:
                    kommune = _cell(row, postal_kommune)
                if kommune not in wanted and (
                    len(kommune) >= 4 or _municipality(kommune) not in wanted
                ):
                    stats.skipped_other_municipality += 1
                    continue
            if len(row) > len(names):
                result: RegisterUnit | RejectedRow = RejectedRow(
                    start_line,
                    _cell(row, columns["organisasjonsnummer"]) or None,
                    f"The row has {len(row)} fields but the header has {len(names)} "
                    "(a stray quote or delimiter?).",
                )
            else:
                record = dict(zip(names, row, strict=False))
                result = _build_unit(record, start_line, is_sub, options.industry_standard)
            yield _count(result, stats)
    except csv.Error as exc:
        raise RegisterFileError(
            f"The CSV file cannot be read near line {reader.line_num + 1}: {exc}."
        ) from exc


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index]


# --- JSON ------------------------------------------------------------------------------------


class _Buffer:
    """A rolling window over a text stream: only the unread tail and one chunk are held."""

    def __init__(self, stream: TextIO, chunk_size: int) -> None:
        self.stream = stream
        self.chunk_size = max(1, chunk_size)
        self.text = ""
        self.pos = 0
        self.eof = False

    def fill(self) -> bool:
        """Append one chunk, dropping what was already read; False at the end of the stream."""
        if self.eof:
            return False
        chunk = self.stream.read(self.chunk_size)
        if not chunk:
            self.eof = True
            return False
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        return True

    def next_char(self) -> str:
        """Skip whitespace and return the next character without consuming it; "" at the end."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""

    def decode(self, decoder: json.JSONDecoder, position: int) -> Any:
        """Decode the value at the cursor, reading more chunks while it is incomplete."""
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.text) - self.pos > MAX_ELEMENT_CHARS:
                    raise RegisterFileError(
                        f"The JSON file is not valid in unit {position}: {exc.msg}."
                    ) from exc
                if self.fill():
                    continue
                if exc.pos >= len(self.text) - 1 or exc.msg.startswith("Unterminated"):
                    raise RegisterFileError(
                        f"The JSON file ends in the middle of unit {position}: the file is cut "
                        "short. Download it again."
                    ) from exc
                raise RegisterFileError(
                    f"The JSON file is not valid in unit {position}: {exc.msg}."
                ) from exc
            # Only a number can look complete when cut ("3." reads as 3): it needs up to three
            # more characters ("5e+") to show it has ended. Objects and strings end visibly.
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            if is_number and end + 3 > len(self.text) and self.fill():
                continue
            self.pos = end
            return value


def _iter_json_object(buffer: _Buffer) -> Iterator[tuple[int, Any]]:
    # Not the bulk format: a single unit or one page from the search API. Both are small, so
    # they are read whole.
    while buffer.fill():
        pass
    try:
        document = json.loads(buffer.text[buffer.pos :])
    except json.JSONDecodeError as exc:
        raise RegisterFileError(f"The JSON file is not valid: {exc.msg}.") from exc
    embedded = _get(document, "_embedded")
    if isinstance(embedded, Mapping):
        units = _get(embedded, "enheter") or _get(embedded, "underenheter") or []
        yield from enumerate(units, start=1)
    elif _get(document, "organisasjonsnummer") is not None:
        yield 1, document
    else:
        raise RegisterFileError("The JSON file holds neither a list of units nor a unit.")


def _iter_json(
    stream: TextIO, options: _Options, chunk_size: int
) -> Iterator[RegisterUnit | RejectedRow]:
    stats, wanted = options.stats, options.wanted
    for position, element in iter_json_array(stream, chunk_size=chunk_size):
        stats.read += 1
        if not isinstance(element, Mapping):
            kind = type(element).__name__
            yield _count(RejectedRow(position, None, f"The entry is a {kind}, not a unit."), stats)
            continue
        # The register spells its keys one way; lower-casing every unit's keys would cost as
        # much as parsing it, so only units that lack the usual spelling pay for it.
        top = element
        if "organisasjonsnummer" not in top:
            top = {str(key).lower(): value for key, value in element.items()}
        is_sub = options.sub_units
        if is_sub is None:
            is_sub = _json_is_sub_unit(top)
        if wanted is not None:
            kommune = _text(
                _get(
                    top.get("beliggenhetsadresse" if is_sub else "forretningsadresse"),
                    "kommunenummer",
                )
            )
            if not kommune and not is_sub:
                kommune = _text(_get(top.get("postadresse"), "kommunenummer"))
            if _municipality(kommune) not in wanted:
                stats.skipped_other_municipality += 1
                continue
        record = _flatten(top)
        yield _count(_build_unit(record, position, is_sub, options.industry_standard), stats)


def _json_is_sub_unit(top: Mapping[str, Any]) -> bool:
    if "beliggenhetsadresse" in top:
        return True
    if _text(_get(top.get("organisasjonsform"), "kode")) in SUB_UNIT_FORMS:
        return True
    has_main_address = "forretningsadresse" in top or "postadresse" in top
    has_parent = "overordnetEnhet" in top or "overordnetenhet" in top
    return has_parent and not has_main_address


def _get(mapping: Any, key: str) -> Any:
    """Look `key` (lower case) up in a JSON object, ignoring the case of the object's keys."""
    if not isinstance(mapping, Mapping):
        return None
    if key in mapping:
        return mapping[key]
    for name, value in mapping.items():
        if str(name).lower() == key:
            return value
    return None


def _flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Name nested fields as the CSV does ("forretningsadresse.kommunenummer"), in lower case."""
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        name = prefix + str(key).lower()
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


# --- one unit --------------------------------------------------------------------------------


def _count(result: RegisterUnit | RejectedRow, stats: ReadStats) -> RegisterUnit | RejectedRow:
    if isinstance(result, RegisterUnit):
        stats.kept += 1
    else:
        stats.rejected += 1
    return result


def _build_unit(
    record: Mapping[str, Any], position: int, is_sub: bool, default_standard: str
) -> RegisterUnit | RejectedRow:
    """Turn one flattened record (lower-case dotted names) into a unit, or say why not."""
    raw_orgnr = _text(record.get("organisasjonsnummer"))
    orgnr = normalise_orgnr(raw_orgnr)
    problem = orgnr_error(orgnr)
    if problem:
        got = f" Got {raw_orgnr!r}." if raw_orgnr else ""
        return RejectedRow(position, raw_orgnr or None, problem + got)
    name = " ".join(_text(record.get("navn")).split())
    if not name:
        return RejectedRow(position, orgnr, "The unit has no name (navn).")
    try:
        return _unit_fields(record, orgnr, name, is_sub, default_standard)
    except _RowProblem as exc:
        return RejectedRow(position, orgnr, str(exc))


def _unit_fields(
    record: Mapping[str, Any], orgnr: str, name: str, is_sub: bool, default_standard: str
) -> RegisterUnit:
    prefix = "beliggenhetsadresse" if is_sub else "forretningsadresse"
    # The same fallback as the municipality filter, so the address shown is the one that counted.
    if (
        not is_sub
        and not _text(record.get("forretningsadresse.kommunenummer"))
        and _text(record.get("postadresse.kommunenummer"))
    ):
        prefix = "postadresse"

    parent = _text(record.get("overordnetenhet"))
    if parent:
        parent = normalise_orgnr(parent)
        problem = orgnr_error(parent)
        if problem:
            raise _RowProblem(f"Its parent unit (overordnetEnhet {parent!r}): {problem}")

    deleted_on = _date(record, "slettedato")
    if deleted_on is None and is_sub:
        # A sub-unit is closed (nedlagt) rather than deleted; for the CRM both mean "gone".
        deleted_on = _date(record, "nedleggelsesdato")
    if deleted_on is not None:
        status: UnitStatus = "deleted"
    elif _bool(record, "konkurs"):
        status = "bankrupt"
    elif _bool(record, "underavvikling") or _bool(
        record, "undertvangsavviklingellertvangsopplosning"
    ):
        status = "under_liquidation"
    else:
        status = "active"

    industry_code = _text(record.get("naeringskode1.kode")) or None
    if industry_code == _NO_INDUSTRY:
        industry_code = None

    return RegisterUnit(
        orgnr=orgnr,
        name=name,
        org_form_code=_text(record.get("organisasjonsform.kode")) or None,
        org_form_description=_text(record.get("organisasjonsform.beskrivelse")) or None,
        industry_code=industry_code,
        industry_description=(
            (_text(record.get("naeringskode1.beskrivelse")) or None) if industry_code else None
        ),
        industry_standard=(_industry_standard(record, default_standard) if industry_code else None),
        employees=_employees(record),
        address=_address_lines(record.get(prefix + ".adresse")),
        postcode=_text(record.get(prefix + ".postnummer")) or None,
        post_town=_text(record.get(prefix + ".poststed")) or None,
        municipality_number=_municipality(_text(record.get(prefix + ".kommunenummer"))) or None,
        website=_text(record.get("hjemmeside")) or None,
        status=status,
        parent_orgnr=parent or None,
        is_sub_unit=is_sub,
        founded=_date(record, "oppstartsdato" if is_sub else "stiftelsesdato"),
        deleted_on=deleted_on,
    )


def _industry_standard(record: Mapping[str, Any], default: str) -> str:
    # Only a field beside the code can say which standard it follows (see the module docstring).
    for key, value in record.items():
        if key.startswith("naeringskode1.") and key not in (
            "naeringskode1.kode",
            "naeringskode1.beskrivelse",
        ):
            marker = _text(value).upper().replace(" ", "")
            for standard in INDUSTRY_STANDARDS:
                if standard in marker:
                    return standard
    return default


def _employees(record: Mapping[str, Any]) -> int | None:
    # "Not reported" is not zero: the register hides small counts and leaves out the field.
    if _bool(record, "harregistrertantallansatte") is False:
        return None
    raw = _text(record.get("antallansatte"))
    if not raw:
        return None
    try:
        count = int(raw)
    except ValueError:
        raise _RowProblem(f"antallAnsatte {raw!r} is not a whole number.") from None
    if count < 0:
        raise _RowProblem(f"antallAnsatte {raw!r} is negative.")
    return count


def _address_lines(value: Any) -> str | None:
    # JSON gives a list of lines; the CSV puts the same lines in one quoted, multi-line field.
    lines = value if isinstance(value, list) else _LINE_BREAK.split(_text(value))
    kept = [" ".join(_text(line).split()) for line in lines]
    return ", ".join(line for line in kept if line) or None


def _municipality(value: str) -> str:
    # Spreadsheets drop the leading zero of Oslo's 0301; the register always writes four digits.
    value = value.strip()
    if value.isdigit() and len(value) < 4:
        return value.zfill(4)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "\n".join(_text(item) for item in value)
    return str(value).strip()


def _bool(record: Mapping[str, Any], key: str) -> bool | None:
    value = record.get(key)
    if isinstance(value, bool) or value is None:
        return value
    text = _text(value).lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _RowProblem(f"{_label(key)} {value!r} is neither true nor false.")


def _date(record: Mapping[str, Any], key: str) -> date | None:
    text = _text(record.get(key))
    if not text:
        return None
    try:
        if len(text) == 10 and text[2] == "." and text[5] == ".":
            return datetime.strptime(text, "%d.%m.%Y").date()
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _RowProblem(f"{_label(key)} {text!r} is not a date (expected YYYY-MM-DD).") from None


def _label(key: str) -> str:
    return _REGISTER_NAMES.get(key, key)
