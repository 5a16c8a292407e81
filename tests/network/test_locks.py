"""Lock files between worker processes: taken once, kept alive by a heartbeat, taken over when
their process is gone or frozen, never stolen from a live holder. Real processes, real kills."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from crm.network import locks
from tests.network.conftest import held_by_another_process


def _write_holder(path, *, pid, host, heartbeat, owner="theirs"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {"pid": pid, "host": host, "token": owner, "started": heartbeat, "heartbeat": heartbeat}
        )
    )


def test_a_lock_is_taken_once_and_records_who_holds_it(tmp_path):
    path = tmp_path / "job.lock"

    token = locks.acquire(path)

    assert token is not None
    assert locks.acquire(path) is None  # the same filter, asked again: not a second job
    holder = locks.read_holder(path)
    assert (holder.pid, holder.host, holder.token) == (os.getpid(), locks.HOST, token)
    locks.release(path, token)
    assert not path.exists()
    assert locks.acquire(path) is not None


def test_a_live_worker_keeps_its_lock_and_a_killed_one_frees_it_at_once(tmp_path):
    path = tmp_path / "job.lock"
    with held_by_another_process(path) as worker:
        # An hour's staleness: only the dead pid can free it within this test.
        assert locks.acquire(path, stale_seconds=3600) is None
        worker.kill()
        worker.wait()
        started = time.monotonic()
        token = locks.acquire(path, stale_seconds=3600)
    assert token is not None
    assert time.monotonic() - started < 1
    assert locks.read_holder(path).pid == os.getpid()


def test_the_heartbeat_keeps_a_long_job_locked_and_a_frozen_process_loses_it(tmp_path):
    path = tmp_path / "job.lock"
    with held_by_another_process(path, heartbeat=0.1) as worker:
        time.sleep(1.5)  # longer than stale_seconds: only the heartbeat keeps it fresh
        assert locks.acquire(path, stale_seconds=1.0) is None
        os.kill(worker.pid, signal.SIGSTOP)  # alive, but its heartbeat stops
        try:
            time.sleep(1.5)
            token = locks.acquire(path, stale_seconds=1.0)
        finally:
            os.kill(worker.pid, signal.SIGCONT)
    assert token is not None


@pytest.mark.parametrize(("age", "taken"), [(5, False), (600, True)])
def test_a_lock_from_another_host_is_judged_by_its_heartbeat(tmp_path, age, taken):
    path = tmp_path / "job.lock"
    _write_holder(path, pid=1, host="another-host", heartbeat=time.time() - age)

    token = locks.acquire(path, stale_seconds=60)

    assert (token is not None) is taken
    assert locks.read_holder(path).host == (locks.HOST if taken else "another-host")


def test_only_one_of_many_racing_workers_takes_over_a_stale_lock(tmp_path):
    for round_ in range(100):
        path = tmp_path / f"job-{round_}.lock"
        _write_holder(path, pid=1, host="another-host", heartbeat=time.time() - 600)
        barrier = threading.Barrier(8)
        tokens = []

        def race(tokens=tokens, barrier=barrier, path=path):
            barrier.wait()
            tokens.append(locks.acquire(path, stale_seconds=60))

        threads = [threading.Thread(target=race) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [token for token in tokens if token is not None]
        assert len(winners) == 1, tokens
        assert locks.read_holder(path).token == winners[0]


def test_release_never_removes_a_lock_another_worker_has_taken_over(tmp_path):
    path = tmp_path / "job.lock"
    token = locks.acquire(path)
    _write_holder(path, pid=1, host="another-host", heartbeat=time.time())  # taken over

    locks.release(path, token)

    assert locks.read_holder(path).token == "theirs"


def test_a_slot_waits_for_the_other_worker_and_is_free_once_it_dies(tmp_path):
    with held_by_another_process(tmp_path / "slot-0.lock") as worker:
        assert locks.acquire_slot(tmp_path, 1, wait=0.3, poll=0.05) is None
        worker.kill()
        worker.wait()
        slot = locks.acquire_slot(tmp_path, 1, wait=2, poll=0.05)
    assert slot is not None and slot[0].name == "slot-0.lock"
    second = locks.acquire_slot(tmp_path, 2, wait=0)
    assert second is not None and second[0].name == "slot-1.lock"
