"""Every export reads back with networkx, csv or json, with the metrics as attributes."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime

import networkx as nx
import pytest

from crm.network import services
from tests.factories import make_cluster, make_company, make_meeting, make_membership


@pytest.fixture
def exported(client, login, session, link_types, network_cache):
    a = make_company(session, name="IFE", kind="research")
    b = make_company(session, name="Infinitum")
    c = make_company(session, name="NILU", kind="research")
    services.create_link(
        session,
        company_id=a.id,
        other_id=b.id,
        other_name=None,
        link_type_id=link_types["project"].id,
        start_date=date(2021, 3, 1),
        end_date=date(2022, 6, 30),
    )
    meeting = make_meeting(session, starts_at=datetime(2023, 2, 1, 9, tzinfo=UTC))
    meeting.companies = [b, c]
    cluster = make_cluster(session, name="Solenergiklyngen")
    make_membership(session, cluster=cluster, company=a)
    make_membership(session, cluster=cluster, company=c)
    session.commit()
    login("reader")
    return client, (a, b, c)


def _get(client, fmt):
    response = client.get(f"/network/export.{fmt}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def test_gexf_reads_back_with_positions_metrics_and_timeline(exported):
    client, (a, b, c) = exported
    graph = nx.read_gexf(io.BytesIO(_get(client, "gexf")))
    assert graph.number_of_nodes() == 3 and graph.number_of_edges() == 3
    node = graph.nodes[str(a.id)]
    assert node["label"] == "IFE"
    assert {"degree", "pagerank", "betweenness", "community", "broker"} <= set(node)
    assert "position" in node["viz"]
    link_edge = graph.edges[str(a.id), str(b.id)]
    assert link_edge["start"] == "2021-03-01" and link_edge["end"] == "2022-06-30"
    cluster_edge = graph.edges[str(a.id), str(c.id)]
    assert "end" not in cluster_edge  # a shared cluster keeps the tie open


def test_graphml_reads_back(exported):
    client, (a, _b, _c) = exported
    graph = nx.read_graphml(io.BytesIO(_get(client, "graphml")))
    node = graph.nodes[str(a.id)]
    assert node["name"] == "IFE" and node["degree"] == 2
    assert isinstance(node["pagerank"], float) and "x" in node
    assert all("weight" in data for _, _, data in graph.edges(data=True))


def test_json_node_link_reads_back(exported):
    client, (a, _b, _c) = exported
    data = json.loads(_get(client, "json"))
    graph = nx.node_link_graph(data, edges="links")
    assert graph.number_of_edges() == 3
    assert graph.nodes[a.id]["kind"] == "research"
    reasons = json.loads(graph.edges[a.id, _b.id]["reasons"])
    assert reasons[0]["kind"] == "link" and reasons[0]["type"] == "project"


def test_csv_zip_holds_nodes_and_edges(exported):
    client, (a, b, _c) = exported
    archive = zipfile.ZipFile(io.BytesIO(_get(client, "csv")))
    assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
    nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8-sig"))))
    edges = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode("utf-8-sig"))))
    assert {row["name"] for row in nodes} == {"IFE", "Infinitum", "NILU"}
    assert all(row["pagerank"] for row in nodes)
    assert len(edges) == 3
    link = next(e for e in edges if {e["source"], e["target"]} == {str(a.id), str(b.id)})
    assert float(link["weight"]) == 3.0 and link["start"] == "2021-03-01"


def test_export_follows_the_filter_and_unknown_formats_are_404(exported):
    client, _ = exported
    graph = nx.read_graphml(io.BytesIO(client.get("/network/export.graphml?kind=research").data))
    assert {data["name"] for _, data in graph.nodes(data=True)} == {"IFE", "NILU"}
    assert client.get("/network/export.pdf").status_code == 404
