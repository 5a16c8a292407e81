"""The collaboration graph on hand-written rows: no database, no app."""

import gc
import json
import random
from datetime import date
from decimal import Decimal
from fractions import Fraction

import networkx as nx
import pytest

from crm.network.graph import (
    AffiliationRow,
    ExplicitLink,
    MeetingRow,
    MembershipRow,
    OrgNode,
    build_graph,
    clean_for_export,
    cluster_stats,
    compute_metrics,
    ego_network,
    filter_graph,
    initial_positions,
    introduction_paths,
    paused_gc,
    rank,
    to_sigma_json,
    yearly_summary,
)

TODAY = date(2024, 6, 30)
YEAR_2023 = (date(2023, 1, 1), date(2023, 12, 31))


def org(org_id: int, **fields) -> OrgNode:
    values = {"name": f"Org {org_id}", "kind": "company", "place": "Lillestrøm"} | fields
    return OrgNode(org_id, **values)


def orgs(*ids: int) -> list[OrgNode]:
    return [org(org_id) for org_id in ids]


def link(link_id: int, source: int, target: int, link_type: str = "partner", start=None, end=None):
    return ExplicitLink(link_id, source, target, link_type, start, end)


def meeting(meeting_id: int, day: date, *org_ids: int) -> MeetingRow:
    return MeetingRow(meeting_id, f"Meeting {meeting_id}", day, org_ids)


def member(org_id: int, cluster_id: int, joined=None, left=None) -> MembershipRow:
    return MembershipRow(org_id, cluster_id, f"Cluster {cluster_id}", joined, left)


def two_triangles_and_a_bridge() -> nx.Graph:
    """1-2-3 and 5-6-7 are triangles (clusters 10 and 20); 4 is in both and ties 3 to 5."""
    nodes = [org(n, clusters=(10,)) for n in (1, 2, 3)]
    nodes += [org(n, clusters=(20,)) for n in (5, 6, 7)]
    nodes.append(org(4, clusters=(10, 20)))
    pairs = [(1, 2), (1, 3), (2, 3), (5, 6), (5, 7), (6, 7), (3, 4), (4, 5)]
    return build_graph(nodes, links=[link(i, a, b) for i, (a, b) in enumerate(pairs)])


# build_graph: weights and reasons


def test_explicit_links_add_three_each_and_say_which_links() -> None:
    graph = build_graph(
        orgs(1, 2),
        links=[
            link(7, 1, 2, "partner", date(2019, 3, 1), date(2021, 2, 28)),
            link(8, 2, 1, "supplier", date(2020, 5, 1)),
        ],
    )

    edge = graph.edges[1, 2]
    assert edge["weight"] == 6.0
    assert edge["link_count"] == 2
    assert [(r["kind"], r["id"], r["type"]) for r in edge["reasons"]] == [
        ("link", 7, "partner"),
        ("link", 8, "supplier"),
    ]
    assert (edge["first"], edge["last"]) == (date(2019, 3, 1), date(2021, 2, 28))


def test_window_keeps_only_links_active_in_it() -> None:
    graph = build_graph(
        orgs(1, 2, 3, 4),
        links=[
            link(1, 1, 2, start=date(2015, 1, 1), end=date(2022, 12, 31)),  # ended before
            link(2, 1, 3, start=date(2024, 1, 1)),  # starts after
            link(3, 1, 4, start=date(2020, 1, 1), end=date(2023, 6, 1)),  # ends inside
            link(4, 2, 3),  # no dates: always active
        ],
        window=YEAR_2023,
    )

    assert sorted(graph.edges) == [(1, 4), (2, 3)]
    assert graph.number_of_nodes() == 4  # organisations stay, without ties


def test_meetings_add_one_per_meeting_inside_the_window() -> None:
    graph = build_graph(
        orgs(1, 2, 3),
        meetings=[
            meeting(1, date(2023, 2, 1), 1, 2),
            meeting(2, date(2023, 9, 15), 1, 2, 3),
            meeting(3, date(2022, 12, 31), 1, 2),  # before the window
            meeting(4, date(2024, 1, 1), 2, 3),  # after the window
        ],
        window=YEAR_2023,
    )

    assert graph.edges[1, 2]["weight"] == 2.0
    assert graph.edges[1, 2]["meeting_count"] == 2
    assert graph.edges[2, 3]["weight"] == 1.0
    assert graph.edges[1, 2]["reasons"][1] == {
        "kind": "meeting",
        "id": 2,
        "title": "Meeting 2",
        "day": date(2023, 9, 15),
    }
    assert (graph.edges[1, 2]["first"], graph.edges[1, 2]["last"]) == (
        date(2023, 2, 1),
        date(2023, 9, 15),
    )


def test_meeting_with_more_than_30_organisations_adds_no_ties() -> None:
    nodes = orgs(*range(1, 32))
    conference = meeting(1, date(2023, 5, 5), *range(1, 32))
    workshop = meeting(2, date(2023, 5, 6), *range(1, 31))

    assert build_graph(nodes, meetings=[conference]).number_of_edges() == 0
    assert build_graph(nodes, meetings=[workshop]).number_of_edges() == 30 * 29 // 2


def test_meeting_size_counts_attendees_outside_the_graph() -> None:
    # Only 1 and 2 are on the map, but 40 organisations were at the conference.
    conference = meeting(1, date(2023, 5, 5), 1, 2, *range(100, 138))

    assert build_graph(orgs(1, 2), meetings=[conference]).number_of_edges() == 0


