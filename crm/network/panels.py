"""What the network's pages and an organisation's or a cluster's page show of the network.

The map's table, the rankings, the ego and cluster sub-networks and a cluster's years are
worked out here from a cached view, so the routes only read their input and render.

Those pages must stay fast, so nothing here builds the district's graph. An organisation's
strongest ties come from the graph this process already holds in memory for the whole
period (the one the ego page and the map use, `cache.get_view` with an empty filter) when it
is there; otherwise from a direct read of the few rows that can tie that one organisation
to others (`queries.read_neighbourhood_rows`: four SELECTs), built with the same
`graph.build_graph`, so the figures are the same. A cluster's members' network is built at
once from the rows of its members (`cluster_graph`: a tie between two members needs evidence
naming both, so those rows give the same ties as the district's graph), kept in memory per
graph version: a member added a moment ago is on the page that follows.

Words for people live here too: what a community is called and the sentence above the map,
from the pure figures of `graph.name_communities` and `graph.summarise_network`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.lists import format_list
from babel.numbers import format_percent
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from crm.common.dates import local_today
from crm.network import cache, queries
from crm.network import graph as g

PANEL_ROWS = 15
# The map's table: every sortable column, and the default (most influential first).
TABLE_SORTS = ("name", "degree", "weighted_degree", "pagerank", "betweenness", "community")
DEFAULT_SORT = "-pagerank"
# How many years back a cluster's page shows its network's health.
CLUSTER_YEARS = 8


@dataclass
class NetworkPanel:
    """The strongest ties of an organisation, or members of a cluster, for a page's panel."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    # "cache": from the district graph in memory; "direct": from the organisation's own rows;
    # "pending": not in memory yet (a cluster's panel), nothing to show.
    source: str = "pending"

    @property
    def ready(self) -> bool:
        """Whether the rows are known (a pending panel says the network is being computed)."""
        return self.source != "pending"


def _cached_view(session: Session, today: date | None) -> cache.NetworkView | None:
    """The whole-period view if this process holds it at the current version; never builds."""
    return cache.peek_view(session, queries.NetworkFilter(), today=today or local_today())


def _named(rows: list[dict], names: dict[int, dict]) -> list[dict]:
    for row in rows:
        facts = names.get(row["id"], {})
        row["name"] = facts.get("name")
        row["kind"] = facts.get("kind")
    return rows


def company_panel(
    session: Session,
    company_id: int,
    *,
    limit: int = PANEL_ROWS,
    today: date | None = None,
    use_cache: bool = True,
) -> NetworkPanel:
    """The organisation's `limit` strongest ties, with why each exists (counts by kind).

    From the cached graph: one SELECT (the graph's version). Otherwise: four SELECTs of the
    organisation's rows and one for the names shown. Never more with more ties. Without
    `use_cache` the graph's version (a read over the whole district) is not asked for at all,
    which is quicker for a page that needs only this one organisation's ties.
    """
    today = today or local_today()
    view = _cached_view(session, today) if use_cache else None
    if view is not None and view.has_graph:  # never wait for the district's networkx graph
        rows = g.neighbour_rows(view.graph, company_id)
        names = {row["id"]: view.graph.nodes[row["id"]] for row in rows[:limit]}
        return NetworkPanel(_named(rows[:limit], names), len(rows), "cache")
    local = queries.read_neighbourhood_rows(session, company_id)
    graph = cache.graph_of(local, today=today)
    rows = g.neighbour_rows(graph, company_id)
    names = queries.company_facts(session, [row["id"] for row in rows[:limit]])
    return NetworkPanel(_named(rows[:limit], names), len(rows), "direct")


def cluster_graph(session: Session, cluster_id: int, *, today: date | None = None):
    """The graph of the organisations that ever belonged to the cluster, at the current
    version: built at once (tens of members) and kept in this process's memory per version."""
    today = today or local_today()
    version = queries.graph_version(session)
    key = (version, "cluster-graph", cluster_id, today)
    cached = cache.memory.get(key)
    if cached is not None:
        return cached
    rows = queries.read_graph_rows(session, queries.NetworkFilter(clusters=(cluster_id,)))
    graph = cache.graph_of(rows, today=today)
    members = g.current_members(graph, queries.cluster_member_rows(session, cluster_id), cluster_id)
    result = (graph.subgraph(members).copy(), rows.cluster_names)
    cache.memory.put(key, result)
    return result


