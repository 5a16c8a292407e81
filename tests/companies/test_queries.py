"""The organisation list (search, filters, sorting), an organisation's page and its timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crm.common import pagination as paging
from crm.common.dates import local_today
from crm.companies import queries
from crm.companies.page import company_page
from crm.meetings import queries as meeting_queries
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_membership,
    make_place,
    make_sector,
    make_task,
    make_user,
)


def _names(session, sort: str | None = None, **filters) -> list[str]:
    filters = queries.CompanyFilters(**filters)
    pagination, _sort = queries.list_companies(session, filters=filters, sort=sort)
    return [company.name for company in pagination.items]


def test_search_by_part_of_the_name_ignores_case(session):
    make_company(session, name="Institutt for energiteknikk")
    make_company(session, name="NILU")
    assert _names(session, q="ENERGI") == ["Institutt for energiteknikk"]


def test_search_treats_wildcards_as_text(session):
    make_company(session, name="100% Solkraft AS")
    make_company(session, name="Vanlig AS")
    assert _names(session, q="%") == ["100% Solkraft AS"]


def test_search_by_organisation_number_matches_it_exactly(session):
    make_company(session, name="Registerenheten", org_number="974760673")
    make_company(session, name="974760673 Holding")  # a name with the digits is not a match
    assert _names(session, q="974 760 673") == ["Registerenheten"]
    # Fewer digits are a name search: the number is never matched in part.
    assert _names(session, q="97476067") == ["974760673 Holding"]


def test_filters_by_kind_place_sector_and_status(session):
    kjeller, berger = make_place(session, name="Kjeller"), make_place(session, name="Berger")
    health = make_sector(session, name="Helse")
    make_company(session, name="IFE", kind="research", place=kjeller, sectors=[health])
    make_company(session, name="Pon", kind="company", place=berger, register_status="bankrupt")
    assert _names(session, kind="research") == ["IFE"]
    assert _names(session, place_id=berger.id) == ["Pon"]
    assert _names(session, sector_id=health.id) == ["IFE"]
    assert _names(session, status="bankrupt") == ["Pon"]
    assert _names(session, kind="research", place_id=berger.id) == []


def test_cluster_filter_lists_only_current_members(session):
    current = make_company(session, name="Nå")
    ends_later = make_company(session, name="Slutter senere")
    former = make_company(session, name="Tidligere")
    other_cluster = make_company(session, name="Annen klynge")
    first = make_membership(session, company=current)
    cluster = first.cluster
    make_membership(
        session, company=ends_later, cluster=cluster, left_on=local_today() + timedelta(30)
    )
    make_membership(session, company=former, cluster=cluster, left_on=local_today() - timedelta(1))
    make_membership(session, company=other_cluster)
    assert _names(session, cluster_id=cluster.id) == ["Nå", "Slutter senere"]


def test_the_lists_statements_are_built_once_and_follow_the_day(session, monkeypatch):
    # The list keeps its statements by filters, sort, database and day
    # (crm.common.statements): the same list asked again builds nothing; a membership that
    # ends tomorrow stops counting tomorrow, though the statement of today was kept.
    leaving = make_company(session, name="Slutter i morgen")
    staying = make_company(session, name="Blir")
    membership = make_membership(session, company=leaving, left_on=local_today() + timedelta(1))
    make_membership(session, company=staying, cluster=membership.cluster)
    cluster_id = membership.cluster.id
    assert _names(session, cluster_id=cluster_id) == ["Blir", "Slutter i morgen"]
    built = queries._list_statements.cache_info().misses
    assert _names(session, cluster_id=cluster_id) == ["Blir", "Slutter i morgen"]
    assert queries._list_statements.cache_info().misses == built
    tomorrow = local_today() + timedelta(1)
    monkeypatch.setattr(queries, "local_today", lambda: tomorrow)
    assert _names(session, cluster_id=cluster_id) == ["Blir"]


def test_sorting_by_allowed_columns(session):
    berger, kjeller = make_place(session, name="Berger"), make_place(session, name="Kjeller")
    make_company(session, name="beta", employees=10, org_number="974760673", place=kjeller)
    make_company(session, name="Alfa", employees=None, org_number="923609016", place=berger)
    make_company(session, name="Gamma", employees=500)
    assert _names(session, sort="name") == ["Alfa", "beta", "Gamma"]
    assert _names(session, sort="-name") == ["Gamma", "beta", "Alfa"]
    assert _names(session, sort="-employees") == ["Gamma", "beta", "Alfa"]  # not reported last
    assert _names(session, sort="org_number") == ["Gamma", "Alfa", "beta"]
    assert _names(session, sort="place") == ["Gamma", "Alfa", "beta"]
    _pagination, sort = queries.list_companies(
        session, filters=queries.CompanyFilters(), sort="password_hash"
    )
    assert sort == "name"


def test_pages_hold_per_page_rows(session):
    for n in range(5):
        make_company(session, name=f"Firma {n}")
    pagination, _sort = queries.list_companies(
        session, filters=queries.CompanyFilters(), page=2, per_page=2
    )
    assert [c.name for c in pagination.items] == ["Firma 2", "Firma 3"]
    assert pagination.total == 5 and pagination.pages == 3


def test_detail_splits_current_and_former_memberships_and_lists_current_people(session):
    company = make_company(session, name="Ahus")
    parent = make_company(session, name="Helse Sør-Øst")
    company.parent = parent
    unit = make_company(session, name="Ahus Kongsvinger", parent=company)
    make_membership(session, company=company)
    make_membership(session, company=company, left_on=date(2022, 1, 1))
    now = make_affiliation(session, company=company, contact=make_contact(session, name="Kari"))
    make_affiliation(
        session,
        company=company,
        contact=make_contact(session, name="Gammel"),
        end_date=date(2020, 1, 1),
    )
    detail = company_page(session, company.id).detail
    assert (detail.company.parent_id, detail.company.parent_name) == (parent.id, "Helse Sør-Øst")
    assert [(u.id, u.name) for u in detail.sub_units] == [(unit.id, "Ahus Kongsvinger")]
    assert len(detail.current_memberships) == 1 and len(detail.former_memberships) == 1
    assert [(p.contact_id, p.name) for p in detail.people] == [(now.contact_id, "Kari")]
    assert company_page(session, 999999) is None


def _at(days_ago: int) -> datetime:
    return datetime(2024, 6, 1, 10, 0, tzinfo=UTC) - timedelta(days=days_ago)


def test_timeline_mixes_meetings_memberships_and_tasks_newest_first(session):
    company = make_company(session)
    other = make_company(session)
    meeting = make_meeting(session, title="Besøk", starts_at=_at(1), companies=[company])
    meeting.contacts = [make_contact(session), make_contact(session)]
    make_meeting(session, title="Ikke vår", starts_at=_at(0), companies=[other])
    make_membership(
        session, company=company, joined_on=date(2024, 5, 20), left_on=date(2024, 5, 25)
    )
    task = make_task(session, title="Send tilbud", company=company)
    task.created_at = _at(3)
    session.flush()
    timeline = queries.company_timeline(session, company.id)
    assert [(e.kind, e.title) for e in timeline.entries][:1] == [("meeting", "Besøk")]
    kinds = [e.kind for e in timeline.entries]
    assert kinds == ["meeting", "task", "left", "joined"]
    assert timeline.entries[0].participants == 2
    assert timeline.next_before is None


def test_timeline_before_shows_only_older_entries(session):
    company = make_company(session)
    for days in (1, 5, 10):
        make_meeting(session, title=f"{days} dager", starts_at=_at(days), companies=[company])
    timeline = queries.company_timeline(session, company.id, before=_at(5))
    assert [e.title for e in timeline.entries] == ["5 dager", "10 dager"]


def test_timeline_pages_neither_repeat_nor_skip_entries_at_the_cut(session):
    company = make_company(session)
    titles = []
    for n, days in enumerate((1, 2, 3, 3, 3, 4)):
        titles.append(f"Møte {n}")
        make_meeting(session, title=titles[-1], starts_at=_at(days), companies=[company])
    seen, before = [], None
    for _page in range(10):
        timeline = queries.company_timeline(session, company.id, before=before, limit=3)
        assert timeline.entries
        seen += [e.title for e in timeline.entries]
        before = timeline.next_before
        if before is None:
            break
    assert sorted(seen) == sorted(titles) and len(seen) == len(titles)


def test_timeline_of_a_busy_organisation_shows_its_own_newest_meetings(session):
    """The page's meetings are found first by (time, id) alone and their rows read after:
    the page still holds this organisation's newest meetings, not others' in between, each
    with its own kind, title and participants."""
    company, other = make_company(session), make_company(session)
    for days in range(8):
        mine = make_meeting(session, title=f"Vår {days}", starts_at=_at(days), companies=[company])
        mine.contacts = [make_contact(session) for _ in range(days % 3)]
        make_meeting(session, title=f"Andres {days}", starts_at=_at(days), companies=[other])
    session.flush()
    timeline = queries.company_timeline(session, company.id, limit=3)
    shown = [(e.title, e.participants) for e in timeline.entries]
    assert shown == [("Vår 0", 0), ("Vår 1", 1), ("Vår 2", 2)]
    assert timeline.next_before is not None


def test_future_leaving_date_is_shown_as_leaving(session):
    company = make_company(session)
    make_membership(session, company=company, joined_on=None, left_on=local_today() + timedelta(9))
    assert [e.kind for e in queries.company_timeline(session, company.id).entries] == ["leaves"]


def test_list_reads_a_page_in_three_statements_with_places_and_sectors(session, count_queries):
    """The count, the page's columns and the page's sectors, whatever the page size."""
    kjeller = make_place(session, name="Kjeller")
    energy, health = make_sector(session, name="Energi"), make_sector(session, name="Helse")
    for n in range(12):
        make_company(session, name=f"Firma {n:02}", place=kjeller, sectors=[health, energy])
    make_company(session, name="Uten sted")
    session.commit()
    for per_page in (2, 13):
        with count_queries() as statements:
            pagination, _sort = queries.list_companies(
                session, filters=queries.CompanyFilters(), per_page=per_page
            )
        # PostgreSQL's SET LOCAL (no parallel workers) plans the statements; it reads nothing.
        # The records' version is read for the kept total (crm.common.counts): the rows are
        # counted the first time only.
        run = [s for s in statements if not s.startswith("SET LOCAL") and "graph_version" not in s]
        counted = [s for s in run if s.startswith("SELECT count(*)")]
        assert len(counted) == (1 if per_page == 2 else 0)
        assert len(run) == 2 + len(counted)
        assert len(pagination.items) == per_page and pagination.total == 13
    first, last = pagination.items[0], pagination.items[-1]
    assert (first.name, first.place_name) == ("Firma 00", "Kjeller")
    # In the admins' order of the sectors (position), not the order they were given in.
    assert first.sectors == (energy.name, health.name)
    assert (last.name, last.place_name, last.sectors) == ("Uten sted", None, ())


def test_filter_choices_come_in_the_orders_of_their_own_queries(session):
    make_place(session, name="Kjeller", position=2)
    make_place(session, name="Berger", position=1)
    make_sector(session, name="Helse", position=1)
    make_cluster(session, name="Solenergiklyngen")
    make_cluster(session, name="H2Cluster")
    make_user(session, name="Åse")
    make_user(session, name="Anne")
    session.flush()
    choices = queries.filter_choices(session)
    assert choices.places == [(p.id, p.name) for p in queries.list_places(session)]
    assert [name for _id, name in choices.places][:2] == ["Berger", "Kjeller"]
    assert choices.sectors == [(s.id, s.name) for s in queries.list_sectors(session)]
    assert choices.clusters == queries.cluster_choices(session)
    assert choices.users == meeting_queries.user_choices(session, active_only=False)


@pytest.mark.parametrize(
    "sort", ["name", "-name", "org_number", "employees", "-employees", "place", "-place", "updated"]
)
def test_a_page_under_the_count_cap_is_the_page_read_past_it(session, monkeypatch, sort):
    """A phrase's count picks the page's ids under the cap; past it the page is read on its
    own. Either way the same organisations, in the same order, with the same total."""
    kjeller, lahaug = make_place(session, name="Kjeller"), make_place(session, name="Lahaug")
    for n in range(7):
        make_company(
            session,
            name=f"Nye Firma {n % 3}",  # ties on the name: the id decides
            org_number=f"9{n:08}" if n % 2 else None,
            employees=n % 4 or None,
            place=(kjeller, lahaug, None)[n % 3],
        )
    make_company(session, name="Ikke med")
    session.commit()

    def pages(cap: int) -> list[tuple[int, list[int]]]:
        monkeypatch.setattr(paging, "LIST_COUNT_CAP", cap)
        read = []
        for page in (1, 2, 3, 4):
            filters = queries.CompanyFilters(q="nye firma")
            pagination, _sort = queries.list_companies(
                session, filters=filters, sort=sort, page=page, per_page=3
            )
            read.append((pagination.total, [row.id for row in pagination.items]))
        return read

    under = pages(100)
    assert under == pages(7)  # exactly at the cap: still all of them
    past = pages(6)
    assert [ids for _total, ids in under] == [ids for _total, ids in past]
    assert [total for total, _ids in under] == [7, 7, 7, 7] and past[0][0] == 6
    assert [len(ids) for _total, ids in under] == [3, 3, 1, 0]  # page 4: past the last, empty


def test_a_sector_is_counted_with_the_other_filters(session, monkeypatch):
    """PostgreSQL counts a sector's organisations by their ids; the total is the page's."""
    energy, health = make_sector(session, name="Energi"), make_sector(session, name="Helse")
    for n in range(3):
        make_company(session, name=f"Kraft {n}", sectors=[health, energy])
    make_company(session, name="Forskning", kind="research", sectors=[energy])
    make_company(session, name="Klinikk", sectors=[health])
    session.commit()
    filters = queries.CompanyFilters(sector_id=energy.id, kind="company")
    pagination, _sort = queries.list_companies(session, filters=filters, per_page=2)
    assert (pagination.total, pagination.capped) == (3, False)
    assert [row.name for row in pagination.items] == ["Kraft 0", "Kraft 1"]
    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 2)
    pagination, _sort = queries.list_companies(session, filters=filters, per_page=2)
    assert (pagination.total, pagination.capped) == (2, True)


def test_page_dates_from_the_timeline_agree_with_their_own_statement(session, count_queries):
    """ "Last contacted" and "next meeting" come from the timeline's meetings when those tell
    them; with more planned meetings than the page shows, or on an older page, from a
    statement of their own. Either way the same dates."""
    today = local_today()
    company = make_company(session)
    start = meeting_queries.happened_before(today)
    for days in (-40, -3):
        make_meeting(session, starts_at=start + timedelta(days=days), companies=[company])
    for days in range(1, 8):
        make_meeting(session, starts_at=start + timedelta(days=days, hours=1), companies=[company])
    session.commit()
    expected = (start + timedelta(days=-3), start + timedelta(days=1, hours=1))
    assert queries.contact_dates(session, company.id, today=today) == expected
    for limit, before in ((200, None), (7, None), (5, None), (200, start)):
        timeline = queries.company_timeline(session, company.id, limit=limit, before=before)
        dates = timeline.contact_dates(today)
        if dates is None:  # every meeting read is planned, or an older page: ask the database
            assert (limit, before) in ((5, None), (200, start))
        else:
            assert dates == expected
    with count_queries() as statements:
        detail = company_page(session, company.id).detail
    assert (detail.last_contacted, detail.next_meeting) == expected
    assert not any("max(" in statement.lower() for statement in statements)
    with count_queries() as statements:
        detail = company_page(session, company.id, before=start).detail
    assert (detail.last_contacted, detail.next_meeting) == expected
    assert any("max(" in statement.lower() for statement in statements)


def test_a_phrase_matches_as_typed_whatever_its_words_match_alone(session):
    """A search of several words finds the names that hold the phrase, in part words too; the
    words apart, in another order or with others between them are no match."""
    for name in (
        "Havbris Energi AS",
        "Nyhavbris Energisalg",  # the phrase inside longer words
        "Energi Havbris AS",
        "Havbris og energi",
        "Havbris  Energi",  # two spaces: not the phrase as typed
        "AS Havbris Energi i Bø",
    ):
        make_company(session, name=name)
    assert _names(session, q="havbris energi") == [
        "AS Havbris Energi i Bø",
        "Havbris Energi AS",
        "Nyhavbris Energisalg",
    ]
    # Short words are part of the phrase only: "i bø" is in one name.
    assert _names(session, q="energi i bø") == ["AS Havbris Energi i Bø"]
    assert _names(session, q="og energi") == ["Havbris og energi"]


def test_a_search_is_counted_across_every_chunk_of_ids(session, monkeypatch):
    """PostgreSQL counts a name search chunk of ids by chunk (its own trigram index each): the
    total is every match wherever its id is, and stops at the cap."""
    shift = queries.NAME_CHUNK_SHIFT
    ids = [5, (1 << shift) + 5, (3 << shift) + 7, (queries.NAME_CHUNKS << shift) + 11]
    for n, id_ in enumerate(ids):
        make_company(session, id=id_, name=f"Byggmester {n}", kind="company")
    make_company(session, id=(2 << shift) + 1, name="Byggmester forskning", kind="research")
    make_company(session, id=(4 << shift) + 1, name="Annet AS", kind="company")
    session.commit()
    filters = queries.CompanyFilters(q="bygg", kind="company")
    pagination, _sort = queries.list_companies(session, filters=filters, per_page=2)
    assert (pagination.total, pagination.capped) == (4, False)
    assert [row.id for row in pagination.items] == ids[:2]
    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 3)
    pagination, _sort = queries.list_companies(session, filters=filters, per_page=2)
    assert (pagination.total, pagination.capped) == (3, True)


def test_a_sector_alone_is_counted_without_reading_organisations(
    session, count_queries, monkeypatch
):
    """The sector filter alone counts the sector's links (one per organisation)."""
    energy, health = make_sector(session, name="Energi"), make_sector(session, name="Helse")
    for n in range(3):
        make_company(session, name=f"Kraft {n}", sectors=[health, energy])
    make_company(session, name="Klinikk", sectors=[health])
    session.commit()
    filters = queries.CompanyFilters(sector_id=energy.id)
    with count_queries() as statements:
        pagination, _sort = queries.list_companies(session, filters=filters, per_page=2)
    assert (pagination.total, pagination.capped) == (3, False)
    assert [row.name for row in pagination.items] == ["Kraft 0", "Kraft 1"]
    count = next(s for s in statements if "count(" in s.lower())
    assert "companies." not in count and "company_sectors" in count
    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 2)
    pagination, _sort = queries.list_companies(session, filters=filters, per_page=2)
    assert (pagination.total, pagination.capped) == (2, True)
