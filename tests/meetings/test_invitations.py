"""Log a meeting from the calendar: invitations from Outlook, Google and Apple read into the form.

The files in tests/meetings/invitations/ are written by hand to the published formats
(RFC 5545 iCalendar, RFC 5322/2045 mail, Outlook's METHOD:REQUEST with its Windows zone names,
Google's Europe/Oslo VTIMEZONE, Apple's all-day events), with CRLF line ends and folded lines.
"""

from __future__ import annotations

import io
from datetime import date, time
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from crm.common.language import short_date
from crm.meetings.forms import MeetingForm
from crm.meetings.invitations import (
    MAX_BYTES,
    Attendee,
    InvitationError,
    Occurrence,
    match_attendees,
    prefill_from_upload,
    read_invitation,
)
from crm.meetings.models import Meeting
from tests.conftest import csrf_token
from tests.factories import make_company, make_contact, make_user

FILES = Path(__file__).parent / "invitations"
TODAY = date(2027, 3, 24)


def _read(name: str, **kwargs):
    return read_invitation((FILES / name).read_bytes(), today=kwargs.pop("today", TODAY), **kwargs)


# --- reading every field ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["outlook_request.ics", "outlook_invitation.eml"])
def test_outlook_invitation_in_its_windows_time_zone(name):
    """The .ics alone, and the same attached base64 to a mail with a Latin-1 body."""
    invitation = _read(name)
    assert invitation.title == "Hydrogenlager på Kjeller – økonomi og framdrift"
    # "W. Europe Standard Time" is Oslo's zone: 10:00 there is 10:00 here, not 11:00 or 09:00.
    assert (invitation.day, invitation.at) == (date(2026, 12, 3), time(10, 0))
    assert invitation.duration_minutes == 90
    assert invitation.location == "Møterom Øyeren, Rådhuset, Jonas Lies gate 18, Lillestrøm"
    assert invitation.notes == (
        "Hei,\n\nVi møtes for å gå gjennom planene for hydrogenlageret på Kjeller: økonomi, "
        "framdrift og søknaden til Enova.\n\nHilsen Kari"
    )
    # The organiser first, each person once, addresses in lower case, the meeting room left out.
    assert invitation.attendees == [
        Attendee("Kari Nordmann", "kari.nordmann@lillestrom.kommune.no"),
        Attendee("Åse Ødegård", "ase.odegard@ife.no"),
        Attendee("Bjørn Æsø", "bjorn.aeso@post.h2cluster.no"),
        Attendee("Pål Sæther", "pal.saether@gmail.com"),
    ]
    assert invitation.occurrences == [] and invitation.errors == []


@pytest.mark.parametrize("name", ["google_request.ics", "google_invitation.eml"])
def test_google_invitation_with_html_description(name):
    """The .ics alone, and in a mail as a quoted-printable text/calendar alternative."""
    invitation = _read(name)
    assert invitation.title == "Årlig statusmøte – RainPower og kommunen"
    assert (invitation.day, invitation.at, invitation.duration_minutes) == (
        date(2027, 1, 12),
        time(14, 0),
        90,
    )
    assert invitation.location == "RainPower, Sørumsand næringspark"
    # Google puts HTML in DESCRIPTION: the notes get its text, with the line breaks.
    assert invitation.notes.startswith(
        "Agenda\n1. Turbinleveranse til Sørumsand\n2. Søknad om støtte & videre framdrift"
    )
    assert "<" not in invitation.notes and "meet.google.com/abc-defg-hij" in invitation.notes
    # An organiser whose name is only the address gets a name made from it.
    assert invitation.attendees == [
        Attendee("Trond", "trond@rainpower.no"),
        Attendee("Ingrid Løvås", "ingrid.lovas@lillestrom.kommune.no"),
        Attendee("Jørgen Brå", "jorgen.bra@sorumsand-sag.no"),
    ]


def test_apple_all_day_event_has_a_date_and_no_time():
    invitation = _read("apple_all_day.ics")
    assert invitation.title == "Solenergiklyngens årsmøte på Fetsund"
    assert (invitation.day, invitation.at, invitation.duration_minutes) == (
        date(2027, 6, 15),
        None,
        None,
    )
    assert invitation.location == "Fetsund lenser, Fetsund"
    assert invitation.attendees == []


