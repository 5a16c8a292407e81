"""crm.jobs: one interface, the same job run by either backend (threads here, RQ on Redis)."""

from __future__ import annotations

import pytest

from crm import jobs
from crm.jobs import redis_queue, threads


def _work(app) -> None:
    """Run what is queued, as `flask crm worker` would, in this process, until it is empty."""
    redis_queue.worker(app.config, simple=True).work(burst=True)


def test_without_redis_a_job_runs_in_a_thread_inside_the_app(app, session, done):
    assert jobs.backend() == "threads"
    jobs.enqueue("record/1", "tests.jobs.tasks:record", "threads", 1)
    threads.wait_for_all(timeout=10)
    assert done == [("threads", 1, True)]
    assert jobs.status("record/1") is None  # finished jobs are forgotten in-process


def test_a_job_must_be_a_module_function_with_json_arguments(app, session, done):
    with pytest.raises(ValueError, match="module:function"):
        jobs.enqueue("bad", "tests.jobs.tasks.record")
    with pytest.raises(AttributeError):
        jobs.enqueue("bad", "tests.jobs.tasks:nothing_here")
    with pytest.raises(TypeError):
        jobs.enqueue("bad", "tests.jobs.tasks:record", {1, 2}, 1)
    threads.wait_for_all(timeout=10)
    assert done == []


def test_with_redis_a_job_waits_in_the_queue_until_a_worker_runs_it(app, session, rq_app, done):
    assert jobs.backend() == "rq"
    jobs.enqueue("record/2", "tests.jobs.tasks:record", "rq", 2)
    # Asked for again while it waits: still one job.
    jobs.enqueue("record/2", "tests.jobs.tasks:record", "rq", 2)
    assert (jobs.status("record/2"), jobs.pending("record/2"), jobs.queued()) == (
        "queued",
        True,
        1,
    )
    assert done == []  # nothing runs in the web process

    _work(app)

    assert done == [("rq", 2, True)]
    assert jobs.status("record/2") == "finished" and not jobs.pending("record/2")
    # Finished: the same name may run again.
    jobs.enqueue("record/2", "tests.jobs.tasks:record", "rq", 3)
    _work(app)
    assert done == [("rq", 2, True), ("rq", 3, True)]


def test_with_redis_a_failed_job_says_so_and_a_full_queue_refuses(app, session, rq_app, done):
    jobs.enqueue("fail/1", "tests.jobs.tasks:fail", "x")
    _work(app)
    assert jobs.status("fail/1") == "failed"

    jobs.enqueue("record/a", "tests.jobs.tasks:record", "a", 1, max_queued=2)
    jobs.enqueue("record/b", "tests.jobs.tasks:record", "b", 1, max_queued=2)
    with pytest.raises(jobs.QueueFull):
        jobs.enqueue("record/c", "tests.jobs.tasks:record", "c", 1, max_queued=2)
    _work(app)
    assert sorted(label for label, *_ in done) == ["a", "b"]


def test_the_worker_command_runs_the_queue(app, runner, rq_app, done):
    jobs.enqueue("record/cli", "tests.jobs.tasks:record", "cli", 7)
    result = runner.invoke(args=["crm", "worker", "--burst", "--simple"])
    assert result.exit_code == 0, result.output
    assert done == [("cli", 7, True)]


def test_the_worker_command_refuses_without_a_queue(runner):
    result = runner.invoke(args=["crm", "worker", "--burst"])
    assert result.exit_code == 1
    assert "JOBS_REDIS_URL is not set" in result.output
