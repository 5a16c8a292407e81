"""Spreadsheets are measured by what they really hold, and refused at the first limit passed."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from crm.imports import sheets

# More rows than this from openpyxl means the reader walked into the padding.
RUNAWAY = 50_000


@pytest.fixture
def rows_iterated(monkeypatch) -> list[int]:
    """Count the rows openpyxl's read-only sheet yields (padding included); stop a runaway."""
    seen = [0]
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            seen[0] += 1
            if seen[0] > RUNAWAY:
                raise AssertionError(f"openpyxl yielded more than {RUNAWAY} rows")
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return seen


def _workbook(cells: dict[str, object]) -> bytes:
    book = Workbook()
    for reference, value in cells.items():
        book.active[reference] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_dimension(data: bytes, dimension: str) -> bytes:
    """The same workbook whose sheet claims another size in its <dimension> element."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content, n = re.subn(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), content
                )
                assert n == 1
            target.writestr(entry, content)
    return buffer.getvalue()


def dimension_bomb() -> bytes:
    """The review's file: about 5 KB, claims A1:XFD1048576, has a cell at row 1048576."""
    data = _workbook({"A1": "Navn", "A2": "Ærlig AS", "A1048576": "x"})
    return _with_dimension(data, "A1:XFD1048576")


def _refusal(data: bytes) -> str:
    with force_locale("en"), pytest.raises(sheets.TableError) as caught:
        sheets.read_table(data)
    # Figures are grouped in the reader's way ("1,048,576", "1 048 576"); compare the digits.
    return re.sub(r"(?<=\d)[,\N{NO-BREAK SPACE}](?=\d{3})", "", str(caught.value.message))


def test_the_dimension_bomb_is_refused_without_reading_a_million_rows(rows_iterated):
    data = dimension_bomb()
    assert len(data) < 8_000

    message = _refusal(data)

    assert "row 1048576" in message and "Delete what lies below your table" in message
    assert rows_iterated[0] <= sheets.MAX_ROW_INDEX + 1


def test_a_lying_dimension_does_not_pad_the_rows_of_an_honest_file(rows_iterated):
    data = _with_dimension(
        _workbook({"A1": "Navn", "B1": "Poststed", "A2": "Nitja", "B2": "Lillestrøm"}),
        "A1:XFD1048576",
    )

    table = sheets.read_table(data)

    assert table.header == ["Navn", "Poststed"]
    assert table.rows == [(2, ["Nitja", "Lillestrøm"])]
    assert rows_iterated[0] == 2


def test_blank_rows_between_rows_with_content_are_allowed_up_to_the_limit():
    table = sheets.read_table(_workbook({"A1": "Navn", "A2": "Nitja", "A15000": "Nova Spektrum"}))
    assert table.rows == [(2, ["Nitja"]), (15000, ["Nova Spektrum"])]


def test_a_cell_far_to_the_right_is_refused_by_its_column():
    message = _refusal(_workbook({"A1": "Navn", "A2": "Nitja", "KZ2": "x"}))
    assert "312 columns" in message and "at most 200" in message


def test_a_workbook_with_more_cells_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_CELLS", 50)
    book = Workbook()
    for row in range(30):
        book.active.append([f"Navn {row}", "Lillestrøm"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert "more than 50 cells" in _refusal(buffer.getvalue())


def test_a_workbook_part_with_a_dtd_is_refused_as_damaged():
    source = zipfile.ZipFile(io.BytesIO(_workbook({"A1": "Navn", "A2": "Nitja"})))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + content.split(b"?>", 1)[-1]
            target.writestr(entry, content)
    assert "damaged" in _refusal(buffer.getvalue())


def test_a_csv_of_5000_columns_is_refused_before_its_rows_are_built():
    row = ",".join(["a"] * 5000) + "\n"
    data = (row * 500).encode()
    tracemalloc.start()
    try:
        message = _refusal(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "5000 columns" in message
    # The bytes and their text: nothing in the order of the 2.5 million cells.
    assert peak < 3 * len(data)


def test_a_csv_row_wider_than_the_limit_is_refused_by_its_columns():
    data = ("navn,sted\nNitja,Lillestrøm\n" + ",".join(["x"] * 250) + "\n").encode()
    assert "250 columns" in _refusal(data)


def test_a_csv_with_more_cells_than_the_limit_is_refused():
    header = ",".join(f"kolonne {i}" for i in range(60))
    data = "\n".join([header] + [",".join(["x"] * 60)] * 9_000).encode()
    assert "more than 500000 cells" in _refusal(data)


def test_parts_are_measured_by_their_content_not_their_name():
    # openpyxl follows the workbook's links to a part whatever it is called.
    source = zipfile.ZipFile(io.BytesIO(_workbook({"A1": "Navn", "A2": "Nitja"})))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            target.writestr(entry, source.read(entry))
        # An image is no XML: passed over, not called damaged.
        target.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + bytes(100))
        target.writestr("xl/worksheets/data.bin", b'<sheetData><row r="999999"/></sheetData>')
    assert "row 999999" in _refusal(buffer.getvalue())