def test_cluster_of_more_than_100_members_adds_no_ties_but_still_colours_its_members() -> None:
    network = [member(n, 10, date(2020, 1, 1)) for n in range(1, 102)]  # 101 members
    cluster = [member(n, 20, date(2020, 1, 1)) for n in range(1, 101)]  # 100 members
    nodes = [org(n, clusters=(10, 20) if n <= 100 else (10,)) for n in range(1, 102)]

    big = build_graph(nodes, memberships=network, today=TODAY)
    at_the_cap = build_graph(nodes, memberships=cluster, today=TODAY)

    assert big.number_of_edges() == 0
    assert big.nodes[101]["clusters"] == (10,)  # the map still colours by the network
    assert at_the_cap.number_of_edges() == 100 * 99 // 2
    assert (big.graph["max_cluster_orgs"], big.graph["max_meeting_orgs"]) == (100, 30)
    # The cluster's own page still counts its members from the memberships.
    assert cluster_stats(big, network, 10)["member_count"] == 101


def test_cluster_size_counts_members_outside_the_graph_and_the_cap_is_a_parameter() -> None:
    # Only 1 and 2 are on the map, but the network has 150 members in the window.
    network = [member(n, 10) for n in (1, 2, *range(100, 248))]
    earlier = [member(n, 20, date(2010, 1, 1), date(2012, 1, 1)) for n in range(100, 250)]

    assert build_graph(orgs(1, 2), memberships=network, today=TODAY).number_of_edges() == 0
    assert build_graph(orgs(1, 2), memberships=network, today=TODAY, max_cluster_orgs=200).has_edge(
        1, 2
    )
    # Members who left before the window do not make a cluster big within it.
    small_now = build_graph(orgs(1, 2), memberships=[*network[:2], *earlier], window=YEAR_2023)
    assert small_now.has_edge(1, 2)


def test_shared_cluster_weight_follows_years_of_overlap_capped_at_two() -> None:
    graph = build_graph(
        orgs(1, 2, 3, 4, 5),
        memberships=[
            member(1, 10, joined=date(2015, 1, 1)),
            member(2, 10, joined=date(2022, 1, 1)),  # two years with 1 by the end of 2023
            member(3, 10, joined=date(2016, 1, 1)),  # eight years with 1: capped
            member(4, 10, joined=date(2023, 12, 1)),  # one month: the minimum
            member(5, 10, joined=date(2023, 1, 1), left=date(2026, 12, 31)),  # one in the window
        ],
        window=(None, date(2023, 12, 31)),
    )

    assert graph.edges[1, 2]["weight"] == 1.0
    assert graph.edges[1, 3]["weight"] == 2.0
    assert graph.edges[1, 4]["weight"] == 0.5
    assert graph.edges[1, 5]["weight"] == 0.5
    assert graph.edges[1, 2]["reasons"] == [{"kind": "cluster", "id": 10, "name": "Cluster 10"}]
    assert graph.edges[1, 2]["cluster_count"] == 1
    # Co-membership is context, not an event: it gives the edge no date.
    assert graph.edges[1, 2]["first"] is None


def test_each_shared_cluster_adds_its_own_weight() -> None:
    graph = build_graph(
        orgs(1, 2),
        memberships=[
            member(1, 10, date(2018, 1, 1)),
            member(2, 10, date(2018, 1, 1)),
            member(1, 20, date(2018, 1, 1)),
            member(2, 20, date(2023, 7, 1)),
        ],
        today=TODAY,
    )

    edge = graph.edges[1, 2]
    assert edge["cluster_count"] == 2
    assert edge["weight"] == 2.0 + 0.5  # six years (capped) + one year
    assert {r["id"] for r in edge["reasons"]} == {10, 20}


def test_members_since_before_our_records_count_as_long_standing() -> None:
    graph = build_graph(orgs(1, 2), memberships=[member(1, 10), member(2, 10)], today=TODAY)

    assert graph.edges[1, 2]["weight"] == 2.0


def test_members_whose_periods_do_not_overlap_are_not_linked_by_the_cluster() -> None:
    graph = build_graph(
        orgs(1, 2, 3),
        memberships=[
            member(1, 10, date(2015, 1, 1), date(2018, 12, 31)),
            member(2, 10, date(2019, 1, 1)),
            member(3, 10, date(2018, 6, 1), date(2019, 6, 1)),
        ],
        today=TODAY,
    )

    assert not graph.has_edge(1, 2)
    assert graph.has_edge(1, 3)
    assert graph.has_edge(2, 3)


def test_membership_before_the_window_links_nobody() -> None:
    graph = build_graph(
        orgs(1, 2),
        memberships=[member(1, 10, date(2015, 1, 1), date(2020, 1, 1)), member(2, 10)],
        window=YEAR_2023,
    )

    assert graph.number_of_edges() == 0


def test_person_with_roles_at_both_at_the_same_time_links_them() -> None:
    graph = build_graph(
        orgs(1, 2, 3),
        affiliations=[
            AffiliationRow(5, "Kari Nordmann", 1, date(2018, 1, 1), date(2022, 6, 30)),
            AffiliationRow(5, "Kari Nordmann", 2, date(2020, 3, 1)),  # board seat meanwhile
            AffiliationRow(6, "Ola Hansen", 1, date(2010, 1, 1), date(2015, 12, 31)),
            AffiliationRow(6, "Ola Hansen", 3, date(2016, 1, 1)),  # changed jobs: no overlap
        ],
    )

    edge = graph.edges[1, 2]
    assert edge["weight"] == 2.0
    assert edge["reasons"] == [{"kind": "person", "id": 5, "name": "Kari Nordmann"}]
    assert edge["person_count"] == 1
    assert (edge["first"], edge["last"]) == (date(2020, 3, 1), date(2022, 6, 30))
    assert not graph.has_edge(1, 3)


