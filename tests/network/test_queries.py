"""Rows for the graph, the graph's version, and the link lists."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from crm.extensions import db
from crm.network import cache, queries, services, version
from crm.network.graph import build_graph
from crm.network.queries import (
    NetworkFilter,
    cluster_member_rows,
    company_facts,
    graph_version,
    read_graph_rows,
    read_neighbourhood_rows,
    read_weight_rows,
)
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_membership,
    make_place,
    make_sector,
    make_strategy,
)


@pytest.fixture
def district(session, link_types):
    """Four organisations tied by a link, a meeting, a cluster and a person."""
    kjeller = make_place(session, name="Kjeller")
    energi = make_sector(session, name="Energi")
    ife = make_company(session, name="IFE", kind="research", place=kjeller, sectors=[energi])
    infinitum = make_company(session, name="Infinitum", place=kjeller)
    nilu = make_company(session, name="NILU", kind="research")
    ahus = make_company(session, name="Ahus", kind="public")
    services.create_link(
        session,
        company_id=ife.id,
        other_id=infinitum.id,
        other_name=None,
        link_type_id=link_types["research_collaboration"].id,
        start_date=date(2022, 1, 1),
    )
    meeting = make_meeting(session, starts_at=datetime(2023, 5, 2, 8, tzinfo=UTC))
    meeting.companies = [nilu, ahus, ife]
    strategy = make_strategy(session)
    meeting.strategies = [strategy]
    cluster = make_cluster(session, name="H2Cluster")
    make_membership(session, cluster=cluster, company=nilu, joined_on=date(2021, 1, 1))
    make_membership(session, cluster=cluster, company=infinitum, joined_on=date(2021, 1, 1))
    person = make_contact(session, name="Kari Nordmann")
    make_affiliation(session, contact=person, company=ahus, start_date=date(2020, 1, 1))
    make_affiliation(session, contact=person, company=infinitum, start_date=date(2020, 1, 1))
    session.flush()
    return {
        "ife": ife,
        "infinitum": infinitum,
        "nilu": nilu,
        "ahus": ahus,
        "kjeller": kjeller,
        "energi": energi,
        "cluster": cluster,
        "meeting": meeting,
        "strategy": strategy,
    }


def _graph(rows, window=(None, None)):
    return build_graph(
        rows.nodes,
        links=rows.links,
        memberships=rows.memberships,
        meetings=rows.meetings,
        affiliations=rows.affiliations,
        window=window,
        today=date(2024, 6, 30),
    )


def _ids(rows):
    return {row[0] for row in rows.nodes}


def test_rows_build_the_graph_with_every_kind_of_evidence(session, district):
    d = district
    graph = _graph(read_graph_rows(session, NetworkFilter()))
    assert graph.number_of_nodes() == 4
    kinds = {
        frozenset((a, b)): {r["kind"] for r in data["reasons"]}
        for a, b, data in graph.edges(data=True)
    }
    assert kinds[frozenset((d["ife"].id, d["infinitum"].id))] == {"link"}
    assert kinds[frozenset((d["nilu"].id, d["ahus"].id))] == {"meeting"}
    assert kinds[frozenset((d["nilu"].id, d["infinitum"].id))] == {"cluster"}
    assert kinds[frozenset((d["ahus"].id, d["infinitum"].id))] == {"person"}
    ife = graph.nodes[d["ife"].id]
    assert (ife["place"], ife["sectors"], ife["kind"]) == ("Kjeller", ("Energi",), "research")
    assert graph.nodes[d["nilu"].id]["clusters"] == (d["cluster"].id,)


def test_node_filters_are_applied_in_the_database(session, district):
    d = district
    assert _ids(read_graph_rows(session, NetworkFilter(kinds=("research",)))) == {
        d["ife"].id,
        d["nilu"].id,
    }
    assert _ids(read_graph_rows(session, NetworkFilter(places=(d["kjeller"].id,)))) == {
        d["ife"].id,
        d["infinitum"].id,
    }
    assert _ids(read_graph_rows(session, NetworkFilter(sectors=(d["energi"].id,)))) == {d["ife"].id}
    assert _ids(read_graph_rows(session, NetworkFilter(clusters=(d["cluster"].id,)))) == {
        d["nilu"].id,
        d["infinitum"].id,
    }
    focus = d["strategy"].focus_area_id
    assert _ids(read_graph_rows(session, NetworkFilter(focus_areas=(focus,)))) == {
        d["nilu"].id,
        d["ahus"].id,
        d["ife"].id,
    }


def test_meetings_keep_every_attendee_when_organisations_are_filtered_out(session, district):
    rows = read_graph_rows(session, NetworkFilter(kinds=("research",)))
    assert len(rows.meetings) == 1
    assert len(rows.meetings[0].organisation_ids) == 3
    assert rows.meetings[0].day == date(2023, 5, 2)


def test_time_window_leaves_out_later_evidence(session, district):
    d = district
    flt = NetworkFilter(start=date(2021, 1, 1), end=date(2021, 12, 31))
    rows = read_graph_rows(session, flt)
    assert rows.links == [] and rows.meetings == []
    graph = _graph(rows, flt.window)
    assert not graph.has_edge(d["ife"].id, d["infinitum"].id)
    assert graph.has_edge(d["nilu"].id, d["infinitum"].id)  # the cluster, since 2021


def test_meeting_on_a_window_edge_counts_by_its_oslo_day(session, district):
    late = make_meeting(session, starts_at=datetime(2022, 12, 31, 23, 30, tzinfo=UTC))
    late.companies = [district["ife"], district["ahus"]]
    session.flush()
    # 23:30 UTC on 31 December is 00:30 on 1 January in Oslo.
    rows = read_graph_rows(session, NetworkFilter(start=date(2023, 1, 1), end=date(2023, 1, 1)))
    assert [m.meeting_id for m in rows.meetings] == [late.id]


def test_only_meetings_that_can_make_a_tie_are_read_oldest_first(session, district):
    d = district
    solo = make_meeting(session, starts_at=datetime(2023, 1, 10, 9, tzinfo=UTC))
    solo.companies = [d["ife"]]  # a call with one organisation
    conference = make_meeting(session, starts_at=datetime(2023, 2, 1, 9, tzinfo=UTC))
    hidden = [make_company(session, kind="public") for _ in range(29)]
    conference.companies = [d["ife"], d["nilu"], *hidden]  # 31: over the cap
    earlier = make_meeting(session, starts_at=datetime(2022, 3, 1, 9, tzinfo=UTC))
    earlier.companies = [d["ife"], d["ahus"]]
    session.flush()

    # The conference is too big even though only two of its organisations are researchers.
    rows = read_graph_rows(session, NetworkFilter(kinds=("research",)))
    assert [m.meeting_id for m in rows.meetings] == [earlier.id, d["meeting"].id]
    bigger_cap = read_graph_rows(session, NetworkFilter(), max_meeting_orgs=40)
    assert conference.id in {m.meeting_id for m in bigger_cap.meetings}
    assert solo.id not in {m.meeting_id for m in bigger_cap.meetings}


def test_only_roles_that_overlap_a_role_elsewhere_are_read(session, district):
    d = district
    mover = make_contact(session, name="Ola Hansen")
    make_affiliation(
        session,
        contact=mover,
        company=d["ife"],
        start_date=date(2010, 1, 1),
        end_date=date(2015, 12, 31),
    )
    make_affiliation(session, contact=mover, company=d["nilu"], start_date=date(2016, 1, 1))
    board = make_contact(session, name="Berit Lie")
    make_affiliation(session, contact=board, company=d["ife"], start_date=None, end_date=None)
    make_affiliation(
        session, contact=board, company=d["nilu"], start_date=date(2019, 1, 1), end_date=None
    )

    rows = read_graph_rows(session, NetworkFilter())

    people = {row[1] for row in rows.affiliations}
    assert people == {"Kari Nordmann", "Berit Lie"}
    graph = _graph(rows)
    assert graph.edges[d["ife"].id, d["nilu"].id]["person_count"] == 1


def test_reading_rows_takes_the_same_few_statements_whatever_the_size(
    session, link_types, count_queries
):
    def count_for(n):
        companies = [make_company(session) for _ in range(n)]
        for a, b in itertools.pairwise(companies):
            services.create_link(
                session,
                company_id=a.id,
                other_id=b.id,
                other_name=None,
                link_type_id=link_types["project"].id,
            )
            meeting = make_meeting(session)
            meeting.companies = [a, b]
        session.flush()
        with count_queries() as statements:
            read_graph_rows(session, NetworkFilter(kinds=("company",)))
        return len(statements)

    assert count_for(3) == count_for(30) <= 8


@pytest.fixture
def busier(session, district):
    """The district with meetings of every kind the rules tell apart: two meetings of the same
    pair, a call with one organisation, a conference over the cap, one at midnight in Oslo
    on a window's edge, one with organisations another filter leaves out."""
    d = district
    for starts_at, companies in [
        (datetime(2022, 3, 1, 9, tzinfo=UTC), [d["ife"], d["ahus"]]),
        (datetime(2023, 8, 1, 9, tzinfo=UTC), [d["ahus"], d["ife"]]),
        (datetime(2023, 1, 10, 9, tzinfo=UTC), [d["ife"]]),
        (datetime(2022, 12, 31, 23, 30, tzinfo=UTC), [d["nilu"], d["infinitum"], d["ife"]]),
        (
            datetime(2023, 2, 1, 9, tzinfo=UTC),
            [d["ife"], d["nilu"], *(make_company(session, kind="public") for _ in range(29))],
        ),
    ]:
        meeting = make_meeting(session, starts_at=starts_at)
        meeting.companies = companies
    session.flush()
    return d


