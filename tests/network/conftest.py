"""Fixtures for the network tests: a private disk cache and an empty memory cache per test."""

from __future__ import annotations

from datetime import date

import pytest

from crm.network import cache, jobs
from crm.network.services import seed_link_types
from tests.factories import make_company


@pytest.fixture
def network_cache(app, tmp_path):
    """The app's network cache under tmp_path, emptied before and after the test."""
    previous = app.config.get("NETWORK_CACHE_DIR")
    previous_limit = app.config.get("NETWORK_INLINE_LIMIT")
    app.config["NETWORK_CACHE_DIR"] = str(tmp_path / "network-cache")
    cache.memory.clear()
    yield tmp_path / "network-cache"
    jobs.wait_for_all()
    cache.memory.clear()
    app.config["NETWORK_CACHE_DIR"] = previous
    if previous_limit is None:
        app.config.pop("NETWORK_INLINE_LIMIT", None)
    else:
        app.config["NETWORK_INLINE_LIMIT"] = previous_limit


@pytest.fixture
def link_types(session):
    """The default link types by key."""
    return {link_type.key: link_type for link_type in seed_link_types(session)}


@pytest.fixture
def pair(session):
    """Two organisations with organisation numbers."""
    return (
        make_company(session, name="Infinitum AS", org_number="923609016"),
        make_company(session, name="IFE", kind="research"),
    )


D = date
