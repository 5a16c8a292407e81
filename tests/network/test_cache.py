"""Caching per (version, filter), invalidation, and the slow figures computed in the background."""

from __future__ import annotations

import json

import pytest

from crm.jobs import threads as jobs
from crm.network import cache
from crm.network.queries import NetworkFilter
from tests.conftest import post_form
from tests.network.conftest import view_of


def test_same_version_and_filter_is_served_from_memory(session, trio, network_cache, monkeypatch):
    first = view_of(session, NetworkFilter(), network_cache)
    monkeypatch.setattr(cache, "read_graph_rows", lambda *a, **k: pytest.fail("rows read again"))
    assert view_of(session, NetworkFilter(), network_cache) is first


def test_another_filter_is_another_entry(session, trio, network_cache):
    everything = view_of(session, NetworkFilter(), network_cache)
    heavy = view_of(session, NetworkFilter(min_weight=2.0), network_cache)
    assert everything.graph.number_of_edges() == 2
    assert heavy.graph.number_of_edges() == 1  # only the link (3.0), not the meeting (1.0)


def test_adding_a_link_changes_the_version_and_the_served_graph(
    client, login, session, trio, link_types, network_cache
):
    a, _b, c = trio
    login("editor")
    before = client.get("/network/graph.json").get_json()
    wanted = tuple(sorted((str(a.id), str(c.id))))
    assert wanted not in {tuple(sorted(edge[:2])) for edge in before["edges"]}
    response = post_form(
        client,
        f"/network/links/new?company_id={a.id}",
        {
            "other_id": c.id,
            "other_name": "",
            "link_type_id": link_types["supplier"].id,
            "direction": "none",
        },
    )
    assert response.status_code == 302
    after = client.get("/network/graph.json").get_json()
    assert after["attributes"]["version"] != before["attributes"]["version"]
    assert wanted in {tuple(sorted(edge[:2])) for edge in after["edges"]}


def test_slow_figures_run_in_the_background_and_land_on_disk(
    app, client, login, session, trio, network_cache
):
    app.config["NETWORK_INLINE_LIMIT"] = 0  # as at full scale: nothing slow in the request
    login("reader")
    page = client.get("/network/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="network-pending"' in html or 'id="network-map"' in html
    jobs.wait_for_all()
    status = client.get("/network/status.json").get_json()
    assert status["ready"] is True
    files = list(network_cache.glob("*/*.json"))
    assert len(files) == 1
    stored = json.loads(files[0].read_text())
    assert {"betweenness", "community", "broker"} <= set(next(iter(stored["metrics"].values())))
    assert client.get("/network/graph.json").status_code == 200
    assert 'id="network-map"' in client.get("/network/").get_data(as_text=True)


def test_graph_json_says_not_ready_while_computing(session, trio, network_cache, monkeypatch):
    monkeypatch.setattr(jobs, "submit", lambda name, function, **kwargs: None)  # the job never runs
    view = view_of(session, NetworkFilter(), network_cache, inline_limit=0)
    assert view.slow_ready is False
    assert "betweenness" not in next(iter(view.metrics.values()))
    assert "pagerank" in next(iter(view.metrics.values()))


def test_another_worker_reads_the_figures_from_disk(session, trio, network_cache, monkeypatch):
    view_of(session, NetworkFilter(), network_cache)  # computed inline
    cache.memory.clear()  # a second worker process: nothing in its memory
    monkeypatch.setattr(cache, "compute_slow", lambda graph: pytest.fail("computed again"))
    view = view_of(session, NetworkFilter(), network_cache, inline_limit=0)
    assert view.slow_ready
    assert set(view.positions) == set(view.graph)


def test_a_held_lock_keeps_a_second_worker_from_starting_the_job(
    session, trio, network_cache, monkeypatch
):
    started = []
    monkeypatch.setattr(jobs, "submit", lambda name, function, **kwargs: started.append(name))
    view_of(session, NetworkFilter(), network_cache, inline_limit=0)
    cache.memory.clear()
    view_of(session, NetworkFilter(), network_cache, inline_limit=0)
    assert len(started) == 1
