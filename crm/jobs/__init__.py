"""Background jobs: one small interface, two backends.

A job is a module-level function that takes only JSON-safe arguments (ids, dates as ISO
strings, filter dicts) and opens its own app context with `app_context()`, so that either
backend can run it, in this process or on another host::

    # crm/register/tasks.py
    def import_register_file(upload_id: int) -> None:
        with jobs.app_context():
            ...  # db.session, current_app.config as in a request; commit once

    # in a route or a CLI command (inside the app)
    jobs.enqueue(f"register-import/{upload.id}", "crm.register.tasks:import_register_file",
                 upload.id)
    jobs.status(f"register-import/{upload.id}")   # "queued", "running", ... or None

- `enqueue(name, "module:function", *args)` queues a job unless one of the same `name` is
  queued or running already (then nothing new is queued: the name is the job's identity).
  Raises QueueFull when `max_queued` jobs are waiting (default `JOBS_MAX_QUEUED`, 4), and
  TypeError when an argument is not JSON-safe (the RQ backend stores them as JSON).
- `status(name)`: "queued", "running", "finished", "failed", or None when no such job is
  known (the in-process backend forgets finished jobs; RQ keeps them for a while).

Backends, chosen by the app's config:

- **RQ on Redis** when `JOBS_REDIS_URL` is set (e.g. `redis://127.0.0.1:6379/1`): jobs wait
  in the Redis queue `JOBS_QUEUE` ("koblingsboks") and run in `flask crm worker`, on any host
  that reaches that Redis and the database; several app hosts share one queue. The network's
  figures are then cached in the same Redis (crm.network.cache), so every host sees them.
- **In-process threads** otherwise (the default for one machine, crm.jobs.threads): one
  worker thread per process, a bounded queue, the job inside the enqueuing app's context.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, has_app_context

from crm.jobs import threads
from crm.jobs.threads import QueueFull

__all__ = ["QueueFull", "app_context", "backend", "enqueue", "pending", "status"]

DEFAULT_MAX_QUEUED = threads.DEFAULT_MAX_QUEUED
# States a job is pending in (no second job of the same name is queued meanwhile).
PENDING = frozenset({"queued", "running"})

_app: Flask | None = None


def backend(config: Any = None) -> str:
    """ "rq" when JOBS_REDIS_URL is configured, else "threads"."""
    config = current_app.config if config is None else config
    return "rq" if config.get("JOBS_REDIS_URL") else "threads"


def resolve(target: str) -> Callable[..., Any]:
    """The function named "package.module:function"."""
    module, _, name = target.partition(":")
    if not module or not name:
        raise ValueError(f"a job is named 'module:function', not {target!r}")
    return getattr(importlib.import_module(module), name)


def enqueue(name: str, target: str, *args: Any, max_queued: int | None = None) -> str:
    """Queue `target(*args)` as the job `name` unless it is pending already; its name."""
    resolve(target)  # fail here, in the request, rather than in a worker later
    json.dumps(args)  # TypeError for anything that is not JSON-safe, on both backends
    config = current_app.config
    limit = int(max_queued or config.get("JOBS_MAX_QUEUED") or DEFAULT_MAX_QUEUED)
    if backend(config) == "rq":
        from crm.jobs import redis_queue

        redis_queue.enqueue(config, name, target, args, max_queued=limit)
        return name
    app = current_app._get_current_object()
    threads.submit(name, lambda: _run_in(app, target, args), max_queued=limit)
    return name


def _run_in(app: Flask, target: str, args: tuple) -> None:
    with app.app_context():
        resolve(target)(*args)


def status(name: str) -> str | None:
    """ "queued", "running", "finished", "failed", or None when the job is not known."""
    if backend() == "rq":
        from crm.jobs import redis_queue

        return redis_queue.status(current_app.config, name)
    return threads.status(name)


def pending(name: str) -> bool:
    """Whether the job `name` is queued or running."""
    return status(name) in PENDING


def queued() -> int:
    """How many jobs wait or run: in this process, or in the shared queue with RQ."""
    if backend() == "rq":
        from crm.jobs import redis_queue

        return redis_queue.queued(current_app.config)
    return threads.queued()


@contextmanager
def app_context() -> Iterator[Flask]:
    """The app context a job runs in: the current one (the in-process backend pushes the
    enqueuing app's; `flask crm worker` runs inside its app), else one app made once per
    worker process from the environment, like wsgi.py's."""
    global _app
    if has_app_context():
        yield current_app._get_current_object()
        return
    if _app is None:
        from crm import create_app

        _app = create_app()
    with _app.app_context():
        yield _app
