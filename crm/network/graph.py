"""Collaboration graph: rows in, networkx graphs and metrics out (no Flask, no database).

`crm.network.queries` reads the rows; routes, CLI commands and background jobs call these
functions. Every row argument takes the row types below (named tuples), or plain tuples in
field order, SQLAlchemy `Row`s, or mappings with the field names.

Edge weight between two organisations is the sum of:

- explicit link (registered partnership, ownership, supplier ...) active in the window:
  ``LINK_WEIGHT`` = 3.0 each. Staff recorded it on purpose, so it is the strongest evidence;
- person affiliated with both at the same time (board seat in one, job in the other):
  ``PERSON_WEIGHT`` = 2.0 per person. A direct channel, but not an agreement between the two;
- meeting both attended in the window: ``MEETING_WEIGHT`` = 1.0 per meeting. Meetings with more
  than ``MAX_MEETING_ORGS`` organisations (conferences, open days) add nothing: a 200-seat
  conference would otherwise make a clique of 19,900 ties that nobody would call collaboration;
- shared cluster: 0.5 per year of simultaneous membership inside the window, at least 0.5 and
  at most 2.0 per cluster. Sharing a cluster means they can meet, not that they do, so even
  long co-membership weighs less than one explicit link. Members whose periods do not overlap
  get nothing from that cluster. A cluster or network with more than ``MAX_CLUSTER_ORGS``
  (100) member organisations in the window adds no ties at all, for the reason meetings are
  capped: being two of the 400 members of a regional tourism network is not collaboration,
  and its 80,000 pairs would bury the real ties. Its members still carry it in their
  ``clusters`` attribute (the map colours by it, the cluster filter selects by it), and
  ``cluster_stats`` works from the memberships, so nothing about the cluster itself is lost.
  Both caps count every member or attendee, also those the current filter hides, and the
  graph records them as ``max_meeting_orgs`` and ``max_cluster_orgs`` in ``graph.graph``.

Each edge keeps why it exists: ``reasons`` (small dicts, one per link, cluster, meeting and
person; a meeting's dict is shared by all its pairs to save memory, so treat them as
read-only), counts per kind (``link_count``, ``cluster_count``, ``meeting_count``,
``person_count``) and ``first``/``last``: the earliest and latest known dates of links,
meetings and shared people. Cluster co-membership does not date an edge: dating it by the
later join date would make every member pair look like a new tie in the year someone joined.

Periods are inclusive days; ``None`` as a start or end means open (unknown or ongoing).
"""

import gc
import hashlib
import json
import math
import numbers
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations, pairwise
from typing import Any, NamedTuple, TypeVar

import networkx as nx
import numpy as np

LINK_WEIGHT = 3.0
PERSON_WEIGHT = 2.0
MEETING_WEIGHT = 1.0
CLUSTER_WEIGHT_PER_YEAR = 0.5
CLUSTER_WEIGHT_MIN = 0.5
CLUSTER_WEIGHT_MAX = 2.0
MAX_MEETING_ORGS = 30
MAX_CLUSTER_ORGS = 100

# Sampled betweenness above this many nodes: exact betweenness on 11k nodes takes minutes.
DEFAULT_BETWEENNESS_K = 500

# Distance between nodes in initial_positions; sigma.js rescales, ForceAtlas2 refines.
NODE_SPACING = 10.0

Window = tuple[date | None, date | None]
Metrics = dict[int, dict[str, Any]]


class OrgNode(NamedTuple):
    """An organisation: a node of the graph."""

    id: int
    name: str
    kind: str
    place: str | None = None
    sectors: tuple[str, ...] = ()
    clusters: tuple[int, ...] = ()


class ExplicitLink(NamedTuple):
    """A relation recorded by staff between two organisations."""

    id: int
    source: int
    target: int
    link_type: str
    start: date | None = None
    end: date | None = None


class MembershipRow(NamedTuple):
    """One period of an organisation's membership in a cluster."""

    organisation_id: int
    cluster_id: int
    cluster_name: str
    joined: date | None = None
    left: date | None = None


class MeetingRow(NamedTuple):
    """A logged meeting and the organisations that took part."""

    meeting_id: int
    title: str
    day: date
    organisation_ids: tuple[int, ...]


class AffiliationRow(NamedTuple):
    """One period of a person's role at an organisation."""

    person_id: int
    person_name: str
    organisation_id: int
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Attendances:
    """Meetings' organisations as one array, for crm.network.engine (no title, no day).

    `rows` is an (n, 2) integer array of (meeting id, organisation id): the meetings of a time
    window, every organisation of each (also those outside the graph, since they count towards
    MAX_MEETING_ORGS). What a MeetingRow's `organisation_ids` hold, read in one array instead
    of a tuple per meeting; the window is applied by whoever reads them.
    """

    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))

    def __len__(self) -> int:
        return len(self.rows)


T = TypeVar("T")
RowLike = T | Sequence[Any] | Mapping[str, Any]


def _coerce(cls: type[T], row: RowLike[T]) -> T:
    if isinstance(row, cls):
        return row
    if isinstance(row, Mapping):
        return cls(**row)
    return cls(*row)


def _as_tuples(cls: type[T], rows: Iterable[RowLike[T]]) -> Iterator[Sequence[Any]]:
    """Rows as tuples in the field order of `cls`; tuples of full width pass as they are."""
    width = len(cls._fields)
    for row in rows:
        if isinstance(row, tuple) and len(row) == width:
            yield row  # the common case: tuples from crm.network.queries, or a row type
        else:
            yield _coerce(cls, row)


