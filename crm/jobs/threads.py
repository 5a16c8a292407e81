"""The in-process backend of crm.jobs: one worker thread per process, a bounded queue.

The default for one machine (no Redis configured). Jobs run in a thread of the process that
queued them, inside that process's app context (crm.jobs pushes it). Other gunicorn workers
see what a job wrote through whatever it wrote to (the network's disk cache).

The queue is bounded: sixteen network filters asked for at once once pinned both CPUs for
minutes and took a worker from 160 to 700 MB. A full queue refuses with QueueFull; the caller
tells the user to try again in a moment.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)

# Jobs one process keeps queued or running; more are refused until one finishes.
DEFAULT_MAX_QUEUED = 4

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job")
_futures: dict[str, Future] = {}
_lock = threading.Lock()


class QueueFull(Exception):
    """As many jobs are queued as may be (in this process, or in the shared queue)."""


def submit(
    name: str, function: Callable[[], None], *, max_queued: int = DEFAULT_MAX_QUEUED
) -> Future:
    """Run `function` in the background once per `name` while an earlier run is pending.

    Raises QueueFull when `max_queued` other jobs are queued or running in this process.
    """
    with _lock:
        future = _futures.get(name)
        if future is not None and not future.done():
            return future
        if sum(1 for other in _futures.values() if not other.done()) >= max_queued:
            raise QueueFull(name)
        future = _executor.submit(_run, name, function)
        _futures[name] = future
        return future


def _run(name: str, function: Callable[[], None]) -> None:
    try:
        function()
    except Exception:  # a failed job must not kill the worker thread; the next view retries
        logger.exception("Job %s failed", name)
        raise
    finally:
        with _lock:
            _futures.pop(name, None)


def status(name: str) -> str | None:
    """ "queued", "running", or None when no job of that name is pending in this process
    (finished jobs are forgotten: what they wrote is their result)."""
    with _lock:
        future = _futures.get(name)
    if future is None or future.done():
        return None
    return "running" if future.running() else "queued"


def pending(name: str) -> bool:
    """Whether a job of that name is queued or running in this process."""
    with _lock:
        future = _futures.get(name)
        return future is not None and not future.done()


def queued() -> int:
    """How many jobs are queued or running in this process."""
    with _lock:
        return sum(1 for future in _futures.values() if not future.done())


def wait_for_all(timeout: float = 60.0) -> None:
    """Wait until every queued job has finished (tests and the benchmark)."""
    with _lock:
        futures = list(_futures.values())
    for future in futures:
        with contextlib.suppress(Exception):  # already logged by _run
            future.result(timeout=timeout)


def resident_mb() -> float | None:
    """This process's resident memory in MB (Linux's /proc), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