def test_all_kinds_of_evidence_add_up_on_one_edge() -> None:
    graph = build_graph(
        orgs(1, 2),
        links=[link(1, 1, 2, start=date(2020, 1, 1))],
        memberships=[member(1, 10, date(2020, 1, 1)), member(2, 10, date(2020, 1, 1))],
        meetings=[meeting(1, date(2023, 3, 3), 1, 2)],
        affiliations=[AffiliationRow(9, "Per", 1), AffiliationRow(9, "Per", 2)],
        today=TODAY,
    )

    edge = graph.edges[1, 2]
    assert edge["weight"] == 3.0 + 2.0 + 1.0 + 2.0
    assert [r["kind"] for r in edge["reasons"]] == ["link", "cluster", "meeting", "person"]
    assert (edge["first"], edge["last"]) == (date(2020, 1, 1), date(2023, 3, 3))


def test_unknown_organisations_and_self_links_are_ignored() -> None:
    graph = build_graph(
        orgs(1, 2),
        links=[link(1, 1, 99), link(2, 1, 1)],
        memberships=[member(1, 10), member(99, 10)],
        meetings=[meeting(1, date(2023, 1, 1), 1, 99)],
        affiliations=[AffiliationRow(1, "Per", 1), AffiliationRow(1, "Per", 99)],
        today=TODAY,
    )

    assert sorted(graph.nodes) == [1, 2]
    assert graph.number_of_edges() == 0


def test_min_weight_drops_weak_ties_but_keeps_organisations() -> None:
    graph = build_graph(
        orgs(1, 2, 3),
        links=[link(1, 1, 2)],
        meetings=[meeting(1, date(2023, 1, 1), 1, 3)],
        min_weight=2.0,
    )

    assert list(graph.edges) == [(1, 2)]
    assert sorted(graph.nodes) == [1, 2, 3]


def test_rows_may_be_tuples_or_mappings() -> None:
    graph = build_graph(
        [(1, "Kjeller Innovasjon", "public", "Kjeller", ("innovation",), (10,)), org(2)],
        links=[{"id": 1, "source": 1, "target": 2, "link_type": "partner"}],
        meetings=[(5, "Lunsj", date(2023, 1, 1), (1, 2))],
    )

    assert graph.nodes[1]["name"] == "Kjeller Innovasjon"
    assert graph.nodes[1]["clusters"] == (10,)
    assert graph.edges[1, 2]["weight"] == 4.0


def test_rows_may_be_short_tuples_lists_or_row_types() -> None:
    graph = build_graph(
        [(1, "IFE", "research"), [2, "Infinitum", "company", None, (), ()]],
        links=[[1, 1, 2, "partner", None, None], ExplicitLink(2, 2, 1, "supplier")],
        memberships=[(1, 10, "H2Cluster"), MembershipRow(2, 10, "H2Cluster")],
        affiliations=[(5, "Kari", 1), AffiliationRow(5, "Kari", 2)],
        today=TODAY,
    )

    assert graph.nodes[1]["place"] is None and graph.nodes[2]["name"] == "Infinitum"
    edge = graph.edges[1, 2]
    assert (edge["link_count"], edge["cluster_count"], edge["person_count"]) == (2, 1, 1)
    assert edge["weight"] == 3.0 + 3.0 + 2.0 + 2.0


def test_weights_are_exact_decimals_whatever_the_order_of_evidence() -> None:
    # Cluster weights such as 0.52 summed over many clusters must not show float noise.
    memberships = [
        member(org_id, cluster, date(2023, 1, 1) + (date(2023, 2, 5) - date(2023, 1, 1)) * k)
        for k, cluster in enumerate(range(10, 17))
        for org_id in (1, 2)
    ]
    graph = build_graph(orgs(1, 2), memberships=memberships, window=(None, date(2024, 12, 31)))

    weight = graph.edges[1, 2]["weight"]
    assert weight == round(weight, 2)
    assert graph.edges[1, 2]["cluster_count"] == 7


def test_building_leaves_the_garbage_collector_as_it_found_it() -> None:
    gc.enable()
    build_graph(orgs(1, 2), links=[link(1, 1, 2)])
    assert gc.isenabled()
    gc.disable()
    try:
        build_graph(orgs(1, 2), links=[link(1, 1, 2)])
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(ValueError):
        build_graph(
            orgs(1),
            links=[link(1, 1, 2, start=date(2023, 1, 1))],
            window=(date(2024, 1, 1), date(2023, 1, 1)),
        )
    with pytest.raises(TypeError), paused_gc():
        assert not gc.isenabled()
        raise TypeError
    assert gc.isenabled()


