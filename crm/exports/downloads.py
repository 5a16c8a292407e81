"""Spreadsheets as HTTP downloads, whole and memory-bounded, whatever the number of rows.

CSV is a generator response: rows go out as they are read from the database. XLSX is written
by openpyxl's write-only workbook into an anonymous temporary file, which is then sent in
blocks and closed (and so deleted) when the response is done.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from flask import Response

from crm.exports.spreadsheets import iter_csv, save_xlsx

CSV_MEDIA_TYPE = "text/csv"
CSV_TYPE = f"{CSV_MEDIA_TYPE}; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BLOCK = 64 * 1024


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _blocks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while block := spool.read(BLOCK):
            yield block


def csv_download(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, filename: str
) -> Response:
    """A CSV file streamed while the rows are read; they must not need the request's context."""
    return _attachment(Response(iter_csv(columns, rows), content_type=CSV_TYPE), filename)


def xlsx_download(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, filename: str, sheet_title: str
) -> Response:
    """An XLSX file written to a temporary file, then sent from it."""
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by _blocks)
    try:
        save_xlsx(columns, rows, spool, sheet_title=sheet_title)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = Response(_blocks(spool), content_type=XLSX_TYPE)
    response.content_length = size
    response.call_on_close(spool.close)  # also when the body is never read (HEAD, hang-up)
    return _attachment(response, filename)


def spreadsheet_download(
    fmt: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    filename: str,
    sheet_title: str,
) -> Response:
    """The rows as a "csv" or "xlsx" download named `filename`.`fmt`."""
    if fmt == "xlsx":
        return xlsx_download(columns, rows, filename=f"{filename}.xlsx", sheet_title=sheet_title)
    return csv_download(columns, rows, filename=f"{filename}.csv")
