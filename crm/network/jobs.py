"""Background work for the network: one worker thread per process, results written to disk.

Slow figures (betweenness, communities, positions) are computed here, never in a request.
The job receives a graph already built in memory and touches neither Flask nor the database,
so it needs no app context. Other gunicorn workers see the result through the disk cache
(crm.network.cache); a lock file keeps two workers from computing the same thing.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="network-job")
_futures: dict[str, Future] = {}
_lock = threading.Lock()


def submit(name: str, function: Callable[[], None]) -> Future:
    """Run `function` in the background once per `name` while an earlier run is pending."""
    with _lock:
        future = _futures.get(name)
        if future is not None and not future.done():
            return future
        future = _executor.submit(_run, name, function)
        _futures[name] = future
        return future


def _run(name: str, function: Callable[[], None]) -> None:
    try:
        function()
    except Exception:  # a failed job must not kill the worker thread; the next view retries
        logger.exception("Network job %s failed", name)
        raise
    finally:
        with _lock:
            _futures.pop(name, None)


def pending(name: str) -> bool:
    """Whether a job of that name is queued or running in this process."""
    with _lock:
        future = _futures.get(name)
        return future is not None and not future.done()


def wait_for_all(timeout: float = 60.0) -> None:
    """Wait until every queued job has finished (tests and the benchmark)."""
    with _lock:
        futures = list(_futures.values())
    for future in futures:
        with contextlib.suppress(Exception):  # already logged by _run
            future.result(timeout=timeout)
