"""No export is ever silently partial: every matching row, or a refusal that says why.

The old exports stopped at 200 people (the list's largest page) and at 50,000 rows of any list,
saying so only in an X-Export-Truncated header. The people export, the one that was cut, is
read at more than 50,000 rows; the other lists at more than 200 rows and five of the chunks the
exports read at a time (each export through the same chunked reader; timing 50,000 rows of
every list only timed the writer, the slowest part of the suite).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from crm.companies.models import Company
from crm.contacts.models import Contact
from crm.establishments import services as case_services
from crm.establishments.models import EstablishmentCase
from crm.exports import files as export_files
from crm.exports import services as export_services
from crm.exports.spreadsheets import save_xlsx
from crm.meetings.models import Meeting
from tests.factories import make_company

OLD_CAP = 50_000  # the largest cap the exports ever had (MAX_ROWS; people stopped at 200)
PEOPLE = OLD_CAP + 1
ROWS = 5 * export_services.CHUNK + 1
LIST_EXPORTS = ("companies", "contacts", "meetings", "establishments")


def _data_rows(response) -> list:
    """The rows under the header of a CSV or XLSX export."""
    body = response.get_data()
    if response.headers["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return list(sheet.iter_rows(min_row=2, max_col=2, values_only=True))


@pytest.fixture
def long_lists(session):
    """More people than any old cap; organisations, meetings and cases over several chunks.

    Tens of thousands of rows written straight on the connection: the exports are tested here,
    and a change log of every synthetic row would only slow the suite down.
    """
    stage = case_services.seed_stages(session)[0]
    owner = make_company(session, name="Saksorganisasjon AS")
    session.connection().execute(
        insert(Company.__table__),
        [{"name": f"Org {n:05d} AS", "kind": "company"} for n in range(ROWS - 1)],
    )
    session.connection().execute(
        insert(Contact.__table__), [{"name": f"Person {n:05d}"} for n in range(PEOPLE)]
    )
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    session.connection().execute(
        insert(Meeting.__table__),
        [
            {"title": f"Møte {n}", "kind": "meeting", "starts_at": start + timedelta(hours=n)}
            for n in range(ROWS)
        ],
    )
    session.connection().execute(
        insert(EstablishmentCase.__table__),
        [{"company_id": owner.id, "stage_id": stage.id, "kind": "new"} for _ in range(ROWS)],
    )
    session.commit()


def test_every_list_export_holds_every_row(client, login, session, long_lists):
    login(role="reader")
    for name in LIST_EXPORTS:
        response = client.get(f"/exports/{name}.csv")
        assert response.status_code == 200, name
        assert "X-Export-Truncated" not in response.headers
        rows = _data_rows(response)
        expected = PEOPLE if name == "contacts" else ROWS
        assert len(rows) == expected, (name, len(rows))
        assert len({row[0] for row in rows}) == expected  # every id once: no chunk read twice
    # XLSX reads the same rows through another writer. (Writing every list as XLSX again would
    # only time openpyxl.)
    rows = _data_rows(client.get("/exports/meetings.xlsx"))
    assert len(rows) == ROWS and len({row[0] for row in rows}) == ROWS


def test_the_xlsx_writer_holds_more_rows_than_any_old_cap():
    workbook = io.BytesIO()
    save_xlsx(["n"], ([n] for n in range(PEOPLE)), workbook, sheet_title="Rader")
    sheet = load_workbook(workbook, read_only=True).worksheets[0]
    assert sum(1 for _ in sheet.iter_rows(min_row=2, values_only=True)) == PEOPLE


def test_people_export_is_whole_and_logged_with_the_whole_count(client, login, session):
    from crm.contacts.models import ContactAccess

    login(role="reader")
    session.connection().execute(
        insert(Contact.__table__), [{"name": f"Person {n:03d}"} for n in range(450)]
    )
    session.commit()
    rows = _data_rows(client.get("/exports/contacts.csv?sort=-name"))
    assert [row[1] for row in rows[:2]] == ["Person 449", "Person 448"]
    assert len(rows) == 450 and rows[-1][1] == "Person 000"
    entry = session.scalars(select(ContactAccess)).one()
    assert entry.action == "listed_in_export" and entry.detail.startswith("450 people")


def test_an_xlsx_too_long_for_a_sheet_is_refused_with_the_reason(
    client, login, session, monkeypatch
):
    from crm.contacts.models import ContactAccess

    login(role="reader", locale="en")
    for n in range(3):
        make_company(session, name=f"Kjeller {n} AS")
    session.connection().execute(
        insert(Contact.__table__), [{"name": f"Person {n}"} for n in range(3)]
    )
    session.commit()
    # A sheet of two rows stands in for Excel's 1,048,575: the rule is the same.
    monkeypatch.setattr(export_files, "XLSX_MAX_ROWS", 2)

    refused = client.get("/exports/companies.xlsx?q=Kjeller")
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/companies/?q=Kjeller"
    page = client.get(refused.headers["Location"])
    text = page.get_data(as_text=True)
    assert "An Excel sheet holds at most 2 rows and this list has 3." in text
    assert "Download it as CSV" in text

    assert client.get("/exports/contacts.xlsx").status_code == 302
    # Nothing left the system, so nothing goes into the access log.
    assert session.scalars(select(ContactAccess)).all() == []
    # CSV has no such limit: the same list comes whole.
    assert len(_data_rows(client.get("/exports/companies.csv?q=Kjeller"))) == 3
