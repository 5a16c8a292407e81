"""Graphs and metrics cached per (graph version, filter).

Two levels:

- in memory, per process: the built graph and its fast metrics (degree, weighted degree,
  PageRank), a small LRU keyed by (version, filter key);
- on disk under the instance path, shared by every worker: the slow figures (betweenness,
  communities, brokers, positions) as JSON, one file per (version, filter key), written by a
  background job (crm.network.jobs) and read by whichever worker serves the page.

A new version (anything the graph is read from changed) gives new keys, so nothing stale is
ever served; old files are removed when a newer version is written.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from sqlalchemy.orm import Session

from crm.network import graph as g
from crm.network import jobs
from crm.network.queries import NetworkFilter, graph_version, read_graph_rows

MEMORY_ENTRIES = 12
# A lock older than this belongs to a worker that died; the job may run again.
STALE_LOCK_SECONDS = 15 * 60
# Graphs up to this many nodes get their slow figures at once (a second or less).
DEFAULT_INLINE_LIMIT = 400


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
    return Path(cache_dir) / version / f"{key}.json"


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
        if entry.is_dir() and entry.name != keep and time.time() - entry.stat().st_mtime > 60:
            shutil.rmtree(entry, ignore_errors=True)


def _claim(cache_dir: Path, version: str, key: str) -> bool:
    """Take the lock file for a job; False when another worker holds a fresh one."""
    lock = _file(cache_dir, version, key).with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            if time.time() - lock.stat().st_mtime < STALE_LOCK_SECONDS:
                return False
            lock.unlink()
        except OSError:
            return False
        return _claim(cache_dir, version, key)
    os.close(descriptor)
    return True


def _release(cache_dir: Path, version: str, key: str) -> None:
    _file(cache_dir, version, key).with_suffix(".lock").unlink(missing_ok=True)


# --- views ------------------------------------------------------------------------------------


def compute_slow(graph: nx.Graph) -> tuple[dict, dict]:
    """Betweenness, community, broker and positions (seeded, so stable between visits)."""
    slow = g.compute_slow_metrics(graph)
    communities = {node: values["community"] for node, values in slow.items()}
    positions = g.initial_positions(graph, communities=communities)
    return slow, positions


def _slow_job(graph: nx.Graph, cache_dir: Path, version: str, key: str) -> Callable[[], None]:
    def run() -> None:
        try:
            slow, positions = compute_slow(graph)
            write_slow(cache_dir, version, key, slow, positions)
        finally:
            _release(cache_dir, version, key)

    return run


def build_view(session: Session, flt: NetworkFilter, version: str) -> NetworkView:
    """Read the rows and build the graph and its fast metrics (no cache)."""
    started = time.perf_counter()
    rows = read_graph_rows(session, flt)
    read = time.perf_counter()
    graph = g.build_graph(
        rows.nodes,
        links=rows.links,
        memberships=rows.memberships,
        meetings=rows.meetings,
        affiliations=rows.affiliations,
        window=flt.window,
    )
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
    *,
    cache_dir: Path,
    inline_limit: int = DEFAULT_INLINE_LIMIT,
    version: str | None = None,
) -> NetworkView:
    """The view for a filter: from memory when the version is unchanged, else built afresh.

    Slow figures are merged in when they are on disk; otherwise they are computed at once for
    small graphs, or a background job is started and `slow_ready` stays False.
    """
    version = version or graph_version(session)
    key = flt.key()
    view = memory.get((version, key))
    if view is None:
        view = build_view(session, flt, version)
        memory.put((version, key), view)
    if not view.slow_ready:
        _attach_slow(view, cache_dir, inline_limit)
    return view


def peek_view(session: Session, flt: NetworkFilter) -> NetworkView | None:
    """The view for a filter if this process holds it at the current version, else None.

    One SELECT (the version); never reads the rows or builds a graph, so a page that only
    shows the network beside other things can call it without risk of taking seconds.
    """
    return memory.get((graph_version(session), flt.key()))


def _attach_slow(view: NetworkView, cache_dir: Path, inline_limit: int) -> None:
    key = view.filter.key()
    if view.empty:
        view.slow_ready = True
        return
    stored = read_slow(cache_dir, view.version, key)
    if stored is None and view.graph.number_of_nodes() <= inline_limit:
        slow, positions = compute_slow(view.graph)
        write_slow(cache_dir, view.version, key, slow, positions)
        stored = {"metrics": slow, "positions": positions}
    if stored is None:
        name = f"{view.version}/{key}"
        if not jobs.pending(name) and _claim(cache_dir, view.version, key):
            jobs.submit(name, _slow_job(view.graph, cache_dir, view.version, key))
        return
    merged = {
        node: {**values, **stored["metrics"].get(node, {})} for node, values in view.metrics.items()
    }
    # Replace whole objects, never mutate: other request threads may be reading the old ones.
    view.metrics = merged
    view.positions = stored["positions"]
    view.slow_ready = True