def test_open_memberships_need_today_from_the_caller_never_the_servers_clock() -> None:
    # The app passes the municipality's date (crm.common.dates.local_today); the graph module
    # has no clock of its own, so a graph can be rebuilt exactly for any day.
    with pytest.raises(ValueError, match="need `today`"):
        build_graph(orgs(1, 2), memberships=[member(1, 10), member(2, 10)])
    with pytest.raises(ValueError, match="no `as_of` date"):
        cluster_stats(build_graph(orgs(1, 2)), [member(1, 10)], 10)

    graph = build_graph(orgs(1, 2), memberships=[member(1, 10), member(2, 10)], today=TODAY)

    assert graph.graph["as_of"] == TODAY
    assert cluster_stats(graph, [member(1, 10), member(2, 10)], 10)["members"] == [1, 2]


def test_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="starts"):
        build_graph(orgs(1), window=(date(2024, 1, 1), date(2023, 1, 1)))


# filter_graph


@pytest.fixture
def mixed_graph() -> nx.Graph:
    nodes = [
        org(1, kind="company", place="Lillestrøm", sectors=("energy",), clusters=(10,)),
        org(2, kind="company", place="Kjeller", sectors=("ict", "energy"), clusters=(20,)),
        org(3, kind="research", place="Kjeller", sectors=("ict",), clusters=(10, 20)),
        org(4, kind="public", place="Skedsmo"),
    ]
    return build_graph(
        nodes,
        links=[link(1, 1, 2, "supplier"), link(2, 2, 3, "research")],
        meetings=[meeting(1, date(2023, 1, 1), 1, 3), meeting(2, date(2023, 2, 1), 3, 4)],
    )


def test_filter_by_organisation_fields(mixed_graph: nx.Graph) -> None:
    assert sorted(filter_graph(mixed_graph, kinds=["company"]).nodes) == [1, 2]
    assert sorted(filter_graph(mixed_graph, places={"Kjeller"}).nodes) == [2, 3]
    assert sorted(filter_graph(mixed_graph, sectors=["energy"]).nodes) == [1, 2]
    assert sorted(filter_graph(mixed_graph, clusters=[20]).nodes) == [2, 3]
    assert list(filter_graph(mixed_graph, kinds=["company"]).edges) == [(1, 2)]
    combined = filter_graph(mixed_graph, places=["Kjeller"], sectors=["energy"])
    assert list(combined.nodes) == [2]


def test_filter_by_link_type_and_weight(mixed_graph: nx.Graph) -> None:
    by_type = filter_graph(mixed_graph, link_types=["research"])
    assert list(by_type.edges) == [(2, 3)]
    assert by_type.number_of_nodes() == 4
    assert sorted(filter_graph(mixed_graph, min_weight=2.0).edges) == [(1, 2), (2, 3)]


def test_empty_filter_means_no_filter_and_original_is_untouched(mixed_graph: nx.Graph) -> None:
    result = filter_graph(mixed_graph, kinds=[], places=())
    result.remove_node(1)

    assert result.number_of_nodes() == 3
    assert mixed_graph.number_of_nodes() == 4
    assert mixed_graph.number_of_edges() == 4


# compute_metrics and rank


def test_bridge_between_two_triangles_is_the_broker_with_highest_betweenness() -> None:
    metrics = compute_metrics(two_triangles_and_a_bridge())

    assert rank(metrics, "betweenness", limit=1) == [(4, pytest.approx(0.6))]
    assert metrics[3]["betweenness"] == pytest.approx(8 / 15)
    assert metrics[1]["betweenness"] == 0.0
    assert [node for node, values in metrics.items() if values["broker"]] == [4]
    assert metrics[4]["degree"] == 2
    assert metrics[4]["weighted_degree"] == 6.0
    assert sum(values["pagerank"] for values in metrics.values()) == pytest.approx(1.0)


def test_louvain_finds_the_two_triangles() -> None:
    metrics = compute_metrics(two_triangles_and_a_bridge())
    community = {node: values["community"] for node, values in metrics.items()}

    assert community[1] == community[2] == community[3]
    assert community[5] == community[6] == community[7]
    assert community[1] != community[5]
    assert set(community.values()) == {1, 2}


def test_communities_are_numbered_from_one_largest_first() -> None:
    graph = nx.Graph([(1, 2), (2, 3), (1, 3)])
    graph.add_edges_from((a, b) for a in range(10, 15) for b in range(a + 1, 15))

    metrics = compute_metrics(graph)

    # People read these numbers (table, legend, side panel, exports): the first is 1, not 0.
    assert {metrics[n]["community"] for n in range(10, 15)} == {1}
    assert {metrics[n]["community"] for n in (1, 2, 3)} == {2}


def test_hub_between_three_groups_is_a_broker_without_clusters() -> None:
    graph = nx.Graph()
    for base in (10, 20, 30):
        graph.add_edges_from([(base, base + 1), (base + 1, base + 2), (base, base + 2)])
        graph.add_edge(0, base)

    metrics = compute_metrics(graph)

    assert [node for node, values in metrics.items() if values["broker"]] == [0]


def test_sampled_betweenness_is_repeatable_with_the_seed() -> None:
    graph = nx.gnm_random_graph(60, 150, seed=2)

    def sampled(seed: int) -> dict[int, float]:
        metrics = compute_metrics(graph, exact_limit=10, betweenness_k=10, seed=seed)
        return {node: values["betweenness"] for node, values in metrics.items()}

    exact = {node: values["betweenness"] for node, values in compute_metrics(graph).items()}
    assert sampled(7) == sampled(7)
    assert sampled(7) != exact
    assert sampled(7) != sampled(8)


def test_metrics_of_an_empty_graph_are_empty() -> None:
    assert compute_metrics(nx.Graph()) == {}


