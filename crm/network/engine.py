"""The network's heavy figures on igraph's compiled core: rows in, figures out (no Flask, no
database).

networkx stays the graph model of what users and Gephi see (`crm.network.graph`: every tie
with its reasons, the exports, the ego networks, the introduction chains). The figures of the
whole district are computed here instead, on an igraph graph built straight from the rows
with the same rules (`graph.edge_weights`: the weights without the reasons; the meetings,
most of the ties, as one array of attendances paired in numpy), never through a networkx
graph: at Lillestrøm's scale (11,000 organisations, about 89,000 ties) building it takes a
fifth of the networkx graph's CPU time, PageRank and communities a tenth (figures in
bench/README.md).

- degree, weighted degree ("Total strength") and PageRank: as networkx computes them
  (PageRank with damping 0.85 on the weights; igraph's PRPACK solves it directly where
  networkx iterates to its tolerance: against networkx run to 1e-12 they agree to 1e-9);
- betweenness counts hops (the reason is in `graph.compute_slow_metrics`): exact up to
  `exact_limit` organisations, else from `k` sampled sources, the same sources networkx's
  `betweenness_centrality(k=k, seed=seed)` draws, scaled as networkx scales them, so both give
  the same figures;
- communities: Louvain (igraph's multilevel), then Leiden on modularity from Louvain's
  communities (it moves an organisation only when modularity grows, and splits communities
  Louvain leaves badly connected), so never worse than Louvain alone; seeded, so the same
  graph gives the same communities on every run; numbered by size from 1, as
  `graph.compute_communities` numbers. On the district (seed 1) modularity 0.413 against
  networkx Louvain's 0.406, in a tenth of the time;
- brokers: `graph.brokers`, the same rule on igraph's adjacency;
- positions: `graph.initial_positions` from the communities.

python-igraph is GPL-2.0-or-later, which the project's AGPL-3.0-or-later may include.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import Any

# igraph's OpenMP threads spin while they wait for a core: on a shared 2-core host under
# load, PageRank took 1-2 s with them and 0.06 s with one thread. Read once, when the OpenMP
# runtime loads with igraph; an operator's own setting wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import igraph
import networkx as nx
import numpy as np

from crm.network import graph as g

Metrics = g.Metrics

# Leiden passes after Louvain on a large graph; two reach nearly all there is to find.
LEIDEN_ITERATIONS = 2
# Up to this many organisations Leiden goes on until no organisation moves (milliseconds).
LEIDEN_UNTIL_STABLE = 5000

# igraph draws from one process-wide generator; a lock keeps two threads' seeds apart.
_random_lock = threading.Lock()


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    with _random_lock:
        igraph.set_random_number_generator(random.Random(seed))  # noqa: S311  # nosec B311 (seeded on purpose: the same communities on every run)
        try:
            yield
        finally:
            igraph.set_random_number_generator(random)


@dataclass
class WeightedGraph:
    """The district's ties as igraph holds them: vertex i is organisation `ids[i]`.

    `ids` keep the rows' order, which is the order networkx's graph has its nodes in (the
    sampled betweenness draws its sources from that order). `clusters` are each
    organisation's clusters (the broker rule reads them).
    """

    ids: list[int]
    graph: igraph.Graph
    clusters: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # What build_graph puts on the nodes (name, kind, place, sectors, clusters) and the graph.
    attributes: dict[int, dict[str, Any]] = field(default_factory=dict)
    graph_attributes: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def ties(self) -> Ties:
        """The graph read as a networkx graph is read, without the reasons (see Ties)."""
        return Ties(self)

    @property
    def edge_count(self) -> int:
        """How many ties."""
        return self.graph.ecount()

    def neighbours(self) -> dict[int, list[int]]:
        """Each organisation's neighbours by id."""
        ids = self.ids
        return {
            ids[index]: [ids[other] for other in adjacent]
            for index, adjacent in enumerate(self.graph.get_adjlist())
        }


