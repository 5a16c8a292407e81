"""People's pages: status codes, messages beside fields, permissions and the query bound."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from crm.contacts.models import Affiliation, Contact
from tests.conftest import csrf_token, post_form
from tests.factories import (
    DEFAULT_PASSWORD,
    make_affiliation,
    make_company,
    make_contact,
    make_meeting,
    make_user,
)


def affiliate(session, contact, company=None, **overrides):
    """An affiliation of `contact` (by id: make_affiliation would make a stray person otherwise)."""
    company = company or make_company(session)
    return make_affiliation(session, contact_id=contact.id, company_id=company.id, **overrides)


def _html(response) -> str:
    return response.get_data(as_text=True)


# --- list and detail -------------------------------------------------------------------------


def test_list_and_detail_show_last_contacted_from_a_meeting(client, login, session):
    login(role="reader")
    kari = make_contact(session, name="Kari Nordmann", phone="+4722222222")
    session.commit()
    assert "05.03.2024" not in _html(client.get("/contacts/"))
    meeting = make_meeting(
        session,
        title="Besøk hos IFE",
        starts_at=datetime(2024, 3, 5, 10, tzinfo=UTC),
        contacts=[kari],
    )
    session.commit()
    listing = _html(client.get("/contacts/"))
    assert "05.03.2024" in listing
    assert "22 22 22 22" in listing  # +47 numbers shown nationally
    page = client.get(f"/contacts/{kari.id}")
    assert page.status_code == 200
    html = _html(page)
    assert "5. mars 2024" in html
    assert 'href="tel:+4722222222"' in html
    assert f'<a href="/meetings/{meeting.id}">Besøk hos IFE</a>' in html


def test_list_filters_by_organisation_number_without_javascript(client, login, session):
    login(role="reader")
    ife = make_company(session, name="IFE", org_number="923609016")
    affiliate(session, make_contact(session, name="Kari at IFE"), ife)
    make_contact(session, name="Ola elsewhere")
    session.commit()
    html = _html(client.get("/contacts/?company=923+609+016"))
    assert "Kari at IFE" in html and "Ola elsewhere" not in html
    html = _html(client.get(f"/contacts/?company=IFE&company_id={ife.id}"))
    assert "Kari at IFE" in html and "Ola elsewhere" not in html


def test_list_with_unknown_organisation_says_so_and_lists_nobody(client, login, session):
    login(role="reader")
    make_contact(session, name="Ola elsewhere")
    session.commit()
    html = _html(client.get("/contacts/?company_id=999999"))
    assert 'id="company-error"' in html and "Ola elsewhere" not in html


def test_list_search_and_sort_links(client, login, session):
    login(role="reader")
    make_contact(session, name="Kari Nordmann")
    make_contact(session, name="Ola Hansen")
    session.commit()
    html = _html(client.get("/contacts/?q=kari&sort=-last_contacted"))
    assert "Kari Nordmann" in html and "Ola Hansen" not in html
    assert 'aria-sort="descending"' in html


def _add_people(session, n: int) -> None:
    for _ in range(n):
        contact = make_contact(session, phone="+4722222222")
        affiliate(session, contact, primary=True)
        affiliate(session, contact, end_date=date(2020, 1, 1))
        make_meeting(session, contacts=[contact])
    session.commit()


def test_list_query_count_does_not_grow_with_rows(client, login, session, count_queries):
    login(role="reader")
    _add_people(session, 3)
    client.get("/contacts/?sort=-last_contacted")  # the first visit keeps the filter
    with count_queries() as few:
        assert client.get("/contacts/?sort=-last_contacted").status_code == 200
    _add_people(session, 27)
    with count_queries() as many:
        assert client.get("/contacts/?sort=-last_contacted").status_code == 200
    # The bare list reopens with the last filter (the sort above).
    assert (
        _html(client.get("/contacts/", follow_redirects=True)).count('<td><a href="/contacts/')
        == 30
    )
    assert len(many) == len(few)


def test_detail_query_count_does_not_grow_with_meetings(client, login, session, count_queries):
    login(role="reader")
    kari = make_contact(session)
    affiliate(session, kari)
    make_meeting(session, contacts=[kari], companies=[make_company(session)])
    session.commit()
    with count_queries() as few:
        assert client.get(f"/contacts/{kari.id}").status_code == 200
    for _ in range(10):
        affiliate(session, kari)
        make_meeting(session, contacts=[kari], companies=[make_company(session)])
    session.commit()
    with count_queries() as many:
        assert client.get(f"/contacts/{kari.id}").status_code == 200
    assert len(many) == len(few)


def test_notes_are_escaped_and_keep_their_line_breaks(client, login, session):
    login(role="reader")
    kari = make_contact(session, notes="Line one\n<script>alert(1)</script>")
    session.commit()
    html = _html(client.get(f"/contacts/{kari.id}"))
    assert "Line one<br>\n&lt;script&gt;" in html  # Markdown, with raw HTML shown as text
    assert "<script>alert(1)" not in html


def test_reader_sees_no_edit_controls(client, login, session):
    login(role="reader")
    kari = make_contact(session)
    affiliate(session, kari)
    session.commit()
    html = _html(client.get(f"/contacts/{kari.id}"))
    assert f"/contacts/{kari.id}/edit" not in html and "/export" not in html
    assert "/remove" not in html


# --- create and edit -------------------------------------------------------------------------


def test_create_saves_normalised_values_and_redirects(client, login, session):
    login()
    response = post_form(
        client,
        "/contacts/new",
        {"name": "Kari Nordmann", "email": "Kari@IFE.no", "phone": "22 22 22 22", "notes": ""},
    )
    assert response.status_code == 302
    kari = session.scalar(select(Contact).where(Contact.name == "Kari Nordmann"))
    assert response.headers["Location"] == f"/contacts/{kari.id}"
    assert (kari.email, kari.phone) == ("Kari@ife.no", "+4722222222")


def test_create_refuses_invalid_phone_and_email_beside_the_fields(client, login, session):
    login()
    response = post_form(
        client, "/contacts/new", {"name": "Kari", "email": "kari@", "phone": "123"}
    )
    assert response.status_code == 400
    html = _html(response)
    assert 'id="phone-error"' in html and "ikke et gyldig telefonnummer" in html
    assert 'id="email-error"' in html
    assert 'value="123"' in html  # what the user typed is kept
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_duplicate_email_is_refused_with_a_link_to_the_other_person(client, login, session):
    login()
    other = make_contact(session, name="Ola <Hansen>", email="ola@nilu.no")
    session.commit()
    response = post_form(client, "/contacts/new", {"name": "Ola H", "email": "OLA@nilu.no"})
    assert response.status_code == 400
    html = _html(response)
    assert f'<a href="/contacts/{other.id}">Ola &lt;Hansen&gt;</a>' in html
    assert session.scalar(select(func.count()).select_from(Contact)) == 1


def test_edit_saves_with_the_current_version(client, login, session):
    login()
    kari = make_contact(session, name="Kari")
    session.commit()
    page = _html(client.get(f"/contacts/{kari.id}/edit"))
    assert f'name="version" type="hidden" value="{kari.version}"' in page
    response = post_form(
        client,
        f"/contacts/{kari.id}/edit",
        {"name": "Kari Nordmann", "email": "", "phone": "", "version": kari.version},
    )
    assert response.status_code == 302
    session.refresh(kari)
    assert kari.name == "Kari Nordmann" and kari.email is None


def test_edit_over_a_newer_version_is_refused_and_input_kept(client, login, session):
    login()
    kari = make_contact(session, name="Kari")
    session.commit()
    loaded = kari.version
    kari.name = "Kari (saved by a colleague)"
    session.commit()
    response = post_form(
        client,
        f"/contacts/{kari.id}/edit",
        {"name": "My change", "email": "", "phone": "", "version": loaded},
    )
    assert response.status_code == 400
    html = _html(response)
    assert "Someone else saved" in html or "Noen andre" in html
    assert 'value="My change"' in html
    session.refresh(kari)
    assert kari.name == "Kari (saved by a colleague)"


# --- affiliations ----------------------------------------------------------------------------


def test_add_affiliation_by_organisation_number_and_primary(client, login, session):
    login()
    kari = make_contact(session)
    old = affiliate(session, kari, primary=True)
    nilu = make_company(session, name="NILU", org_number="923609016")
    session.commit()
    page = _html(client.get(f"/contacts/{kari.id}/affiliations/new"))
    assert 'data-typeahead="companies"' in page and 'data-target="company_id"' in page
    assert 'id="company_id"' in page
    response = post_form(
        client,
        f"/contacts/{kari.id}/affiliations/new",
        {"company": "923609016", "company_id": "", "title": "Forsker", "primary": "y"},
    )
    assert response.status_code == 302
    added = session.scalar(select(Affiliation).where(Affiliation.company_id == nilu.id))
    session.refresh(old)
    assert added.primary and added.title == "Forsker" and not old.primary


def test_add_affiliation_by_chosen_id(client, login, session):
    login()
    kari = make_contact(session)
    ife = make_company(session, name="IFE")
    session.commit()
    response = post_form(
        client, f"/contacts/{kari.id}/affiliations/new", {"company": "IFE", "company_id": ife.id}
    )
    assert response.status_code == 302
    assert session.scalar(select(Affiliation.company_id)) == ife.id


def test_add_affiliation_with_unknown_organisation_or_bad_dates_is_refused(client, login, session):
    login()
    kari = make_contact(session)
    ife = make_company(session)
    session.commit()
    path = f"/contacts/{kari.id}/affiliations/new"
    response = post_form(client, path, {"company": "Ukjent", "company_id": "999999"})
    assert response.status_code == 400 and 'id="company-error"' in _html(response)
    response = post_form(
        client,
        path,
        {"company_id": ife.id, "start_date": "2022-05-01", "end_date": "2022-04-01"},
    )
    assert response.status_code == 400 and 'id="end_date-error"' in _html(response)
    assert 'value="2022-04-01"' in _html(response)
    assert session.scalar(select(func.count()).select_from(Affiliation)) == 0


def test_end_and_remove_an_affiliation(client, login, session):
    login()
    kari = make_contact(session)
    affiliation = affiliate(session, kari, start_date=date(2020, 1, 1))
    session.commit()
    detail = f"/contacts/{kari.id}"
    response = post_form(
        client,
        f"{detail}/affiliations/{affiliation.id}/end",
        {"end_date": "2023-06-30"},
        form_page=detail,
    )
    assert response.status_code == 302
    session.refresh(affiliation)
    assert affiliation.end_date == date(2023, 6, 30)
    response = post_form(
        client, f"{detail}/affiliations/{affiliation.id}/remove", {}, form_page=detail
    )
    assert response.status_code == 302
    assert session.scalar(select(func.count()).select_from(Affiliation)) == 0


def test_ending_before_the_start_is_refused_with_a_message(client, login, session):
    login()
    kari = make_contact(session)
    affiliation = affiliate(session, kari, start_date=date(2020, 1, 1))
    session.commit()
    detail = f"/contacts/{kari.id}"
    response = post_form(
        client,
        f"{detail}/affiliations/{affiliation.id}/end",
        {"end_date": "2019-01-01"},
        form_page=detail,
    )
    assert response.status_code == 302
    assert "alert-danger" in _html(client.get(detail))
    session.refresh(affiliation)
    assert affiliation.end_date is None


def test_another_persons_affiliation_is_404(client, login, session):
    login()
    kari = make_contact(session)
    others = make_affiliation(session)
    session.commit()
    detail = f"/contacts/{kari.id}"
    response = post_form(client, f"{detail}/affiliations/{others.id}/remove", {}, form_page=detail)
    assert response.status_code == 404
    assert session.get(Affiliation, others.id) is not None


# --- GDPR export -----------------------------------------------------------------------------


def test_export_is_a_json_attachment_with_the_meeting_titles(client, login, session):
    login()
    kari = make_contact(session, name="Kari")
    make_meeting(session, title="Besøk på Kjeller", contacts=[kari])
    make_meeting(session, title="Solenergiklyngen møte", contacts=[kari])
    session.commit()
    html = _html(client.get(f"/contacts/{kari.id}"))
    assert f'href="/contacts/{kari.id}/export"' in html
    response = client.get(f"/contacts/{kari.id}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["name"] == "Kari"
    assert {m["title"] for m in data["meetings"]} == {"Besøk på Kjeller", "Solenergiklyngen møte"}


# --- permissions and 404s --------------------------------------------------------------------


def test_reader_may_read_but_not_write(client, login, session):
    login(role="reader")
    kari = make_contact(session, name="Kari")
    affiliation = affiliate(session, kari)
    session.commit()
    assert client.get("/contacts/").status_code == 200
    assert client.get(f"/contacts/{kari.id}").status_code == 200
    token = csrf_token(client, "/account/password")
    refused = [
        client.get("/contacts/new"),
        client.post("/contacts/new", data={"csrf_token": token, "name": "X"}),
        client.get(f"/contacts/{kari.id}/edit"),
        client.post(f"/contacts/{kari.id}/edit", data={"csrf_token": token, "name": "X"}),
        client.get(f"/contacts/{kari.id}/export"),
        client.post(
            f"/contacts/{kari.id}/affiliations/new",
            data={"csrf_token": token, "company_id": affiliation.company_id},
        ),
        client.post(
            f"/contacts/{kari.id}/affiliations/{affiliation.id}/end",
            data={"csrf_token": token, "end_date": "2024-01-01"},
        ),
        client.post(
            f"/contacts/{kari.id}/affiliations/{affiliation.id}/remove",
            data={"csrf_token": token},
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    session.refresh(kari)
    assert kari.name == "Kari" and session.get(Affiliation, affiliation.id).end_date is None


@pytest.mark.parametrize(
    "path", ["/contacts/999999", "/contacts/999999/edit", "/contacts/999999/export"]
)
def test_unknown_person_is_404(client, login, path):
    login()
    assert client.get(path).status_code == 404


def test_unknown_affiliation_is_404(client, login, session):
    login()
    kari = make_contact(session)
    session.commit()
    detail = f"/contacts/{kari.id}"
    response = post_form(
        client, f"{detail}/affiliations/999999/end", {}, form_page="/account/password"
    )
    assert response.status_code == 404


def test_erasing_a_person_removes_them_and_their_affiliations_but_keeps_the_meetings(
    client, login, session
):
    from crm.meetings.models import Meeting

    login(role="editor")
    person = make_contact(session, name="Ola Slett")
    company = make_company(session)
    make_affiliation(session, contact=person, company=company)
    meeting = make_meeting(session, title="Møtet består", companies=[company], contacts=[person])
    session.commit()
    person_id, meeting_id = person.id, meeting.id

    page = client.get(f"/contacts/{person_id}/erase").get_data(as_text=True)
    assert "1 affiliation" in page or "1 tilknytning" in page
    refused = post_form(client, f"/contacts/{person_id}/erase", {"version": "1"})
    assert refused.status_code == 400  # the box was not ticked
    assert session.get(Contact, person_id) is not None

    response = post_form(client, f"/contacts/{person_id}/erase", {"version": "1", "confirm": "y"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Contact, person_id) is None
    assert session.scalar(select(func.count()).select_from(Affiliation)) == 0
    kept = session.get(Meeting, meeting_id)
    assert kept is not None and kept.contacts == []


def test_readers_cannot_erase_a_person(client, login, session):
    login(role="reader")
    person = make_contact(session)
    session.commit()
    assert client.get(f"/contacts/{person.id}/erase").status_code == 403


def test_seeing_downloading_and_erasing_a_person_is_logged_without_their_data(
    app, client, login, session
):
    from crm.contacts.models import ContactAccess

    editor = login(role="editor")
    person = make_contact(session, name="Sporbar Person", email="sporbar@example.no")
    session.commit()
    person_id = person.id
    client.get(f"/contacts/{person_id}")
    client.get(f"/contacts/{person_id}/export")
    post_form(client, f"/contacts/{person_id}/erase", {"version": "1", "confirm": "y"})
    client.get("/exports/contacts.csv")

    entries = session.scalars(select(ContactAccess).order_by(ContactAccess.id)).all()
    assert [(e.action, e.contact_id, e.user_id) for e in entries] == [
        ("viewed", person_id, editor.id),
        ("exported", person_id, editor.id),
        ("erased", person_id, editor.id),
        ("listed_in_export", None, editor.id),
    ]
    assert all("Sporbar" not in e.detail and "sporbar@" not in e.detail for e in entries)

    # The trail outlives the erasure, and only admins read it.
    assert client.get(f"/contacts/{person_id}/access").status_code == 403
    admin_client = app.test_client()
    admin = make_user(session, role="admin")
    session.commit()
    post_form(admin_client, "/auth/login", {"email": admin.email, "password": DEFAULT_PASSWORD})
    page = admin_client.get(f"/contacts/{person_id}/access").get_data(as_text=True)
    assert editor.name in page and "Slettet" in page
    assert admin_client.get("/contacts/999999/access").status_code == 404


def test_phone_numbers_are_shown_as_the_phone_library_writes_them():
    # Norwegian numbers skip phonenumbers.parse (crm.contacts.routes.phone_display) and are
    # written by the layout of their first four digits: for every first four digits, in
    # Norway's and Svalbard's ranges, the text must be the library's own.
    import phonenumbers

    from crm.contacts.routes import phone_display

    def written(value: str) -> str:
        number = phonenumbers.parse(value, "NO")
        region = phonenumbers.region_code_for_number(number)
        style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
        if region == "NO":
            style = phonenumbers.PhoneNumberFormat.NATIONAL
        return phonenumbers.format_number(number, style)

    numbers = [f"+47{head}{tail}" for head in range(10, 100) for tail in ("123456", "000001")]
    numbers += [f"+47{head}{(head * 7919) % 10_000:04d}" for head in range(1000, 10_000)]
    numbers += ["+4779021234", "+4702800", "+46701234567", "+4741234567"]
    for value in numbers:
        assert phone_display(value) == written(value), value
    assert phone_display("not a number") == "not a number"
    assert phone_display(None) == ""