def test_utc_and_floating_times():
    utc = _read("utc_time.ics")  # 07:30Z on 1 July is 09:30 in Oslo (summer time)
    assert (utc.day, utc.at, utc.duration_minutes) == (date(2027, 7, 1), time(9, 30), 45)
    floating = _read("floating_time.ics")  # no zone: the wall-clock time as written
    assert (floating.day, floating.at, floating.duration_minutes) == (
        date(2027, 1, 10),
        time(8, 30),
        45,
    )
    assert floating.location == "Strømmen Storsenter"


# --- recurring series ---------------------------------------------------------------------------


def test_series_gives_the_next_meeting_from_today_and_the_ones_around_it():
    """Weekly on Mondays at 09:00 Oslo from 15 March 2027, across the change to summer time
    (28 March), 5 April left out (EXDATE), 12 April moved to Tuesday 13 April at 13:00."""
    invitation = _read("weekly_series.ics")
    assert (invitation.day, invitation.at) == (date(2027, 3, 29), time(9, 0))
    assert invitation.title == "Gründerprogrammet – ukentlig avsjekk"
    assert invitation.duration_minutes == 60
    assert invitation.occurrences == [
        Occurrence(date(2027, 3, 15), time(9, 0)),
        Occurrence(date(2027, 3, 22), time(9, 0)),  # winter time
        Occurrence(date(2027, 3, 29), time(9, 0)),  # summer time: still 09:00 here
        Occurrence(date(2027, 4, 13), time(13, 0)),  # moved
        Occurrence(date(2027, 4, 19), time(9, 0)),
    ]
    assert invitation.errors == []


def test_series_occurrence_on_a_given_date_including_the_moved_one():
    moved = _read("weekly_series.ics", on=date(2027, 4, 13))
    assert (moved.day, moved.at, moved.duration_minutes) == (date(2027, 4, 13), time(13, 0), 90)
    assert moved.title == "Gründerprogrammet – avsjekk (flyttet)"
    assert moved.location == "Scale Up, Lillestrøm"
    assert moved.notes == "Flyttet til tirsdag: felles med Scale Up."
    # A past occurrence (logged afterwards) is chosen when asked for.
    assert _read("weekly_series.ics", on=date(2027, 3, 15)).day == date(2027, 3, 15)


@pytest.mark.parametrize("left_out", [date(2027, 4, 5), date(2027, 4, 12), date(2027, 4, 14)])
def test_series_has_no_meeting_on_an_excluded_or_moved_date(app, left_out):
    with app.test_request_context(), force_locale("en"):
        invitation = _read("weekly_series.ics", on=left_out, today=date(2027, 4, 1))
        errors = [str(e) for e in invitation.errors]
        assert errors == [f"The series has no meeting on {short_date(left_out)}."]
    assert invitation.day == date(2027, 4, 13)  # the next one instead, with a message


def test_series_that_has_ended_gives_its_last_meeting():
    invitation = _read("weekly_series.ics", today=date(2027, 6, 1))
    assert (invitation.day, invitation.at) == (date(2027, 4, 19), time(9, 0))
    # Read on a leap day too (no "29 February 30 years ago" to trip over).
    assert _read("weekly_series.ics", today=date(2028, 2, 29)).day == date(2027, 4, 19)


NEW_YORK_SERIES = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Koblingsboks tests//Handwritten per RFC 5545//NO\r
BEGIN:VEVENT\r
UID:ny-series@example.com\r
DTSTAMP:20270201T120000Z\r
DTSTART;TZID=America/New_York:20270308T040000\r
DTEND;TZID=America/New_York:20270308T043000\r
RRULE:FREQ=WEEKLY;COUNT=4\r
SUMMARY:Videomøte med Solenergiklyngen USA\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_series_in_another_zone_follows_both_clock_changes():
    """04:00 in New York is 10:00 in Oslo, but 09:00 in the weeks between the US change
    (14 March 2027) and the European one (28 March 2027)."""
    invitation = read_invitation(NEW_YORK_SERIES.encode(), today=date(2027, 3, 1))
    assert [(o.day, o.at) for o in invitation.occurrences] == [
        (date(2027, 3, 8), time(10, 0)),
        (date(2027, 3, 15), time(9, 0)),
        (date(2027, 3, 22), time(9, 0)),
        (date(2027, 3, 29), time(10, 0)),
    ]
    assert invitation.duration_minutes == 30


