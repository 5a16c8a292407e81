"""The network's slow figures on a real queue: with Redis, a worker computes them and every
app host reads them from Redis; nothing is computed in the web process or written to disk."""

from __future__ import annotations

from crm import jobs
from crm.jobs import redis_queue
from crm.network import cache
from tests.jobs.conftest import rq_app  # noqa: F401 (a fixture)


def test_with_redis_a_worker_computes_the_figures_and_every_host_reads_them(
    app,
    client,
    login,
    session,
    trio,
    network_cache,
    rq_app,  # noqa: F811
):
    app.config["NETWORK_INLINE_LIMIT"] = 0  # as a district of thousands would
    login("reader")

    waiting = client.get("/network/graph.json")
    assert waiting.status_code == 202
    assert client.get("/network/status.json").get_json()["ready"] is False
    assert jobs.queued() == 1
    # A second request for the same filter queues nothing more.
    client.get("/network/graph.json")
    assert jobs.queued() == 1

    redis_queue.worker(app.config, simple=True).work(burst=True)

    assert client.get("/network/status.json").get_json()["ready"] is True
    stored = [key.decode() for key in rq_app.keys("kbtest-jobs:network:*")]
    assert len(stored) == 1 and not stored[0].endswith(":claim")  # the claim was given up
    assert not network_cache.exists() or not any(network_cache.rglob("*.json"))

    cache.memory.clear()  # another app host: nothing in its memory, the figures in Redis
    ready = client.get("/network/graph.json")
    assert ready.status_code == 200
    nodes = {node["attributes"]["label"]: node["attributes"] for node in ready.get_json()["nodes"]}
    assert set(nodes) == {"Aidee", "Bergman", "Cultura"}
    assert all("community" in attributes for attributes in nodes.values())
    assert jobs.queued() == 0