@pytest.mark.parametrize(
    "flt",
    [
        NetworkFilter(),
        NetworkFilter(kinds=("research", "public")),
        NetworkFilter(start=date(2023, 1, 1), end=date(2023, 6, 30)),
        NetworkFilter(end=date(2022, 12, 31)),
        NetworkFilter(link_types=("research_collaboration",)),
        NetworkFilter(min_weight=1.5),
    ],
    ids=["all", "kinds", "window", "until", "link-type", "min-weight"],
)
def test_weight_rows_give_the_full_rows_graph_exactly(session, busier, flt):
    today = date(2024, 6, 30)
    weight_rows = read_weight_rows(session, flt)
    full_rows = read_graph_rows(session, flt)
    assert weight_rows.meetings == [] and full_rows.attendances is None
    assert weight_rows.nodes == full_rows.nodes

    figures = cache.weighted_of(weight_rows, flt, today)
    before = cache.weighted_of(full_rows, flt, today)
    expected = cache._networkx_of(full_rows, flt, today)

    def ties(weighted):
        ids = weighted.ids
        return [
            (min(ids[a], ids[b]), max(ids[a], ids[b]), weight)
            for (a, b), weight in zip(
                weighted.graph.get_edgelist(), weighted.graph.es["weight"], strict=True
            )
        ]

    assert figures.ids == before.ids == list(expected)
    assert ties(figures) == ties(before)  # same order too: the same communities
    assert {(a, b): w for a, b, w in ties(figures)} == {
        (min(a, b), max(a, b)): data["weight"] for a, b, data in expected.edges(data=True)
    }
    assert figures.edge_count > 0