# --- bad files ----------------------------------------------------------------------------------


def _series(start: str, rule: str) -> bytes:
    return (
        f"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:s\r\nDTSTART:{start}\r\nRRULE:{rule}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
NO_EVENT = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n"
DAMAGED = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2027-13-45\r\nthis is not ical\r\n"
MAIL_WITHOUT_INVITATION = (
    b"From: a@example.no\r\nSubject: Hei\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nBare tekst, ingen invitasjon.\r\n"
)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (PNG, "not an invitation"),
        (b"Just some notes about the meeting.", "not an invitation"),
        (NO_EVENT, "no meeting"),
        (DAMAGED, "damaged"),
        (MAIL_WITHOUT_INVITATION, "no invitation attached"),
        (b"BEGIN:VCALENDAR\r\n" + b"X" * MAX_BYTES, "too large"),
        (_series("20270105T090000Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"), "series"),
        (_series("20270105T090000Z", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6"), "series"),
        (_series("20270105T090000Z", "FREQ=SECONDLY"), "series"),
        (_series("19500105T090000Z", "FREQ=DAILY"), "series"),
        (_series("20270105T090000Z", "FREQ=DAILY;UNTIL=2027-13"), "damaged"),
        (_series("2027010", "FREQ=DAILY"), "damaged"),
    ],
)
def test_bad_files_are_refused_with_a_message(app, data, words):
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(InvitationError) as refused:
            read_invitation(data, today=TODAY)
        assert words in str(refused.value.message)


def test_latin1_calendar_part_in_a_mail_is_read_by_its_charset():
    ics = (FILES / "floating_time.ics").read_text(encoding="utf-8").encode("iso-8859-1")
    mail = (
        b"From: a@example.no\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: text/calendar; charset="iso-8859-1"; method=REQUEST\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + ics
    )
    assert read_invitation(mail, today=TODAY).title == "Frokostmøte på Strømmen"


# --- matching attendees -------------------------------------------------------------------------


def test_attendees_matched_to_staff_people_and_organisations(session):
    kari = make_user(session, name="Kari Nordmann", email="kari.nordmann@lillestrom.kommune.no")
    make_user(session, name="Gone", email="pal.saether@gmail.com").active = False
    ase = make_contact(session, name="Åse Ødegård", email="Ase.Odegard@ife.no")
    ife = make_company(session, name="Institutt for energiteknikk", website="https://www.ife.no/")
    h2 = make_company(session, name="H2Cluster", website="h2cluster.no")
    make_company(session, name="Not H2", website="https://noth2cluster.no")
    make_company(session, name="Gmail fan club", website="https://gmail.com")
    make_company(session, name="The municipality", website="https://www.lillestrom.kommune.no")
    attendees = _read("outlook_request.ics").attendees

    found = match_attendees(session, attendees, staff_domains=["lillestrom.kommune.no"])

    assert found.staff == [(kari.id, "Kari Nordmann")]
    assert found.contacts == [(ase.id, "Åse Ødegård")]
    # ife.no from Åse's address, h2cluster.no from post.h2cluster.no; gmail.com and the
    # municipality's own domain name no organisation.
    assert sorted(found.companies) == sorted([(ife.id, ife.name), (h2.id, h2.name)])
    assert found.unmatched == [
        Attendee("Bjørn Æsø", "bjorn.aeso@post.h2cluster.no"),
        Attendee("Pål Sæther", "pal.saether@gmail.com"),  # an inactive user is not staff
    ]


def test_matching_runs_a_fixed_number_of_queries(session, count_queries):
    for n in range(5):
        make_company(session, name=f"Firma {n}", website=f"https://firma{n}.no")
    many = [Attendee(f"P {n}", f"p{n}@firma{n}.no") for n in range(5)]
    with count_queries() as few_statements:
        match_attendees(session, many[:1])
    with count_queries() as many_statements:
        found = match_attendees(session, many)
    assert len(found.companies) == 5
    assert len(many_statements) == len(few_statements) == 3


# --- the endpoint -------------------------------------------------------------------------------


def _upload(client, content: bytes, filename: str = "invite.ics", **fields):
    token = csrf_token(client, "/meetings/new")
    data = {"csrf_token": token, "file": (io.BytesIO(content), filename), **fields}
    return client.post("/meetings/invitation", data=data, content_type="multipart/form-data")


def test_endpoint_answers_the_prefill(client, login, session):
    me = login(role="editor", locale="en")
    rainpower = make_company(session, name="RainPower", website="https://rainpower.no")
    session.commit()
    response = _upload(client, (FILES / "google_invitation.eml").read_bytes(), "invite.eml")
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "title": "Årlig statusmøte – RainPower og kommunen",
        "day": "2027-01-12",
        "time": "14:00",
        "duration_minutes": 90,
        "location": "RainPower, Sørumsand næringspark",
        "notes": body["notes"],
        "companies": [{"id": rainpower.id, "name": "RainPower"}],
        "contacts": [],
        "staff": [],
        "unmatched": [
            {"name": "Trond", "email": "trond@rainpower.no"},
            {"name": "Ingrid Løvås", "email": "ingrid.lovas@lillestrom.kommune.no"},
            {"name": "Jørgen Brå", "email": "jorgen.bra@sorumsand-sag.no"},
        ],
        "occurrences": [],
        "errors": [],
    }
    assert body["notes"].startswith("Agenda\n1. Turbinleveranse til Sørumsand")
    assert me.email not in str(body)


