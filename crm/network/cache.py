"""Graphs and metrics cached per (graph version, filter).

Two levels:

- in memory, per process: the built graph and its fast metrics (degree, weighted degree,
  PageRank), a small LRU keyed by (version, filter key);
- on disk under the instance path, shared by every worker: the slow figures (betweenness,
  communities, brokers, positions) as JSON, one file per (version, filter key), written by a
  background job (crm.network.jobs) and read by whichever worker serves the page.

A new version (anything the graph is read from changed) gives new keys, so nothing stale is
ever served; old files are removed when a newer version is written.

What keeps a burst of filters from knocking the server over (Settings, from the app's
config through `settings_from_config`):

- one job per filter at a time across workers: a lock file per (version, filter), with pid,
  host and heartbeat (crm.network.locks), so a worker killed mid-job frees it at once;
- at most `job_slots` slow jobs running at once on the machine (default 1: one CPU stays free
  for requests), and at most `max_queued` waiting per process (a bounded queue);
- a memory ceiling: above `memory_ceiling_mb` of resident memory the process sheds its
  in-memory views and, if still above, builds nothing new;
- a caller's `admit` hook, called before anything uncached is built (the routes charge the
  signed-in user's limit there).

Whatever cannot be done now raises Busy with a number of seconds to wait.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
from sqlalchemy.orm import Session

from crm.network import graph as g
from crm.network import jobs, locks
from crm.network.queries import GraphRows, NetworkFilter, graph_version, read_graph_rows

MEMORY_ENTRIES = 12
# Graphs up to this many nodes get their slow figures at once (a second or less).
DEFAULT_INLINE_LIMIT = 400
# Bumped when what the files hold changes meaning (2: communities numbered from 1), so a
# deployment never serves files an older version wrote.
FILE_FORMAT = 2
LOCKS = "locks"


class Busy(Exception):
    """The network cannot be computed now; try again in `retry_after` seconds.

    `reason`: "queue" (this worker's queue is full), "memory" (above the ceiling) or "user"
    (the user's limit on uncached computations).
    """

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = max(1, int(retry_after))


@dataclass(frozen=True)
class Settings:
    """Where the cache lives and how much work one process may take on."""

    cache_dir: Path
    inline_limit: int = DEFAULT_INLINE_LIMIT
    max_queued: int = jobs.DEFAULT_MAX_QUEUED
    job_slots: int = 1
    memory_ceiling_mb: float | None = None
    retry_after: int = 15
    stale_seconds: float = locks.STALE_SECONDS
    # A queued job gives up waiting for a slot after this long, so a worker can always stop.
    slot_wait: float = 600.0


def settings_from_config(config: Mapping[str, Any], instance_path: str) -> Settings:
    """Settings from the app's config (NETWORK_* keys); unset keys keep the defaults."""
    configured = config.get("NETWORK_CACHE_DIR")
    ceiling = config.get("NETWORK_MEMORY_CEILING_MB")
    return Settings(
        cache_dir=Path(configured) if configured else Path(instance_path) / "network-cache",
        inline_limit=int(config.get("NETWORK_INLINE_LIMIT", DEFAULT_INLINE_LIMIT)),
        max_queued=int(config.get("NETWORK_MAX_QUEUED", jobs.DEFAULT_MAX_QUEUED)),
        job_slots=int(config.get("NETWORK_JOB_SLOTS", 1)),
        memory_ceiling_mb=float(ceiling) if ceiling else None,
        retry_after=int(config.get("NETWORK_RETRY_AFTER", 15)),
    )


@dataclass
class NetworkView:
    """A graph for one filter at one version, with whatever metrics are ready."""

    version: str
    filter: NetworkFilter
    graph: nx.Graph
    metrics: dict[int, dict[str, Any]]
    slow_ready: bool = False
    positions: dict[int, tuple[float, float]] = field(default_factory=dict)
    cluster_names: dict[int, str] = field(default_factory=dict)
    # Community number -> what it is called (graph.name_communities), once communities are known.
    community_names: dict[int, g.CommunityName] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Whether the filter left nothing to show."""
        return self.graph.number_of_nodes() == 0


class _Memory:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: tuple, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


memory = _Memory(MEMORY_ENTRIES)


# --- disk -------------------------------------------------------------------------------------


def _file(cache_dir: Path, version: str, key: str) -> Path:
    return Path(cache_dir) / version / f"{key}.f{FILE_FORMAT}.json"


def _lock_file(cache_dir: Path, version: str, key: str) -> Path:
    return Path(cache_dir) / LOCKS / f"{version}-{key}.lock"


def read_slow(cache_dir: Path, version: str, key: str) -> dict | None:
    """The slow figures for (version, filter key), or None while they are not computed."""
    try:
        data = json.loads(_file(cache_dir, version, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {
        "metrics": {int(node): values for node, values in data["metrics"].items()},
        "positions": {int(node): tuple(xy) for node, xy in data["positions"].items()},
    }


def write_slow(cache_dir: Path, version: str, key: str, metrics: dict, positions: dict) -> None:
    """Write the slow figures atomically (a reader never sees half a file)."""
    target = _file(cache_dir, version, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    payload = {
        "metrics": {str(node): values for node, values in metrics.items()},
        "positions": {str(node): [round(x, 3), round(y, 3)] for node, (x, y) in positions.items()},
    }
    temporary.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, target)
    _remove_old_versions(Path(cache_dir), keep=version)


def _remove_old_versions(cache_dir: Path, keep: str) -> None:
    for entry in cache_dir.iterdir():
        # Another worker may still be serving the previous version for a moment.
        if (
            entry.is_dir()
            and entry.name not in (keep, LOCKS)
            and time.time() - entry.stat().st_mtime > 60
        ):
            shutil.rmtree(entry, ignore_errors=True)


# --- views ------------------------------------------------------------------------------------


def compute_slow(graph: nx.Graph) -> tuple[dict, dict]:
    """Betweenness, community, broker and positions (seeded, so stable between visits)."""
    slow = g.compute_slow_metrics(graph)
    communities = {node: values["community"] for node, values in slow.items()}
    positions = g.initial_positions(graph, communities=communities)
    return slow, positions


def _slow_job(
    graph: nx.Graph, settings: Settings, version: str, key: str, lock: tuple[Path, str]
) -> Callable[[], None]:
    def run() -> None:
        try:
            # One of the machine's few places to run: queued jobs of every worker wait here,
            # holding (and beating) their filter's lock, so nobody else starts the same job.
            slot = locks.acquire_slot(
                Path(settings.cache_dir) / LOCKS,
                settings.job_slots,
                wait=settings.slot_wait,
                stale_seconds=settings.stale_seconds,
            )
            if slot is None:
                return  # waited long enough: the next visit queues it again
            try:
                slow, positions = compute_slow(graph)
                write_slow(settings.cache_dir, version, key, slow, positions)
            finally:
                locks.release(*slot)
        finally:
            locks.release(*lock)

    return run


def graph_of(rows: GraphRows, **options: Any) -> nx.Graph:
    """graph.build_graph on rows read by crm.network.queries (options: window, today …)."""
    return g.build_graph(
        rows.nodes,
        links=rows.links,
        memberships=rows.memberships,
        meetings=rows.meetings,
        affiliations=rows.affiliations,
        **options,
    )


def build_view(session: Session, flt: NetworkFilter, version: str, *, today: date) -> NetworkView:
    """Read the rows and build the graph and its fast metrics (no cache)."""
    started = time.perf_counter()
    rows = read_graph_rows(session, flt)
    read = time.perf_counter()
    graph = graph_of(rows, window=flt.window, today=today)
    if flt.link_types or flt.min_weight:
        graph = g.filter_graph(graph, link_types=flt.link_types, min_weight=flt.min_weight)
    built = time.perf_counter()
    metrics = g.compute_fast_metrics(graph)
    done = time.perf_counter()
    return NetworkView(
        version=version,
        filter=flt,
        graph=graph,
        metrics=metrics,
        cluster_names=rows.cluster_names,
        timings={"read": read - started, "build": built - read, "fast_metrics": done - built},
    )


def get_view(
    session: Session,
    flt: NetworkFilter,
    settings: Settings,
    *,
    today: date,
    admit: Callable[[], None] | None = None,
    version: str | None = None,
) -> NetworkView:
    """The view for a filter: from memory when the version is unchanged, else built afresh.

    Slow figures are merged in when they are on disk; otherwise they are computed at once for
    small graphs, or a background job is queued (unless one runs for this filter in any
    worker) and `slow_ready` stays False. Raises Busy when the view cannot be built or its
    job cannot be queued now; `admit` is called (and may raise Busy) before an uncached build.
    """
    version = version or graph_version(session)
    key = (version, flt.key(), today)
    view = memory.get(key)
    if view is None:
        check_memory(settings)
        if jobs.queued() >= settings.max_queued and not jobs.pending(_job_name(version, flt)):
            # Its slow job could not be queued either: refuse before a second of building.
            raise Busy("queue", settings.retry_after)
        if admit is not None:
            admit()
        view = build_view(session, flt, version, today=today)
        memory.put(key, view)
    if not view.slow_ready:
        attach_slow(view, settings)
    return view


def peek_view(session: Session, flt: NetworkFilter, *, today: date) -> NetworkView | None:
    """The view for a filter if this process holds it at the current version, else None.

    One SELECT (the version); never reads the rows or builds a graph, so a page that only
    shows the network beside other things can call it without risk of taking seconds.
    """
    return memory.get((graph_version(session), flt.key(), today))


def slow_ready_on_disk(session: Session, flt: NetworkFilter, settings: Settings) -> bool:
    """Whether some worker has written the slow figures of a filter at the current version."""
    return _file(settings.cache_dir, graph_version(session), flt.key()).exists()


def check_memory(settings: Settings) -> None:
    """Shed the in-memory views above the ceiling; Busy when that is not enough."""
    ceiling = settings.memory_ceiling_mb
    if not ceiling:
        return
    resident = jobs.resident_mb()
    if resident is None or resident <= ceiling:
        return
    memory.clear()
    gc.collect()
    resident = jobs.resident_mb()
    if resident is not None and resident > ceiling:
        raise Busy("memory", settings.retry_after)


def attach_slow(view: NetworkView, settings: Settings) -> None:
    """Merge the slow figures into the view when ready, or see that a job computes them."""
    key = view.filter.key()
    if view.empty:
        view.slow_ready = True
        return
    stored = read_slow(settings.cache_dir, view.version, key)
    if stored is None and view.graph.number_of_nodes() <= settings.inline_limit:
        slow, positions = compute_slow(view.graph)
        write_slow(settings.cache_dir, view.version, key, slow, positions)
        stored = {"metrics": slow, "positions": positions}
    if stored is None:
        _start_job(view, settings, key)
        return
    merged = {
        node: {**values, **stored["metrics"].get(node, {})} for node, values in view.metrics.items()
    }
    # Replace whole objects, never mutate: other request threads may be reading the old ones.
    view.metrics = merged
    view.positions = stored["positions"]
    view.community_names = g.name_communities(
        view.graph,
        {node: values["community"] for node, values in merged.items() if "community" in values},
        view.cluster_names,
    )
    view.slow_ready = True


def _job_name(version: str, flt: NetworkFilter) -> str:
    return f"{version}/{flt.key()}"


def _start_job(view: NetworkView, settings: Settings, key: str) -> None:
    """Queue the slow job unless this or another worker has it already; Busy when full."""
    name = _job_name(view.version, view.filter)
    if jobs.pending(name):
        return
    if jobs.queued() >= settings.max_queued:
        raise Busy("queue", settings.retry_after)
    check_memory(settings)
    path = _lock_file(settings.cache_dir, view.version, key)
    token = locks.acquire(path, stale_seconds=settings.stale_seconds)
    if token is None:
        return  # another worker computes it; its file appears for everyone
    if _file(settings.cache_dir, view.version, key).exists():
        locks.release(path, token)  # finished between our look and our lock: nothing to do
        return
    try:
        jobs.submit(
            name,
            _slow_job(view.graph, settings, view.version, key, (path, token)),
            max_queued=settings.max_queued,
        )
    except jobs.QueueFull:
        locks.release(path, token)
        raise Busy("queue", settings.retry_after) from None
