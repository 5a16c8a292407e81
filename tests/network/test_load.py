"""A burst of filters must not knock the server over: a per-user limit on uncached views, a
bounded queue, one job per filter across workers, one heavy job at a time on the machine, a
memory ceiling, and no filter blocked by a worker that died mid-job."""

from __future__ import annotations

import threading
import time

import pytest

from crm.jobs import threads as jobs
from crm.network import cache
from crm.network.queries import NetworkFilter, graph_version
from tests.conftest import post_form
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.network.conftest import held_by_another_process, view_of

STARTS = ("2019-01-01", "2020-01-01", "2021-01-01", "2022-01-01")


@pytest.fixture
def slow_gate(monkeypatch):
    """Slow jobs wait on this event (as a betweenness of minutes would); it opens at the end."""
    gate = threading.Event()
    computed = []
    real = cache.compute_slow

    def gated(graph):
        gate.wait(10)
        computed.append(len(graph))
        return real(graph)

    monkeypatch.setattr(cache, "compute_slow", gated)
    gate.computed = computed
    yield gate
    gate.set()
    jobs.wait_for_all()


def _retry_after(response) -> int:
    return int(response.headers["Retry-After"])


def test_a_user_over_the_limit_is_told_to_try_again_and_cached_views_stay_free(
    app, client, login, session, trio, network_cache
):
    app.config["NETWORK_USER_COMPUTE_LIMIT"] = "2/minute"
    login("reader")

    first = client.get(f"/network/graph.json?start={STARTS[0]}")
    second = client.get(f"/network/graph.json?start={STARTS[1]}")
    refused = client.get(f"/network/graph.json?start={STARTS[2]}")

    assert (first.status_code, second.status_code) == (200, 200)
    assert refused.status_code == 429
    assert 0 < _retry_after(refused) <= 60
    assert "Prøv igjen om litt" in refused.get_json()["message"]
    # What is computed already costs nothing: the same filters still answer.
    assert client.get(f"/network/graph.json?start={STARTS[0]}").status_code == 200
    assert client.get(f"/network/?start={STARTS[1]}").status_code == 200
    page = client.get(f"/network/?start={STARTS[3]}")
    assert page.status_code == 429 and _retry_after(page) > 0
    assert "Prøv igjen om litt" in page.get_data(as_text=True)


def test_the_limit_is_per_user(app, client, login, session, trio, network_cache):
    app.config["NETWORK_USER_COMPUTE_LIMIT"] = "1/minute"
    login("reader")
    assert client.get(f"/network/graph.json?start={STARTS[0]}").status_code == 200
    assert client.get(f"/network/graph.json?start={STARTS[1]}").status_code == 429
    colleague = app.test_client()
    user = make_user(session, role="reader")
    session.commit()
    post_form(colleague, "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert colleague.get(f"/network/graph.json?start={STARTS[1]}").status_code == 200


def test_a_full_queue_refuses_and_the_same_filter_is_queued_once(
    app, client, login, session, trio, network_cache, slow_gate
):
    app.config.update(NETWORK_INLINE_LIMIT=0, NETWORK_MAX_QUEUED=1)
    login("reader")

    waiting = client.get(f"/network/graph.json?start={STARTS[0]}")
    again = client.get(f"/network/graph.json?start={STARTS[0]}")
    cache.memory.clear()  # as a second visit landing on a worker without the view
    once_more = client.get(f"/network/graph.json?start={STARTS[0]}")
    full = client.get(f"/network/graph.json?start={STARTS[1]}")

    assert [r.status_code for r in (waiting, again, once_more)] == [202, 202, 202]
    assert jobs.queued() == 1
    assert full.status_code == 429 and _retry_after(full) > 0
    assert "regner på mange nettverk" in full.get_json()["message"]
    assert len(cache.memory.items) == 1  # refused before building: no second graph in memory
    slow_gate.set()
    jobs.wait_for_all()
    assert slow_gate.computed == [3]  # the first filter, computed once
    assert client.get(f"/network/graph.json?start={STARTS[0]}").status_code == 200
    assert client.get(f"/network/graph.json?start={STARTS[1]}").status_code == 202


def test_the_page_polls_without_building_and_queues_again_when_there_is_room(
    app, client, login, session, trio, network_cache, monkeypatch
):
    app.config.update(NETWORK_INLINE_LIMIT=0)
    login("reader")
    assert client.get(f"/network/status.json?start={STARTS[0]}").get_json()["ready"] is False
    assert cache.memory.items == {}  # a poll never builds a graph
    real_submit = jobs.submit

    def full(name, function, **settings):
        raise jobs.QueueFull(name)  # another request took the last place meanwhile

    monkeypatch.setattr(jobs, "submit", full)
    refused = client.get(f"/network/graph.json?start={STARTS[0]}")
    assert refused.status_code == 429 and _retry_after(refused) > 0
    monkeypatch.setattr(jobs, "submit", real_submit)

    assert client.get(f"/network/status.json?start={STARTS[0]}").get_json()["ready"] is False
    jobs.wait_for_all()  # the poll queued the job the full queue had refused
    assert client.get(f"/network/status.json?start={STARTS[0]}").get_json()["ready"] is True
    cache.memory.clear()  # another worker: reads the finished file, builds nothing
    assert client.get(f"/network/status.json?start={STARTS[0]}").get_json()["ready"] is True
    assert cache.memory.items == {}


def test_above_the_memory_ceiling_views_are_shed_and_nothing_new_is_built(
    app, client, login, session, trio, network_cache
):
    login("reader")
    assert client.get(f"/network/graph.json?start={STARTS[0]}").status_code == 200
    app.config["NETWORK_MEMORY_CEILING_MB"] = 1  # any process is above a megabyte

    assert client.get(f"/network/graph.json?start={STARTS[0]}").status_code == 200  # cached
    refused = client.get(f"/network/graph.json?start={STARTS[1]}")

    assert refused.status_code == 429 and _retry_after(refused) > 0
    assert cache.memory.items == {}  # shed to make room


def test_a_filter_another_worker_computes_is_not_computed_twice_until_that_worker_dies(
    session, trio, network_cache, monkeypatch
):
    submitted = []
    monkeypatch.setattr(jobs, "submit", lambda name, function, **kw: submitted.append(name))
    flt = NetworkFilter()
    lock = cache._lock_file(network_cache, graph_version(session), flt.key())
    with held_by_another_process(lock) as worker:
        view = view_of(session, flt, network_cache, inline_limit=0)
        assert (view.slow_ready, submitted) == (False, [])
        worker.kill()  # killed mid-job: no 15-minute wait for the lock to go stale
        worker.wait()
        cache.memory.clear()
        view_of(session, flt, network_cache, inline_limit=0)
    assert len(submitted) == 1


def test_one_heavy_job_at_a_time_on_the_machine(session, trio, network_cache, monkeypatch):
    started = []
    real = cache.compute_slow
    monkeypatch.setattr(cache, "compute_slow", lambda graph: started.append(1) or real(graph))
    with held_by_another_process(network_cache / cache.LOCKS / "slot-0.lock") as worker:
        view_of(session, NetworkFilter(), network_cache, inline_limit=0)
        time.sleep(1.0)
        assert started == []  # queued, waiting for the other worker's job to finish
        worker.kill()
        worker.wait()
        jobs.wait_for_all(timeout=10)
    assert started == [1]
    cache.memory.clear()
    assert view_of(session, NetworkFilter(), network_cache, inline_limit=0).slow_ready
