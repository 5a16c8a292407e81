"""History and trash in a real browser: edit an organisation and read its history; delete a
meeting, find it in the trash, and restore it as an admin. Every page passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from crm.extensions import db
from tests.browser.conftest import check_accessibility, sign_in
from tests.factories import make_company, make_contact, make_meeting


@pytest.fixture(scope="module")
def records(live_server):
    """An organisation and a meeting of this test's own (the shared `ids` stay as they are)."""
    with live_server.app.app_context():
        company = make_company(db.session, name="Historisk Kraft AS", employees=12)
        meeting = make_meeting(
            db.session,
            title="Befaring på Heia",
            companies=[company],
            contacts=[make_contact(db.session, name="Hanne Historisk")],
        )
        db.session.commit()
        return {"company": company.id, "meeting": meeting.id}


def test_edit_an_organisation_then_read_its_history(page, live_server, records):
    sign_in(page, "editor")
    page.goto(f"/companies/{records['company']}/edit")
    page.get_by_label("Ansatte", exact=True).fill("35")
    page.get_by_label("Ansatte", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(rf"/companies/{records['company']}$"))
    page.get_by_role("link", name="Historikk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Historikk: Historisk Kraft AS")
    row = page.get_by_role("row").filter(has_text="Ansatte").first
    expect(row).to_contain_text("12")
    expect(row).to_contain_text("35")
    expect(row).to_contain_text("Endret")
    check_accessibility(page)


def test_delete_a_meeting_and_restore_it_from_the_trash(page, live_server, records):
    sign_in(page, "editor")
    page.goto(f"/meetings/{records['meeting']}")
    page.get_by_role("link", name="Slett …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Slett Befaring på Heia")
    check_accessibility(page)
    page.get_by_role("button", name="Legg i papirkurven").click()
    expect(page.get_by_role("alert").or_(page.locator(".alert-success"))).to_contain_text(
        "Befaring på Heia er lagt i papirkurven"
    )
    assert page.goto(f"/meetings/{records['meeting']}").status == 404
    page.goto("/trash/")
    expect(page.get_by_role("cell", name="Befaring på Heia")).to_be_visible()
    # Editors see the trash; only an admin restores.
    expect(page.get_by_role("button", name=re.compile("Gjenopprett"))).to_have_count(0)

    page.context.clear_cookies()
    sign_in(page, "admin")
    page.goto("/trash/")
    check_accessibility(page)
    page.get_by_role("button", name="Gjenopprett Befaring på Heia").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{records['meeting']}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Befaring på Heia")
    expect(page.get_by_text("Hanne Historisk").first).to_be_visible()
    page.get_by_role("link", name="Historikk").click()
    expect(page.get_by_role("cell", name="Gjenopprettet fra papirkurven").first).to_be_visible()
    page.goto("/history/?q=Heia")
    expect(page.get_by_role("heading", level=1)).to_have_text("Endringslogg")
    check_accessibility(page)