def test_endpoint_picks_the_occurrence_asked_for(client, login):
    login(role="editor", locale="en")
    response = _upload(client, (FILES / "weekly_series.ics").read_bytes(), on="2027-04-13")
    body = response.get_json()
    assert (body["day"], body["time"], body["location"]) == (
        "2027-04-13",
        "13:00",
        "Scale Up, Lillestrøm",
    )
    assert {"day": "2027-04-13", "time": "13:00"} in body["occurrences"]


def test_endpoint_refuses_bad_files_with_a_message(client, login):
    login(role="editor", locale="en")
    bad = _upload(client, PNG, "photo.png")
    assert bad.status_code == 400
    assert bad.get_json() == {"errors": ["This is not an invitation: choose an .ics or .eml file."]}
    none = _upload(client, b"", "")
    assert none.status_code == 400 and "Choose an invitation file" in none.get_json()["errors"][0]
    bad_date = _upload(client, (FILES / "weekly_series.ics").read_bytes(), on="1066-01-01")
    assert bad_date.status_code == 400 and "between the years" in bad_date.get_json()["errors"][0]


def test_endpoint_answers_in_norwegian(client, login):
    login(role="editor", locale="nb")
    bad = _upload(client, PNG, "photo.png")
    assert bad.get_json()["errors"] == [
        "Dette er ikke en invitasjon: velg en .ics- eller .eml-fil."
    ]


def test_endpoint_needs_edit_access(client, login):
    login(role="reader", locale="en")
    assert _upload(client, (FILES / "utc_time.ics").read_bytes()).status_code == 403


def test_endpoint_needs_csrf(client, login):
    login(role="editor", locale="en")
    data = {"file": (io.BytesIO((FILES / "utc_time.ics").read_bytes()), "invite.ics")}
    response = client.post("/meetings/invitation", data=data, content_type="multipart/form-data")
    assert response.status_code == 400


def _calendar(*events: str, method: str = "REQUEST") -> bytes:
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20270101T000000Z\r\n"
        f"DTSTART:20270105T090000Z\r\nSUMMARY:{uid}\r\nEND:VEVENT\r\n"
        for uid in events
    )
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:{method}\r\n{body}END:VCALENDAR\r\n"
    ).encode()


def test_cancellations_and_files_with_several_meetings_say_so(app):
    with app.test_request_context(), force_locale("en"):
        cancelled = read_invitation(_calendar("a", method="CANCEL"), today=TODAY)
        assert [str(e) for e in cancelled.errors] == [
            "This is a cancellation: the meeting has been called off."
        ]
        several = read_invitation(_calendar("first", "second"), today=TODAY)
        assert several.title == "first"
        assert [str(e) for e in several.errors] == [
            "The file holds several meetings; the first is used."
        ]


