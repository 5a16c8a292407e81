"""/api/v1/network: the collaboration network for a filter, as node-link JSON and as figures.

The graph and its figures come from crm.network's cache, the web map's. The fast figures
(ties, strength, influence) are there at once; bridging, communities and brokers take longer
on a large graph: until they are computed (by a background job, as for the map) the API says
202 with Retry-After rather than holding a worker. A busy server answers 429 with Retry-After.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from crm.api import bp
from crm.api.common import choices
from crm.api.problems import ApiProblem
from crm.api.spec import json_response, operation
from crm.api.types import Id
from crm.common.converters import MAX_DATE, MIN_DATE
from crm.common.dates import local_today
from crm.companies.models import CompanyKind
from crm.extensions import db
from crm.network import cache, services
from crm.network.queries import NetworkFilter

TAG = "network"


class NetworkQuery(BaseModel):
    """The map's filter: a time window and one value per selection (empty means all)."""

    model_config = ConfigDict(extra="forbid")

    start: date | None = Field(default=None, ge=MIN_DATE, le=MAX_DATE)
    end: date | None = Field(default=None, ge=MIN_DATE, le=MAX_DATE)
    cluster: Id | None = None
    sector: Id | None = None
    focus_area: Id | None = None
    place: Id | None = None
    kind: choices(CompanyKind) | None = None
    min_weight: float = Field(default=0.0, ge=0, le=1000)


class Node(BaseModel):
    """An organisation on the map with its figures (absent while still being computed)."""

    id: int
    name: str | None
    kind: str | None
    place: str | None
    degree: int | None = Field(default=None, description="Ties (Antall bånd).")
    weighted_degree: float | None = Field(default=None, description="Total strength.")
    pagerank: float | None = Field(default=None, description="Influence (PageRank).")
    betweenness: float | None = Field(default=None, description="Bridging (betweenness).")
    community: int | None = None
    broker: bool | None = None


class Tie(BaseModel):
    """A tie between two organisations, its strength and why it exists."""

    source: int
    target: int
    weight: float
    reasons: list[dict[str, Any]]


class Graph(BaseModel):
    """The network as node-link JSON."""

    version: str
    directed: bool
    nodes: list[Node]
    links: list[Tie]


class Figures(BaseModel):
    """The figures table: every organisation of the view with its figures."""

    version: str
    rows: list[Node]


def _filter(query: NetworkQuery) -> NetworkFilter:
    if query.start and query.end and query.end < query.start:
        raise ApiProblem(
            422, "The end is before the start.", errors=[{"field": "end", "message": "too early"}]
        )
    return NetworkFilter(
        start=query.start,
        end=query.end,
        clusters=(query.cluster,) if query.cluster else (),
        sectors=(query.sector,) if query.sector else (),
        focus_areas=(query.focus_area,) if query.focus_area else (),
        places=(query.place,) if query.place else (),
        kinds=(query.kind,) if query.kind else (),
        min_weight=query.min_weight,
    )


def _charge_user() -> None:
    # One budget with the web map's (crm.network.services.charge_computation).
    services.charge_computation(current_app.config, user_id=current_user.get_id())


def _ready_view(query: NetworkQuery) -> cache.NetworkView:
    settings = cache.settings_from_config(current_app.config, current_app.instance_path)
    try:
        view = cache.get_view(
            db.session, _filter(query), settings, today=local_today(), admit=_charge_user
        )
    except cache.Busy as busy:
        raise ApiProblem(
            429,
            "The server is computing many networks now; try again shortly.",
            headers={"Retry-After": str(busy.retry_after)},
        ) from None
    if not view.slow_ready:
        raise _StillComputing(settings.retry_after)
    return view


class _StillComputing(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("computing")
        self.retry_after = retry_after


def _nodes(view: cache.NetworkView) -> list[Node]:
    return [
        Node(
            id=node,
            name=data.get("name"),
            kind=data.get("kind"),
            place=data.get("place"),
            **{
                key: value
                for key, value in view.metrics.get(node, {}).items()
                if key in Node.model_fields
            },
        )
        for node, data in sorted(view.graph.nodes(data=True))
    ]


def _tie_order(edge: tuple) -> tuple[int, int]:
    return (min(edge[0], edge[1]), max(edge[0], edge[1]))


def _computing(error: _StillComputing):
    response = json_response({"ready": False}, 202)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


ACCEPTED = {202: "Still being computed: ask again after Retry-After seconds."}


@operation(
    bp,
    "/network/graph",
    "GET",
    mirrors="network.graph_json",
    summary="The network for a filter (node-link JSON)",
    tag=TAG,
    query=NetworkQuery,
    response=Graph,
    extra=ACCEPTED,
)
def network_graph(query: NetworkQuery):
    """Organisations and their ties for a filter, with every figure."""
    try:
        view = _ready_view(query)
    except _StillComputing as error:
        return _computing(error)
    links = [
        Tie(
            source=min(a, b),
            target=max(a, b),
            weight=float(data.get("weight", 0.0)),
            reasons=list(data.get("reasons", ())),
        )
        for a, b, data in sorted(
            view.graph.edges(data=True), key=lambda e: (min(e[:2]), max(e[:2]))
        )
    ]
    graph = Graph(version=view.version, directed=False, nodes=_nodes(view), links=links)
    return json_response(graph)


@operation(
    bp,
    "/network/figures",
    "GET",
    mirrors="network.metrics",
    summary="The network's figures table for a filter",
    tag=TAG,
    query=NetworkQuery,
    response=Figures,
    extra=ACCEPTED,
)
def network_figures(query: NetworkQuery):
    """Every organisation of the filtered network with its figures."""
    try:
        view = _ready_view(query)
    except _StillComputing as error:
        return _computing(error)
    return json_response(Figures(version=view.version, rows=_nodes(view)))
