"""Fixtures for the network tests: a private disk cache and an empty memory cache per test."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from crm.common.dates import local_today
from crm.jobs import threads as jobs
from crm.network import cache, services
from crm.network.queries import NetworkFilter
from crm.network.services import seed_link_types
from tests.factories import make_company, make_meeting


@pytest.fixture
def network_cache(app, tmp_path):
    """The app's network cache under tmp_path, emptied before and after the test; every
    NETWORK_* setting a test changes is put back afterwards."""
    previous = {key: value for key, value in app.config.items() if key.startswith("NETWORK_")}
    app.config["NETWORK_CACHE_DIR"] = str(tmp_path / "network-cache")
    cache.memory.clear()
    yield tmp_path / "network-cache"
    jobs.wait_for_all()
    cache.memory.clear()
    for key in [key for key in app.config if key.startswith("NETWORK_")]:
        del app.config[key]
    app.config.update(previous)


@pytest.fixture
def link_types(session):
    """The default link types by key."""
    return {link_type.key: link_type for link_type in seed_link_types(session)}


@pytest.fixture
def trio(session, link_types):
    """Three organisations: a registered link between the first two, a meeting of the last two."""
    a, b, c = (make_company(session, name=name) for name in ("Aidee", "Bergman", "Cultura"))
    services.create_link(
        session,
        company_id=a.id,
        other_id=b.id,
        other_name=None,
        link_type_id=link_types["project"].id,
    )
    meeting = make_meeting(session)
    meeting.companies = [b, c]
    session.commit()
    return a, b, c


@pytest.fixture
def pair(session):
    """Two organisations with organisation numbers."""
    return (
        make_company(session, name="Infinitum AS", org_number="923609016"),
        make_company(session, name="IFE", kind="research"),
    )


D = date


def view_of(session, flt: NetworkFilter, cache_dir, **settings) -> cache.NetworkView:
    """cache.get_view with Settings made of `cache_dir` and `settings`, as of today."""
    return cache.get_view(
        session, flt, cache.Settings(cache_dir=cache_dir, **settings), today=local_today()
    )


_HOLDER = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("locks", sys.argv[1])
locks = sys.modules["locks"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(locks)
locks.held.interval = float(sys.argv[3])
token = locks.acquire(locks.Path(sys.argv[2]))
print("held" if token else "refused", flush=True)
time.sleep(600)
"""


@contextlib.contextmanager
def held_by_another_process(path: Path, *, heartbeat: float = 10.0) -> Iterator[subprocess.Popen]:
    """A separate process (a second gunicorn worker) holding the lock at `path`."""
    import crm.network.locks as locks_module

    worker = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, locks_module.__file__, str(path), str(heartbeat)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout.readline().strip() == "held"
        yield worker
    finally:
        worker.kill()
        worker.wait()
        worker.stdout.close()