class _Nodes:
    """`graph.nodes` of Ties: `nodes[id]` (the attributes), `nodes(data=True)`."""

    def __init__(self, weighted: WeightedGraph) -> None:
        self._weighted = weighted

    def __getitem__(self, node: int) -> dict[str, Any]:
        return self._weighted.attributes.get(node, {})

    def __call__(self, data: bool = False) -> Iterator:
        if not data:
            return iter(self._weighted.ids)
        return ((node, self[node]) for node in self._weighted.ids)

    def __iter__(self) -> Iterator[int]:
        return iter(self._weighted.ids)


class Ties:
    """A read-only view of a WeightedGraph with the part of networkx's Graph API the map, its
    table, the rankings, the summary and the community names read: nodes and their
    attributes, degrees, neighbours and edges with their `weight`, `graph.graph`.

    Those pages need no reasons, so they never wait for the networkx graph (a second at the
    district's scale); ego networks, introductions, a cluster's figures and the exports do.
    """

    def __init__(self, weighted: WeightedGraph) -> None:
        self._weighted = weighted
        self._adjacency: dict[int, dict[int, dict[str, float]]] | None = None
        self.nodes = _Nodes(weighted)
        self.graph = weighted.graph_attributes

    def __iter__(self) -> Iterator[int]:
        return iter(self._weighted.ids)

    def __len__(self) -> int:
        return len(self._weighted.ids)

    def __contains__(self, node: object) -> bool:
        return node in self._weighted.attributes

    def __getitem__(self, node: int) -> dict[int, dict[str, float]]:
        return self._adjacent()[node]

    def _adjacent(self) -> dict[int, dict[int, dict[str, float]]]:
        if self._adjacency is None:
            ids = self._weighted.ids
            adjacency: dict[int, dict[int, dict[str, float]]] = {node: {} for node in ids}
            for a, b, data in self.edges(data=True):
                adjacency[a][b] = adjacency[b][a] = data
            self._adjacency = adjacency
        return self._adjacency

    def number_of_nodes(self) -> int:
        """How many organisations."""
        return len(self._weighted.ids)

    def number_of_edges(self) -> int:
        """How many ties."""
        return self._weighted.graph.ecount()

    def degree(self) -> Iterator[tuple[int, int]]:
        """(organisation, number of ties) pairs."""
        return zip(self._weighted.ids, self._weighted.graph.degree(), strict=True)

    def edges(self, data: bool = False) -> Iterator[tuple]:
        """(a, b) or (a, b, {"weight": w}) per tie."""
        ids = self._weighted.ids
        ig = self._weighted.graph
        weights = ig.es["weight"] if ig.ecount() else []
        for (a, b), weight in zip(ig.get_edgelist(), weights, strict=True):
            if data:
                yield ids[a], ids[b], {"weight": weight}
            else:
                yield ids[a], ids[b]


def _weighted(
    ids: list[int],
    weights: Mapping[tuple[int, int], float],
    clusters: dict,
    attributes: dict | None = None,
    graph_attributes: dict | None = None,
) -> WeightedGraph:
    """igraph's graph of `weights` ((a, b) -> weight), vertex i being ids[i]."""
    pairs, values = _arrays(weights, np.float64)
    return _weighted_arrays(ids, pairs, values, clusters, attributes, graph_attributes)


