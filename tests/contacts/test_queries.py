"""Reads about people: last contacted, search, organisation filter, sorting, the detail."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crm.common import pagination as paging
from crm.contacts import queries
from tests.factories import make_affiliation, make_company, make_contact, make_meeting


def affiliate(session, contact, company=None, **overrides):
    """An affiliation of `contact` (by id: make_affiliation would make a stray person otherwise)."""
    company = company or make_company(session)
    return make_affiliation(session, contact_id=contact.id, company_id=company.id, **overrides)


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, tzinfo=UTC)


def _names(session, sort: str | None = None, **filters) -> list[str]:
    pagination, _ = queries.list_contacts(
        session, filters=queries.ContactFilters(**filters), sort=sort
    )
    return [row.contact.name for row in pagination.items]


def test_last_contacted_is_the_newest_meeting_attended(session):
    kari = make_contact(session, name="Kari")
    make_contact(session, name="Ola")
    make_meeting(session, starts_at=_at(2023, 1, 10), contacts=[kari])
    make_meeting(session, starts_at=_at(2024, 3, 5), contacts=[kari])
    make_meeting(session, starts_at=_at(2025, 1, 1))  # without Kari
    session.commit()
    pagination, _ = queries.list_contacts(session, filters=queries.ContactFilters())
    last = {row.contact.name: row.last_contacted for row in pagination.items}
    assert last == {"Kari": _at(2024, 3, 5), "Ola": None}
    detail = queries.get_contact_detail(session, kari.id)
    assert detail.last_contacted == _at(2024, 3, 5)


def test_search_by_name_email_or_phone(session):
    make_contact(session, name="Kari Nordmann", email="kari@ife.no", phone="+4722222222")
    make_contact(session, name="Ola Hansen", email="ola@nilu.no", phone="+4741234567")
    session.commit()
    assert _names(session, q="nordm") == ["Kari Nordmann"]
    assert _names(session, q="NILU.no") == ["Ola Hansen"]
    assert _names(session, q="412 34 567") == ["Ola Hansen"]
    assert _names(session, q="%") == []  # a wildcard is searched for literally


def test_filter_by_organisation_current_or_any(session):
    ife = make_company(session, name="IFE")
    now = make_contact(session, name="Works there now")
    before = make_contact(session, name="Worked there before")
    make_contact(session, name="Never there")
    affiliate(session, now, ife)
    affiliate(session, before, ife, end_date=date(2021, 12, 31))
    session.commit()
    assert _names(session, company_id=ife.id) == ["Works there now"]
    assert _names(session, company_id=ife.id, include_former=True) == [
        "Worked there before",
        "Works there now",
    ]


def test_shown_organisation_is_the_current_primary_one(session):
    kari = make_contact(session, name="Kari")
    affiliate(
        session,
        kari,
        make_company(session, name="Old employer"),
        primary=True,
        end_date=date(2020, 1, 1),
        start_date=date(2015, 1, 1),
    )
    affiliate(
        session,
        kari,
        make_company(session, name="Main employer"),
        title="CEO",
        primary=True,
        start_date=date(2019, 1, 1),
    )
    affiliate(
        session,
        kari,
        make_company(session, name="Side board"),
        start_date=date(2023, 1, 1),
    )
    session.commit()
    pagination, _ = queries.list_contacts(session, filters=queries.ContactFilters())
    row = pagination.items[0]
    assert (row.company.name, row.affiliation.title) == ("Main employer", "CEO")


def test_sort_by_last_contacted_puts_never_contacted_last_both_ways(session):
    never = make_contact(session, name="A never")
    old = make_contact(session, name="B old")
    recent = make_contact(session, name="C recent")
    make_meeting(session, starts_at=_at(2020, 1, 1), contacts=[old])
    make_meeting(session, starts_at=_at(2024, 1, 1), contacts=[recent])
    session.commit()
    assert never.id
    assert _names(session, sort="last_contacted") == ["B old", "C recent", "A never"]
    assert _names(session, sort="-last_contacted") == ["C recent", "B old", "A never"]


def test_sort_by_name_and_unknown_sort_falls_back(session):
    for name in ("bjørn", "Anne", "Carl"):
        make_contact(session, name=name)
    session.commit()
    assert _names(session, sort="-name") == ["Carl", "bjørn", "Anne"]
    pagination, key = queries.list_contacts(
        session, filters=queries.ContactFilters(), sort="password_hash"
    )
    assert key == "name"
    assert [r.contact.name for r in pagination.items] == ["Anne", "bjørn", "Carl"]


def test_sort_by_updated(session):
    first = make_contact(session, name="First")
    second = make_contact(session, name="Second")
    first.updated_at = datetime.now(UTC) + timedelta(minutes=5)
    session.commit()
    assert second.id
    assert _names(session, sort="-updated") == ["First", "Second"]


def test_pagination_counts_every_match(session):
    for n in range(7):
        make_contact(session, name=f"Person {n}")
    session.commit()
    pagination, _ = queries.list_contacts(
        session, filters=queries.ContactFilters(), page=2, per_page=3
    )
    assert pagination.total == 7 and pagination.pages == 3
    assert [r.contact.name for r in pagination.items] == ["Person 3", "Person 4", "Person 5"]


def test_detail_splits_current_and_former_affiliations(session):
    kari = make_contact(session)
    current = affiliate(session, kari)
    former = affiliate(session, kari, end_date=date(2020, 6, 1))
    session.commit()
    detail = queries.get_contact_detail(session, kari.id)
    assert [a.id for a in detail.current] == [current.id]
    assert [a.id for a in detail.former] == [former.id]
    assert queries.get_contact_detail(session, 999999) is None


def test_contact_meetings_newest_first_and_limited(session):
    kari = make_contact(session)
    for day in range(1, 6):
        make_meeting(session, title=f"Day {day}", starts_at=_at(2024, 1, day), contacts=[kari])
    session.commit()
    meetings = queries.contact_meetings(session, kari.id, limit=3)
    assert [m.title for m in meetings] == ["Day 5", "Day 4", "Day 3"]
    assert len(queries.contact_meetings(session, kari.id, limit=None)) == 5


def test_a_person_with_no_current_organisation_shows_none(session):
    kari = make_contact(session, name="Kari")
    affiliate(session, kari, end_date=date(2020, 6, 1))
    session.commit()
    (row,) = queries.list_contacts(session, filters=queries.ContactFilters())[0].items
    assert (row.contact.name, row.affiliation, row.company) == ("Kari", None, None)


@pytest.mark.parametrize("q", ["", "haugen"])
def test_a_total_above_the_cap_is_shown_as_more_than_it(session, monkeypatch, q):
    """Past the cap the page says "more than", and its rows are still the first by name of all
    the matches, not of the first ones read."""
    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 3)
    for name in ("Eva Haugen", "Dag Haugen", "Cato Haugen", "Bo Haugen", "Anne Haugen"):
        make_contact(session, name=name)
    session.commit()
    pagination, _ = queries.list_contacts(session, filters=queries.ContactFilters(q=q), per_page=2)
    assert (pagination.total, pagination.capped) == (3, True)
    assert [row.contact.name for row in pagination.items] == ["Anne Haugen", "Bo Haugen"]
    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 5)
    pagination, _ = queries.list_contacts(
        session, filters=queries.ContactFilters(q=q), page=3, per_page=2
    )
    assert (pagination.total, pagination.capped) == (5, False)
    assert [row.contact.name for row in pagination.items] == ["Eva Haugen"]


def test_the_list_says_more_than_the_cap(client, login, session, monkeypatch):
    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 2)
    login(role="reader")
    for n in range(3):
        make_contact(session, name=f"Haugen {n}")
    session.commit()
    for query in ({"page": 1}, {"q": "haugen"}, {"sort": "-last_contacted"}):
        html = client.get("/contacts/", query_string=query).get_data(as_text=True)
        assert "Over 2 totalt" in html, query
