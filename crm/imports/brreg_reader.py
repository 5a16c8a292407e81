"""Read the business register's bulk files (Enhetsregisteret) as a stream of units.

Pure and database-free: `crm/imports/brreg.py` turns what this yields into rows. The JSON is
streamed by ijson (its yajl C backend when installed), the CSV by the csv module; the columns
are in `brreg_columns`, telling the file's kind in `brreg_detection`, one unit in `brreg_units`.

The register publishes main units (/enhetsregisteret/api/enheter/lastned[/csv]) and sub-units
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
import zlib
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Final, TextIO

import ijson

from crm.common.messages import N_, message
from crm.imports.brreg_columns import INDUSTRY_STANDARDS, REQUIRED_COLUMNS, SUB_UNIT_FORMS
from crm.imports.brreg_detection import SAVE_AS_UTF8, RegisterFileError, open_register_file
from crm.imports.brreg_units import (
    RegisterUnit,
    RejectedRow,
    as_text,
    build_unit,
    flatten,
    json_is_sub_unit,
    lookup,
    municipality_number,
)

__all__ = ["ReadStats", "RegisterFileError", "RegisterUnit", "RejectedRow", "iter_units"]

CHUNK_SIZE: Final = 1 << 20
# How far ahead the JSON's first value is looked for (a BOM and whitespace before it).
SNIFF: Final = 4096
_WHITESPACE: Final = b" \t\r\n"


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


@dataclass(frozen=True, slots=True)
class _Options:
    wanted: frozenset[str] | None
    # Organisation numbers kept wherever the file places them (the municipality's own, to see
    # them move out).
    also: AbstractSet[str]
    sub_units: bool | None
    industry_standard: str
    stats: ReadStats


def iter_units(
    path: str | os.PathLike[str],
    *,
    kommuner: AbstractSet[str] | None,
    sub_units: bool | None = None,
    stats: ReadStats | None = None,
    industry_standard: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    also_orgnrs: AbstractSet[str] | None = None,
) -> Iterator[RegisterUnit | RejectedRow]:
    """Yield the units of `kommuner` (all when None) and the rows refused, counting in `stats`.

    Units whose organisation number is in `also_orgnrs` are yielded whatever their municipality.
    """
    if industry_standard is not None and industry_standard not in INDUSTRY_STANDARDS:
        raise ValueError(f"industry_standard must be one of {INDUSTRY_STANDARDS}")
    stats = stats if stats is not None else ReadStats()
    wanted = None if kommuner is None else frozenset(municipality_number(k) for k in kommuner)
    fmt, binary = open_register_file(path)
    stats.format = fmt
    stats.bytes_total = os.path.getsize(path)
    # Position in the file as stored (compressed bytes for a .gz), which is what its size counts.
    stats._position = binary.fileobj.tell if isinstance(binary, gzip.GzipFile) else binary.tell
    options = _Options(
        wanted, also_orgnrs or frozenset(), sub_units, industry_standard or "SN2007", stats
    )
    stream = _text_stream(binary) if fmt == "csv" else binary
    with stream:
        try:
            if isinstance(stream, io.TextIOWrapper):
                yield from _iter_csv(stream, options)
            else:
                yield from _iter_json(stream, options, chunk_size)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            # The transaction around the import must roll back: half a register is not a register.
            raise RegisterFileError(
                N_(
                    "The compressed file is cut short or damaged after %(units)s units "
                    "(%(reason)s). Nothing from it should be saved; download the file again."
                ),
                units=stats.read,
                reason=str(exc),
            ) from exc
        except UnicodeDecodeError as exc:
            raise RegisterFileError(
                N_(
                    "The file is not UTF-8 text: after %(units)s units it has a byte "
                    "(%(byte)s) that UTF-8 does not allow. %(advice)s"
                ),
                units=stats.read,
                byte=f"0x{exc.object[exc.start]:02X}",
                advice=SAVE_AS_UTF8,
            ) from exc


def _text_stream(binary: BinaryIO) -> TextIO:
    # utf-8-sig: a byte-order mark (Excel writes one) must not become part of the first column.
    # newline="": the CSV reader sees line breaks inside quoted fields as they are.
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")


def iter_json_array(stream: BinaryIO, *, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple[int, Any]]:
    """Yield (1-based position, value) for each element of a JSON array, streamed by ijson."""
    first = _first_byte(stream)
    if first == b"{":
        yield from _iter_json_object(stream)
        return
    if first != b"[":
        raise RegisterFileError(N_("The JSON file does not hold a list of units."))
    position = 0
    try:
        # use_float: numbers as int and float, as the json module gives them, not Decimal.
        items = ijson.items(stream, "item", use_float=True, buf_size=chunk_size)
        for position, value in enumerate(items, start=1):
            yield position, value
    except ijson.IncompleteJSONError as exc:
        raise _json_error(exc, position) from exc


def _first_byte(stream: BinaryIO) -> bytes:
    """Skip a byte-order mark and whitespace; return the first byte of the value, unread."""
    while True:
        head = stream.peek(1)[:SNIFF]  # type: ignore[attr-defined]
        if not head:
            return b""
        if head.startswith(codecs.BOM_UTF8):
            stream.read(len(codecs.BOM_UTF8))
            continue
        value = head.lstrip(_WHITESPACE)
        stream.read(len(head) - len(value))
        if value:
            return value[:1]


def _json_error(exc: ijson.IncompleteJSONError, position: int) -> RegisterFileError:
    """Say what is wrong with the JSON and after which unit, in plain words."""
    reason = exc.args[0] if exc.args else ""
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    reason = str(reason).strip().splitlines()[0] if str(reason).strip() else "unknown error"
    if "premature EOF" in reason:
        return RegisterFileError(
            N_("The JSON file ends after unit %(unit)s: the file is cut short. Download it again."),
            unit=position,
        )
    if "UTF8" in reason:
        return RegisterFileError(
            N_(
                "The file is not UTF-8 text: unit %(unit)s has a byte that UTF-8 does not "
                "allow. %(advice)s"
            ),
            unit=position + 1,
            advice=SAVE_AS_UTF8,
        )
    return RegisterFileError(
        N_("The JSON file is not valid in unit %(unit)s: %(reason)s."),
        unit=position + 1,
        reason=reason,
    )


def _iter_json_object(stream: BinaryIO) -> Iterator[tuple[int, Any]]:
    # Not the bulk format: a single unit or one page from the search API. Both are small, so
    # they are read whole.
    try:
        document = json.loads(stream.read().decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise RegisterFileError(
            N_("The JSON file is not valid: %(reason)s."), reason=exc.msg
        ) from exc
    embedded = lookup(document, "_embedded")
    if isinstance(embedded, Mapping):
        units = lookup(embedded, "enheter") or lookup(embedded, "underenheter") or []
        yield from enumerate(units, start=1)
    elif lookup(document, "organisasjonsnummer") is not None:
        yield 1, document
    else:
        raise RegisterFileError(N_("The JSON file holds neither a list of units nor a unit."))


def _iter_json(
    stream: BinaryIO, options: _Options, chunk_size: int
) -> Iterator[RegisterUnit | RejectedRow]:
    stats, wanted = options.stats, options.wanted
    for position, element in iter_json_array(stream, chunk_size=chunk_size):
        stats.read += 1
        if not isinstance(element, Mapping):
            kind = type(element).__name__
            yield _count(
                RejectedRow(
                    position, None, message(N_("The entry is a %(kind)s, not a unit."), kind=kind)
                ),
                stats,
            )
            continue
        # The register spells its keys one way; lower-casing every unit's keys would cost as
        # much as parsing it, so only units that lack the usual spelling pay for it.
        top = element
        if "organisasjonsnummer" not in top:
            top = {str(key).lower(): value for key, value in element.items()}
        is_sub = options.sub_units
        if is_sub is None:
            is_sub = json_is_sub_unit(top)
        if wanted is not None:
            kommune = as_text(
                lookup(
                    top.get("beliggenhetsadresse" if is_sub else "forretningsadresse"),
                    "kommunenummer",
                )
            )
            if not kommune and not is_sub:
                kommune = as_text(lookup(top.get("postadresse"), "kommunenummer"))
            if municipality_number(kommune) not in wanted and (
                as_text(top.get("organisasjonsnummer")) not in options.also
            ):
                stats.skipped_other_municipality += 1
                continue
        record = flatten(top)
        yield _count(build_unit(record, position, is_sub, options.industry_standard), stats)


# --- CSV ---------------------------------------------------------------------------------------


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
            N_(
                "The file has no %(columns)s column; the register's files always have one. "
                "Is this the right file?"
            ),
            columns=" / ".join(repr(m) for m in missing),
        )
    location = [i for n, i in columns.items() if n.startswith("beliggenhetsadresse.")]
    has_business = any(n.startswith("forretningsadresse.") for n in columns)
    form = columns.get("organisasjonsform.kode")
    sub_kommune = columns.get("beliggenhetsadresse.kommunenummer")
    main_kommune = columns.get("forretningsadresse.kommunenummer")
    postal_kommune = columns.get("postadresse.kommunenummer")
    orgnr_column = columns["organisasjonsnummer"]
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
                if (
                    kommune not in wanted
                    and (len(kommune) >= 4 or municipality_number(kommune) not in wanted)
                    and _cell(row, orgnr_column) not in options.also
                ):
                    stats.skipped_other_municipality += 1
                    continue
            if len(row) > len(names):
                result: RegisterUnit | RejectedRow = RejectedRow(
                    start_line,
                    _cell(row, columns["organisasjonsnummer"]) or None,
                    message(
                        N_(
                            "The row has %(fields)s fields but the header has %(columns)s "
                            "(a stray quote or delimiter?)."
                        ),
                        fields=len(row),
                        columns=len(names),
                    ),
                )
            else:
                record = dict(zip(names, row, strict=False))
                result = build_unit(record, start_line, is_sub, options.industry_standard)
            yield _count(result, stats)
    except csv.Error as exc:
        raise RegisterFileError(
            N_("The CSV file cannot be read near line %(line)s: %(reason)s."),
            line=reader.line_num + 1,
            reason=str(exc),
        ) from exc


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index]


def _count(result: RegisterUnit | RejectedRow, stats: ReadStats) -> RegisterUnit | RejectedRow:
    if isinstance(result, RegisterUnit):
        stats.kept += 1
    else:
        stats.rejected += 1
    return result
