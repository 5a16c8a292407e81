"""The lists' reference data (places, sectors, clusters, users, stages, strategies), cached per
process under a version kept by database triggers.

Every list page's filter form offers the same places, sectors, clusters and staff to every user;
reading and shaping them took about a twentieth of an organisation list request. A process now
keeps what it made of them under the version row `reference_version`
(crm.common.triggered_version), which every committed write to these tables changes: each
request reads that one row (a statement by its key) and rebuilds only when it changed, so a
place renamed or an adviser deactivated on one host shows on every worker of every host at the
next request. Only reference data goes here, never anything personal to one user.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from crm.common.triggered_version import TriggeredVersion

TABLES = (
    "places",
    "sectors",
    "clusters",
    "users",
    "establishment_stages",
    "strategy_periods",
    "focus_areas",
    "strategies",
)

REFERENCE = TriggeredVersion("reference_version", TABLES)

T = TypeVar("T")

_lock = threading.Lock()
_cache: dict[str, object] = {}
_cached_version: list[str] = [""]

# On PostgreSQL the version changes at the commit (deferred triggers): a transaction that has
# written may hold reference rows of its own that the version does not tell yet, so it neither
# reads nor fills the cache. (On SQLite the triggers run at once: such a transaction reads a
# version of its own, which no other sees unless it commits.)
_SQLITE_READ = text("SELECT version FROM reference_version")
_POSTGRES_READ = text(
    "SELECT version, txid_current_if_assigned() IS NOT NULL FROM reference_version"
)


def _version(session: Session) -> str | None:
    """The version now, or None when this transaction's own writes may not be in it."""
    # On the session's connection, not through the ORM's execute: a third of the cost.
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return connection.execute(_SQLITE_READ).scalar_one()
    current, wrote = connection.execute(_POSTGRES_READ).one()
    return None if wrote else current


def cached(session: Session, name: str, load: Callable[[Session], T]) -> T:
    """`load(session)` as of the current version, made once per process and version.

    One statement (the version by its key) when the cache holds; the version's and load's
    when it does not.
    """
    current = _version(session)
    if current is None:
        return load(session)
    with _lock:
        if _cached_version[0] != current:
            _cache.clear()
            _cached_version[0] = current
        if name in _cache:
            return _cache[name]  # type: ignore[return-value]
    value = load(session)
    with _lock:
        if _cached_version[0] == current:
            _cache[name] = value
    return value
