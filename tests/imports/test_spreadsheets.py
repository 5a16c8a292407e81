"""Spreadsheets in: reading safely, guessing columns, checking rows, planning, running, revert."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from crm.common.errors import DomainError
from crm.companies.models import Company
from crm.contacts.models import Affiliation, Contact
from crm.imports import planning, sheets
from crm.imports.models import ImportChange
from crm.imports.services import revert_import, run_spreadsheet_import
from tests.factories import make_company, make_contact, make_meeting
from tests.imports.brreg_fixtures import make_orgnr, with_wrong_check_digit


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_csv_with_semicolons_and_bom_is_read_with_row_numbers():
    data = "\ufeffNavn;Org.nr;Poststed\nÆrlig AS;123;Lillestrøm\n\nBrygg AS;;Kjeller\n"
    table = sheets.read_table(data.encode("utf-8"))
    assert table.header == ["Navn", "Org.nr", "Poststed"]
    assert table.rows == [(2, ["Ærlig AS", "123", "Lillestrøm"]), (4, ["Brygg AS", "", "Kjeller"])]


def test_tab_separated_and_quoted_line_breaks():
    data = 'name\taddress\n"A AS"\t"Gate 1\nPostboks 2"\n'
    table = sheets.read_table(data.encode())
    assert table.rows == [(2, ["A AS", "Gate 1\nPostboks 2"])]


def test_windows_1252_is_recognised_and_said():
    table = sheets.read_table("Navn,Poststed\nFjærevegen AS,Sørumsand\n".encode("cp1252"))
    assert table.encoding == "cp1252"
    assert table.rows[0][1] == ["Fjærevegen AS", "Sørumsand"]


def test_xlsx_is_read_with_numbers_as_text():
    table = sheets.read_table(xlsx([["Navn", "Ansatte"], ["Ærlig AS", 12], [None, None]]))
    assert table.file_format == "xlsx"
    assert table.rows == [(2, ["Ærlig AS", "12"])]


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    return buffer.getvalue()


def _many_entries() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(1001):
            archive.writestr(f"x/{i}", "")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"%PDF-1.7 ...", "PDF"),
        (b"\xd0\xcf\x11\xe0rest", ".xls"),
        (_zip_bomb(), "zip bomb"),
        (_many_entries(), "zip bomb"),
        (b"PK\x03\x04 broken", "damaged"),
        (("navn\n" + "x\n" * 10_001).encode(), "more than 10000 rows"),
    ],
    ids=["empty", "pdf", "xls", "zip-bomb", "zip-entries", "broken-zip", "too-many-rows"],
)
def test_bad_files_are_refused_with_a_reason(data, message):
    with pytest.raises(sheets.TableError) as caught:
        sheets.read_table(data)
    # Figures are grouped in the reader's way ("10,000", "10 000"); compare the digits.
    assert message in re.sub(
        r"(?<=\d)[,\N{NO-BREAK SPACE}](?=\d{3})", "", str(caught.value.message)
    )


def test_header_guess_understands_norwegian_and_english():
    header = [
        "Navn",
        "Org.nr",
        "E-post",
        "Telefon",
        "Adresse",
        "Postnr",
        "Poststed",
        "Nettside",
        "?",
    ]
    assert planning.guess_mapping(header, "organisations") == [
        "name",
        "org_number",
        "",
        "",
        "address",
        "postcode",
        "post_town",
        "website",
        "",
    ]
    people = ["Name", "Email", "Phone", "Company", "Job title"]
    assert planning.guess_mapping(people, "contacts") == [
        "name",
        "email",
        "phone",
        "organisation",
        "title",
    ]


def _plan(session, rows, kind="organisations", header=None):
    header = header or ["Navn", "Orgnr", "Poststed", "Ansatte"]
    table = sheets.Table(header=header, rows=list(enumerate(rows, start=2)), file_format="csv")
    mapping = planning.guess_mapping(header, kind)
    with force_locale("en"):  # messages are asserted in English, whatever the catalogue holds
        return planning.plan_rows(session, table, kind=kind, mapping=mapping)


def test_plan_says_create_update_duplicate_and_error_with_reasons(session):
    known = make_company(session, name="Kjeller Innovasjon AS", org_number=make_orgnr(1))
    alike = make_company(session, name="Romerike Helsehub AS", post_town="Lillestrøm")
    planned = _plan(
        session,
        [
            ["Ny Bedrift AS", "", "Fetsund", "4"],
            ["Kjeller Innovasjon", make_orgnr(1), "Kjeller", "30"],
            ["Romerike Helsehub", "", "LILLESTRØM", ""],
            ["Feil Nummer AS", with_wrong_check_digit(make_orgnr(2)), "", ""],
            ["", "", "", "mange"],
            ["Kopi", make_orgnr(1), "", ""],
        ],
    )
    actions = [(row.number, row.action) for row in planned]
    assert actions == [
        (2, "create"),
        (3, "update"),
        (4, "duplicate"),
        (5, "error"),
        (6, "error"),
        (7, "error"),
    ]
    assert planned[1].target_id == known.id and "post_town" in planned[1].changes
    assert planned[2].target_id == alike.id and planned[2].score >= 90
    assert "check digit" in planned[3].errors[0]
    assert any("name is missing" in e for e in planned[4].errors)
    assert any("whole number" in e for e in planned[4].errors)
    assert "Same as row 3" in planned[5].errors[0]


def test_run_imports_valid_rows_reports_the_rest_and_can_be_reverted(session):
    known = make_company(session, name="Kjeller Innovasjon AS", org_number=make_orgnr(1))
    alike = make_company(session, name="Romerike Helsehub AS", post_town="Lillestrøm")
    session.commit()
    planned = _plan(
        session,
        [
            ["Ny Bedrift AS", "", "Fetsund", "4"],
            ["Kjeller Innovasjon AS", make_orgnr(1), "Kjeller", "30"],
            ["Romerike Helsehub", "", "Lillestrøm", "55"],
            ["Feil Nummer AS", with_wrong_check_digit(make_orgnr(2)), "", ""],
        ],
    )
    run = run_spreadsheet_import(
        session,
        kind="organisations",
        filename="liste.csv",
        planned=planned,
        decisions={4: "update"},
        default_decision="skip",
        user_id=None,
    )
    session.commit()
    assert run.summary | {} == run.summary
    assert (run.summary["created"], run.summary["updated"], run.summary["rejected"]) == (1, 2, 1)
    assert run.messages[0].startswith("Rad 5: ")  # the run is stored in bokmål
    session.expire_all()
    assert session.get(Company, known.id).post_town == "Kjeller"
    assert session.get(Company, alike.id).employees == 55
    assert session.scalar(select(func.count()).select_from(Company)) == 3

    revert_import(session, run=run, user_id=None)
    session.commit()
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Company)) == 2
    assert session.get(Company, known.id).post_town is None
    assert session.get(Company, alike.id).employees is None


def test_people_match_on_email_and_get_an_affiliation(session):
    company = make_company(session, name="Nitja", org_number=make_orgnr(5))
    known = make_contact(session, name="Kari Nordmann", email="kari@nitja.no")
    session.commit()
    header = ["Navn", "E-post", "Telefon", "Organisasjon", "Stilling"]
    planned = _plan(
        session,
        [
            ["Kari Nordmann", "KARI@nitja.no", "22 22 22 22", make_orgnr(5), "Leder"],
            ["Ola Ny", "ola@example.no", "", "Nitja", ""],
            ["Feil Epost", "ikke-epost", "12", "Finnes ikke AS", ""],
            ["Uten Org", "", "", "Finnes ikke AS", ""],
        ],
        kind="contacts",
        header=header,
    )
    assert [row.action for row in planned] == ["update", "create", "error", "create"]
    assert planned[0].target_id == known.id and planned[0].company_id == company.id
    assert len(planned[2].errors) == 2
    assert "Finnes ikke AS" in planned[3].warnings[0]
    run = run_spreadsheet_import(
        session,
        kind="contacts",
        filename="folk.xlsx",
        planned=planned,
        decisions={},
        default_decision="skip",
        user_id=None,
    )
    session.commit()
    assert run.summary["created"] == 2 and run.summary["affiliations"] == 2
    assert session.get(Contact, known.id).phone == "+4722222222"
    titles = {a.contact.name: a.title for a in session.scalars(select(Affiliation))}
    assert titles == {"Kari Nordmann": "Leder", "Ola Ny": ""}
    changes = session.scalars(select(ImportChange.table_name).where(ImportChange.run_id == run.id))
    assert sorted(changes) == ["affiliations", "affiliations", "contacts", "contacts", "contacts"]


def test_revert_refuses_when_an_imported_person_is_in_a_meeting(session):
    planned = _plan(session, [["Ny Person", "ny@example.no"]], "contacts", ["Navn", "E-post"])
    run = run_spreadsheet_import(
        session,
        kind="contacts",
        filename="f.csv",
        planned=planned,
        decisions={},
        default_decision="skip",
        user_id=None,
    )
    person = session.scalars(select(Contact)).one()
    make_meeting(session, contacts=[person])
    with pytest.raises(DomainError, match=r"kan ikke angres: 1 av oppføringene.*\(møter: 1\)"):
        revert_import(session, run=run, user_id=None)
