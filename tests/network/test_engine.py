"""igraph's figures (crm.network.engine) against networkx's on graphs whose answer is known,
and the igraph graph built from rows against graph.build_graph on the same rows."""

from __future__ import annotations

from collections import Counter
from datetime import date

import networkx as nx
import numpy as np
import pytest

from crm.network import engine
from crm.network import graph as g
from crm.network.graph import AffiliationRow, ExplicitLink, MeetingRow, MembershipRow, OrgNode

D = date


def _karate() -> nx.Graph:
    """Zachary's karate club with ids far from 0..n-1 (ids are organisation ids, not
    positions) and a few organisations without a tie."""
    graph = nx.relabel_nodes(nx.karate_club_graph(), lambda node: 1000 + 7 * node)
    graph.add_nodes_from([5, 99_999])
    return graph


def _two_cliques() -> nx.Graph:
    """Two groups of five, every member tied to every other, and one weak tie between them."""
    graph = nx.Graph()
    for group in (range(1, 6), range(11, 16)):
        graph.add_edges_from(((a, b) for a in group for b in group if a < b), weight=3.0)
    graph.add_edge(5, 11, weight=0.5)
    return graph


def test_pagerank_equals_networkx_on_the_weights():
    graph = _karate()
    for a, b in graph.edges:
        graph.edges[a, b]["weight"] = 1.0 + (a + b) % 5
    expected = nx.pagerank(graph, weight="weight", tol=1e-12, max_iter=1000)

    found = engine.pagerank_of(engine.from_networkx(graph))

    assert found.keys() == expected.keys()
    assert found == pytest.approx(expected, abs=1e-9)
    assert sum(found.values()) == pytest.approx(1.0)


def test_fast_metrics_equal_networkx_degree_and_strength():
    graph = _two_cliques()
    fast = engine.fast_metrics(engine.from_networkx(graph))
    assert fast[5]["degree"] == 5 and fast[5]["weighted_degree"] == pytest.approx(12.5)
    assert fast[1]["degree"] == 4 and fast[1]["weighted_degree"] == pytest.approx(12.0)
    expected = g.compute_fast_metrics(graph)
    for node in graph:
        assert fast[node]["pagerank"] == pytest.approx(expected[node]["pagerank"], abs=1e-5)


def test_exact_betweenness_equals_networkx():
    graph = _karate()
    expected = nx.betweenness_centrality(graph)
    found = engine.betweenness_of(engine.from_networkx(graph))
    assert found == pytest.approx(expected, abs=1e-12)
    # A star: the centre lies on every path between two others; the leaves on none.
    star = engine.betweenness_of(engine.from_networkx(nx.star_graph(5)))
    assert star == {0: 1.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0, 5: 0.0}


def test_sampled_betweenness_takes_networkx_sources_and_scale():
    graph = _karate()
    expected = nx.betweenness_centrality(graph, k=10, seed=4)
    found = engine.betweenness_of(engine.from_networkx(graph), k=10, seed=4, exact_limit=10)
    assert found == pytest.approx(expected, abs=1e-12)
    # Another seed draws other sources: the figures differ, so the sample is really used.
    assert engine.betweenness_of(
        engine.from_networkx(graph), k=10, seed=5, exact_limit=10
    ) != pytest.approx(expected, abs=1e-12)


def test_two_groups_joined_by_one_weak_tie_are_two_communities():
    communities = engine.communities_of(engine.from_networkx(_two_cliques()), seed=1)
    assert {node for node, number in communities.items() if number == 1} == {1, 2, 3, 4, 5}
    assert {node for node, number in communities.items() if number == 2} == {11, 12, 13, 14, 15}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_communities_are_at_least_as_good_as_networkx_louvain_and_the_same_on_every_run(seed):
    graph = _karate()
    weighted = engine.from_networkx(graph)
    louvain = nx.community.louvain_communities(graph, seed=seed)
    first = engine.communities_of(weighted, seed=seed)
    second = engine.communities_of(engine.from_networkx(graph), seed=seed)

    assert first == second
    assert engine.modularity_of(weighted, first) >= nx.community.modularity(graph, louvain) - 1e-9
    # Numbered from 1 by size, largest first; a lone organisation is a community of its own.
    counts = Counter(first.values())
    sizes = [counts[number] for number in sorted(counts)]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == 1
    assert first[5] != first[99_999]


