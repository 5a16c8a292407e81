"""Fixtures for the job tests: a Redis queue of our own (DB 5, our own names), or none."""

from __future__ import annotations

import os

import pytest
import redis

from tests.conftest import require_service
from tests.jobs import tasks

# Redis DB 5 is this suite's for jobs; only it is ever flushed.
JOBS_REDIS_URL = os.environ.get("TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def done():
    """What the test's jobs did."""
    tasks.DONE.clear()
    yield tasks.DONE
    tasks.DONE.clear()


@pytest.fixture
def rq_app(app):
    """The app with jobs on a Redis queue (and the network's figures in Redis), emptied
    before and after; every setting changed is put back."""
    client = redis.Redis.from_url(JOBS_REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        require_service(False, f"Redis is not reachable at {JOBS_REDIS_URL}: {error}")
    client.flushdb()
    names = ("JOBS_REDIS_URL", "JOBS_QUEUE", "NETWORK_REDIS_PREFIX", "JOBS_MAX_QUEUED")
    previous = {name: app.config.get(name) for name in names}
    app.config.update(
        JOBS_REDIS_URL=JOBS_REDIS_URL,
        JOBS_QUEUE="kbtest-jobs",
        NETWORK_REDIS_PREFIX="kbtest-jobs:network:",
    )
    yield client
    app.config.update(previous)
    client.flushdb()
    client.close()
