"""Read an uploaded CSV or XLSX file once, safely, into a header and rows of text.

The file is read at upload and never again: the wizard's later steps work on the stored rows
(crm/imports/uploads.py). Every limit counts what the file really holds, and reading stops at
the first one passed, so a small hostile file costs no more than a small honest one:

- What it is comes from its first bytes, not its name.
- An XLSX is a zip. Before openpyxl opens it, the zip's parts may hold at most 50 MiB unpacked
  (zipfile never unpacks more than a part declares, so the declared sizes are a true bound) and
  1,000 parts; then every XML part is counted with expat, without building anything: rows (no
  row number past MAX_ROW_INDEX), columns (none past MAX_COLUMNS), cells and shared strings
  (MAX_CELLS each) and XML elements in all (MAX_ELEMENTS). The sheet's own <dimension> is not
  trusted: a 5 KB file can claim A1:XFD1048576, and openpyxl's read-only mode pads every row to
  the claimed width and every missing row up to the next one it finds, so the dimension is
  dropped and the rows it yields are counted by their index as well.
- A CSV (at most 10 MB, Flask's MAX_CONTENT_LENGTH) must be UTF-8 (with or without BOM) or
  UTF-16 with a BOM; Windows-1252 (Excel's "CSV" on a Norwegian Windows) is recognised and read,
  and the mapping page says so. Its header line is measured before the rows are parsed, so a
  5,000-column file is refused at once; each row is measured as it comes.
- At most MAX_ROWS rows with content are kept; empty rows are skipped (and for an XLSX they
  still count towards the row index).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.parsers import expat

from flask_babel import lazy_gettext as _l
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from crm.common.errors import DomainError
from crm.common.formats import number

MAX_ROWS = 10_000
# Rows of an XLSX are numbered; empty ones between the rows with content are allowed up to here.
MAX_ROW_INDEX = 2 * MAX_ROWS
MAX_COLUMNS = 200
MAX_CELLS = 500_000
# Every XML element of the workbook (cells, their values, shared strings, styles …) in all.
MAX_ELEMENTS = 5 * MAX_CELLS
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000

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


def read_table(data: bytes) -> Table:
    """Tell the format from the content and read the first sheet or the CSV, within the limits."""
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


# --- limits ----------------------------------------------------------------------------------


def _too_many_rows() -> TableError:
    return TableError(
        _l(
            "The file has more than %(max)s rows. Split it into smaller files.",
            max=number(MAX_ROWS),
        )
    )


def _too_far_down(row: int) -> TableError:
    return TableError(
        _l(
            "The sheet has cells as far down as row %(row)s; nothing below row %(max)s is read. "
            "Delete what lies below your table, or split the file.",
            row=number(row),
            max=number(MAX_ROW_INDEX),
        )
    )


def _too_wide(columns: int) -> TableError:
    return TableError(
        _l(
            "The file has %(n)s columns or more; at most %(max)s are read. Delete the columns "
            "you do not import.",
            n=number(columns),
            max=number(MAX_COLUMNS),
        )
    )


def _too_many_cells() -> TableError:
    return TableError(
        _l(
            "The file holds more than %(max)s cells. Delete the columns you do not import, or "
            "split the file.",
            max=number(MAX_CELLS),
        )
    )


class _Collector:
    """The header and the rows with content, counted as they come; TableError at a limit."""

    def __init__(self) -> None:
        self.header: list[str] | None = None
        self.rows: list[tuple[int, list[str]]] = []
        self.cells = 0

    def add(self, number: int, cells: list[str]) -> None:
        """Take one row (skipped when empty): the first is the header."""
        if not any(cells):
            return
        if len(cells) > MAX_COLUMNS:
            raise _too_wide(len(cells))
        self.cells += len(cells)
        if self.cells > MAX_CELLS:
            raise _too_many_cells()
        if self.header is None:
            self.header = cells
            return
        if len(self.rows) >= MAX_ROWS:
            raise _too_many_rows()
        self.rows.append((number, cells))


# --- XLSX ------------------------------------------------------------------------------------


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


class _Forbidden(Exception):
    """A DTD or entity in a workbook part: Excel never writes one, an attack does."""


class _PartCounter:
    """Counts what the workbook's XML holds with expat callbacks, building nothing."""

    def __init__(self) -> None:
        self.elements = 0
        self.cells = 0
        self.strings = 0
        self.row = 0
        self.column = 0

    def count(self, stream) -> None:
        """Count one part; raises TableError at the first limit passed."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self._start
        parser.StartDoctypeDeclHandler = _forbid
        parser.EntityDeclHandler = _forbid
        self.row = 0
        parser.ParseFile(stream)

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise _too_many_cells()
        tag = name.rpartition(" ")[2]
        if tag == "row":
            self.row = int(attributes.get("r") or self.row + 1)
            self.column = 0
            if self.row > MAX_ROW_INDEX:
                raise _too_far_down(self.row)
        elif tag == "c":
            reference = attributes.get("r")
            self.column = (
                column_index_from_string(coordinate_from_string(reference)[0])
                if reference
                else self.column + 1
            )
            if self.column > MAX_COLUMNS:
                raise _too_wide(self.column)
            self.cells += 1
            if self.cells > MAX_CELLS:
                raise _too_many_cells()
        elif tag == "si":
            self.strings += 1
            if self.strings > MAX_CELLS:
                raise _too_many_cells()


def _forbid(*_args: Any) -> None:
    raise _Forbidden


def _count_parts(archive: zipfile.ZipFile) -> None:
    """Measure every XML part before openpyxl builds anything from it."""
    counter = _PartCounter()
    for entry in archive.infolist():
        try:
            with archive.open(entry) as stream:
                # By content, not name: openpyxl follows the workbook's links, whatever a part
                # is called. Images and other binary parts are left alone.
                if _looks_like_xml(stream.peek(64)):
                    counter.count(stream)
        except TableError:
            raise
        except (expat.ExpatError, _Forbidden, ValueError, zipfile.BadZipFile) as error:
            # ValueError: a cell reference that is no reference ("r" of a crafted cell).
            raise TableError(_l("The XLSX file cannot be read: it is damaged.")) from error


def _looks_like_xml(head: bytes) -> bool:
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.lstrip(
        codecs.BOM_UTF8 + b" \t\r\n"
    ).startswith(b"<")


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
    # PostgreSQL cannot store NUL in text; a spreadsheet cell never means one.
    return str(value).replace("\x00", "").strip()


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover (defusedxml is a dependency)
        raise TableError(_l("XLSX files cannot be read safely on this server."))
    _count_parts(_check_zip(data))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a broken workbook
        raise TableError(_l("The XLSX file cannot be read: it is damaged.")) from error
    collected = _Collector()
    try:
        sheet = book.worksheets[0]
        # Only the cells that are there: not the width and height the sheet claims.
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROW_INDEX:
                raise _too_far_down(number)
            collected.add(number, [_cell_text(v) for v in values])
    except TableError:
        raise
    except Exception as error:
        raise TableError(_l("The XLSX file cannot be read: it is damaged.")) from error
    finally:
        book.close()
    if collected.header is None:
        raise TableError(_l("The first sheet of the workbook is empty."))
    return Table(header=collected.header, rows=collected.rows, file_format="xlsx")


# --- CSV -------------------------------------------------------------------------------------


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
    # The first line names the columns: a delimiter count too high for any quoting to explain
    # refuses the file before a single row is built.
    first_line = text.lstrip("\r\n").partition("\n")[0]
    if first_line.count(delimiter) >= MAX_COLUMNS and first_line.count('"') < 2:
        raise _too_wide(first_line.count(delimiter) + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    collected = _Collector()
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            collected.add(number, [value.replace("\x00", "").strip() for value in values])
    except csv.Error as error:
        raise TableError(
            _l("The CSV file cannot be read near row %(n)s: %(reason)s", n=number, reason=error)
        ) from error
    if collected.header is None:
        raise TableError(_l("The file is empty."))
    return Table(header=collected.header, rows=collected.rows, file_format="csv", encoding=encoding)