def test_slow_metrics_name_the_same_brokers_as_networkx_given_the_same_communities():
    graph = _two_cliques()
    graph.add_edges_from([(20, 5), (20, 11), (21, 20)], weight=1.0)
    weighted = engine.from_networkx(graph)
    slow = engine.slow_metrics(weighted)
    communities = {node: values["community"] for node, values in slow.items()}
    assert {node for node, values in slow.items() if values["broker"]} == {
        node for node, is_broker in g._brokers(graph, communities).items() if is_broker
    }
    assert slow[20]["betweenness"] == pytest.approx(nx.betweenness_centrality(graph)[20])


NODES = [
    OrgNode(1, "IFE", "research", clusters=(7,)),
    OrgNode(2, "NILU", "research", clusters=(7,)),
    OrgNode(3, "Infinitum", "company"),
    OrgNode(4, "RainPower", "company", clusters=(7,)),
    OrgNode(5, "Nitja", "venue"),
]
LINKS = [
    ExplicitLink(1, 1, 3, "project", D(2021, 1, 1), None),
    ExplicitLink(2, 3, 4, "supplier", D(2018, 1, 1), D(2019, 6, 30)),
    ExplicitLink(3, 2, 9, "project", None, None),  # to an organisation outside the graph
]
MEMBERSHIPS = [
    MembershipRow(1, 7, "H2Cluster", D(2020, 1, 1), None),
    MembershipRow(2, 7, "H2Cluster", D(2021, 3, 1), None),
    MembershipRow(4, 7, "H2Cluster", None, D(2020, 12, 31)),
]
MEETINGS = [
    MeetingRow(1, "Hydrogen at Kjeller", D(2022, 5, 4), (1, 2, 3)),
    MeetingRow(2, "Visit", D(2019, 2, 1), (3, 4)),
    MeetingRow(3, "Conference", D(2022, 9, 1), tuple(range(1, 40))),
]
AFFILIATIONS = [
    AffiliationRow(1, "Kari", 1, D(2015, 1, 1), None),
    AffiliationRow(1, "Kari", 5, D(2020, 1, 1), D(2023, 1, 1)),
]


@pytest.mark.parametrize(
    ("window", "link_types", "min_weight"),
    [
        ((None, None), (), 0.0),
        ((D(2021, 1, 1), D(2022, 12, 31)), (), 0.0),
        ((None, D(2019, 12, 31)), (), 0.0),
        ((None, None), ("project",), 0.0),
        ((None, None), (), 2.5),
    ],
)
def test_the_igraph_graph_has_build_graphs_ties_and_weights(window, link_types, min_weight):
    rows = {
        "links": LINKS,
        "memberships": MEMBERSHIPS,
        "meetings": MEETINGS,
        "affiliations": AFFILIATIONS,
        "window": window,
    }
    today = D(2024, 6, 1)
    expected = g.filter_graph(
        g.build_graph(NODES, today=today, **rows), link_types=link_types, min_weight=min_weight
    )
    weighted = engine.from_rows(
        NODES, today=today, link_types=link_types, min_weight=min_weight, **rows
    )

    assert weighted.ids == list(expected)
    ig = weighted.graph
    found = {
        tuple(sorted((weighted.ids[edge.source], weighted.ids[edge.target]))): edge["weight"]
        for edge in ig.es
    }
    # Exactly: the same hundredths divided the same way, not merely close.
    assert found == {
        tuple(sorted((a, b))): data["weight"] for a, b, data in expected.edges(data=True)
    }
    assert found  # every case keeps some ties: the comparison is not of two empty graphs


def _attendances(meetings) -> g.Attendances:
    return g.Attendances(
        np.array(
            [(meeting_id, org) for meeting_id, _, _, orgs in meetings for org in orgs],
            dtype=np.int64,
        ).reshape(-1, 2)
    )


def _ties(weighted: engine.WeightedGraph) -> list[tuple[int, int, float]]:
    ids = weighted.ids
    return [
        (min(ids[a], ids[b]), max(ids[a], ids[b]), weight)
        for (a, b), weight in zip(
            weighted.graph.get_edgelist(), weighted.graph.es["weight"], strict=True
        )
    ]