def cluster_panel(
    session: Session, cluster_id: int, *, limit: int = PANEL_ROWS, today: date | None = None
) -> NetworkPanel:
    """The cluster's current members by the weight of their ties to each other."""
    network, _names = cluster_graph(session, cluster_id, today=today)
    rows = g.member_rows(network, list(network))
    names = {row["id"]: network.nodes[row["id"]] for row in rows[:limit]}
    return NetworkPanel(_named(rows[:limit], names), len(rows), "direct")


# --- words for people -------------------------------------------------------------------------


def people_number(value: float | None, digits: int = 1) -> str:
    """A figure rounded for people, in the reader's language: 12,3 / 12.3 (1 digit default)."""
    if value is None:
        return "–"
    return format_decimal(round(float(value), digits))


def people_percent(value: float | None) -> str:
    """A share (0–1) as a percentage with one decimal: 4,2 % / 4.2%."""
    if value is None:
        return "–"
    return format_percent(round(float(value), 3), locale=get_locale(), decimal_quantization=False)


def _list(names: list[str] | tuple[str, ...]) -> str:
    """ "A, B og C" in the reader's language."""
    return format_list(list(names), locale=str(get_locale()))


def community_label(name: g.CommunityName) -> str:
    """What a community is called on the page: its cluster, or "Around A and B"."""
    if name.cluster:
        return name.cluster
    if name.size == 1:
        return _("%(name)s on its own", name=name.members[0])
    return _("Around %(names)s", names=_list(name.members))


def community_labels(view: cache.NetworkView) -> dict[int, str]:
    """Community number -> its name, for the table, the map's legend and panel, the exports."""
    return {number: community_label(name) for number, name in view.community_names.items()}


def summary_sentence(view: cache.NetworkView) -> str | None:
    """The page's question answered in one sentence: who binds the network together, how many
    groups it has, how many stand alone. None when there is nothing to say."""
    if view.empty:
        return None
    summary = g.summarise_network(view.ties, view.metrics)
    parts = []
    if summary.connectors:
        parts.append(
            ngettext(
                "%(names)s binds the network together",
                "%(names)s bind the network together",
                len(summary.connectors),
                names=_list(summary.connectors),
            )
        )
    if view.slow_ready:
        parts.append(ngettext("%(num)s community", "%(num)s communities", summary.communities))
    parts.append(
        ngettext(
            "%(num)s organisation stands alone", "%(num)s organisations stand alone", summary.alone
        )
    )
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def introducers(
    session: Session, paths: list[list[dict[str, Any]]]
) -> list[list[dict[str, Any] | None]]:
    """The person to call at each step of each chain (graph.chain_introducers); one SELECT."""
    meeting_ids = [
        reason["id"]
        for chain in paths
        for step in chain
        for reason in step["reasons"]
        if reason["kind"] == "meeting"
    ]
    participants = queries.meeting_participants(session, meeting_ids)
    return [g.chain_introducers(chain, participants) for chain in paths]


# --- the map's table and rankings -------------------------------------------------------------


def resolve_sort(sort: str | None) -> str:
    """An allow-listed sort key of the map's table (`-key` descending), else the default."""
    if sort and sort.lstrip("-") in TABLE_SORTS:
        return sort
    return DEFAULT_SORT


def table_rows(view: cache.NetworkView, sort: str) -> list[dict[str, Any]]:
    """Every organisation of the view with its figures, in the order `sort` asks for.

    `-key` sorts descending, as the column heading's arrow and aria-sort say. Ties go by id
    (by name, then id, for the name column), in the same direction as the column, so a page
    never shuffles between two visits. A figure still being computed counts as 0.
    """
    rows = [
        {
            "id": node,
            "name": data.get("name"),
            "kind": data.get("kind"),
            "place": data.get("place"),
            **view.metrics.get(node, {}),
        }
        for node, data in view.ties.nodes(data=True)
    ]
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key == "name":
        rows.sort(key=lambda row: (str(row["name"]).lower(), row["id"]), reverse=descending)
    else:
        rows.sort(key=lambda row: (row.get(key, 0), row["id"]), reverse=descending)
    return rows


