"""Personal data to the end, in a real browser: an admin restricts a person and lifts it again;
an adviser marks a meeting's notes as exempt and downloads the period's archive package."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from crm.extensions import db
from tests.browser.conftest import check_accessibility, sign_in
from tests.factories import make_company, make_contact, make_meeting

pytestmark = pytest.mark.browser


def test_an_admin_restricts_a_person_who_then_is_gone_from_the_list_for_editors(
    page, live_server, browser
):
    with live_server.app.app_context():
        person = make_contact(db.session, name="Begrensa Bjørnstad")
        db.session.commit()
        person_id = person.id
    sign_in(page, "admin")
    page.goto(f"/contacts/{person_id}")
    page.get_by_role("link", name="Begrens behandlingen …").click()
    page.get_by_label("Hvorfor begrenses behandlingen?").fill("Personen bestrider opplysningene")
    page.get_by_role("button", name="Begrens").click()
    expect(page.locator(".alert-warning")).to_contain_text("artikkel 18")
    check_accessibility(page)

    editor = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    sign_in(editor, "editor")
    editor.goto("/contacts/?q=Begrensa")
    expect(editor.locator("main")).not_to_contain_text("Begrensa Bjørnstad")
    assert editor.goto(f"/contacts/{person_id}").status == 404
    editor.context.close()

    page.get_by_role("link", name="Opphev begrensningen …").click()
    page.get_by_role("button", name="Opphev begrensningen").click()
    expect(page.locator("main")).not_to_contain_text("artikkel 18")


def test_an_exempt_meeting_goes_into_the_archive_package_with_its_ground(page, live_server):
    with live_server.app.app_context():
        company = make_company(db.session, name="Arkivbedriften AS")
        meeting = make_meeting(
            db.session,
            title="Fortrolig tomtemøte",
            companies=[company],
            starts_at=datetime(2023, 2, 14, 9, tzinfo=UTC),
        )
        db.session.commit()
        meeting_id = meeting.id
    sign_in(page, "editor")
    page.goto(f"/meetings/{meeting_id}/edit")
    page.get_by_label("Unntatt offentlighet").select_option(
        label="offl. § 13 jf. fvl. § 13 første ledd nr. 2 – forretningshemmeligheter"
    )
    page.get_by_role("button", name="Lagre møtet").click()
    expect(page.locator(".exemption")).to_contain_text("forretningshemmeligheter")

    page.goto("/meetings/archive")
    check_accessibility(page)
    page.get_by_label("Fra").fill("2023-02-01")
    page.get_by_label("Til").fill("2023-02-28")
    with page.expect_download() as download:
        page.get_by_role("button", name="Last ned pakken").click()
    package = zipfile.ZipFile(download.value.path())
    metadata = package.read(f"meeting-{meeting_id}.xml").decode("utf-8")
    assert "forretningshemmeligheter" in metadata
