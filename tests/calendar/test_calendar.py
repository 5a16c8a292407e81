"""The personal iCalendar feed: parsed back with icalendar; renewing kills the old address."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar

from crm.calendar import queries, services
from crm.common.dates import local_today
from tests.conftest import post_form
from tests.establishments.helpers import make_case, seed
from tests.factories import make_company, make_meeting, make_task, make_user

OSLO = ZoneInfo("Europe/Oslo")


def _feed(client, token):
    return client.get(f"/calendar/feed/{token}.ics")


def _events(response) -> dict[str, object]:
    calendar = Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_token_is_stored_only_as_its_hash(session):
    user = make_user(session)
    token = services.renew_feed_token(session, user=user)
    assert user.calendar_token_hash == services.hash_token(token)
    assert token not in user.calendar_token_hash
    assert queries.user_for_token(session, token) is user
    assert queries.user_for_token(session, token + "x") is None
    assert queries.user_for_token(session, "") is None


def test_deactivated_users_have_no_feed(session):
    user = make_user(session)
    token = services.renew_feed_token(session, user=user)
    user.active = False
    assert queries.user_for_token(session, token) is None


def test_feed_holds_meetings_follow_ups_and_tasks_and_parses_back(client, session):
    seed(session)
    me = make_user(session, name="Kari Rådgiver")
    company = make_company(session, name="RainPower")
    start = datetime(2030, 5, 6, 8, 30, tzinfo=UTC)  # 10:30 in Oslo (summer time)
    meeting = make_meeting(
        session, title="Besøk RainPower", starts_at=start, duration_minutes=90,
        staff=[me], companies=[company], location="Sørumsand",
    )  # fmt: skip
    old = make_meeting(session, staff=[me], starts_at=datetime.now(UTC) - timedelta(days=120))
    others = make_meeting(session, staff=[make_user(session)])
    case = make_case(session, company_id=company.id, adviser_id=me.id,
                     next_follow_up_on=date(2030, 5, 20))  # fmt: skip
    task = make_task(session, title="Send kart", assignee_id=me.id, due_on=date(2030, 5, 10),
                     company_id=company.id)  # fmt: skip
    done = make_task(session, assignee_id=me.id, due_on=date(2030, 5, 11), done=True)
    token = services.renew_feed_token(session, user=me)
    session.commit()

    response = _feed(client, token)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]
    events = _events(response)
    assert set(events) == {
        f"meeting-{meeting.id}@koblingsboks",
        f"case-follow-up-{case.id}@koblingsboks",
        f"task-{task.id}@koblingsboks",
    }
    assert f"meeting-{old.id}@koblingsboks" not in events
    assert f"meeting-{others.id}@koblingsboks" not in events
    assert f"task-{done.id}@koblingsboks" not in events

    timed = events[f"meeting-{meeting.id}@koblingsboks"]
    assert str(timed["SUMMARY"]) == "Besøk RainPower"
    assert timed["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert timed.decoded("DTSTART") == datetime(2030, 5, 6, 10, 30, tzinfo=OSLO)
    assert timed.decoded("DTEND") - timed.decoded("DTSTART") == timedelta(minutes=90)
    assert timed.decoded("DTSTAMP").tzinfo is not None
    assert str(timed["LOCATION"]) == "Sørumsand"

    follow_up = events[f"case-follow-up-{case.id}@koblingsboks"]
    assert follow_up.decoded("DTSTART") == date(2030, 5, 20)
    assert follow_up.decoded("DTEND") == date(2030, 5, 21)
    assert "RainPower" in str(follow_up["SUMMARY"])
    due = events[f"task-{task.id}@koblingsboks"]
    assert due.decoded("DTSTART") == date(2030, 5, 10)
    assert "Send kart" in str(due["SUMMARY"])

    # UIDs are stable: the same items give the same UIDs next time.
    assert set(_events(_feed(client, token))) == set(events)


def test_feed_lines_follow_rfc_5545(client, session):
    me = make_user(session)
    make_meeting(session, staff=[me], title="Et langt møte " * 10)
    token = services.renew_feed_token(session, user=me)
    session.commit()
    body = _feed(client, token).data
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))


def test_unknown_token_is_404_without_sign_in(client, session):
    assert _feed(client, "nothing-here").status_code == 404


def test_renewing_on_the_page_kills_the_old_address(client, session, login):
    me = login(role="reader", locale="en")
    assert client.get("/calendar/").status_code == 200
    first = post_form(client, "/calendar/renew", {}, form_page="/calendar/")
    assert first.status_code == 200
    old_url = re.search(r'value="(http[^"]+\.ics)"', first.get_data(as_text=True)).group(1)
    old_token = old_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert _feed(client, old_token).status_code == 200

    second = post_form(client, "/calendar/renew", {}, form_page="/calendar/")
    new_url = re.search(r'value="(http[^"]+\.ics)"', second.get_data(as_text=True)).group(1)
    new_token = new_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert new_token != old_token
    assert _feed(client, old_token).status_code == 404
    assert _feed(client, new_token).status_code == 200
    session.expire_all()
    assert session.get(type(me), me.id).calendar_token_hash == services.hash_token(new_token)
    # The address is shown once, never again.
    assert new_token not in client.get("/calendar/").get_data(as_text=True)


def test_turning_the_feed_off(client, session, login):
    login(role="editor", locale="en")
    page = post_form(client, "/calendar/renew", {}, form_page="/calendar/")
    token = re.search(r"/feed/([^\"]+)\.ics", page.get_data(as_text=True)).group(1)
    assert post_form(client, "/calendar/stop", {}, form_page="/calendar/").status_code == 302
    assert _feed(client, token).status_code == 404


def test_the_calendar_page_needs_sign_in(client, session):
    response = client.get("/calendar/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_planned_and_recent_meetings_link_back_and_keep_their_uid_when_changed(
    client, session, login
):
    me = login(role="editor", locale="en")
    today = local_today()
    recent = make_meeting(
        session, title="Besøk hos Nitja", staff=[me],
        starts_at=datetime.combine(today - timedelta(days=30), time(13, 0), tzinfo=OSLO),
    )  # fmt: skip
    planned = make_meeting(
        session, title="Årsmøte i Solenergiklyngen", staff=[me], location="Fetsund lenser",
        starts_at=datetime.combine(today + timedelta(days=7), time(9, 0), tzinfo=OSLO),
    )  # fmt: skip
    token = services.renew_feed_token(session, user=me)
    session.commit()

    events = _events(_feed(client, token))
    uid = f"meeting-{planned.id}@koblingsboks"
    assert {uid, f"meeting-{recent.id}@koblingsboks"} <= set(events)
    event = events[uid]
    assert event.decoded("DTSTART") == datetime.combine(
        today + timedelta(days=7), time(9, 0), tzinfo=OSLO
    )
    assert str(event["LOCATION"]) == "Fetsund lenser"
    # The URL opens the meeting's page for a signed-in user.
    url = str(event["URL"])
    assert url.endswith(f"/meetings/{planned.id}")
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200 and "Årsmøte i Solenergiklyngen" in page.get_data(as_text=True)
    sequence = int(event["SEQUENCE"])

    planned.title = "Årsmøte i Solenergiklyngen (flyttet)"
    planned.starts_at = planned.starts_at + timedelta(hours=2)
    session.commit()
    changed = _events(_feed(client, token))[uid]
    assert str(changed["SUMMARY"]) == "Årsmøte i Solenergiklyngen (flyttet)"
    assert changed.decoded("DTSTART").astimezone(OSLO).hour == 11
    assert int(changed["SEQUENCE"]) > sequence
