"""CSV and XLSX writers: formula injection neutralised, Norwegian letters intact, types kept."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from crm.exports.spreadsheets import neutralise, safe_sheet_title, save_xlsx, write_csv

DANGEROUS = [
    '=HYPERLINK("http://evil.example","klikk")',
    "+47 22 22 22 22",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\0=1",
]


@pytest.mark.parametrize("value", DANGEROUS)
def test_text_starting_with_a_trigger_gets_an_apostrophe(value):
    assert neutralise(value) == "'" + value


def test_harmless_text_is_unchanged():
    assert neutralise("Ærlig grønn åker – 3 = 3") == "Ærlig grønn åker – 3 = 3"


def test_xlsx_cells_are_neutralised_and_typed_when_opened_with_openpyxl():
    rows = [[value, -5, date(2025, 1, 2), None] for value in DANGEROUS]
    rows.append(["Ærlig Grønn Åkerbruk AS", 12, None, True])
    data = io.BytesIO()
    save_xlsx(["Navn", "Tall", "Dato", "Ja"], rows, data, sheet_title="Organisasjoner: [alle]")

    book = load_workbook(data)
    sheet = book.worksheets[0]
    assert sheet.title == "Organisasjoner   alle"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Navn", "Tall", "Dato", "Ja")
    for (text, number, day, _empty), original in zip(values[1:], DANGEROUS, strict=False):
        # XML has no NUL (dropped) and reads a bare CR back as LF; the apostrophe is what counts.
        assert text == "'" + original.replace("\0", "").replace("\r", "\n")
        assert number == -5  # numbers are numbers, never neutralised
        assert day.date() == date(2025, 1, 2)
    assert values[-1] == ("Ærlig Grønn Åkerbruk AS", 12, None, True)
    # No cell is stored as a formula.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_csv_has_a_bom_crlf_quotes_and_neutralised_cells():
    data = write_csv(
        ["Navn", "Merknad"],
        [['Ærlig "Grønn" AS', "linje 1\nlinje 2"], ["=1+1", "@x"], [None, 3]],
    )
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.splitlines(keepends=True)[0] == "Navn,Merknad\r\n"
    assert '"Ærlig ""Grønn"" AS","linje 1\nlinje 2"\r\n' in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[2] == ["'=1+1", "'@x"]
    assert rows[3] == ["", "3"]


def test_sheet_title_is_cut_to_what_excel_accepts():
    assert len(safe_sheet_title("x" * 40)) == 31
    assert safe_sheet_title("a/b?c") == "a b c"


def test_xlsx_keeps_text_that_looks_like_an_error_code_as_text():
    data = io.BytesIO()
    save_xlsx(["Navn"], [["#N/A"], ["#DIV/0!"]], data, sheet_title="Koder")
    cells = [row[0] for row in load_workbook(data).worksheets[0].iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in cells] == [("#N/A", "s"), ("#DIV/0!", "s")]


def test_xlsx_dates_and_decimals_show_in_the_readers_settings_and_csv_stays_machine_readable():
    row = [
        2026,
        9.0,
        40.5,
        Decimal("0.714"),
        date(2026, 5, 1),
        datetime(2026, 5, 1, 10, 0, tzinfo=UTC),
    ]
    columns = ["År", "Antall", "Styrke", "Andel", "Dato", "Tidspunkt"]
    data = io.BytesIO()
    save_xlsx(columns, [row], data, sheet_title="Tall")

    cells = next(load_workbook(data).active.iter_rows(min_row=2))
    formats = [cell.number_format for cell in cells]
    # A year and a whole number stay ungrouped; decimals keep up to three digits; dates use
    # Excel's built-in short date (14) and date-time (22), which follow the reader's settings.
    assert formats == ["General", "General", "#,##0.0##", "#,##0.0##", "mm-dd-yy", "m/d/yy h:mm"]
    assert [cell.value for cell in cells][:3] == [2026, 9, 40.5]
    assert write_csv(columns, [row]).decode("utf-8-sig").splitlines()[1] == (
        "2026,9.0,40.5,0.714,2026-05-01,2026-05-01T10:00+00:00"
    )
