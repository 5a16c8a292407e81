"""Log a meeting from the calendar in a real browser: an invitation chosen on the meeting form
fills it in (static/js/invitation.js against POST /meetings/invitation), then it is saved.

Until the capture form includes templates/_partials/invitation_drop.html, the test puts the
partial, rendered by the server, into the meeting form itself.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from crm.auth.models import User
from crm.common.dates import local_today
from crm.extensions import db
from crm.meetings.models import Meeting
from tests.browser.conftest import SCREENSHOTS, check_accessibility, sign_in
from tests.factories import make_company

pytestmark = pytest.mark.browser

# A weekly series written by hand like Google's (RFC 5545), dated from the day the test runs.
SERIES = """BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
METHOD:REQUEST\r
BEGIN:VEVENT\r
DTSTART;TZID=Europe/Oslo:{first}T090000\r
DTEND;TZID=Europe/Oslo:{first}T100000\r
RRULE:FREQ=WEEKLY;COUNT=3\r
DTSTAMP:20261201T101010Z\r
ORGANIZER;CN=Siri Bøe:mailto:siri.boe@kjellerinnovasjon.test\r
UID:browser-series@google.com\r
ATTENDEE;CUTYPE=INDIVIDUAL;CN=Siri Bøe:mailto:siri.boe@kjellerinnovasjon.test\r
ATTENDEE;CUTYPE=INDIVIDUAL;CN=Editor Testesen:mailto:editor@lillestrom.kommune.no\r
ATTENDEE;CUTYPE=INDIVIDUAL;CN=Øystein Ås:mailto:oystein@aas-gartneri.test\r
DESCRIPTION:Ukentlig avsjekk i gründerprogrammet.\r
LOCATION:Kjeller Innovasjon\\, Instituttveien 10\r
SUMMARY:Gründerprogrammet – ukentlig avsjekk\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;TZID=Europe/Oslo:{moved}T130000\r
DTEND;TZID=Europe/Oslo:{moved}T143000\r
DTSTAMP:20261201T101010Z\r
RECURRENCE-ID;TZID=Europe/Oslo:{second}T090000\r
UID:browser-series@google.com\r
LOCATION:Scale Up\\, Lillestrøm\r
SUMMARY:Gründerprogrammet – avsjekk (flyttet)\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_an_invitation_fills_the_meeting_form_and_is_saved(page, live_server, tmp_path):
    app = live_server.app
    with app.app_context():
        host = make_company(db.session, name="Kjeller Innovasjon (test)",
                            website="https://kjellerinnovasjon.test")  # fmt: skip
        db.session.commit()
        host_id = host.id
        editor_id = db.session.scalar(
            db.select(User.id).where(User.email == "editor@lillestrom.kommune.no")
        )
    first = local_today() + timedelta(days=7)
    second, moved = first + timedelta(days=7), first + timedelta(days=8)
    invitation = tmp_path / "invitasjon.ics"
    invitation.write_text(
        SERIES.format(first=f"{first:%Y%m%d}", second=f"{second:%Y%m%d}", moved=f"{moved:%Y%m%d}"),
        encoding="utf-8",
        newline="",
    )

    sign_in(page, "editor")
    page.goto("/meetings/new")
    expect(page.locator("[data-invitation-submit]")).to_have_count(0)

    page.get_by_label("Invitasjon fra kalenderen din").set_input_files(str(invitation))
    status = page.locator("[data-invitation-status]")
    expect(status).to_contain_text("Fylt ut fra invitasjonen")
    expect(page.locator("#title")).to_have_value("Gründerprogrammet – ukentlig avsjekk")
    expect(page.locator("#day")).to_have_value(first.isoformat())
    expect(page.locator("#time")).to_have_value("09:00")
    expect(page.locator("#duration_minutes")).to_have_value("60")
    expect(page.locator("#location")).to_have_value("Kjeller Innovasjon, Instituttveien 10")
    expect(page.locator("#notes")).to_have_value("Ukentlig avsjekk i gründerprogrammet.")
    chips = page.locator('ul[data-chosen-for="company_ids"] li')
    expect(chips).to_have_count(1)
    expect(chips).to_contain_text("Kjeller Innovasjon (test)")
    # The adviser is preselected and on the invitation: one chip, not two.
    staff = page.locator('ul[data-chosen-for="staff_ids"] li')
    expect(staff).to_have_count(1)
    expect(staff).to_contain_text("Editor Testesen")
    unmatched = page.locator("[data-invitation-unmatched]")
    expect(unmatched).to_be_visible()
    expect(unmatched.locator("li")).to_have_text(
        [
            re.compile("^Siri Bøe <siri.boe@kjellerinnovasjon.test> Legg til som ny person"),
            re.compile("^Øystein Ås <oystein@aas-gartneri.test> Legg til som ny person"),
        ]
    )
    add = unmatched.get_by_role("link", name="Legg til som ny person Siri Bøe")
    expect(add).to_have_attribute(
        "href", "/contacts/new?name=Siri+B%C3%B8e&email=siri.boe%40kjellerinnovasjon.test"
    )

    # A series: the next meeting is chosen; choosing the moved one fills in its time and place.
    occurrence = page.get_by_label("Hvilket møte i serien")
    expect(occurrence.locator("option")).to_have_count(3)
    occurrence.select_option(moved.isoformat())
    expect(page.locator("#time")).to_have_value("13:00")
    expect(page.locator("#day")).to_have_value(moved.isoformat())
    expect(page.locator("#location")).to_have_value("Scale Up, Lillestrøm")
    expect(chips).to_have_count(1)  # chosen once, however often the file is read
    check_accessibility(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "invitation_filled_form.png"), full_page=True)

    page.get_by_role("button", name="Lagre").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    meeting_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.title == "Gründerprogrammet – avsjekk (flyttet)"
        assert meeting.location == "Scale Up, Lillestrøm"
        assert [c.id for c in meeting.companies] == [host_id]
        assert [u.id for u in meeting.staff] == [editor_id]
