"""The network as files and as the map's JSON: GEXF, GraphML, node-link JSON, CSV (a zip).

CSV goes through the app's one spreadsheet writer (crm.exports.spreadsheets.write_csv), so an
organisation, person, meeting or cluster named like a formula (=HYPERLINK(…), +cmd|…, @SUM…)
reaches a spreadsheet as text, never as a live formula. GEXF, GraphML and JSON are read by
Gephi and programs, not spreadsheets; they carry the values as they are.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from crm.network import cache
from crm.network import graph as g

FORMATS = ("gexf", "graphml", "json", "csv")

# The map draws at most this many ties, the strongest first: beyond it the JSON passes 2 MB
# and the picture is a grey felt anyway. The table, exports and metrics keep every tie.
MAP_EDGE_LIMIT = 45_000
# How many of the most influential organisations keep their names on the map at every zoom;
# the browser shows the others' as there is room, when zoomed in, and on hover.
FORCED_LABELS = 12


@dataclass(frozen=True)
class ExportFile:
    """A file to send: its bytes, media type and file name extension."""

    body: bytes
    mimetype: str
    extension: str


def export_graph(
    view: cache.NetworkView, *, viz: bool, community_names: Mapping[int, str] | None = None
) -> nx.Graph:
    """The view's graph with its metrics on the nodes, dated edges, cleaned for writing.

    Each node's community comes with its name (`community_name`), as the page calls it.
    """
    graph = g.dated_for_timeline(view.graph)
    names = community_names or {}
    for node, values in view.metrics.items():
        graph.nodes[node].update(values)
        if values.get("community") in names:
            graph.nodes[node]["community_name"] = names[values["community"]]
        if node in view.positions and not viz:
            graph.nodes[node]["x"], graph.nodes[node]["y"] = view.positions[node]
    cleaned = g.clean_for_export(graph)
    if viz:
        for node, (x, y) in view.positions.items():
            if node in cleaned:
                cleaned.nodes[node]["viz"] = {"position": {"x": float(x), "y": float(y), "z": 0.0}}
    return cleaned


def _csv_zip(graph: nx.Graph) -> bytes:
    # Imported here, not at the top: crm.exports' package imports its routes, which import
    # the organisations' queries, which (through the clusters' pages) import this module, so
    # a top-level import breaks `import crm.companies.models` run first (scripts, benches).
    from crm.exports.spreadsheets import write_csv

    node_keys = sorted({key for _, data in graph.nodes(data=True) for key in data})
    edge_keys = sorted({key for _, _, data in graph.edges(data=True) for key in data})
    nodes = write_csv(
        ["id", *node_keys],
        ([node, *(data.get(key) for key in node_keys)] for node, data in graph.nodes(data=True)),
    )
    edges = write_csv(
        ["source", "target", *edge_keys],
        ([a, b, *(data.get(key) for key in edge_keys)] for a, b, data in graph.edges(data=True)),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", nodes)
        archive.writestr("edges.csv", edges)
    return buffer.getvalue()


def export_file(
    view: cache.NetworkView, fmt: str, *, community_names: Mapping[int, str] | None = None
) -> ExportFile:
    """The view as one of FORMATS (ValueError for another)."""
    if fmt == "gexf":
        buffer = io.BytesIO()
        nx.write_gexf(export_graph(view, viz=True, community_names=community_names), buffer)
        return ExportFile(buffer.getvalue(), "application/gexf+xml", "gexf")
    graph = export_graph(view, viz=False, community_names=community_names)
    if fmt == "graphml":
        buffer = io.BytesIO()
        nx.write_graphml(graph, buffer)
        return ExportFile(buffer.getvalue(), "application/graphml+xml", "graphml")
    if fmt == "json":
        data = nx.node_link_data(graph, edges="links")
        return ExportFile(json.dumps(data, ensure_ascii=False).encode(), "application/json", "json")
    if fmt == "csv":
        return ExportFile(_csv_zip(graph), "application/zip", "zip")
    raise ValueError(f"unknown network export format {fmt!r}")


def _sig(value: float) -> float:
    return float(f"{value:.3g}")


def map_json(
    view: cache.NetworkView, kind_labels: dict, community_names: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """to_sigma_json with what the map colours, sizes, labels and shows in its side panel by.

    The most influential organisations carry ``forceLabel``: their names show at every zoom.
    """
    data = g.to_sigma_json(view.ties, view.positions, view.metrics)
    edges_total = len(data["edges"])
    if edges_total > MAP_EDGE_LIMIT:
        data["edges"].sort(key=lambda edge: (-edge[2], edge[0], edge[1]))
        del data["edges"][MAP_EDGE_LIMIT:]
    sectors: list[str] = []
    sector_index: dict[str, int] = {}
    for node in data["nodes"]:
        attributes = node["attributes"]
        node_id = int(node["key"])
        facts = view.ties.nodes[node_id]
        values = view.metrics.get(node_id, {})
        attributes.pop("size", None)  # the browser sizes by the metric the user chooses
        attributes["d"] = values.get("degree", 0)
        attributes["wd"] = _sig(values.get("weighted_degree", 0.0))
        attributes["pr"] = _sig(values.get("pagerank", 0.0))
        if "betweenness" in values:
            attributes["bt"] = _sig(values["betweenness"])
        if facts.get("clusters"):
            attributes["cl"] = list(facts["clusters"])
        if facts.get("sectors"):
            name = facts["sectors"][0]
            attributes["se"] = sector_index.setdefault(name, len(sectors))
            if attributes["se"] == len(sectors):
                sectors.append(name)
    data["attributes"] = {
        "version": view.version,
        "edges_total": edges_total,
        "edges_shown": len(data["edges"]),
        "labels": {
            "kind": {key: str(label) for key, label in kind_labels.items()},
            "cluster": {str(k): v for k, v in view.cluster_names.items()},
            "sector": sectors,
            "community": {str(k): v for k, v in (community_names or {}).items()},
        },
    }
    for node in _most_influential(data["nodes"], FORCED_LABELS):
        node["attributes"]["forceLabel"] = True
    return data


def _most_influential(nodes: list[dict], count: int) -> list[dict]:
    ranked = sorted(nodes, key=lambda node: (-node["attributes"]["pr"], node["key"]))
    return ranked[:count]


def map_json_text(
    view: cache.NetworkView, kind_labels: dict, community_names: Mapping[int, str] | None = None
) -> str:
    """map_json as compact JSON text (the map's download is 1–2 MB at full scale)."""
    return json.dumps(
        map_json(view, kind_labels, community_names), separators=(",", ":"), ensure_ascii=False
    )
