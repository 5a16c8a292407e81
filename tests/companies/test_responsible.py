"""The relationship manager (kontaktansvarlig): chosen on the form, shown, filtered, exported."""

from __future__ import annotations

from sqlalchemy import select

from crm.companies.models import Company
from tests.conftest import post_form
from tests.factories import make_company, make_user


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_form_offers_active_users_and_the_page_shows_the_choice(client, login, session):
    active = make_user(session, name="Aktiv Rådgiver")
    make_user(session, name="Sluttet Rådgiver").active = False
    session.commit()
    me = login(role="editor")
    form = _html(client.get("/companies/new"))
    assert "Aktiv Rådgiver" in form and "Sluttet Rådgiver" not in form
    response = post_form(
        client,
        "/companies/new",
        {"name": "Pon Equipment", "kind": "company", "responsible_id": str(active.id)},
    )
    assert response.status_code == 302
    company = session.scalar(select(Company).where(Company.name == "Pon Equipment"))
    assert company.responsible_id == active.id
    page = _html(client.get(f"/companies/{company.id}"))
    assert "Aktiv Rådgiver" in page
    # A deactivated user cannot be chosen; nothing is saved.
    gone = make_user(session, name="Borte")
    gone.active = False
    session.commit()
    data = {"name": "Pon", "kind": "company", "version": str(company.version)}
    response = post_form(
        client, f"/companies/{company.id}/edit", {**data, "responsible_id": str(gone.id)}
    )
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Company, company.id).name == "Pon Equipment"
    assert me.id != active.id


def test_deleting_the_user_empties_the_field(session):
    adviser = make_user(session)
    company = make_company(session, responsible_id=adviser.id)
    session.commit()
    session.delete(adviser)
    session.commit()
    session.expire_all()
    assert session.get(Company, company.id).responsible_id is None


def test_my_organisations_filter_on_the_list_and_its_export(client, login, session):
    other = make_user(session, name="Kollega")
    make_company(session, name="Kollegas AS", responsible_id=other.id)
    make_company(session, name="Ingens AS")
    session.commit()
    me = login(role="reader")
    make_company(session, name="Mine AS", responsible_id=me.id)
    session.commit()
    html = _html(client.get("/companies/?responsible=mine"))
    assert "Mine AS" in html and "Kollegas AS" not in html and "Ingens AS" not in html
    html = _html(client.get(f"/companies/?responsible={other.id}"))
    assert "Kollegas AS" in html and "Mine AS" not in html
    text = client.get("/exports/companies.csv?responsible=mine").get_data(as_text=True)
    assert "Mine AS" in text and "Kollegas AS" not in text and "Ingens AS" not in text
    assert me.name in text
