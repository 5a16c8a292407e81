"""What an organisation's page and a cluster's page show of the network.

Those pages must stay fast, so nothing here builds the district's graph. An organisation's
strongest ties come from the graph this process already holds in memory for the whole
period (the one the ego page and the map use, `cache.get_view` with an empty filter) when it
is there; otherwise from a direct read of the few rows that can tie that one organisation
to others (`queries.read_neighbourhood_rows`: four SELECTs), built with the same
`graph.build_graph`, so the figures are the same. A cluster's members' network needs the
whole graph (ties between members come from anywhere); while it is not in memory the page
says it is being computed, and the map's JSON request builds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from crm.network import cache, queries
from crm.network import graph as g

PANEL_ROWS = 15


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


def _cached_view(session: Session) -> cache.NetworkView | None:
    """The whole-period view if this process holds it at the current version; never builds."""
    return cache.peek_view(session, queries.NetworkFilter())


def _named(rows: list[dict], names: dict[int, dict]) -> list[dict]:
    for row in rows:
        facts = names.get(row["id"], {})
        row["name"] = facts.get("name")
        row["kind"] = facts.get("kind")
    return rows


def company_panel(session: Session, company_id: int, *, limit: int = PANEL_ROWS) -> NetworkPanel:
    """The organisation's `limit` strongest ties, with why each exists (counts by kind).

    From the cached graph: one SELECT (the graph's version). Otherwise: four SELECTs of the
    organisation's rows and one for the names shown. Never more with more ties.
    """
    view = _cached_view(session)
    if view is not None:
        rows = g.neighbour_rows(view.graph, company_id)
        names = {row["id"]: view.graph.nodes[row["id"]] for row in rows[:limit]}
        return NetworkPanel(_named(rows[:limit], names), len(rows), "cache")
    local = queries.read_neighbourhood_rows(session, company_id)
    graph = g.build_graph(
        local.nodes,
        links=local.links,
        memberships=local.memberships,
        meetings=local.meetings,
        affiliations=local.affiliations,
    )
    rows = g.neighbour_rows(graph, company_id)
    names = queries.company_facts(session, [row["id"] for row in rows[:limit]])
    return NetworkPanel(_named(rows[:limit], names), len(rows), "direct")


def cluster_panel(session: Session, cluster_id: int, *, limit: int = PANEL_ROWS) -> NetworkPanel:
    """The cluster's current members by the weight of their ties to each other.

    Two SELECTs (the graph's version, the memberships) when the graph is in memory; one and a
    pending panel when it is not.
    """
    view = _cached_view(session)
    if view is None:
        return NetworkPanel()
    members = g.current_members(
        view.graph, queries.cluster_member_rows(session, cluster_id), cluster_id
    )
    rows = g.member_rows(view.graph, members)
    names = {row["id"]: view.graph.nodes[row["id"]] for row in rows[:limit]}
    return NetworkPanel(_named(rows[:limit], names), len(rows), "cache")