def _arrays(weights: Mapping[tuple[int, int], float], dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of a (a, b) -> value mapping as an (n, 2) array and their values as another."""
    count = len(weights)
    pairs = np.fromiter(chain.from_iterable(weights), dtype=np.int64, count=2 * count)
    values = np.fromiter(weights.values(), dtype=dtype, count=count)
    return pairs.reshape(count, 2), values


def _weighted_arrays(
    ids: list[int],
    pairs: np.ndarray,
    weights: np.ndarray,
    clusters: dict,
    attributes: dict | None = None,
    graph_attributes: dict | None = None,
) -> WeightedGraph:
    """igraph's graph of `pairs` (organisation ids, one row per tie) and their `weights`.

    Ids become positions through one numpy lookup table, and igraph takes the array as it is:
    at the district's scale, Python loops over the 90,000 pairs took as long as adding them up.
    """
    if len(pairs):
        table = np.zeros(max(ids) + 1, dtype=np.int64)
        table[np.fromiter(ids, dtype=np.int64, count=len(ids))] = np.arange(len(ids))
        edges = table[pairs]
    else:
        edges = np.zeros((0, 2), dtype=np.int64)
    result = igraph.Graph(n=len(ids), edges=edges, directed=False)
    result.es["weight"] = weights.tolist()
    if attributes is None:
        attributes = {node: {} for node in ids}
    return WeightedGraph(ids, result, clusters, attributes, graph_attributes or {})


def _summed(pairs: np.ndarray, values: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """One row per distinct pair with the sum of its values, in order of (a, b)."""
    keys = pairs[:, 0] * stride + pairs[:, 1]
    unique, inverse = np.unique(keys, return_inverse=True)
    # Whole hundredths: float64 adds integers below 2**53 exactly.
    sums = np.bincount(inverse, weights=values, minlength=len(unique)).astype(np.int64)
    return np.stack((unique // stride, unique % stride), axis=1), sums


def _meeting_pairs(
    attendances: g.Attendances, ids: list[int], max_orgs: int
) -> tuple[np.ndarray, np.ndarray]:
    """graph's meeting rule on an array: each pair of the graph's organisations at a meeting
    of at most `max_orgs` organisations, once per meeting, in hundredths of weight.

    In numpy, a size at a time: the meetings of k organisations present are a (meetings, k)
    array whose column pairs (i < j) are their pairs. At the district's scale this is a few
    milliseconds where the rows, tuples and pairs in Python took a third of a second.
    """
    empty = np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows = attendances.rows
    if not len(rows) or not ids:
        return empty
    # Sorted by meeting, then organisation, without repeats (one integer key per row).
    stride = int(rows[:, 1].max()) + 1
    keys = np.unique(rows[:, 0] * stride + rows[:, 1])
    meeting, organisation = keys // stride, keys % stride
    # The size counts every attendee, also those outside this graph (graph._add_meetings).
    starts = np.flatnonzero(np.r_[True, meeting[1:] != meeting[:-1]])
    sizes = np.diff(np.r_[starts, len(meeting)])
    known = np.zeros(max(max(ids) + 1, stride), dtype=bool)
    known[ids] = True
    present = known[organisation] & (np.repeat(sizes, sizes) <= max_orgs)
    meeting, organisation = meeting[present], organisation[present]
    if not len(meeting):
        return empty
    starts = np.flatnonzero(np.r_[True, meeting[1:] != meeting[:-1]])
    sizes = np.diff(np.r_[starts, len(meeting)])
    pairs = [empty[0]]
    for size in np.unique(sizes[sizes >= 2]).tolist():
        members = organisation[starts[sizes == size][:, None] + np.arange(size)]
        first, second = np.triu_indices(size, 1)
        pairs.append(np.stack((members[:, first].ravel(), members[:, second].ravel()), axis=1))
    found = np.concatenate(pairs)
    return found, np.full(len(found), g._hundredths(g.MEETING_WEIGHT), dtype=np.int64)


# A burst of acyclic allocations (graph.paused_gc says why): the collector walking the rows
# again and again took three quarters of the build.
@g.paused_gc()
def from_rows(
    nodes: Iterable[g.RowLike[g.OrgNode]],
    *,
    links: Iterable[g.RowLike[g.ExplicitLink]] = (),
    memberships: Iterable[g.RowLike[g.MembershipRow]] = (),
    meetings: Iterable[g.RowLike[g.MeetingRow]] = (),
    affiliations: Iterable[g.RowLike[g.AffiliationRow]] = (),
    attendances: g.Attendances | None = None,
    window: g.Window = (None, None),
    today: date | None = None,
    link_types: Iterable[str] = (),
    min_weight: float = 0.0,
    max_meeting_orgs: int = g.MAX_MEETING_ORGS,
    max_cluster_orgs: int = g.MAX_CLUSTER_ORGS,
) -> WeightedGraph:
    """The weighted graph `graph.build_graph` + `graph.filter_graph` would give for the rows
    (same organisations, ties and weights), without the reasons and without networkx.

    Meetings come as rows (`meetings`) or as `attendances` (queries.read_weight_rows: the
    window applied already, no titles or days); either way the ties are in order of (smaller
    id, larger id), so both give the same graph, and the same communities.
    """
    node_rows = list(g._as_tuples(g.OrgNode, nodes))
    ids = [row[0] for row in node_rows]
    links = list(links)
    hundredths = g.edge_weights(
        ids,
        links=links,
        memberships=memberships,
        meetings=meetings,
        affiliations=affiliations,
        window=window,
        max_meeting_orgs=max_meeting_orgs,
        max_cluster_orgs=max_cluster_orgs,
        today=today,
    )
    pairs, values = _arrays(hundredths, np.int64)
    stride = max(ids, default=0) + 1
    if attendances is not None:
        met, met_values = _meeting_pairs(attendances, ids, max_meeting_orgs)
        pairs, values = np.concatenate((pairs, met)), np.concatenate((values, met_values))
    pairs, values = _summed(pairs, values, stride)
    keep = np.ones(len(values), dtype=bool)
    if min_weight:
        keep &= values / 100 >= min_weight
    if link_types:
        typed = g.pairs_with_link_type(ids, links, link_types, window)
        typed_keys = np.fromiter((a * stride + b for a, b in typed), dtype=np.int64)
        keep &= np.isin(pairs[:, 0] * stride + pairs[:, 1], typed_keys)
    pairs, values = pairs[keep], values[keep]
    attributes = {
        node_id: {
            "name": name,
            "kind": kind,
            "place": place,
            "sectors": tuple(sectors),
            "clusters": tuple(clusters),
        }
        for node_id, name, kind, place, sectors, clusters in node_rows
    }
    graph_attributes = {
        "window": tuple(window),
        "as_of": window[1] or today,
        "max_meeting_orgs": max_meeting_orgs,
        "max_cluster_orgs": max_cluster_orgs,
    }
    return _weighted_arrays(
        ids,
        pairs,
        # Divided, not multiplied by 0.01: the same float as build_graph's `weight / 100`.
        values / 100,
        {node_id: tuple(row[5]) for node_id, row in zip(ids, node_rows, strict=True)},
        attributes,
        graph_attributes,
    )


def from_networkx(graph: nx.Graph) -> WeightedGraph:
    """The same graph for igraph (small graphs already built, and the tests)."""
    weights = {}
    for a, b, data in graph.edges(data=True):
        weights[(a, b)] = data.get("weight", 1.0)
    clusters = {node: tuple(data.get("clusters", ())) for node, data in graph.nodes(data=True)}
    attributes = {node: dict(data) for node, data in graph.nodes(data=True)}
    return _weighted(list(graph), weights, clusters, attributes, dict(graph.graph))


def fast_metrics(weighted: WeightedGraph) -> Metrics:
    """Degree, weighted degree and PageRank per organisation (`graph.compute_fast_metrics`)."""
    if not weighted.ids:
        return {}
    ig = weighted.graph
    degree = ig.degree()
    strength = ig.strength(weights="weight") if ig.ecount() else [0.0] * len(weighted)
    pagerank = pagerank_of(weighted)
    return {
        node: {
            "degree": degree[index],
            "weighted_degree": float(strength[index]),
            "pagerank": pagerank[node],
        }
        for index, node in enumerate(weighted.ids)
    }


def pagerank_of(weighted: WeightedGraph, *, alpha: float = 0.85) -> dict[int, float]:
    """PageRank on the weights, as networkx's `pagerank(alpha=0.85, weight="weight")`."""
    ig = weighted.graph
    values = ig.pagerank(directed=False, damping=alpha, weights="weight" if ig.ecount() else None)
    return dict(zip(weighted.ids, values, strict=True))


def betweenness_of(
    weighted: WeightedGraph,
    *,
    k: int | None = None,
    seed: int = 1,
    exact_limit: int = 1500,
) -> dict[int, float]:
    """Normalised betweenness in hops: exact up to `exact_limit` organisations, else from
    `k` (default graph.DEFAULT_BETWEENNESS_K) sampled sources, networkx's sample and scale."""
    ids = weighted.ids
    count = len(ids)
    if count < 3:
        return dict.fromkeys(ids, 0.0)
    ig = weighted.graph
    if count <= exact_limit or (k or g.DEFAULT_BETWEENNESS_K) >= count:
        raw = ig.betweenness(directed=False)
        scale = 2 / ((count - 1) * (count - 2))
        return {node: value * scale for node, value in zip(ids, raw, strict=True)}
    k = min(k or g.DEFAULT_BETWEENNESS_K, count)
    # networkx: random.Random(seed).sample(list(G), k), then Brandes from those sources.
    sources = random.Random(seed).sample(range(count), k)  # noqa: S311  # nosec B311 (networkx's own sample, for equal figures)
    raw = ig.betweenness(directed=False, sources=sources, targets=None)
    # igraph halves an undirected graph's counts; networkx excludes the source itself from
    # the pairs through a sampled node (hence k - 1 there).
    chosen = set(sources)
    source_scale = 2 / ((k - 1) * (count - 2))
    other_scale = 2 / (k * (count - 2))
    return {
        node: value * (source_scale if index in chosen else other_scale)
        for index, (node, value) in enumerate(zip(ids, raw, strict=True))
    }


def communities_of(weighted: WeightedGraph, *, seed: int = 1) -> dict[int, int]:
    """Communities numbered by size from 1, largest first (then by smallest id), seeded."""
    ig = weighted.graph
    if not weighted.ids:
        return {}
    if ig.ecount() == 0:
        membership = list(range(len(weighted)))
    else:
        # Until nothing moves where that is cheap; on the whole district, a fixed number of
        # passes (until stable took 1-2 s more there, for 0.003 more modularity).
        passes = -1 if len(weighted) <= LEIDEN_UNTIL_STABLE else LEIDEN_ITERATIONS
        with _seeded(seed):
            louvain = ig.community_multilevel(weights="weight")
            found = ig.community_leiden(
                objective_function="modularity",
                weights="weight",
                initial_membership=louvain.membership,
                n_iterations=passes,
            )
        membership = found.membership
    groups: dict[int, list[int]] = {}
    for index, group in enumerate(membership):
        groups.setdefault(group, []).append(weighted.ids[index])
    parts = sorted(groups.values(), key=lambda part: (-len(part), min(part)))
    return {node: number for number, part in enumerate(parts, start=1) for node in part}


def modularity_of(weighted: WeightedGraph, communities: Mapping[int, int]) -> float:
    """Modularity of a node -> community assignment on the weights."""
    if weighted.graph.ecount() == 0:
        return 0.0
    return weighted.graph.modularity(
        [communities[node] for node in weighted.ids], weights="weight", directed=False
    )


def slow_metrics(
    weighted: WeightedGraph,
    *,
    betweenness_k: int | None = None,
    seed: int = 1,
    exact_limit: int = 1500,
) -> Metrics:
    """Betweenness, community and broker per organisation (`graph.compute_slow_metrics`)."""
    if not weighted.ids:
        return {}
    betweenness = betweenness_of(weighted, k=betweenness_k, seed=seed, exact_limit=exact_limit)
    community = communities_of(weighted, seed=seed)
    clusters = {node: frozenset(weighted.clusters.get(node, ())) for node in weighted.ids}
    broker = g.brokers(weighted.neighbours(), community, clusters)
    return {
        node: {
            "betweenness": betweenness[node],
            "community": community[node],
            "broker": broker[node],
        }
        for node in weighted.ids
    }


def slow_figures(
    weighted: WeightedGraph, *, seed: int = 1
) -> tuple[Metrics, dict[int, tuple[float, float]]]:
    """The background job's figures: slow metrics, and positions from the communities."""
    slow = slow_metrics(weighted, seed=seed)
    communities = {node: values["community"] for node, values in slow.items()}
    return slow, g.initial_positions(weighted.ids, seed, communities=communities)


def all_metrics(weighted: WeightedGraph, **options: Any) -> Metrics:
    """Fast and slow metrics together (`graph.compute_metrics`)."""
    fast = fast_metrics(weighted)
    slow = slow_metrics(weighted, **options)
    return {node: {**fast[node], **slow[node]} for node in weighted.ids}