def test_weight_rows_read_the_meetings_oslo_day_and_build_no_networkx_graph(session, busier):
    d = busier
    rows = read_weight_rows(session, NetworkFilter(start=date(2023, 1, 1), end=date(2023, 1, 1)))
    # Only the meeting at 00:30 on 1 January in Oslo; its three organisations.
    assert sorted(rows.attendances.rows[:, 1].tolist()) == sorted(
        [d["nilu"].id, d["infinitum"].id, d["ife"].id]
    )
    with pytest.raises(ValueError, match="read_graph_rows"):
        cache.graph_of(rows, today=date(2024, 6, 30))


def test_reading_weight_rows_takes_as_few_statements_as_the_full_rows(
    session, busier, count_queries
):
    with count_queries() as full:
        read_graph_rows(session, NetworkFilter())
    with count_queries() as weights:
        read_weight_rows(session, NetworkFilter())
    assert len(weights) == len(full) - 1  # no SELECT of titles and times


def _version_changes(session, change) -> bool:
    """Whether the change, committed, gives the graph a new version (on PostgreSQL the version
    changes at the commit: crm.network.version)."""
    before = graph_version(session)
    change()
    session.commit()
    return graph_version(session) != before


def test_version_is_stable_without_changes(session, district):
    assert graph_version(session) == graph_version(session)


def test_version_holds_ids_whose_product_passes_32_bits(session):
    # A register of 50,000 meetings: 50,000 x 50,000 is past PostgreSQL's integer.
    company = make_company(session, id=50_000)
    meeting = make_meeting(session, id=50_000)
    meeting.companies = [company]
    session.flush()
    assert _version_changes(session, lambda: meeting.companies.remove(company))