def test_rank_sorts_descending_with_ties_by_id_and_limits() -> None:
    metrics = {3: {"degree": 2}, 1: {"degree": 2}, 2: {"degree": 5}, 4: {"degree": 0}}

    assert rank(metrics, "degree") == [(2, 5.0), (1, 2.0), (3, 2.0), (4, 0.0)]
    assert rank(metrics, "degree", limit=2) == [(2, 5.0), (1, 2.0)]
    assert rank({}, "degree") == []
    with pytest.raises(ValueError, match="unknown metric 'size'"):
        rank(metrics, "size")


# ego_network and introduction_paths


def test_ego_network_radius_one_and_two() -> None:
    graph = build_graph(orgs(1, 2, 3, 4, 5), links=[link(i, i, i + 1) for i in range(1, 5)])

    assert sorted(ego_network(graph, 2).nodes) == [1, 2, 3]
    assert sorted(ego_network(graph, 2, radius=2).nodes) == [1, 2, 3, 4]
    assert ego_network(graph, 2).edges[1, 2]["link_count"] == 1
    with pytest.raises(ValueError, match="organisation 99 is not in the network"):
        ego_network(graph, 99)


def test_introduction_path_is_explained_step_by_step() -> None:
    graph = build_graph(
        orgs(1, 2, 3),
        links=[link(7, 1, 2, "partner")],
        meetings=[meeting(8, date(2023, 4, 4), 2, 3)],
    )

    paths = introduction_paths(graph, 1, 3)

    assert len(paths) == 1
    first, second = paths[0]
    assert (first["from"], first["to"], first["weight"]) == (1, 2, 3.0)
    assert first["reasons"][0]["type"] == "partner"
    assert (second["from"], second["to"]) == (2, 3)
    assert second["reasons"] == [
        {"kind": "meeting", "id": 8, "title": "Meeting 8", "day": date(2023, 4, 4)}
    ]


@pytest.mark.parametrize("weak, strong", [(2, 3), (3, 2)])
def test_introductions_prefer_the_chain_with_the_stronger_weakest_tie(weak, strong) -> None:
    # Two chains of links from 1 to 4, the weak one recorded first; on the strong chain the
    # same person also sits in both organisations of each step.
    graph = build_graph(
        orgs(1, 2, 3, 4),
        links=[link(1, 1, weak), link(2, weak, 4), link(3, 1, strong), link(4, strong, 4)],
        affiliations=[
            AffiliationRow(1, "Kari", 1),
            AffiliationRow(1, "Kari", strong),
            AffiliationRow(2, "Ola", strong),
            AffiliationRow(2, "Ola", 4),
        ],
    )

    paths = introduction_paths(graph, 1, 4, limit=2)

    assert [[step["to"] for step in path] for path in paths] == [[strong, 4], [weak, 4]]
    assert [step["weight"] for step in paths[0]] == [5.0, 5.0]
    assert paths[0][1]["reasons"][1] == {"kind": "person", "id": 2, "name": "Ola"}


def test_a_strong_longer_chain_beats_a_short_chain_of_weak_ties() -> None:
    # 1-2-5: two ties of a shared cluster of a year (0.5 each): cost 2 + 2 = 4.
    # 1-3-4-5: three registered links (3 each): cost 1/3 * 3 = 1.
    graph = build_graph(orgs(1, 2, 3, 4, 5), links=[link(1, 1, 3), link(2, 3, 4), link(3, 4, 5)])
    graph.add_edge(1, 2, weight=0.5, reasons=[{"kind": "cluster", "id": 9, "name": "K"}])
    graph.add_edge(2, 5, weight=0.5, reasons=[{"kind": "cluster", "id": 9, "name": "K"}])

    paths = introduction_paths(graph, 1, 5)

    assert [[step["to"] for step in path] for path in paths] == [[3, 4, 5], [2, 5]]
    assert [step["weight"] for step in paths[1]] == [0.5, 0.5]


def test_equally_strong_chains_prefer_fewer_steps_and_long_detours_are_left_out() -> None:
    graph = nx.Graph()
    graph.add_nodes_from((n, {"name": f"Org {n}"}) for n in range(1, 10))
    # 1-2-9 costs 1 + 1 = 2; 1-3-4-9 costs 2/3 * 3 = 2 too; 1-5-6-7-8-9 is five steps.
    nx.add_path(graph, [1, 2, 9], weight=1.0)
    nx.add_path(graph, [1, 3, 4, 9], weight=1.5)
    nx.add_path(graph, [1, 5, 6, 7, 8, 9], weight=100.0)

    paths = introduction_paths(graph, 1, 9, limit=5)

    assert [len(path) for path in paths] == [2, 3]
    assert len(introduction_paths(graph, 1, 9, max_steps=5)[0]) == 5


def test_the_person_to_call_is_a_shared_person_or_who_met_both() -> None:
    from crm.network.graph import Participant, chain_introducers

    graph = build_graph(
        orgs(1, 2, 3, 4),
        meetings=[
            meeting(7, date(2026, 3, 1), 1, 2),
            meeting(8, date(2026, 5, 12), 1, 2),
            meeting(9, date(2026, 1, 5), 3, 4),
        ],
        affiliations=[AffiliationRow(5, "Kari Nordmann", 2), AffiliationRow(5, "Kari Nordmann", 3)],
    )
    chain = introduction_paths(graph, 1, 4)[0]
    participants = [
        Participant(7, 10, "Old Contact", 2),
        Participant(8, 11, "Our Own", 1),
        Participant(8, 12, "Lars Haugen", 2),
        Participant(9, 13, "Nobody There", 99),  # not from either organisation of the step
    ]

    first, second, third = chain_introducers(chain, participants)

    # The latest shared meeting, and from the organisation in the middle of the chain.
    assert first == {
        "kind": "meeting",
        "person_id": 12,
        "name": "Lars Haugen",
        "organisation_id": 2,
        "meeting_id": 8,
        "title": "Meeting 8",
        "day": date(2026, 5, 12),
    }
    assert second == {"kind": "person", "person_id": 5, "name": "Kari Nordmann"}
    assert third is None


