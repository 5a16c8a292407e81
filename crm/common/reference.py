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

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from crm.common.triggered_version import TriggeredVersion, VersionedCache

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

_CACHE: VersionedCache[object] = VersionedCache(REFERENCE)


def cached(session: Session, name: str, load: Callable[[Session], T]) -> T:
    """`load(session)` as of the current version, made once per process and version.

    One statement (the version by its key) when the cache holds; the version's and load's
    when it does not.
    """
    return _CACHE.get(session, name, lambda: load(session))  # type: ignore[return-value]