@pytest.mark.parametrize("max_meeting_orgs", [30, 40, 2])
def test_meetings_as_attendances_give_the_same_graph_as_meeting_rows(max_meeting_orgs):
    meetings = [
        *MEETINGS,
        MeetingRow(4, "Again", D(2022, 6, 1), (2, 1)),  # a second meeting of 1 and 2
        MeetingRow(5, "Call", D(2022, 6, 2), (3,)),  # one organisation: no tie
        MeetingRow(6, "Outside", D(2022, 6, 3), (5, 77, 88)),  # two outside the graph
        MeetingRow(7, "Repeated", D(2022, 6, 4), (4, 5, 4)),  # an attendee listed twice
    ]
    rows = {"links": LINKS, "memberships": MEMBERSHIPS, "affiliations": AFFILIATIONS}
    options = {"today": D(2024, 6, 1), "max_meeting_orgs": max_meeting_orgs}
    from_meetings = engine.from_rows(NODES, meetings=meetings, **rows, **options)
    from_attendances = engine.from_rows(
        NODES, attendances=_attendances(meetings), **rows, **options
    )
    expected = g.build_graph(NODES, meetings=meetings, **rows, **options)

    assert from_attendances.ids == from_meetings.ids == list(expected)
    ties = _ties(from_attendances)
    assert ties == _ties(from_meetings)  # the same ties in the same order: same communities
    assert {(a, b): weight for a, b, weight in ties} == {
        tuple(sorted((a, b))): data["weight"] for a, b, data in expected.edges(data=True)
    }
    assert [(a, b) for a, b, _ in ties] == sorted((a, b) for a, b, _ in ties)
    weights = {(a, b): weight for a, b, weight in ties}
    # Meeting 1 ties 2 and 3 under any cap above its three organisations; the conference
    # (39 organisations, 1 to 39) adds a meeting to every pair only under a cap it fits.
    conference = 1.0 if max_meeting_orgs >= 39 else 0.0
    assert weights.get((2, 3)) == {2: None, 30: 1.0, 40: 2.0}[max_meeting_orgs]
    assert weights[(4, 5)] == 1.0 + conference  # meeting 7 once, though 4 is listed twice
    assert weights[(1, 5)] == 2.0 + conference  # Kari; meeting 6's others are outside


def test_attendances_of_no_meeting_or_no_organisation_make_no_tie():
    assert engine.from_rows(NODES, attendances=g.Attendances()).edge_count == 0
    assert engine.from_rows([], attendances=_attendances(MEETINGS)).edge_count == 0


def test_an_empty_graph_has_no_figures():
    empty = engine.from_rows([])
    assert engine.fast_metrics(empty) == {} and engine.slow_metrics(empty) == {}
    assert engine.slow_figures(empty) == ({}, {})


def test_on_the_demo_data_igraph_agrees_with_networkx(session):
    from crm.common.dates import local_today
    from crm.demo.seed import seed_demo
    from crm.network import cache
    from crm.network.queries import NetworkFilter, read_graph_rows

    seed_demo(session)
    session.commit()
    flt = NetworkFilter()
    rows = read_graph_rows(session, flt)
    today = local_today()
    graph = cache._networkx_of(rows, flt, today)
    weighted = cache.weighted_of(rows, flt, today)
    assert graph.number_of_edges() > 50  # the demo network, not a handful of ties

    fast = engine.fast_metrics(weighted)
    expected = nx.pagerank(graph, weight="weight", tol=1e-12, max_iter=1000)
    assert {node: values["pagerank"] for node, values in fast.items()} == pytest.approx(
        expected, abs=1e-9
    )
    assert engine.betweenness_of(weighted) == pytest.approx(
        nx.betweenness_centrality(graph), abs=1e-12
    )
    communities = engine.communities_of(weighted, seed=1)
    louvain = nx.community.louvain_communities(graph, weight="weight", seed=1)
    # At least as good, up to rounding (igraph and networkx add the same terms differently).
    assert (
        engine.modularity_of(weighted, communities)
        >= nx.community.modularity(graph, louvain, weight="weight") - 1e-12
    )
    assert engine.communities_of(cache.weighted_of(rows, flt, today), seed=1) == communities