def test_no_introduction_path_and_unknown_organisations() -> None:
    graph = build_graph(orgs(1, 2, 3), links=[link(1, 1, 2)])

    assert introduction_paths(graph, 1, 3) == []
    with pytest.raises(ValueError, match="organisation 42 is not in the network"):
        introduction_paths(graph, 1, 42)
    with pytest.raises(ValueError, match="itself"):
        introduction_paths(graph, 1, 1)


# community names and the summary sentence


def _named(graph: nx.Graph, cluster_names=None, **kwargs):
    from crm.network.graph import compute_communities, name_communities

    return name_communities(graph, compute_communities(graph), cluster_names or {}, **kwargs)


def test_a_community_most_of_whose_members_share_a_cluster_is_named_after_it() -> None:
    from crm.network.graph import CommunityName

    graph = two_triangles_and_a_bridge()

    names = _named(graph, {10: "H2Cluster", 20: "Solenergiklyngen"})

    assert sorted(name.cluster for name in names.values()) == ["H2Cluster", "Solenergiklyngen"]
    assert all(name.size in (3, 4) and name.members == () for name in names.values())
    assert isinstance(names[1], CommunityName) and names[1].number == 1


def test_without_a_shared_cluster_a_community_is_named_by_its_most_central_members() -> None:
    # A star around IFE with Kjeller Innovasjon strongest beside it; nobody shares a cluster.
    nodes = [org(1, name="IFE"), org(2, name="Kjeller Innovasjon"), org(3, name="Aidee")]
    nodes += [org(4, name="NILU"), org(5, name="Ensom AS")]
    links = [link(1, 1, 2), link(2, 1, 2), link(3, 1, 3), link(4, 1, 4), link(5, 2, 4)]
    graph = build_graph(nodes, links=links)

    names = _named(graph)

    assert names[1].members == ("IFE", "Kjeller Innovasjon")
    assert names[1].cluster is None and names[1].size == 4
    assert names[2].members == ("Ensom AS",) and names[2].size == 1


def test_a_cluster_names_only_one_community_and_only_with_a_majority() -> None:
    # Cluster 10 has 3 of 4 members in the first triangle's community and the bridge; the
    # second community holds no member of it, and cluster 20 has a bare half of it.
    nodes = [org(n, clusters=(10,)) for n in (1, 2, 3)] + [org(4, name="Bridge")]
    nodes += [org(5, name="Alpha", clusters=(20,)), org(6, name="Beta"), org(7, name="Gamma")]
    nodes += [org(8, name="Delta", clusters=(20,))]
    pairs = [(1, 2), (1, 3), (2, 3), (3, 4), (5, 6), (5, 7), (6, 7), (5, 8), (4, 5)]
    graph = build_graph(nodes, links=[link(i, a, b) for i, (a, b) in enumerate(pairs)])
    communities = {1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 7: 2, 8: 2}

    from crm.network.graph import name_communities

    names = name_communities(graph, communities, {10: "H2Cluster", 20: "Solenergiklyngen"})

    assert names[1].cluster == "H2Cluster"
    assert names[2].cluster is None  # 2 of 4 is no majority
    assert names[2].members == ("Alpha", "Beta")
    # The same cluster for both communities: the larger one takes it.
    same = name_communities(graph, communities, {10: "H2Cluster", 20: "H2Cluster"}, share=0.4)
    assert same[1].cluster == "H2Cluster" and same[2].cluster is None


def test_summary_names_the_connectors_counts_groups_and_who_stands_alone() -> None:
    from crm.network.graph import summarise_network

    graph = two_triangles_and_a_bridge()
    graph.add_nodes_from([(8, {"name": "Ensom AS"}), (9, {"name": "Alene AS"})])
    metrics = compute_metrics(graph)

    summary = summarise_network(graph, metrics, connectors=3)

    assert summary.connectors[0] == "Org 4"  # the bridge between the triangles
    assert set(summary.connectors[1:]) == {"Org 3", "Org 5"}
    assert (summary.organisations, summary.ties, summary.alone) == (9, 8, 2)
    assert summary.communities == 2
    # While betweenness is still being computed, influence stands in for it.
    fast = {
        node: {k: v for k, v in values.items() if k == "pagerank"}
        for node, values in metrics.items()
    }
    assert summarise_network(graph, fast).communities == 0
    assert len(summarise_network(graph, fast).connectors) == 3
    assert summarise_network(nx.Graph(), {}).connectors == ()