# --- the path without JavaScript ----------------------------------------------------------------


def test_upload_prefills_the_meeting_form_without_javascript(app, session):
    """What the form's route does with a posted file: the prefill by the form's field names."""
    kari = make_user(session, name="Kari Nordmann", email="kari.nordmann@lillestrom.kommune.no")
    ife = make_company(session, name="IFE", website="https://ife.no")
    upload = FileStorage(
        io.BytesIO((FILES / "outlook_invitation.eml").read_bytes()), filename="invite.eml"
    )
    with app.test_request_context("/meetings/new"):
        prefill = prefill_from_upload(session, upload)
        form = MeetingForm(formdata=None, data=prefill.form_data())
        with pytest.raises(InvitationError):
            prefill_from_upload(session, FileStorage(io.BytesIO(b""), filename=""))
    assert form.title.data == "Hydrogenlager på Kjeller – økonomi og framdrift"
    assert (form.day.data, form.time.data) == (date(2026, 12, 3), time(10, 0))
    assert form.duration_minutes.data == 90
    assert form.location.data.startswith("Møterom Øyeren")
    assert form.notes.data.startswith("Hei,")
    assert form.company_ids.data == [ife.id]
    assert form.staff_ids.data == [kari.id]
    assert form.contact_ids.data == []


# --- the capture form without JavaScript ---------------------------------------------------------


def _read_on_form(client, content: bytes, filename: str, **fields):
    token = csrf_token(client, "/meetings/new")
    data = {
        "csrf_token": token,
        "read_invitation": "1",
        "invitation_file": (io.BytesIO(content), filename),
        **fields,
    }
    return client.post("/meetings/new", data=data, content_type="multipart/form-data")


def test_the_capture_form_reads_an_invitation_without_javascript(client, login, session):
    login(role="editor", locale="en")
    rainpower = make_company(session, name="RainPower", website="https://rainpower.no")
    session.commit()
    typed = "Spør om leveransen."
    page = _read_on_form(
        client, (FILES / "google_invitation.eml").read_bytes(), "invite.eml", notes=typed
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="Årlig statusmøte – RainPower og kommunen"' in html
    assert 'value="2027-01-12"' in html and 'value="14:00"' in html
    # The organisation found by its domain is chosen; the attendee not found is offered.
    assert f'name="company_ids" value="{rainpower.id}"' in html
    assert "jorgen.bra@sorumsand-sag.no" in html
    # Nothing is saved until the adviser saves the filled form.
    assert session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_the_capture_form_says_why_an_invitation_cannot_be_read(client, login, session):
    login(role="editor", locale="en")
    typed = "Notater som ikke må forsvinne."
    page = _read_on_form(client, PNG, "photo.png", notes=typed)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert typed in html  # what was typed is still there
    assert "This is not an invitation: choose an .ics or .eml file." in html
    assert session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_enter_in_a_field_without_javascript_saves_when_no_invitation_is_chosen(
    client, login, session
):
    # The invitation's button is the form's first submit button, so Enter presses it.
    login(role="editor", locale="en")
    host = make_company(session, name="Kjeller Innovasjon")
    session.commit()
    page = _read_on_form(
        client, b"", "", day="2026-11-30", kind="meeting", title="Kaffe på Kjeller",
        company_ids=str(host.id),
    )  # fmt: skip
    assert page.status_code == 302, page.get_data(as_text=True)[:2000]
    assert session.scalars(select(Meeting.title)).all() == ["Kaffe på Kjeller"]


def test_an_attendee_not_found_is_offered_as_a_new_person(client, login, session):
    login(role="editor", locale="en")
    page = _read_on_form(client, (FILES / "google_invitation.eml").read_bytes(), "invite.eml")
    html = page.get_data(as_text=True)
    link = "/contacts/new?name=J%C3%B8rgen+Br%C3%A5&amp;email=jorgen.bra@sorumsand-sag.no"
    assert link in html
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="Jørgen Brå"' in form and 'value="jorgen.bra@sorumsand-sag.no"' in form
