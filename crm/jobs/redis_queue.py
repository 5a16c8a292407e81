"""The RQ backend of crm.jobs: jobs in a Redis queue, run by `flask crm worker` on any host.

Arguments are stored as JSON (RQ's JSONSerializer, never pickle): a job is a function path and
ids, so a worker of a newer release can run it and nothing executable sits in Redis. A job's
RQ id is made from its name, so asking again for a pending job finds it instead of queueing a
second one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import redis
from rq import Queue, SimpleWorker, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from crm.jobs.threads import QueueFull

DEFAULT_QUEUE = "koblingsboks"
# A job that runs longer is stopped (the network's slowest is seconds at Lillestrøm's scale;
# a register import of the whole country, minutes).
DEFAULT_TIMEOUT = 3600
# How long a finished or failed job's state is kept for status().
RESULT_TTL = 3600
FAILURE_TTL = 24 * 3600

_STATUS = {
    "created": "queued",
    "queued": "queued",
    "deferred": "queued",
    "scheduled": "queued",
    "ready_to_enqueue": "queued",
    "rate_limited": "queued",
    "started": "running",
    "finished": "finished",
    "failed": "failed",
    "stopped": "failed",
    "canceled": "failed",
}

_connections: dict[str, redis.Redis] = {}


def connection(url: str) -> redis.Redis:
    """One client (and connection pool) per Redis URL in this process."""
    client = _connections.get(url)
    if client is None:
        client = _connections[url] = redis.Redis.from_url(url)
    return client


def queue(config: Mapping[str, Any]) -> Queue:
    """The app's job queue."""
    return Queue(
        config.get("JOBS_QUEUE") or DEFAULT_QUEUE,
        connection=connection(config["JOBS_REDIS_URL"]),
        serializer=JSONSerializer,
    )


def job_id(name: str) -> str:
    """RQ's id for the job `name` (RQ ids allow only letters, digits, '-' and '_')."""
    return "kb-" + hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:24]


def _job(config: Mapping[str, Any], name: str) -> Job | None:
    try:
        return Job.fetch(
            job_id(name), connection=connection(config["JOBS_REDIS_URL"]), serializer=JSONSerializer
        )
    except NoSuchJobError:
        return None


def status(config: Mapping[str, Any], name: str) -> str | None:
    """The job's state in crm.jobs' words, or None when Redis does not know it."""
    job = _job(config, name)
    if job is None:
        return None
    state = job.get_status(refresh=True)
    if state is None:
        return None
    return _STATUS.get(getattr(state, "value", state), "queued")


def queued(config: Mapping[str, Any]) -> int:
    """Jobs waiting in the queue or running in a worker."""
    jobs = queue(config)
    return jobs.count + jobs.started_job_registry.count


def enqueue(
    config: Mapping[str, Any], name: str, target: str, args: tuple, *, max_queued: int
) -> None:
    """Queue `target(*args)` as `name` unless it is pending; QueueFull when the queue is."""
    if status(config, name) in ("queued", "running"):
        return
    jobs = queue(config)
    if jobs.count >= max_queued:
        raise QueueFull(name)
    module, _, function = target.partition(":")
    jobs.enqueue(
        f"{module}.{function}",
        *args,
        job_id=job_id(name),
        description=name,
        job_timeout=int(config.get("JOBS_TIMEOUT") or DEFAULT_TIMEOUT),
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
    )


def worker(config: Mapping[str, Any], *, simple: bool = False) -> Worker:
    """A worker on the app's queue: forks a child per job (a crash or a leak ends with the
    job), or with `simple` runs jobs in its own process (tests, debugging)."""
    worker_class = SimpleWorker if simple else Worker
    return worker_class(
        [queue(config)],
        connection=connection(config["JOBS_REDIS_URL"]),
        serializer=JSONSerializer,
    )