def test_small_positions_keep_every_member_apart_and_are_repeatable() -> None:
    from crm.network.graph import NODE_SPACING, small_positions

    graph = nx.complete_graph(12)
    graph.add_edges_from([(12, 13), (13, 14)])
    graph.add_nodes_from([20, 21, 22])  # members without ties inside the cluster

    positions = small_positions(graph)

    assert positions == small_positions(graph)
    assert set(positions) == set(graph)
    nearest = min(
        ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5
        for a, (ax, ay) in positions.items()
        for b, (bx, by) in positions.items()
        if a < b
    )
    assert nearest >= NODE_SPACING * 0.99
    tied_bottom = min(positions[node][1] for node in range(15))
    assert all(positions[node][1] < tied_bottom for node in (20, 21, 22))
    assert small_positions(nx.Graph()) == {}


# cluster_stats and yearly_summary


def test_cluster_stats_counts_collaboration_beyond_the_cluster_itself() -> None:
    memberships = [
        member(1, 10, date(2019, 1, 1)),
        member(2, 10, date(2019, 1, 1)),
        member(3, 10, date(2020, 1, 1)),
        member(4, 10, date(2021, 1, 1)),
        member(5, 10, date(2019, 1, 1), date(2022, 6, 1)),  # left before the window's end
        member(8, 20, date(2019, 1, 1)),
    ]
    nodes = [org(n, clusters=(10,)) for n in (1, 2, 3, 4, 5)] + [org(8, clusters=(20,))]
    graph = build_graph(
        nodes,
        memberships=memberships,
        links=[link(1, 2, 3, start=date(2022, 5, 1)), link(2, 4, 8, start=date(2023, 1, 1))],
        meetings=[meeting(1, date(2021, 3, 1), 1, 2), meeting(2, date(2023, 3, 1), 1, 5)],
        window=(None, date(2023, 12, 31)),
    )

    stats = cluster_stats(graph, memberships, 10)

    assert stats["members"] == [1, 2, 3, 4]
    assert stats["name"] == "Cluster 10"
    # Two real ties (1-2, 2-3) of six possible; the membership ties alone do not count.
    assert stats["internal_links"] == 2
    assert stats["density"] == pytest.approx(2 / 6)
    assert stats["bridging_members"] == [4]
    assert stats["bridging_count"] == 1
    assert stats["new_links_per_year"] == {2021: 1, 2022: 1}


def test_cluster_stats_for_a_cluster_without_members() -> None:
    stats = cluster_stats(build_graph(orgs(1), today=TODAY), [], 10)

    assert (stats["members"], stats["density"], stats["name"]) == ([], 0.0, None)


def test_yearly_summary_reports_network_health_per_year() -> None:
    triangle = nx.Graph([(1, 2), (2, 3), (1, 3)])
    triangle.add_node(9)  # no ties that year: not counted
    two_pairs = nx.Graph([(1, 2), (3, 4)])

    summary = yearly_summary({2022: two_pairs, 2021: triangle, 2023: nx.empty_graph(5)})

    assert [row["year"] for row in summary] == [2021, 2022, 2023]
    first, second, empty = summary
    assert (first["nodes"], first["edges"], first["density"]) == (3, 3, 1.0)
    assert (first["components"], first["largest_component_share"]) == (1, 1.0)
    assert first["modularity"] == pytest.approx(0.0)
    assert (second["nodes"], second["edges"]) == (4, 2)
    assert second["density"] == pytest.approx(2 / 6)
    assert (second["components"], second["largest_component_share"]) == (2, 0.5)
    assert second["modularity"] == pytest.approx(0.5)
    assert (empty["nodes"], empty["edges"], empty["components"], empty["modularity"]) == (
        0,
        0,
        0,
        0.0,
    )


# Export


@pytest.fixture
def rich_graph() -> nx.Graph:
    nodes = [
        org(1, name="Kjeller Innovasjon", sectors=("innovation", "energy"), clusters=(10, 20)),
        org(2, name="IFE", kind="research", place=None),
    ]
    graph = build_graph(
        nodes,
        links=[link(1, 1, 2, "research", start=date(2020, 1, 1))],
        meetings=[meeting(1, date(2023, 3, 3), 1, 2)],
        memberships=[member(1, 10, date(2020, 1, 1)), member(2, 10, date(2020, 1, 1))],
        today=TODAY,
    )
    graph.nodes[1]["score"] = 2  # an int first, then a decimal: GEXF would type it "long"
    graph.nodes[2]["score"] = Decimal("1.5")
    graph.nodes[1]["share"] = Fraction(1, 4)
    graph.edges[1, 2]["start"] = date(2020, 1, 1)
    graph.edges[1, 2]["end"] = date(2023, 12, 31)
    return graph


def test_clean_for_export_makes_every_attribute_writable(rich_graph: nx.Graph) -> None:
    clean = clean_for_export(rich_graph)

    assert clean.nodes[1]["sectors"] == "innovation; energy"
    assert clean.nodes[1]["clusters"] == "10; 20"
    assert clean.nodes[1]["label"] == "Kjeller Innovasjon"
    assert "place" not in clean.nodes[2]
    assert "sectors" not in clean.nodes[2]  # empty: dropped like None
    assert (clean.nodes[1]["score"], clean.nodes[2]["score"]) == (2.0, 1.5)
    edge = clean.edges[1, 2]
    assert edge["first"] == "2020-01-01"
    assert edge["start"] == "2020-01-01"
    reasons = json.loads(edge["reasons"])
    assert reasons[0] == {
        "kind": "link",
        "id": 1,
        "type": "research",
        "start": "2020-01-01",
        "end": None,
    }
    assert reasons[2]["day"] == "2023-03-03"
    assert json.loads(clean.graph["window"]) == [None, None]
    # The original keeps its Python values.
    assert rich_graph.edges[1, 2]["first"] == date(2020, 1, 1)


