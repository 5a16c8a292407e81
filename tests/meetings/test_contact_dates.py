"""Last contacted counts meetings that have happened; planned ones show as the next meeting.

A meeting planned for 8 December was shown as "Sist kontaktet" on 1 December. Every page that
shows when someone was last contacted (the people list, a person, an organisation) must count
only meetings dated today or earlier in Oslo, and show the first later one as "Neste møte".
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from crm.common.dates import local_today
from crm.companies import queries as company_queries
from crm.contacts import queries as contact_queries
from tests.factories import make_company, make_contact, make_meeting

OSLO = ZoneInfo("Europe/Oslo")
TODAY = date(2026, 12, 1)


def _oslo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def _meetings_around_today(session):
    """Kari and IFE: met on 20 November and tonight, planned just after midnight and on 8 Dec."""
    kari, ife = make_contact(session, name="Kari"), make_company(session, name="IFE")
    for when in (
        _oslo(date(2026, 11, 20), 10),
        _oslo(TODAY, 23, 30),  # today, later in the evening: dated today, so it counts
        _oslo(TODAY + timedelta(days=1), 0, 30),  # still 1 December in UTC, 2 December in Oslo
        _oslo(date(2026, 12, 8), 10),
    ):
        make_meeting(session, starts_at=when, contacts=[kari], companies=[ife])
    session.commit()
    return kari, ife


def test_people_list_and_detail_count_only_meetings_dated_today_or_earlier_in_oslo(session):
    kari, _ = _meetings_around_today(session)
    pagination, _ = contact_queries.list_contacts(
        session, filters=contact_queries.ContactFilters(), today=TODAY
    )
    (row,) = pagination.items
    assert row.last_contacted == _oslo(TODAY, 23, 30)
    assert row.next_meeting == _oslo(TODAY + timedelta(days=1), 0, 30)
    detail = contact_queries.get_contact_detail(session, kari.id, today=TODAY)
    assert (detail.last_contacted, detail.next_meeting) == (row.last_contacted, row.next_meeting)


def test_sorting_by_last_contacted_ignores_planned_meetings(session):
    early = make_contact(session, name="Met in November")
    planned = make_contact(session, name="Met in October, meets again in January")
    make_meeting(session, starts_at=_oslo(date(2026, 11, 2), 9), contacts=[early])
    make_meeting(session, starts_at=_oslo(date(2026, 10, 2), 9), contacts=[planned])
    make_meeting(session, starts_at=_oslo(date(2027, 1, 5), 9), contacts=[planned])
    session.commit()
    pagination, _ = contact_queries.list_contacts(
        session, filters=contact_queries.ContactFilters(), sort="-last_contacted", today=TODAY
    )
    assert [row.contact.name for row in pagination.items] == [early.name, planned.name]


def test_organisation_counts_only_meetings_dated_today_or_earlier_in_oslo(session):
    _, ife = _meetings_around_today(session)
    assert company_queries.contact_dates(session, ife.id, today=TODAY) == (
        _oslo(TODAY, 23, 30),
        _oslo(TODAY + timedelta(days=1), 0, 30),
    )


def _fact(html: str, css_class: str) -> str:
    return re.search(rf'<dd class="[^"]*{css_class}">([^<]*)</dd>', html)[1]


def test_pages_show_a_planned_meeting_as_next_not_as_last_contacted(client, login, session):
    login(role="reader")
    today = local_today()
    kari, ife = make_contact(session, name="Kari"), make_company(session, name="IFE")
    make_meeting(session, starts_at=_oslo(today - timedelta(days=30), 10), contacts=[kari])
    make_meeting(session, starts_at=_oslo(today + timedelta(days=7), 10), contacts=[kari])
    make_meeting(session, starts_at=_oslo(today + timedelta(days=7), 10), companies=[ife])
    session.commit()
    past = f"{today - timedelta(days=30):%d.%m.%Y}"
    planned = f"{today + timedelta(days=7):%d.%m.%Y}"

    listing = client.get("/contacts/").text
    assert re.search(rf'<td class="last-contacted">{past}</td>', listing)
    assert re.search(rf'<td class="next-meeting">{planned}</td>', listing)
    person = client.get(f"/contacts/{kari.id}").text
    organisation = client.get(f"/companies/{ife.id}").text
    assert "Neste møte" in person and "Neste møte" in organisation
    long_planned = _fact(person, "next-meeting")
    assert str((today + timedelta(days=7)).year) in long_planned
    assert _fact(person, "last-contacted") != long_planned
    assert _fact(organisation, "last-contacted") == "Aldri"  # only a planned meeting
    assert _fact(organisation, "next-meeting") == long_planned