class ListPage:
    """The pager macro's view of one page of a Python list (the map's table is not a query)."""

    def __init__(self, items: list, page: int, per_page: int) -> None:
        self.total = len(items)
        self.per_page = per_page
        self.pages = max(1, math.ceil(self.total / per_page))
        self.page = min(page, self.pages)
        start = (self.page - 1) * per_page
        self.items = items[start : start + per_page]
        self.has_prev = self.page > 1
        self.has_next = self.page < self.pages
        self.prev_num = self.page - 1
        self.next_num = self.page + 1

    def iter_pages(self, left_edge=1, right_edge=1, left_current=2, right_current=2):
        """Page numbers with None for the gaps, as Flask-SQLAlchemy's pagination gives them."""
        last = 0
        for number in range(1, self.pages + 1):
            if (
                number <= left_edge
                or self.page - left_current <= number <= self.page + right_current
                or number > self.pages - right_edge
            ):
                if last + 1 != number:
                    yield None
                yield number
                last = number


def rankings(
    view: cache.NetworkView, labels: dict[str, Any], *, limit: int = 25
) -> tuple[list[tuple], list[int]]:
    """The top organisations by each metric ((key, label, rows or None while computed)) and
    the brokers, most bridging first."""
    computed = next(iter(view.metrics.values()), {})
    ranked = [
        (key, label, g.rank(view.metrics, key, limit=limit) if key in computed else None)
        for key, label in labels.items()
    ]
    brokers = sorted(
        (node for node, values in view.metrics.items() if values.get("broker")),
        key=lambda node: (-view.metrics[node].get("betweenness", 0), node),
    )[:limit]
    return ranked, brokers


# --- sub-networks in the map's format ---------------------------------------------------------


def ego_view(
    view: cache.NetworkView, company_id: int, *, radius: int, top: int | None = None
) -> cache.NetworkView:
    """The organisation's neighbourhood, laid out in rings around it.

    With `top`, only the organisation and its `top` strongest direct ties (its page's panel,
    the same rows as its table).
    """
    network = g.ego_network(view.graph, company_id, radius=radius)
    if top and top > 0:
        keep = [row["id"] for row in g.neighbour_rows(view.graph, company_id)[:top]]
        network = network.subgraph([company_id, *keep]).copy()
    return cache.NetworkView(
        version=view.version,
        filter=view.filter,
        graph=network,
        metrics={node: view.metrics.get(node, {}) for node in network},
        slow_ready=True,
        positions=g.ego_positions(network, company_id),
        cluster_names=view.cluster_names,
        community_names=view.community_names,
    )


def cluster_view(
    session: Session, cluster_id: int, *, today: date | None = None
) -> cache.NetworkView:
    """The cluster's current members and the ties between them, with their own figures,
    spread out so that no member covers another."""
    network, cluster_names = cluster_graph(session, cluster_id, today=today)
    return cache.NetworkView(
        version="",
        filter=queries.NetworkFilter(clusters=(cluster_id,)),
        graph=network,
        metrics=g.compute_fast_metrics(network),
        slow_ready=True,
        positions=g.small_positions(network),
        cluster_names=cluster_names,
    )


def cluster_years(
    session: Session, cluster_id: int, *, version: str, today: date
) -> list[dict[str, Any]]:
    """The cluster's network health in each of the last CLUSTER_YEARS calendar years.

    One read of the cluster's rows and a small graph per year (its members only); kept in
    this process's memory per version, so a second visit costs nothing.
    """
    key = (version, "cluster-years", cluster_id, today.year)
    cached = cache.memory.get(key)
    if cached is not None:
        return cached
    rows = queries.read_graph_rows(session, queries.NetworkFilter(clusters=(cluster_id,)))
    graphs = {
        year: cache.graph_of(rows, window=(date(year, 1, 1), date(year, 12, 31)))
        for year in range(today.year - CLUSTER_YEARS + 1, today.year + 1)
    }
    summary = g.yearly_summary(graphs)
    cache.memory.put(key, summary)
    return summary