def test_cleaned_graph_round_trips_through_gexf(rich_graph: nx.Graph, tmp_path) -> None:
    path = tmp_path / "network.gexf"
    nx.write_gexf(clean_for_export(rich_graph), path)
    back = nx.read_gexf(path)

    assert back.nodes["1"]["label"] == "Kjeller Innovasjon"
    assert back.nodes["1"]["sectors"] == "innovation; energy"
    assert back.nodes["1"]["share"] == 0.25
    assert (back.nodes["1"]["score"], back.nodes["2"]["score"]) == (2.0, 1.5)
    edge = back.edges["1", "2"]
    assert edge["weight"] == 3.0 + 1.0 + 2.0
    assert edge["meeting_count"] == 1
    assert (edge["start"], edge["end"]) == ("2020-01-01", "2023-12-31")
    assert back.graph["mode"] == "dynamic"  # Gephi's timeline can play it
    assert json.loads(edge["reasons"])[1] == {"kind": "cluster", "id": 10, "name": "Cluster 10"}


def test_cleaned_graph_round_trips_through_graphml(rich_graph: nx.Graph, tmp_path) -> None:
    path = tmp_path / "network.graphml"
    nx.write_graphml(clean_for_export(rich_graph), path)
    back = nx.read_graphml(path, node_type=int)

    assert back.nodes[1]["name"] == "Kjeller Innovasjon"
    assert back.nodes[1]["clusters"] == "10; 20"
    assert back.nodes[2]["kind"] == "research"
    edge = back.edges[1, 2]
    assert edge["weight"] == 6.0
    assert edge["link_count"] == 1
    assert edge["last"] == "2023-03-03"
    assert back.graph["as_of"] == "2024-06-30"


def test_sigma_json_shape() -> None:
    graph = two_triangles_and_a_bridge()
    metrics = compute_metrics(graph)
    positions = {node: (float(node), -float(node)) for node in graph}

    data = to_sigma_json(graph, positions, metrics)

    assert data["attributes"] == {}
    assert data["options"]["type"] == "undirected"
    bridge = next(node for node in data["nodes"] if node["key"] == "4")
    assert bridge["attributes"] == {
        "label": "Org 4",
        "x": 4.0,
        "y": -4.0,
        "size": pytest.approx(
            2 + 10 * (metrics[4]["pagerank"] / max_pagerank(metrics)) ** 0.5, 0.01
        ),
        "kind": "company",
        "place": "Lillestrøm",
        "community": metrics[4]["community"],
        "broker": True,
    }
    assert "broker" not in data["nodes"][0]["attributes"]
    assert ["3", "4", 3] in data["edges"]
    assert len(data["edges"]) == 8


def max_pagerank(metrics: dict) -> float:
    return max(values["pagerank"] for values in metrics.values())


def test_sigma_json_without_positions_uses_initial_positions() -> None:
    graph = two_triangles_and_a_bridge()

    data = to_sigma_json(graph, None, None)
    expected = initial_positions(graph)

    first = data["nodes"][0]
    assert (first["attributes"]["x"], first["attributes"]["y"]) == pytest.approx(
        expected[int(first["key"])], abs=0.01
    )
    assert {node["attributes"]["size"] for node in data["nodes"]} == {2.0}


def test_sigma_json_of_5000_nodes_and_50000_edges_stays_under_2_mb() -> None:
    graph = nx.gnm_random_graph(5000, 50_000, seed=1)
    chooser = random.Random(1)
    for node in graph:
        graph.nodes[node].update(
            name=f"Organisasjon nummer {node} AS",
            kind=chooser.choice(["company", "research", "public"]),
            place=chooser.choice(["Lillestrøm", "Kjeller", "Strømmen", "Skjetten"]),
        )
    for a, b in graph.edges:
        graph.edges[a, b]["weight"] = chooser.choice([0.5, 1.0, 2.5, 3.0, 4.75, 6.0])
        graph.edges[a, b]["reasons"] = [{"kind": "meeting", "id": a, "title": "Referat"}]
    metrics = {
        node: {"pagerank": chooser.random() / 5000, "community": node % 40, "broker": node < 50}
        for node in graph
    }

    data = to_sigma_json(graph, None, metrics)
    payload = json.dumps(data, separators=(",", ":"))

    assert len(payload.encode()) < 2_000_000
    assert len(data["nodes"]) == 5000
    assert len(data["edges"]) == 50_000
    assert "Referat" not in payload
    assert all(isinstance(node["attributes"]["x"], float) for node in data["nodes"])


# initial_positions


def test_initial_positions_are_deterministic_and_group_communities() -> None:
    graph = two_triangles_and_a_bridge()

    first = initial_positions(graph, seed=3)

    assert first == initial_positions(graph.copy(), seed=3)
    assert first != initial_positions(graph, seed=4)
    assert set(first) == set(graph)

    def centre(nodes):
        return (
            sum(first[n][0] for n in nodes) / len(nodes),
            sum(first[n][1] for n in nodes) / len(nodes),
        )

    def distance(p, q):
        return ((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2) ** 0.5

    left, right = centre([1, 2, 3]), centre([5, 6, 7])
    spread = max(distance(first[n], left) for n in (1, 2, 3))
    assert distance(left, right) > spread


def test_initial_positions_of_an_empty_graph() -> None:
    assert initial_positions(nx.Graph()) == {}