def _within(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def _intersects(start: date | None, end: date | None, window: Window) -> bool:
    window_start, window_end = window
    return (end is None or window_start is None or end >= window_start) and (
        start is None or window_end is None or start <= window_end
    )


def _latest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return max(known) if known else None


def _earliest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return min(known) if known else None


_CLUSTER_MAX = round(CLUSTER_WEIGHT_MAX * 100)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a burst of allocation (a second or two).

    Reading the rows, building 100,000 edges, PageRank's matrix and Louvain each allocate a few
    hundred thousand dicts, lists and tuples, none of them in a reference cycle; the collector
    would still walk the growing heap again and again and take a third to half of the time.
    Reference counting frees everything as usual meanwhile. The pause is process-wide, so it is
    kept to these short steps (never around betweenness, which runs for minutes). Whoever
    switched the collector off switches it back on, also when two requests overlap.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Evidence per pair while the graph is built: the edge's attribute dict itself, keyed by
# (smaller id, larger id), so no object per pair is made and then copied. Weights are summed
# as whole hundredths and divided once at the end, so 0.1 + 0.2 shows as 0.3.


def _hundredths(weight: float) -> int:
    return round(weight * 100)


def _new_evidence(reason: dict[str, Any], first: date | None, last: date | None) -> dict:
    return {
        "weight": 0,
        "reasons": [reason],
        "link_count": 0,
        "cluster_count": 0,
        "meeting_count": 0,
        "person_count": 0,
        "first": first,
        "last": last,
    }


def _add(
    edges: dict[tuple[int, int], dict[str, Any]],
    key: tuple[int, int],
    hundredths: int,
    reason: dict[str, Any],
    count: str,
    first: date | None,
    last: date | None,
) -> None:
    data = edges.get(key)
    if data is None:
        data = edges[key] = _new_evidence(reason, first, last)
    else:
        data["reasons"].append(reason)
        if first is not None and (data["first"] is None or first < data["first"]):
            data["first"] = first
        if last is not None and (data["last"] is None or last > data["last"]):
            data["last"] = last
    data["weight"] += hundredths
    data[count] += 1


def build_graph(
    nodes: Iterable[RowLike[OrgNode]],
    *,
    links: Iterable[RowLike[ExplicitLink]] = (),
    memberships: Iterable[RowLike[MembershipRow]] = (),
    meetings: Iterable[RowLike[MeetingRow]] = (),
    affiliations: Iterable[RowLike[AffiliationRow]] = (),
    window: Window = (None, None),
    min_weight: float = 0.0,
    max_meeting_orgs: int = MAX_MEETING_ORGS,
    max_cluster_orgs: int = MAX_CLUSTER_ORGS,
    today: date | None = None,
) -> nx.Graph:
    """Build the weighted, explained collaboration graph for one time window."""
    with paused_gc():
        return _build_graph(
            nodes,
            links=links,
            memberships=memberships,
            meetings=meetings,
            affiliations=affiliations,
            window=window,
            min_weight=min_weight,
            max_meeting_orgs=max_meeting_orgs,
            max_cluster_orgs=max_cluster_orgs,
            today=today,
        )


def _build_graph(
    nodes: Iterable[RowLike[OrgNode]],
    *,
    links: Iterable[RowLike[ExplicitLink]],
    memberships: Iterable[RowLike[MembershipRow]],
    meetings: Iterable[RowLike[MeetingRow]],
    affiliations: Iterable[RowLike[AffiliationRow]],
    window: Window,
    min_weight: float,
    max_meeting_orgs: int,
    max_cluster_orgs: int,
    today: date | None,
) -> nx.Graph:
    window_start, window_end = window
    if window_start and window_end and window_start > window_end:
        raise ValueError(f"the window starts ({window_start}) after it ends ({window_end})")
    # Ongoing memberships are measured up to the window's end, or up to today when the
    # window is open. `today` comes from the caller (the municipality's date, never this
    # server's clock), so results can be reproduced; without it open memberships are refused.
    as_of = window_end or today
    graph = nx.Graph(
        window=(window_start, window_end),
        as_of=as_of,
        # The rules the graph was built by, so that a page can state them.
        max_meeting_orgs=max_meeting_orgs,
        max_cluster_orgs=max_cluster_orgs,
    )
    graph.add_nodes_from(
        (
            node_id,
            {
                "name": name,
                "kind": kind,
                "place": place,
                "sectors": tuple(sectors),
                "clusters": tuple(clusters),
            },
        )
        for node_id, name, kind, place, sectors, clusters in _as_tuples(OrgNode, nodes)
    )
    known = set(graph)  # graph.adj would build a view per lookup
    edges: dict[tuple[int, int], dict[str, Any]] = {}
    _add_evidence(
        edges,
        known,
        links=links,
        memberships=memberships,
        meetings=meetings,
        affiliations=affiliations,
        window=window,
        as_of=as_of,
        max_meeting_orgs=max_meeting_orgs,
        max_cluster_orgs=max_cluster_orgs,
        add=_add,
    )
    for data in edges.values():
        data["weight"] /= 100
    graph.add_edges_from(
        (a, b, data) for (a, b), data in edges.items() if data["weight"] >= min_weight
    )
    return graph


def _add_evidence(
    edges: dict,
    known: Mapping | set,
    *,
    links: Iterable,
    memberships: Iterable,
    meetings: Iterable,
    affiliations: Iterable,
    window: Window,
    as_of: date | None,
    max_meeting_orgs: int,
    max_cluster_orgs: int,
    add: Callable,
) -> None:
    """Every tie's evidence into `edges`, through `add` (`_add`: explained; `_add_weight`:
    hundredths of weight only, for crm.network.engine). One set of rules for both."""
    _add_links(edges, known, links, window, add)
    _add_memberships(edges, known, memberships, window, as_of, max_cluster_orgs, add)
    _add_meetings(edges, known, meetings, window, max_meeting_orgs, add)
    _add_affiliations(edges, known, affiliations, window, add)


def _add_weight(
    edges: dict[tuple[int, int], int],
    key: tuple[int, int],
    hundredths: int,
    _reason: Any,
    _count: str,
    _first: date | None,
    _last: date | None,
) -> None:
    edges[key] = edges.get(key, 0) + hundredths


def edge_weights(
    node_ids: Iterable[int],
    *,
    links: Iterable[RowLike[ExplicitLink]] = (),
    memberships: Iterable[RowLike[MembershipRow]] = (),
    meetings: Iterable[RowLike[MeetingRow]] = (),
    affiliations: Iterable[RowLike[AffiliationRow]] = (),
    window: Window = (None, None),
    max_meeting_orgs: int = MAX_MEETING_ORGS,
    max_cluster_orgs: int = MAX_CLUSTER_ORGS,
    today: date | None = None,
) -> dict[tuple[int, int], int]:
    """Each tie's weight in hundredths, keyed by (smaller id, larger id): build_graph's rules
    without the reasons, for the compiled engine (crm.network.engine)."""
    window_start, window_end = window
    if window_start and window_end and window_start > window_end:
        raise ValueError(f"the window starts ({window_start}) after it ends ({window_end})")
    edges: dict[tuple[int, int], int] = {}
    with paused_gc():
        _add_evidence(
            edges,
            set(node_ids),
            links=links,
            memberships=memberships,
            meetings=meetings,
            affiliations=affiliations,
            window=window,
            as_of=window_end or today,
            max_meeting_orgs=max_meeting_orgs,
            max_cluster_orgs=max_cluster_orgs,
            add=_add_weight,
        )
    return edges


def pairs_with_link_type(
    node_ids: Iterable[int],
    links: Iterable[RowLike[ExplicitLink]],
    link_types: Iterable[str],
    window: Window = (None, None),
) -> set[tuple[int, int]]:
    """The pairs that have a registered link of one of `link_types` in the window (what
    filter_graph keeps when link types are chosen)."""
    chosen = set(link_types)
    edges: dict[tuple[int, int], int] = {}
    typed = (row for row in _as_tuples(ExplicitLink, links) if row[3] in chosen)
    _add_links(edges, set(node_ids), typed, window, _add_weight)
    return set(edges)


def _add_links(
    edges: dict, known: Mapping, rows: Iterable, window: Window, add: Callable = _add
) -> None:
    weight = _hundredths(LINK_WEIGHT)
    for link_id, source, target, link_type, start, end in _as_tuples(ExplicitLink, rows):
        if source == target or source not in known or target not in known:
            continue
        if not _intersects(start, end, window):
            continue
        reason = {"kind": "link", "id": link_id, "type": link_type, "start": start, "end": end}
        key = (source, target) if source < target else (target, source)
        add(edges, key, weight, reason, "link_count", start, end or start)


def _add_memberships(
    edges: dict,
    known: Mapping,
    rows: Iterable,
    window: Window,
    as_of: date | None,
    max_orgs: int,
    add: Callable = _add,
) -> None:
    rows = list(rows)
    if rows and as_of is None:
        raise ValueError("memberships in a window without an end need `today`")
    if not rows:
        return
    window_start = window[0]
    first_day = window_start.toordinal() if window_start else None
    last_day = as_of.toordinal()
    # cluster -> organisation -> periods as (first day or None, last day) in day numbers,
    # already cut to the window and to `as_of`.
    periods: dict[int, dict[int, list[tuple[int | None, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    names: dict[int, str] = {}
    for org_id, cluster_id, cluster_name, joined, left in _as_tuples(MembershipRow, rows):
        if not _intersects(joined, left, window):
            continue
        names[cluster_id] = cluster_name
        # Members outside the graph are listed too: they count towards the cluster's size
        # (a network of 400 stays one when the map is filtered), but make no edge.
        start = joined.toordinal() if joined else None
        if first_day is not None and (start is None or start < first_day):
            start = first_day
        end = min(left.toordinal(), last_day) if left else last_day
        periods[cluster_id][org_id].append((start, end))
    for cluster_id, by_org in periods.items():
        # A network of hundreds (a regional tourism network, a chamber of commerce) says its
        # members can meet, not that any two of them do.
        if len(by_org) > max_orgs:
            continue
        reason = {"kind": "cluster", "id": cluster_id, "name": names[cluster_id]}
        present = sorted(org_id for org_id in by_org if org_id in known)
        for a, b in combinations(present, 2):
            weight = _cluster_weight(by_org[a], by_org[b])
            if weight:
                add(edges, (a, b), weight, reason, "cluster_count", None, None)


def _cluster_weight(
    periods_a: list[tuple[int | None, int]], periods_b: list[tuple[int | None, int]]
) -> int:
    """Hundredths of weight for two members' overlapping periods (day numbers, cut already)."""
    days = 0
    for start_a, end_a in periods_a:
        for start_b, end_b in periods_b:
            if start_a is None and start_b is None:
                # Both members since before our records, window open: a long-standing tie.
                return _CLUSTER_MAX
            start = (
                start_b
                if start_a is None
                else start_a
                if start_b is None
                else max(start_a, start_b)
            )
            end = min(end_a, end_b)
            if start <= end:
                days += end - start + 1
    if not days:
        return 0
    weight = min(
        max(days / 365.25 * CLUSTER_WEIGHT_PER_YEAR, CLUSTER_WEIGHT_MIN), CLUSTER_WEIGHT_MAX
    )
    return _hundredths(weight)


def _add_meetings(
    edges: dict, known: Mapping, rows: Iterable, window: Window, max_orgs: int, add: Callable = _add
) -> None:
    weight = _hundredths(MEETING_WEIGHT)
    window_start, window_end = window
    get = edges.get
    for meeting_id, title, day, organisation_ids in _as_tuples(MeetingRow, rows):
        if (window_start is not None and day < window_start) or (
            window_end is not None and day > window_end
        ):
            continue
        attendees = set(organisation_ids)
        # The size of the meeting counts every attendee, also those outside this graph:
        # a conference stays a conference when the map is filtered.
        if len(attendees) > max_orgs:
            continue
        present = sorted(org for org in attendees if org in known)
        if len(present) < 2:
            continue
        if add is _add_weight:
            for key in combinations(present, 2):
                edges[key] = get(key, 0) + weight
            continue
        reason = {"kind": "meeting", "id": meeting_id, "title": title, "day": day}
        # The hottest loop of the build (tens of thousands of pairs): _add, inlined.
        for key in combinations(present, 2):
            data = get(key)
            if data is None:
                data = edges[key] = _new_evidence(reason, day, day)
            else:
                data["reasons"].append(reason)
                if data["first"] is None or day < data["first"]:
                    data["first"] = day
                if data["last"] is None or day > data["last"]:
                    data["last"] = day
            data["weight"] += weight
            data["meeting_count"] += 1


def _add_affiliations(
    edges: dict, known: Mapping, rows: Iterable, window: Window, add: Callable = _add
) -> None:
    weight = _hundredths(PERSON_WEIGHT)
    periods: dict[int, dict[int, list[tuple[date | None, date | None]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    names: dict[int, str] = {}
    for person_id, person_name, org_id, start, end in _as_tuples(AffiliationRow, rows):
        if org_id not in known or not _intersects(start, end, window):
            continue
        periods[person_id][org_id].append((start, end))
        names[person_id] = person_name
    for person_id, by_org in periods.items():
        if len(by_org) < 2:
            continue
        reason = {"kind": "person", "id": person_id, "name": names[person_id]}
        for a, b in combinations(sorted(by_org), 2):
            shared = _shared_span(by_org[a], by_org[b], window)
            if shared is not None:
                add(edges, (a, b), weight, reason, "person_count", *shared)


def _shared_span(
    periods_a: list[tuple[date | None, date | None]],
    periods_b: list[tuple[date | None, date | None]],
    window: Window,
) -> tuple[date | None, date | None] | None:
    """First and last day of the overlapping roles, or None when they never overlapped."""
    found = False
    first: date | None = None
    last: date | None = None
    for start_a, end_a in periods_a:
        for start_b, end_b in periods_b:
            start, end = _latest(start_a, start_b), _earliest(end_a, end_b)
            if start is not None and end is not None and start > end:
                continue
            if not _intersects(start, end, window):
                continue
            found = True
            first = _earliest(first, start)
            last = _latest(last, end)
    return (first, last) if found else None


def _as_set(values: Iterable[Any] | None) -> set[Any] | None:
    # An empty selection in a filter form means "no filter", not "show nothing".
    chosen = set(values) if values is not None else set()
    return chosen or None


def filter_graph(
    graph: nx.Graph,
    *,
    kinds: Iterable[str] | None = None,
    places: Iterable[str] | None = None,
    sectors: Iterable[str] | None = None,
    clusters: Iterable[int] | None = None,
    link_types: Iterable[str] | None = None,
    min_weight: float = 0.0,
) -> nx.Graph:
    """Copy of the graph with only the matching organisations and edges (empty = no filter)."""
    kinds, places, sectors, clusters = map(_as_set, (kinds, places, sectors, clusters))
    link_types = _as_set(link_types)
    keep = [
        node
        for node, data in graph.nodes(data=True)
        if (kinds is None or data.get("kind") in kinds)
        and (places is None or data.get("place") in places)
        and (sectors is None or not sectors.isdisjoint(data.get("sectors", ())))
        and (clusters is None or not clusters.isdisjoint(data.get("clusters", ())))
    ]
    result = graph.subgraph(keep).copy()
    drop = [
        (a, b)
        for a, b, data in result.edges(data=True)
        if data.get("weight", 1.0) < min_weight
        or (link_types is not None and not _has_link_type(data, link_types))
    ]
    result.remove_edges_from(drop)
    return result


def _has_link_type(data: Mapping[str, Any], link_types: set[str]) -> bool:
    return any(
        reason["kind"] == "link" and reason["type"] in link_types
        for reason in data.get("reasons", ())
    )


def compute_metrics(
    graph: nx.Graph,
    *,
    betweenness_k: int | None = None,
    seed: int = 1,
    exact_limit: int = 1500,
) -> Metrics:
    """Per organisation: degree, weighted degree, betweenness, PageRank, community, broker."""
    fast = compute_fast_metrics(graph)
    slow = compute_slow_metrics(
        graph, betweenness_k=betweenness_k, seed=seed, exact_limit=exact_limit
    )
    return {node: {**fast[node], **slow[node]} for node in graph}


def compute_fast_metrics(graph: nx.Graph) -> Metrics:
    """Degree, weighted degree and PageRank: well under a second at the district's scale."""
    if graph.number_of_nodes() == 0:
        return {}
    with paused_gc():
        pagerank = _pagerank(graph)
        degree = dict(graph.degree())
        weighted = dict(graph.degree(weight="weight"))
        return {
            node: {
                "degree": degree[node],
                "weighted_degree": float(weighted[node]),
                "pagerank": pagerank[node],
            }
            for node in graph
        }


def compute_slow_metrics(
    graph: nx.Graph,
    *,
    betweenness_k: int | None = None,
    seed: int = 1,
    exact_limit: int = 1500,
) -> Metrics:
    """Betweenness, community and broker on networkx: for small graphs and as the reference
    crm.network.engine is tested against; the district's run on igraph in a background job
    (crm.network.cache.compute_figures)."""
    count = graph.number_of_nodes()
    if count == 0:
        return {}
    # Betweenness counts hops, not weights: weights are strengths, and turning them into
    # distances (1/w, -log w ...) would be an arbitrary choice the user cannot see.
    if count <= exact_limit:
        betweenness = nx.betweenness_centrality(graph)
    else:
        k = min(betweenness_k or DEFAULT_BETWEENNESS_K, count)
        betweenness = nx.betweenness_centrality(graph, k=k, seed=seed)
    community = compute_communities(graph, seed=seed)
    broker = _brokers(graph, community)
    return {
        node: {
            "betweenness": betweenness[node],
            "community": community[node],
            "broker": broker[node],
        }
        for node in graph
    }


def compute_communities(graph: nx.Graph, *, seed: int = 1) -> dict[int, int]:
    """Louvain communities numbered by size from 1, largest first, so numbers and colours are
    stable. Numbered from 1 because people read them (table, legend, side panel, exports):
    one numbering everywhere, no "+ 1" anywhere else."""
    with paused_gc():
        parts = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    parts.sort(key=lambda part: (-len(part), min(part)))
    return {node: number for number, part in enumerate(parts, start=1) for node in part}


class CommunityName(NamedTuple):
    """What a community is called: the cluster most of its members share, else its most
    central members (``members``, most central first). The words around them ("Around …")
    are the page's, in the reader's language."""

    number: int
    size: int
    cluster: str | None = None
    members: tuple[str, ...] = ()


# A community is named after a cluster when more than this share of its members belong to it.
COMMUNITY_CLUSTER_SHARE = 0.5
# How many central members name a community that no cluster names.
COMMUNITY_NAME_MEMBERS = 2


def name_communities(
    graph: nx.Graph,
    communities: Mapping[int, int],
    cluster_names: Mapping[int, str],
    *,
    share: float = COMMUNITY_CLUSTER_SHARE,
    members: int = COMMUNITY_NAME_MEMBERS,
) -> dict[int, CommunityName]:
    """A name for every community (numbers as in `communities`: node -> community).

    People recognise a group by who is in it, not by "Community 3" (what Graph Commons
    does too). In order of the communities' numbers (largest first):

    - the cluster more than `share` of its members belong to names it, unless a larger
      community took that cluster's name already (a cluster split in two names its larger
      half; the other half is named by its members);
    - otherwise its `members` most central members name it: the most strength inside the
      community first (who holds the group together), then by name. A community of one is
      named by its one member.
    """
    groups: dict[int, list[int]] = defaultdict(list)
    for node, number in communities.items():
        if node in graph:
            groups[number].append(node)
    used: set[str] = set()
    names: dict[int, CommunityName] = {}
    for number in sorted(groups):
        nodes = groups[number]
        cluster = _shared_cluster(graph, nodes, cluster_names, share)
        if cluster is not None and cluster not in used:
            used.add(cluster)
            names[number] = CommunityName(number, len(nodes), cluster=cluster)
            continue
        inside = set(nodes)
        strength = {
            node: sum(
                data.get("weight", 1.0)
                for other, data in graph[node].items()
                if other in inside and other != node
            )
            for node in nodes
        }
        central = sorted(nodes, key=lambda node: (-strength[node], _name(graph, node), node))
        names[number] = CommunityName(
            number, len(nodes), members=tuple(_name(graph, node) for node in central[:members])
        )
    return names


def _name(graph: nx.Graph, node: Any) -> str:
    return str(graph.nodes[node].get("name") or node)


def _shared_cluster(
    graph: nx.Graph, nodes: list[int], cluster_names: Mapping[int, str], share: float
) -> str | None:
    if len(nodes) < 2:
        return None
    counts = Counter(
        cluster for node in nodes for cluster in set(graph.nodes[node].get("clusters", ()))
    )
    ranked = sorted(
        (cluster for cluster in counts if cluster in cluster_names),
        key=lambda cluster: (-counts[cluster], cluster_names[cluster], cluster),
    )
    if ranked and counts[ranked[0]] > share * len(nodes):
        return cluster_names[ranked[0]]
    return None


class NetworkSummary(NamedTuple):
    """The figures the sentence above the map is made of."""

    organisations: int
    ties: int
    connectors: tuple[str, ...]  # who ties the network together, most first
    communities: int  # communities of two or more organisations
    alone: int  # organisations without a single tie


def summarise_network(graph: nx.Graph, metrics: Metrics, *, connectors: int = 3) -> NetworkSummary:
    """Who binds the network together, how many groups it has, and who stands alone.

    The connectors are the organisations with the highest bridging (betweenness) above zero,
    or, while it is still being computed, the most influential (PageRank) among those with
    ties. Communities count groups of at least two; a lone organisation is its own community
    in Louvain, and "one community" of one is not what a reader means by a group.
    """
    tied = [node for node, degree in graph.degree() if degree]
    computed = bool(metrics) and all("betweenness" in metrics.get(node, {}) for node in tied)
    key = "betweenness" if computed else "pagerank"
    ranked = sorted(
        (node for node in tied if metrics.get(node, {}).get(key, 0) > 0),
        key=lambda node: (-metrics[node][key], _name(graph, node), node),
    )
    sizes = Counter(values["community"] for values in metrics.values() if "community" in values)
    return NetworkSummary(
        organisations=graph.number_of_nodes(),
        ties=graph.number_of_edges(),
        connectors=tuple(_name(graph, node) for node in ranked[:connectors]),
        communities=sum(1 for size in sizes.values() if size >= 2),
        alone=graph.number_of_nodes() - len(tied),
    )


def _brokers(graph: nx.Graph, community: Mapping[int, int]) -> dict[int, bool]:
    """Broker rule: a node is a broker when either

    - its neighbours lie in at least two communities other than its own: it ties together
      groups it does not belong to (one outside neighbour is not enough, or nearly every node
      on a community's border would qualify), or
    - it belongs to at least two clusters and links them: for two of its clusters A and B it
      has a neighbour in A that is not in B and a neighbour in B that is not in A.
    """
    clusters_of = {
        node: frozenset(data.get("clusters", ())) for node, data in graph.nodes(data=True)
    }
    return brokers(graph, community, clusters_of)


def brokers(
    neighbours: Mapping[int, Iterable[int]],
    community: Mapping[int, int],
    clusters_of: Mapping[int, frozenset],
) -> dict[int, bool]:
    """The broker rule of `_brokers` on any adjacency (a networkx graph, or a dict of
    neighbour lists from crm.network.engine)."""
    result = {}
    for node in neighbours:
        own = community[node]
        others = {community[neighbour] for neighbour in neighbours[node]} - {own}
        result[node] = len(others) >= 2 or _links_clusters(neighbours, node, clusters_of)
    return result


def _links_clusters(
    neighbours: Mapping[int, Iterable[int]], node: int, clusters_of: Mapping[int, frozenset]
) -> bool:
    mine = sorted(clusters_of[node])
    if len(mine) < 2:
        return False
    neighbours = [clusters_of[neighbour] for neighbour in neighbours[node]]
    for a, b in combinations(mine, 2):
        if any(a in c and b not in c for c in neighbours) and any(
            b in c and a not in c for c in neighbours
        ):
            return True
    return False


def _pagerank(graph: nx.Graph, alpha: float = 0.85) -> dict[int, float]:
    return nx.pagerank(graph, alpha=alpha, weight="weight")


def rank(metrics: Metrics, key: str, *, limit: int = 50) -> list[tuple[int, float]]:
    """The top organisations by one metric, highest first; ties by id."""
    if metrics and key not in next(iter(metrics.values())):
        raise ValueError(f"unknown metric {key!r}")
    rows = [(node, float(values[key])) for node, values in metrics.items()]
    rows.sort(key=lambda row: (-row[1], row[0]))
    return rows[:limit]


def _require_node(graph: nx.Graph, node: int) -> None:
    if node not in graph:
        raise ValueError(
            f"organisation {node!r} is not in the network (check the filters and the time window)"
        )


def ego_network(graph: nx.Graph, org_id: int, radius: int = 1) -> nx.Graph:
    """Copy of the organisation's neighbourhood up to `radius` hops."""
    _require_node(graph, org_id)
    return nx.ego_graph(graph, org_id, radius=radius)


def ego_rows(graph: nx.Graph, org_id: int, radius: int = 1) -> list[dict[str, Any]]:
    """The organisation's neighbours up to `radius` hops, nearest and strongest first.

    Each row: ``id``, ``name``, ``kind``, ``hops``, and for direct neighbours the tie's
    ``weight`` and its ``reasons`` grouped by kind (link, cluster, meeting, person); both are
    None two hops away, where there is no tie to explain. An organisation outside the graph
    has none.
    """
    if org_id not in graph:
        return []
    hops = nx.single_source_shortest_path_length(graph, org_id, cutoff=radius)
    rows = []
    for node, distance in hops.items():
        if node == org_id:
            continue
        data = graph.nodes[node]
        edge = graph.edges[org_id, node] if distance == 1 else None
        reasons = None
        if edge is not None:
            reasons = {"link": [], "cluster": [], "meeting": [], "person": []}
            for reason in edge.get("reasons", ()):
                reasons[reason["kind"]].append(reason)
        rows.append(
            {
                "id": node,
                "name": data.get("name"),
                "kind": data.get("kind"),
                "hops": distance,
                "weight": edge.get("weight") if edge is not None else None,
                "reasons": reasons,
            }
        )
    rows.sort(key=lambda row: (row["hops"], -(row["weight"] or 0), str(row["name"])))
    return rows


_EVIDENCE_KINDS = ("link", "cluster", "meeting", "person")


def _evidence_counts(data: Mapping[str, Any]) -> dict[str, int]:
    return {kind: data.get(f"{kind}_count", 0) for kind in _EVIDENCE_KINDS}


def neighbour_rows(graph: nx.Graph, org_id: int) -> list[dict[str, Any]]:
    """The organisation's direct ties, strongest first (then by id), with counts of evidence.

    Each row: ``id``, ``weight`` and ``link``, ``cluster``, ``meeting``, ``person`` (how many
    registered links, shared clusters, shared meetings and shared people make the tie).
    An organisation outside the graph has none.
    """
    if org_id not in graph:
        return []
    rows = [
        {"id": other, "weight": data.get("weight", 0.0), **_evidence_counts(data)}
        for other, data in graph[org_id].items()
    ]
    rows.sort(key=lambda row: (-row["weight"], row["id"]))
    return rows


def _as_of(graph: nx.Graph) -> date:
    as_of = graph.graph.get("as_of")
    if as_of is None:
        raise ValueError("the graph has no `as_of` date: build it with a window end or `today`")
    return as_of


def current_members(
    graph: nx.Graph, memberships: Iterable[RowLike[MembershipRow]], cluster_id: int
) -> list[int]:
    """Members of the cluster on the graph's `as_of` date that are in the graph, by id."""
    as_of = _as_of(graph)
    return sorted(
        {
            row.organisation_id
            for row in (_coerce(MembershipRow, item) for item in memberships)
            if row.cluster_id == cluster_id
            and row.organisation_id in graph
            and _within(as_of, row.joined, row.left)
        }
    )


def member_rows(graph: nx.Graph, members: Iterable[int]) -> list[dict[str, Any]]:
    """Each member's ties to the other members: summed weight, tie count and evidence.

    Strongest first, then by id. Rows: ``id``, ``weight``, ``ties`` and ``link``,
    ``cluster``, ``meeting``, ``person``: how many different registered links, clusters,
    meetings and people tie it to the other members. A cluster all members share counts once,
    not once per member it ties to (that gave 13 "shared clusters" out of 6).
    """
    member_set = {member for member in members if member in graph}
    rows = []
    for member in member_set:
        weight = 0.0
        ties = 0
        seen: dict[str, set[Any]] = {kind: set() for kind in _EVIDENCE_KINDS}
        counted: dict[str, int] = dict.fromkeys(_EVIDENCE_KINDS, 0)
        for other, data in graph[member].items():
            if other not in member_set:
                continue
            weight += data.get("weight", 0.0)
            ties += 1
            reasons = data.get("reasons")
            if reasons is None:  # an edge from elsewhere: only its counts are known
                for kind, count in _evidence_counts(data).items():
                    counted[kind] += count
                continue
            for reason in reasons:
                seen[reason["kind"]].add(reason.get("id"))
        row: dict[str, Any] = {"id": member, "weight": round(weight, 2), "ties": ties}
        row.update({kind: len(seen[kind]) + counted[kind] for kind in _EVIDENCE_KINDS})
        rows.append(row)
    rows.sort(key=lambda row: (-row["weight"], row["id"]))
    return rows


# The longest chain of introductions offered: beyond it nobody would ask for one.
MAX_INTRODUCTION_STEPS = 4


def tie_cost(_a: Any, _b: Any, data: Mapping[str, Any]) -> float:
    """How hard a tie is to pass an introduction through: 1 / its strength.

    A registered link (3) costs 1/3, a shared cluster of a year (0.5) costs 2. Summed over a
    chain, two weak steps (2 + 2 = 4) lose to three strong ones (1/3 * 3 = 1): an introduction
    fails at its weakest tie, and every extra step still costs something.
    """
    return 1.0 / max(float(data.get("weight", 1.0)), 0.01)


def introduction_paths(
    graph: nx.Graph,
    source: int,
    target: int,
    *,
    limit: int = 3,
    max_steps: int = MAX_INTRODUCTION_STEPS,
) -> list[list[dict[str, Any]]]:
    """Up to `limit` chains of introductions from source to target, the strongest first.

    Chains are ranked by the sum of `tie_cost` over their ties (strong ties make a cheap
    chain), then by fewer steps, then by ids; chains of more than `max_steps` ties are left out.
    Each step: ``from``, ``to``, the tie's ``weight`` and its ``reasons``.
    """
    _require_node(graph, source)
    _require_node(graph, target)
    if source == target:
        raise ValueError("an organisation needs no introduction to itself")
    if limit < 1:
        return []
    chains: list[list[int]] = []
    try:
        # Yen's algorithm: chains come cheapest first. Looking at a bounded number keeps a
        # dense graph from enumerating its long detours.
        for looked, path in enumerate(
            nx.shortest_simple_paths(graph, source, target, weight=tie_cost)
        ):
            if len(path) - 1 <= max_steps:
                chains.append(path)
            if len(chains) >= limit or looked >= 10 * limit:
                break
    except nx.NetworkXNoPath:
        return []
    chains.sort(key=lambda path: (_chain_cost(graph, path), len(path), path))
    return [
        [
            {
                "from": a,
                "to": b,
                "weight": graph.edges[a, b].get("weight", 1.0),
                "reasons": list(graph.edges[a, b].get("reasons", ())),
            }
            for a, b in pairwise(path)
        ]
        for path in chains
    ]


def _chain_cost(graph: nx.Graph, path: list[int]) -> float:
    return round(sum(tie_cost(a, b, graph.edges[a, b]) for a, b in pairwise(path)), 9)


class Participant(NamedTuple):
    """A person who took part in a meeting on behalf of one of its organisations."""

    meeting_id: int
    person_id: int
    person_name: str
    organisation_id: int


def chain_introducers(
    chain: Sequence[Mapping[str, Any]], participants: Iterable[RowLike[Participant]]
) -> list[dict[str, Any] | None]:
    """The person to call at each step of an introduction chain, or None where nobody is known.

    A person with roles at both organisations of the step comes first (``kind`` "person":
    ``person_id``, ``name``). Otherwise someone who took part in the step's latest shared
    meeting (``kind`` "meeting": ``person_id``, ``name``, ``organisation_id``, ``meeting_id``,
    ``title``, ``day``), preferably from the organisation in the middle of the chain: the
    first step's far end, the other steps' near end; they know both sides.
    """
    by_meeting: dict[int, list[Participant]] = defaultdict(list)
    for row in participants:
        person = _coerce(Participant, row)
        by_meeting[person.meeting_id].append(person)
    found: list[dict[str, Any] | None] = []
    for index, step in enumerate(chain):
        middle = step["to"] if index == 0 else step["from"]
        found.append(_step_introducer(step, by_meeting, middle))
    return found


def _step_introducer(
    step: Mapping[str, Any], by_meeting: Mapping[int, list[Participant]], middle: int
) -> dict[str, Any] | None:
    reasons = step.get("reasons", ())
    for reason in reasons:
        if reason["kind"] == "person":
            return {"kind": "person", "person_id": reason["id"], "name": reason["name"]}
    meetings = sorted(
        (reason for reason in reasons if reason["kind"] == "meeting"),
        key=lambda reason: (reason["day"], reason["id"]),
        reverse=True,
    )
    ends = (step["from"], step["to"])
    for reason in meetings:
        present = [p for p in by_meeting.get(reason["id"], ()) if p.organisation_id in ends]
        if not present:
            continue
        present.sort(key=lambda p: (p.organisation_id != middle, p.person_name, p.person_id))
        chosen = present[0]
        return {
            "kind": "meeting",
            "person_id": chosen.person_id,
            "name": chosen.person_name,
            "organisation_id": chosen.organisation_id,
            "meeting_id": reason["id"],
            "title": reason["title"],
            "day": reason["day"],
        }
    return None


def cluster_stats(
    graph: nx.Graph, memberships: Iterable[RowLike[MembershipRow]], cluster_id: int
) -> dict[str, Any]:
    """Members, internal density, members tied to other clusters, new internal ties per year.

    Members are those current on the graph's `as_of` date (the window's end) and present in
    the graph. Edges that exist only because both are members of this very cluster are left
    out of density and new ties: otherwise every cluster would look fully connected.
    """
    as_of = _as_of(graph)
    rows = [
        row
        for row in (_coerce(MembershipRow, item) for item in memberships)
        if row.cluster_id == cluster_id
    ]
    members = current_members(graph, rows, cluster_id)
    member_set = set(members)
    internal = [
        data
        for _, _, data in graph.subgraph(members).edges(data=True)
        if _has_other_evidence(data, cluster_id)
    ]
    count = len(members)
    density = 2 * len(internal) / (count * (count - 1)) if count > 1 else 0.0
    bridging = [
        member
        for member in members
        if any(
            neighbour not in member_set
            and any(other != cluster_id for other in graph.nodes[neighbour].get("clusters", ()))
            for neighbour in graph[member]
        )
    ]
    per_year = Counter(data["first"].year for data in internal if data.get("first"))
    return {
        "cluster_id": cluster_id,
        "name": rows[0].cluster_name if rows else None,
        "as_of": as_of,
        "members": members,
        "member_count": count,
        "internal_links": len(internal),
        "density": density,
        "bridging_members": bridging,
        "bridging_count": len(bridging),
        "new_links_per_year": dict(sorted(per_year.items())),
    }


def _has_other_evidence(data: Mapping[str, Any], cluster_id: int) -> bool:
    reasons = data.get("reasons")
    if not reasons:
        return True  # an edge from elsewhere, with no reasons recorded: take it as a tie
    return any(
        not (reason["kind"] == "cluster" and reason["id"] == cluster_id) for reason in reasons
    )


def yearly_summary(graphs_by_year: Mapping[int, nx.Graph], *, seed: int = 1) -> list[dict]:
    """Network health per year: active nodes, edges, density, components, modularity.

    Counted over organisations with at least one tie that year: the register holds thousands
    of organisations without any, and they would drown every figure.
    """
    summary = []
    for year in sorted(graphs_by_year):
        graph = graphs_by_year[year]
        active = graph.subgraph([node for node, degree in graph.degree() if degree])
        row: dict[str, Any] = {
            "year": year,
            "nodes": active.number_of_nodes(),
            "edges": active.number_of_edges(),
            "density": 0.0,
            "components": 0,
            "largest_component_share": 0.0,
            "modularity": 0.0,
        }
        if row["edges"]:
            components = [len(part) for part in nx.connected_components(active)]
            parts = nx.community.louvain_communities(active, weight="weight", seed=seed)
            row["density"] = nx.density(active)
            row["components"] = len(components)
            row["largest_component_share"] = max(components) / row["nodes"]
            row["modularity"] = nx.community.modularity(active, parts, weight="weight")
        summary.append(row)
    return summary


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value)


def _export_value(value: Any) -> Any:
    """A GraphML/GEXF-safe value (str, bool, int or float), or None to drop the attribute."""
    if value is None:
        return None
    if isinstance(value, bool | str | int | float):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, numbers.Integral):  # numpy integers
        return int(value)
    if isinstance(value, numbers.Real):  # numpy floats, Fraction
        return float(value)
    if isinstance(value, numbers.Number):  # Decimal converts, complex does not
        try:
            return float(value)
        except TypeError:
            return str(value)
    if isinstance(value, Mapping):
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        if not items:
            return None
        # Flat lists (sectors, cluster ids) stay readable in Gephi; nested ones become JSON.
        flat = (str, int, float)
        if all(isinstance(item, flat) and not isinstance(item, bool) for item in items):
            return "; ".join(str(item) for item in items)
        return json.dumps(items, default=_json_default, ensure_ascii=False)
    return str(value)


def _export_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = {str(key): _export_value(value) for key, value in data.items()}
    return {key: value for key, value in cleaned.items() if value is not None}


def _unify_types(records: list[dict[str, Any]]) -> None:
    """One type per attribute: GEXF declares a type per attribute and then fails to read
    values of another (an int column with one float in it, a number column with a string)."""
    kinds: dict[str, set[type]] = defaultdict(set)
    for record in records:
        for key, value in record.items():
            kinds[key].add(type(value))
    for key, seen in kinds.items():
        if len(seen) < 2:
            continue
        cast = float if seen == {int, float} else str
        for record in records:
            if key in record:
                record[key] = cast(record[key])


def clean_for_export(graph: nx.Graph) -> nx.Graph:
    """Copy with attributes GraphML and GEXF can write (no None, dates, lists or dicts)."""
    result = graph.__class__()
    result.graph.update(_export_mapping(graph.graph))
    nodes = [(node, _export_mapping(data)) for node, data in graph.nodes(data=True)]
    for _, data in nodes:
        # Gephi shows `label`; without it every node would be called by its database id.
        if "name" in data and "label" not in data:
            data["label"] = str(data["name"])
    # `start`/`end`, when an edge has them, are ISO strings now: GEXF then writes them as
    # spells with timeformat "date", which Gephi's timeline plays.
    edges = [(a, b, _export_mapping(data)) for a, b, data in graph.edges(data=True)]
    _unify_types([data for _, data in nodes])
    _unify_types([data for _, _, data in edges])
    result.add_nodes_from(nodes)
    result.add_edges_from(edges)
    return result


def _compact(number: float) -> float | int:
    # 3 instead of 3.0: two bytes per edge are 100 kB on 50,000 edges.
    rounded = round(float(number), 2)
    return int(rounded) if rounded.is_integer() else rounded


def to_sigma_json(
    graph: nx.Graph,
    positions: Mapping[int, tuple[float, float]] | None = None,
    metrics: Metrics | None = None,
) -> dict[str, Any]:
    """The map for sigma.js: graphology's serialised format, with compact edges.

    Nodes are graphology's ``{"key", "attributes"}``. Edges are ``[source, target, weight]``
    triples, because graphology's edge objects cost about 70 bytes each and 50,000 of them
    alone would pass the 2 MB budget. Expand them before importing:
    ``data.edges = data.edges.map(([source, target, weight]) =>
    ({source, target, attributes: {weight}})); graph.import(data);``
    """
    metrics = metrics or {}
    positions = dict(positions or {})
    if any(node not in positions for node in graph):
        communities = {
            node: values["community"] for node, values in metrics.items() if "community" in values
        }
        fallback = initial_positions(graph, communities=communities or None)
        positions = {**fallback, **positions}
    largest = max((values.get("pagerank", 0.0) for values in metrics.values()), default=0.0)
    nodes = []
    for node, data in graph.nodes(data=True):
        values = metrics.get(node, {})
        x, y = positions[node]
        # Area grows with PageRank, so the radius grows with its square root.
        size = 2.0 + (10.0 * math.sqrt(values.get("pagerank", 0.0) / largest) if largest else 0)
        attributes: dict[str, Any] = {
            "label": data.get("name") or str(node),
            "x": round(x, 2),
            "y": round(y, 2),
            "size": round(size, 1),
        }
        for key in ("kind", "place"):
            if data.get(key):
                attributes[key] = data[key]
        if "community" in values:
            attributes["community"] = values["community"]
        if values.get("broker"):
            attributes["broker"] = True
        nodes.append({"key": str(node), "attributes": attributes})
    edges = [
        [str(a), str(b), _compact(data.get("weight", 1.0))] for a, b, data in graph.edges(data=True)
    ]
    return {
        "attributes": {},
        "options": {"type": "undirected", "multi": False, "allowSelfLoops": False},
        "nodes": nodes,
        "edges": edges,
    }


def _unit_pair(seed: int, node: Any) -> tuple[float, float]:
    # hashlib, not hash(): Python salts str hashes per process, and positions must not move
    # between two requests.
    digest = hashlib.blake2b(f"{seed}:{node}".encode(), digest_size=16).digest()
    scale = float(2**64)
    return int.from_bytes(digest[:8]) / scale, int.from_bytes(digest[8:]) / scale


def initial_positions(
    graph: nx.Graph | Sequence[int],
    seed: int = 1,
    *,
    communities: Mapping[int, int] | None = None,
) -> dict[int, tuple[float, float]]:
    """Cheap, deterministic starting positions: a disc per community, the discs on a circle.

    No force layout (minutes at 11k nodes); the browser refines with ForceAtlas2. A node's
    spot in its community's disc depends only on its id and the seed. Pass `communities`
    (from compute_metrics or crm.network.engine) to skip running Louvain again; with them,
    a plain sequence of node ids does as well as a graph.
    """
    if len(graph) == 0:
        return {}
    if communities is None:
        # Louvain needs a networkx graph; a plain list of ids is drawn as one disc.
        is_graph = isinstance(graph, nx.Graph)
        communities = compute_communities(graph, seed=seed) if is_graph else {}
    groups: dict[int, list[int]] = defaultdict(list)
    for node in graph:
        groups[communities.get(node, -1)].append(node)
    order = sorted(groups, key=lambda group: (-len(groups[group]), min(groups[group])))
    # Disc area grows with the number of nodes, so the radius grows with its square root.
    radius = {group: NODE_SPACING * math.sqrt(len(groups[group])) for group in order}
    gap = 1.1
    circumference = sum(2 * gap * radius[group] for group in order)
    # With few communities the arc underestimates the distance needed between their centres.
    ring = 0.0
    if len(order) > 1:
        ring = max(circumference / (2 * math.pi), gap * (radius[order[0]] + radius[order[1]]))
    positions: dict[int, tuple[float, float]] = {}
    angle = 0.0
    for group in order:
        share = 2 * gap * radius[group] / circumference
        middle = 2 * math.pi * (angle + share / 2)
        angle += share
        centre_x, centre_y = ring * math.cos(middle), ring * math.sin(middle)
        for node in groups[group]:
            distance, turn = _unit_pair(seed, node)
            # sqrt spreads nodes evenly over the disc instead of crowding its centre.
            reach = radius[group] * math.sqrt(distance)
            positions[node] = (
                centre_x + reach * math.cos(2 * math.pi * turn),
                centre_y + reach * math.sin(2 * math.pi * turn),
            )
    return positions


def small_positions(graph: nx.Graph, seed: int = 1) -> dict[int, tuple[float, float]]:
    """A force layout for a small graph (a cluster's members: tens, not thousands), with
    nodes kept apart so that none covers another.

    Fruchterman-Reingold with an optimal distance of 1.5 / sqrt(n) (networkx's default is
    1 / sqrt(n), which crowds a few strongly tied members onto one spot), seeded, so the same
    members are drawn the same way on every visit. Organisations without a tie to another
    member get a row of their own under the rest instead of being flung to the edge.
    """
    if graph.number_of_nodes() == 0:
        return {}
    alone = sorted(node for node, degree in graph.degree() if degree == 0)
    tied = graph.subgraph([node for node in graph if node not in set(alone)])
    positions: dict[int, tuple[float, float]] = {}
    if tied.number_of_nodes() == 1:
        positions[next(iter(tied))] = (0.0, 0.0)
    elif tied.number_of_nodes():
        spread = nx.spring_layout(
            tied,
            k=1.5 / math.sqrt(tied.number_of_nodes()),
            iterations=200,
            seed=seed,
            weight=None,
            scale=NODE_SPACING * math.sqrt(tied.number_of_nodes()),
        )
        positions.update({node: (float(x), float(y)) for node, (x, y) in spread.items()})
        _separate(positions, NODE_SPACING)
    bottom = min((y for _, y in positions.values()), default=0.0) - NODE_SPACING * 2
    left = min((x for x, _ in positions.values()), default=0.0)
    per_row = max(4, math.ceil(math.sqrt(len(alone)) * 2))
    for index, node in enumerate(alone):
        row, column = divmod(index, per_row)
        positions[node] = (left + column * NODE_SPACING * 2, bottom - row * NODE_SPACING * 2)
    return positions


def _separate(positions: dict[Any, tuple[float, float]], minimum: float) -> None:
    """Push apart any two nodes nearer than `minimum` (a few passes; for tens of nodes)."""
    nodes = sorted(positions, key=str)
    for _ in range(50):
        moved = False
        for a, b in combinations(nodes, 2):
            (ax, ay), (bx, by) = positions[a], positions[b]
            dx, dy = bx - ax, by - ay
            distance = math.hypot(dx, dy)
            if distance >= minimum:
                continue
            if distance == 0:
                dx, dy, distance = 1.0, 0.0, 1.0
            push = (minimum - distance) / 2 + 1e-6
            ux, uy = dx / distance, dy / distance
            positions[a] = (ax - ux * push, ay - uy * push)
            positions[b] = (bx + ux * push, by + uy * push)
            moved = True
        if not moved:
            return


def ego_positions(ego: nx.Graph, centre: int, seed: int = 1) -> dict[int, tuple[float, float]]:
    """Rings around the centre: neighbours on the first ring, their neighbours on the second.

    Cheap and deterministic (no force layout); within a ring the order is by id, so the same
    ego network is drawn the same way on every visit.
    """
    if centre not in ego:
        return {}
    hops = nx.single_source_shortest_path_length(ego, centre)
    rings: dict[int, list[int]] = defaultdict(list)
    for node, distance in hops.items():
        rings[distance].append(node)
    positions: dict[int, tuple[float, float]] = {centre: (0.0, 0.0)}
    for distance, members in rings.items():
        if distance == 0:
            continue
        members.sort()
        radius = NODE_SPACING * distance * max(1.0, math.sqrt(len(members)) / 2)
        offset = _unit_pair(seed, distance)[0]
        for index, node in enumerate(members):
            angle = 2 * math.pi * (index / len(members) + offset)
            positions[node] = (radius * math.cos(angle), radius * math.sin(angle))
    return positions


def dated_for_timeline(graph: nx.Graph) -> nx.Graph:
    """Copy whose edges carry `start`/`end` for Gephi's timeline (GEXF spells).

    An edge starts at its earliest dated evidence. It ends at its latest only when nothing
    behind it may still go on: an open-ended link, a shared cluster or a shared person (the
    reasons do not record when a role ends) keeps it open.
    """
    result = graph.copy()
    for _, _, data in result.edges(data=True):
        if data.get("first") is not None:
            data["start"] = data["first"]
        ongoing = any(
            reason["kind"] == "cluster"
            or (reason["kind"] in ("link", "person") and reason.get("end") is None)
            for reason in data.get("reasons", ())
        )
        if data.get("last") is not None and not ongoing:
            data["end"] = data["last"]
    return result