def test_version_changes_with_each_source(session, district, link_types):
    d = district
    assert _version_changes(
        session,
        lambda: services.create_link(
            session,
            company_id=d["nilu"].id,
            other_id=d["ahus"].id,
            other_name=None,
            link_type_id=link_types["project"].id,
        ),
    )
    assert _version_changes(
        session, lambda: make_membership(session, cluster=d["cluster"], company=d["ahus"])
    )
    # Only the association table changes: a participant added to an existing meeting.
    assert _version_changes(session, lambda: d["meeting"].companies.append(d["infinitum"]))
    other = make_meeting(session)
    other.companies = [d["nilu"]]
    session.flush()

    def move():
        d["meeting"].companies.remove(d["infinitum"])
        other.companies.append(d["infinitum"])

    assert _version_changes(session, move)
    assert _version_changes(
        session, lambda: setattr(d["ife"], "name", "Institutt for energiteknikk")
    )
    assert _version_changes(session, lambda: make_affiliation(session, company=d["ife"]))
    assert _version_changes(session, lambda: session.delete(d["ahus"]))


def test_company_links_are_listed_with_one_query_for_any_number(session, link_types, count_queries):
    hub = make_company(session, name="Kunnskapsbyen")
    hub_id = hub.id

    def count_for(n):
        for _ in range(n):
            services.create_link(
                session,
                company_id=hub.id,
                other_id=make_company(session).id,
                other_name=None,
                link_type_id=link_types["partnership"].id,
            )
        session.flush()
        session.expire_all()
        with count_queries() as statements:
            links = queries.list_company_links(session, hub_id)
            names = [(link.other_name, link.source_name, link.type_name) for link in links]
        return len(statements), len(names)

    few, shown = count_for(3)
    many, shown_many = count_for(27)
    assert (shown, shown_many) == (3, 30)
    assert few == many == 1


def test_filter_key_ignores_order_and_tells_filters_apart():
    assert NetworkFilter(clusters=(2, 1)).key() == NetworkFilter(clusters=(1, 2)).key()
    assert NetworkFilter(clusters=(1,)).key() != NetworkFilter(sectors=(1,)).key()
    assert NetworkFilter(min_weight=1.0).key() != NetworkFilter().key()


# --- the graph's version kept by triggers (crm.network.version) ---


def _triggers(session) -> set[str]:
    if session.get_bind().dialect.name == "sqlite":
        found = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        found = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return set(session.scalars(text(found)))


def test_every_table_the_graph_reads_keeps_the_version(session, district, count_queries):
    """Walks what the network's reads read: every table named in their SQL has the triggers."""
    d = district
    every_filter = NetworkFilter(
        start=date(2020, 1, 1),
        end=date(2030, 1, 1),
        clusters=(d["cluster"].id,),
        sectors=(d["energi"].id,),
        focus_areas=(d["strategy"].focus_area_id,),
        places=(d["kjeller"].id,),
        kinds=("research",),
        link_types=("research_collaboration",),
    )
    with count_queries() as statements:
        for flt in (NetworkFilter(), every_filter):
            read_graph_rows(session, flt)
            read_weight_rows(session, flt)
        read_neighbourhood_rows(session, d["ife"].id)
        cluster_member_rows(session, d["cluster"].id)
        company_facts(session, [d["ife"].id])
    names = {table.name for table in db.metadata.sorted_tables}
    read = {
        name
        for statement in statements
        for name in re.findall(r"\b(?:FROM|JOIN)\s+\"?(\w+)", statement, re.IGNORECASE)
        if name in names
    }
    assert read and read <= set(version.TABLES), read - set(version.TABLES)
    dialect = session.get_bind().dialect.name
    present = _triggers(session)
    missing = [
        name
        for table in version.TABLES
        for name in version.trigger_names(table, dialect)
        if name not in present
    ]
    assert missing == []


def test_a_committed_write_changes_the_version_a_rolled_back_one_does_not(session):
    before = graph_version(session)
    assert graph_version(session) == before

    make_company(session, name="Tilbakerullet AS")
    session.rollback()
    assert graph_version(session) == before

    make_company(session, name="Lagret AS")
    session.commit()
    after = graph_version(session)
    assert after != before
    # Every reader sees the same version: it is the database's, not the process's.
    with db.engine.connect() as other:
        assert other.execute(text("SELECT version FROM graph_version")).scalar_one() == after
