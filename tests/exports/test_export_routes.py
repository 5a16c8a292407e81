"""List exports follow the list's filters; the full export has every table and no secrets."""

from __future__ import annotations

import csv
import io
import json
import logging

from openpyxl import load_workbook

from crm.common.dates import local_today
from crm.extensions import db
from tests.factories import (
    make_affiliation,
    make_company,
    make_contact,
    make_meeting,
    make_place,
)


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data()[3:].decode("utf-8"))))


def test_companies_csv_holds_what_the_filtered_list_shows(client, login, session):
    login(role="reader")
    kjeller = make_place(session, name="Kjeller")
    make_company(session, name="=Kjeller Energi AS", place=kjeller, kind="research")
    make_company(session, name="Kjeller Kaffe AS", kind="company")
    make_company(session, name="Strømmen Stål AS", kind="research")
    session.commit()

    response = client.get("/exports/companies.csv?q=Kjeller&kind=research")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="organisations-{local_today().isoformat()}.csv"'
    rows = _csv_rows(response)
    assert [row[1] for row in rows[1:]] == ["'=Kjeller Energi AS"]
    assert "Kjeller" in rows[1]

    listed = client.get("/companies/?q=Kjeller&kind=research").get_data(as_text=True)
    assert "Kjeller Energi AS" in listed and "Kjeller Kaffe AS" not in listed


def test_companies_xlsx_is_a_workbook_with_the_rows(client, login, session):
    login(role="reader")
    make_company(session, name="Ærlig Grønn AS", employees=12)
    session.commit()
    response = client.get("/exports/companies.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "Ærlig Grønn AS" and rows[1][8] == 12


def test_contacts_export_filters_by_organisation(client, login, session):
    login(role="reader")
    company = make_company(session, name="Nitja AS")
    make_affiliation(session, company=company, contact=make_contact(session, name="Kari Nordmann"))
    make_contact(session, name="Ola Utenfor")
    session.commit()
    response = client.get(f"/exports/contacts.csv?company_id={company.id}")
    rows = _csv_rows(response)
    assert [row[1] for row in rows[1:]] == ["Kari Nordmann"]
    assert rows[1][4] == "Nitja AS"


def test_meetings_export_has_participants_and_follows_the_search(client, login, session):
    login(role="reader")
    company = make_company(session, name="Infinitum AS")
    person = make_contact(session, name="Per Pant")
    make_meeting(session, title="Pantemøte", companies=[company], contacts=[person])
    make_meeting(session, title="Annet møte")
    session.commit()
    response = client.get("/exports/meetings.xlsx?q=Pante")
    rows = list(
        load_workbook(io.BytesIO(response.get_data())).worksheets[0].iter_rows(values_only=True)
    )
    assert len(rows) == 2
    assert rows[1][4] == "Pantemøte" and rows[1][6] == "Infinitum AS" and rows[1][7] == "Per Pant"


def test_each_export_is_logged_with_user_and_what(client, login, session, caplog):
    user = login(role="reader")
    with caplog.at_level(logging.INFO):
        client.get("/exports/contacts.csv?q=x")
    assert any(
        "people-" in r.getMessage() and f"user {user.id}" in r.getMessage() for r in caplog.records
    )


def test_full_export_parses_and_has_every_table_without_secrets(client, login, session):
    admin = login(role="admin")
    make_company(session, name="Arkiv AS")
    session.commit()
    response = client.get("/exports/everything.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.get_data(as_text=True))
    tables = document["tables"]
    expected = {t.name for t in db.metadata.sorted_tables} - {"user_sessions"}
    assert set(tables) == expected
    assert [c["name"] for c in tables["companies"]] == ["Arkiv AS"]
    user_row = next(u for u in tables["users"] if u["id"] == admin.id)
    assert "password_hash" not in user_row and "calendar_token_hash" not in user_row
    assert "user_sessions" not in tables


def test_readers_may_export_lists_but_not_everything(client, login, session):
    login(role="reader")
    assert client.get("/exports/meetings.csv").status_code == 200
    assert client.get("/exports/everything.json").status_code == 403


def test_establishment_cases_export_follows_the_list_filters(client, login, session):
    from crm.establishments import services as case_services
    from crm.establishments.models import EstablishmentCase

    login(role="reader")
    stages = {s.key: s for s in case_services.seed_stages(session)}
    heia = make_place(session, name="Heia")
    wanted = make_company(session, name="=Hydrogen Heia AS")
    other = make_company(session, name="Butikken AS")
    session.add_all(
        [
            EstablishmentCase(
                company=wanted,
                kind="new",
                stage=stages["site_search"],
                area_m2=5000,
                expected_jobs=40,
                wished_places=[heia],
            ),
            EstablishmentCase(company=other, kind="retention", stage=stages["first_contact"]),
        ]
    )
    session.commit()

    response = client.get(f"/exports/establishments.xlsx?place_id={heia.id}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # the header and the one case wished in Heia
    assert rows[1][1] == "'=Hydrogen Heia AS"  # neutralised against formula injection
    assert rows[1][3] == stages["site_search"].name
    assert "Heia" in rows[1][7] and rows[1][8] == 5000 and rows[1][9] == 40

    everything = client.get("/exports/establishments.csv")
    assert len(_csv_rows(everything)) == 3


def test_meetings_export_honours_the_staff_and_strategy_filters(client, login, session):
    from tests.factories import make_strategy, make_user

    me = login(role="reader")
    strategy = make_strategy(session, number="2.3", name="Flere nettverk og klynger")
    other = make_user(session)
    company = make_company(session)
    make_meeting(
        session, title="Mitt klyngemøte", companies=[company], staff=[me], strategies=[strategy]
    )
    make_meeting(session, title="Mitt andre møte", companies=[company], staff=[me])
    make_meeting(
        session,
        title="Kollegas klyngemøte",
        companies=[company],
        staff=[other],
        strategies=[strategy],
    )
    session.commit()

    query = f"?user_id={me.id}&strategy_id={strategy.id}"
    rows = _csv_rows(client.get("/exports/meetings.csv" + query))
    assert [row[4] for row in rows[1:]] == ["Mitt klyngemøte"]
    listed = client.get("/meetings/" + query).get_data(as_text=True)
    assert "Mitt klyngemøte" in listed and "Mitt andre møte" not in listed
