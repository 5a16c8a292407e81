"""Write rows as CSV or XLSX that a spreadsheet opens safely.

Text that begins with = + - @ TAB CR (or NUL) would be read as a formula by Excel or
LibreOffice (CSV injection, OWASP); such cells get a leading apostrophe. Numbers, dates and
booleans stay typed. CSV keeps machine formats (2026-05-01, 40.5) for other programs; an XLSX
is read by people, so its dates and decimals carry number formats the spreadsheet shows in its
reader's language (Excel's built-in short date, "#,##0.0##"); whole numbers stay "General",
since ids and years must not be grouped. CSV follows RFC 4180 (CRLF, quotes doubled) with a
UTF-8 BOM so Excel shows æ, ø and å right.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from os import PathLike
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# XML 1.0 forbids these control characters; openpyxl refuses them, so they are dropped.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
Cell = str | int | float | Decimal | bool | date | datetime | None
# A worksheet holds 1,048,576 rows in Excel and LibreOffice; one of them is the header.
XLSX_MAX_ROWS = 1_048_575


def neutralise(value: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return neutralise(str(value))


def iter_csv(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, rows_per_chunk: int = 500
) -> Iterator[bytes]:
    """CSV per RFC 4180 with a UTF-8 BOM, in chunks of rows: a response streams it as it goes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_text(c) for c in columns])
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for number, row in enumerate(rows, start=1):
        writer.writerow([_text(value) for value in row])
        if number % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The whole CSV of iter_csv at once, for small files (such as the members of a zip)."""
    return b"".join(iter_csv(columns, rows))


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        # Excel has no time zones: write the wall-clock time the value carries.
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return _ILLEGAL_XML.sub("", neutralise(str(value)))


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """The value as openpyxl should store it; a cell object only where the plain value won't do.

    Plain values are much faster to write (openpyxl tries a value before it takes a cell). A
    neutralised text never starts with "=", so openpyxl stores it as text; only the texts that
    look like error codes ("#N/A") would be stored otherwise.
    """
    converted = _xlsx_value(value)
    if isinstance(converted, str) and converted in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value=converted)
        cell.data_type = "s"
        return cell
    number_format = _xlsx_number_format(value)
    if number_format:
        cell = WriteOnlyCell(sheet, value=converted)
        cell.number_format = number_format
        return cell
    return converted


# Excel's built-in formats 14 and 22 show the date (and time) in the reader's own settings.
XLSX_DATE_FORMAT = "mm-dd-yy"
XLSX_DATETIME_FORMAT = "m/d/yy h:mm"
XLSX_DECIMAL_FORMAT = "#,##0.0##"


def _xlsx_number_format(value: Any) -> str | None:
    if isinstance(value, datetime):
        return XLSX_DATETIME_FORMAT
    if isinstance(value, date):
        return XLSX_DATE_FORMAT
    if isinstance(value, float | Decimal) and not isinstance(value, bool) and value % 1:
        return XLSX_DECIMAL_FORMAT
    return None


def safe_sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", title).strip("' ") or "Sheet"
    return cleaned[:31]


def save_xlsx(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    target: str | PathLike | BinaryIO,
    *,
    sheet_title: str,
) -> None:
    """Write an XLSX workbook with one sheet (a bold header row, then the rows, typed) to target.

    openpyxl's write-only workbook keeps the sheet in a temporary file, not in memory, so a
    list of any length costs the same memory; Excel holds at most XLSX_MAX_ROWS rows.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=safe_sheet_title(sheet_title))
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(name))
        cell.data_type = "s"
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    workbook.save(target)
