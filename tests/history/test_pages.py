"""The "Historikk" tab of organisations, people, meetings and cases, and the admin's change log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.contacts.models import ContactAccess
from tests.establishments.helpers import make_case, seed
from tests.factories import make_company, make_contact, make_meeting


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_an_organisation_shows_who_changed_what_in_readable_words(client, login, session):
    login(role="reader", name="Lise Leser")
    company = make_company(session, name="Infinitum", kind="company", employees=40)
    session.commit()
    company.kind = "research"
    company.employees = 2000
    session.commit()
    html = _page(client, f"/history/companies/{company.id}")
    assert "Historikk: Infinitum" in html
    # Field and choice labels in bokmål, numbers as the reader writes them.
    assert "Type" in html or "Slag" in html
    assert "Bedrift" in html and "Forskningsinstitutt" in html
    assert "2\u00a0000" in html or "2 000" in html
    assert "Endret" in html
    # The organisation's page links to it.
    assert f"/history/companies/{company.id}" in _page(client, f"/companies/{company.id}")


@pytest.mark.parametrize("kind", ["contacts", "meetings", "establishment_cases"])
def test_people_meetings_and_cases_have_their_history(client, login, session, kind):
    login(role="reader")
    if kind == "contacts":
        record = make_contact(session, name="Kari Nordmann")
        session.commit()
        record.phone = "+4791234567"
    elif kind == "meetings":
        record = make_meeting(session, title="Besøk hos RainPower")
        session.commit()
        record.notes = "Vil utvide på Sørumsand."
    else:
        seed(session)
        record = make_case(session, company_id=make_company(session, name="Pon Equipment").id)
        session.commit()
        record.expected_jobs = 120
    session.commit()
    html = _page(client, f"/history/{kind}/{record.id}")
    assert {"contacts": "+4791234567", "meetings": "Vil utvide", "establishment_cases": "120"}[
        kind
    ] in html


def test_reading_a_persons_history_is_in_the_access_log(client, login, session):
    user = login(role="reader")
    person = make_contact(session)
    session.commit()
    _page(client, f"/history/contacts/{person.id}")
    logged = session.scalars(
        select(ContactAccess).where(ContactAccess.contact_id == person.id)
    ).all()
    assert [(a.user_id, a.action, a.detail) for a in logged] == [(user.id, "viewed", "history")]


def test_no_history_page_for_a_record_that_is_gone(client, login, session):
    login(role="admin")
    company = make_company(session)
    session.commit()
    company_id = company.id
    session.delete(company)
    session.commit()
    assert client.get(f"/history/companies/{company_id}").status_code == 404
    assert client.get("/history/users/1").status_code == 404


def test_the_admin_change_log_searches_and_filters(client, login, session):
    admin = login(role="admin")
    make_company(session, name="Lillestrøm kultursenter")
    make_contact(session, name="Ola Hansen")
    session.commit()
    html = _page(client, "/history/?q=kultursenter")
    assert "Lillestrøm kultursenter" in html and "Ola Hansen" not in html
    html = _page(client, "/history/?table=contacts")
    assert "Ola Hansen" in html and "Lillestrøm kultursenter" not in html
    # Text inside the values, beyond ASCII (JSON escapes it).
    company = make_company(session, name="X")
    session.commit()
    company.description = "Møtested på Strømmen"
    session.commit()
    assert "Møtested på Strømmen" in _page(client, "/history/?q=Strømmen")
    html = _page(client, f"/history/?user={admin.id}&date_from=2999-01-01")
    assert "Ingen endringer" in html


def test_readers_and_editors_do_not_see_the_whole_log(client, login):
    login(role="editor")
    assert client.get("/history/").status_code == 403
