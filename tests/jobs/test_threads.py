"""The background queue of one worker: one job per name at a time, and a bound on the queue."""

from __future__ import annotations

import threading

import pytest

from crm.jobs import threads as jobs


@pytest.fixture
def gate():
    """An event the test's jobs wait on, opened (and every job finished) at the end."""
    event = threading.Event()
    yield event
    event.set()
    jobs.wait_for_all()


def test_the_same_job_asked_for_twice_runs_once(gate):
    runs = []

    def job():
        gate.wait(5)
        runs.append(1)

    first = jobs.submit("v1/filter-a", job)
    second = jobs.submit("v1/filter-a", job)
    gate.set()
    jobs.wait_for_all()

    assert second is first
    assert runs == [1]


def test_a_full_queue_refuses_new_jobs_until_one_is_done(gate):
    jobs.submit("v1/a", lambda: gate.wait(5), max_queued=2)
    jobs.submit("v1/b", lambda: gate.wait(5), max_queued=2)
    assert jobs.queued() == 2

    with pytest.raises(jobs.QueueFull):
        jobs.submit("v1/c", lambda: None, max_queued=2)
    # A job already queued is no new work: asking for it again is not refused.
    jobs.submit("v1/b", lambda: None, max_queued=2)

    gate.set()
    jobs.wait_for_all()
    assert jobs.queued() == 0
    jobs.submit("v1/c", lambda: None, max_queued=2).result(timeout=5)
