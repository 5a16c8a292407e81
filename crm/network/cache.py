"""Graphs and metrics cached per (graph version, filter).

Two levels:

- in memory, per process: the built graph and its fast metrics (degree, weighted degree,
  PageRank), a small LRU keyed by (version, filter key);
- shared by every worker: the slow figures (betweenness, communities, brokers, positions) as
  JSON per (version, filter key), written by a background job (`compute_figures`, queued
  through crm.jobs) and read by whichever worker serves the page. On disk under the instance
  path (one machine), or in Redis when JOBS_REDIS_URL is set (jobs then run in
  `flask crm worker` on any host, and every app host sees the same figures).

The figures are computed on igraph (crm.network.engine) from the rows; the networkx graph,
with every tie's reasons, is built only when a page or an export asks the view for it
(`NetworkView.graph`), once per view and process.

A new version (anything the graph is read from changed) gives new keys, so nothing stale is
ever served; old files are removed when a newer version is written, old Redis keys expire.

What keeps a burst of filters from knocking the server over (Settings, from the app's
config through `settings_from_config`):

- one job per filter at a time across workers: a lock file per (version, filter), with pid,
  host and heartbeat (crm.network.locks), so a worker killed mid-job frees it at once; with
  Redis, a key set only if absent, expiring after JOBS_TIMEOUT;
- at most `job_slots` slow jobs running at once on the machine (default 1: one CPU stays free
  for requests; with Redis, as many as `flask crm worker`s run), and at most `max_queued`
  waiting per process, or in the shared queue (a bounded queue);
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
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
from sqlalchemy.orm import Session

from crm import jobs
from crm.jobs import threads
from crm.network import engine, locks
from crm.network import graph as g
from crm.network.queries import (
    GraphRows,
    NetworkFilter,
    graph_version,
    read_graph_rows,
    read_weight_rows,
)

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
    # With a Redis URL the figures and the per-filter claims live there, under the prefix.
    redis_url: str | None = None
    redis_prefix: str = "koblingsboks:network:"


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
        redis_url=config.get("JOBS_REDIS_URL") or None,
        redis_prefix=config.get("NETWORK_REDIS_PREFIX") or "koblingsboks:network:",
    )


class NetworkView:
    """A graph for one filter at one version, with whatever metrics are ready.

    `weighted` (igraph) is what the figures are computed on; `graph` (networkx, every tie with
    its reasons) is built from the rows the first time a page or an export asks for it.
    """

    def __init__(
        self,
        version: str,
        filter: NetworkFilter,
        graph: nx.Graph | None = None,
        metrics: dict[int, dict[str, Any]] | None = None,
        slow_ready: bool = False,
        positions: dict[int, tuple[float, float]] | None = None,
        cluster_names: dict[int, str] | None = None,
        community_names: dict[int, g.CommunityName] | None = None,
        timings: dict[str, float] | None = None,
        *,
        weighted: engine.WeightedGraph | None = None,
        build: Callable[[], nx.Graph] | None = None,
        today: date | None = None,
    ) -> None:
        if graph is None and build is None:
            raise ValueError("a view needs its graph or a way to build it")
        self.version = version
        self.filter = filter
        self.metrics = metrics or {}
        self.slow_ready = slow_ready
        self.positions = positions or {}
        self.cluster_names = cluster_names or {}
        # Community number -> what it is called (graph.name_communities), once known.
        self._community_names = community_names
        self.timings = timings or {}
        self._graph = graph
        self._weighted = weighted
        self._ties: engine.Ties | None = None
        self._build = build
        self._lock = threading.Lock()
        # The day the view was built for (open memberships count up to it).
        self.today = today

    @property
    def graph(self) -> nx.Graph:
        """The networkx graph with every tie's reasons (built on first use)."""
        if self._graph is None:
            with self._lock:
                if self._graph is None:
                    started = time.perf_counter()
                    self._graph = self._build()
                    self._build = None  # the rows it was built from can go
                    self.timings["networkx"] = time.perf_counter() - started
        return self._graph

    @property
    def has_graph(self) -> bool:
        """Whether the networkx graph is built already (asking for it costs nothing)."""
        return self._graph is not None

    @property
    def ties(self) -> nx.Graph | engine.Ties:
        """Organisations, their attributes and weighted ties, read as a networkx graph is
        (the networkx graph itself once it is built): for pages that need no reasons."""
        if self._graph is not None:
            return self._graph
        if self._ties is None:
            self._ties = self.weighted.ties()
        return self._ties

    @property
    def weighted(self) -> engine.WeightedGraph:
        """The same organisations and ties for igraph."""
        if self._weighted is None:
            self._weighted = engine.from_networkx(self.graph)
        return self._weighted

    @property
    def community_names(self) -> dict[int, g.CommunityName]:
        """What each community is called, once the communities are known (else empty)."""
        if self._community_names is None:
            communities = {
                node: values["community"]
                for node, values in self.metrics.items()
                if "community" in values
            }
            if not communities:
                return {}
            self._community_names = g.name_communities(self.ties, communities, self.cluster_names)
        return self._community_names

    @property
    def empty(self) -> bool:
        """Whether the filter left nothing to show."""
        if self._graph is not None:
            return self._graph.number_of_nodes() == 0
        return len(self.weighted) == 0


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


def _encode(metrics: dict, positions: dict) -> str:
    payload = {
        "metrics": {str(node): values for node, values in metrics.items()},
        "positions": {str(node): [round(x, 3), round(y, 3)] for node, (x, y) in positions.items()},
    }
    return json.dumps(payload, separators=(",", ":"))


def _decode(text: str | bytes) -> dict | None:
    try:
        data = json.loads(text)
        return {
            "metrics": {int(node): values for node, values in data["metrics"].items()},
            "positions": {int(node): tuple(xy) for node, xy in data["positions"].items()},
        }
    except (ValueError, KeyError, TypeError):
        return None


def read_slow(cache_dir: Path, version: str, key: str) -> dict | None:
    """The slow figures for (version, filter key), or None while they are not computed."""
    try:
        text = _file(cache_dir, version, key).read_text(encoding="utf-8")
    except OSError:
        return None
    return _decode(text)


def write_slow(cache_dir: Path, version: str, key: str, metrics: dict, positions: dict) -> None:
    """Write the slow figures atomically (a reader never sees half a file)."""
    target = _file(cache_dir, version, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(_encode(metrics, positions), encoding="utf-8")
    os.replace(temporary, target)
    _remove_old_versions(Path(cache_dir), keep=version)


# --- Redis (JOBS_REDIS_URL): the same figures and claims for every host ------------------------

# Figures of a version nobody asks for any more expire; a busy district renews them daily.
REDIS_TTL = 7 * 24 * 3600
# A claim outlives the longest job (then another host may try again).
CLAIM_TTL = 3600


def _redis(settings: Settings):
    from crm.jobs.redis_queue import connection

    return connection(settings.redis_url)


def _redis_key(settings: Settings, version: str, key: str) -> str:
    return f"{settings.redis_prefix}{version}:{key}:f{FILE_FORMAT}"


def load_slow(settings: Settings, version: str, key: str) -> dict | None:
    """The slow figures from wherever this installation keeps them (Redis or disk)."""
    if settings.redis_url:
        text = _redis(settings).get(_redis_key(settings, version, key))
        return None if text is None else _decode(text)
    return read_slow(settings.cache_dir, version, key)


def store_slow(settings: Settings, version: str, key: str, metrics: dict, positions: dict) -> None:
    """Keep the slow figures where every worker (and, with Redis, every host) finds them."""
    if settings.redis_url:
        _redis(settings).set(
            _redis_key(settings, version, key), _encode(metrics, positions), ex=REDIS_TTL
        )
        return
    write_slow(settings.cache_dir, version, key, metrics, positions)


def slow_stored(settings: Settings, version: str, key: str) -> bool:
    """Whether the slow figures of (version, key) are there."""
    if settings.redis_url:
        return bool(_redis(settings).exists(_redis_key(settings, version, key)))
    return _file(settings.cache_dir, version, key).exists()


def claim(settings: Settings, version: str, key: str) -> str | None:
    """Take the right to compute (version, key): a token, or None when someone has it."""
    if settings.redis_url:
        token = secrets.token_hex(8)
        taken = _redis(settings).set(
            _redis_key(settings, version, key) + ":claim", token, nx=True, ex=CLAIM_TTL
        )
        return token if taken else None
    return locks.acquire(
        _lock_file(settings.cache_dir, version, key), stale_seconds=settings.stale_seconds
    )


def unclaim(settings: Settings, version: str, key: str, token: str) -> None:
    """Give up a claim this job or request holds (never one another has taken over)."""
    if settings.redis_url:
        client = _redis(settings)
        name = _redis_key(settings, version, key) + ":claim"
        if client.get(name) == token.encode():
            client.delete(name)
        return
    locks.release(_lock_file(settings.cache_dir, version, key), token)


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


def compute_slow(weighted: engine.WeightedGraph) -> tuple[dict, dict]:
    """Betweenness, community, broker and positions (seeded, so stable between visits)."""
    return engine.slow_figures(weighted)


def graph_of(rows: GraphRows, **options: Any) -> nx.Graph:
    """graph.build_graph on rows read by crm.network.queries (options: window, today …)."""
    if rows.attendances is not None:
        # Meetings read as bare attendances have no title or day to give as a reason.
        raise ValueError("rows from read_weight_rows build no networkx graph: read_graph_rows")
    return g.build_graph(rows.nodes, **rows.evidence(), **options)


def _networkx_of(rows: GraphRows, flt: NetworkFilter, today: date) -> nx.Graph:
    graph = graph_of(rows, window=flt.window, today=today)
    if flt.link_types or flt.min_weight:
        graph = g.filter_graph(graph, link_types=flt.link_types, min_weight=flt.min_weight)
    return graph


def weighted_of(rows: GraphRows, flt: NetworkFilter, today: date) -> engine.WeightedGraph:
    """The filter's graph for igraph, straight from the rows (what `_networkx_of` gives)."""
    return engine.from_rows(
        rows.nodes,
        **rows.evidence(),
        attendances=rows.attendances,
        window=flt.window,
        today=today,
        link_types=flt.link_types,
        min_weight=flt.min_weight,
    )


def compute_figures(filter_args: dict, version: str, today: str, token: str | None) -> None:
    """The background job (crm.jobs, either backend): read the filter's rows, compute its slow
    figures on igraph and store them where every worker finds them.

    JSON-safe arguments only: the filter (`NetworkFilter.to_json`), the version the request
    saw, its day, and the claim it took (given up at the end, also on failure). The figures
    are stored under the version read with the rows, so rows changed meanwhile never go under
    the old version's key.
    """
    with jobs.app_context() as app:
        from crm.extensions import db

        settings = settings_from_config(app.config, app.instance_path)
        flt = NetworkFilter.from_json(filter_args)
        key = flt.key()
        try:
            slot = None
            if not settings.redis_url:
                # One of the machine's few places to run: queued jobs of every worker wait
                # here, holding (and beating) their filter's lock, so nobody else starts it.
                slot = locks.acquire_slot(
                    Path(settings.cache_dir) / LOCKS,
                    settings.job_slots,
                    wait=settings.slot_wait,
                    stale_seconds=settings.stale_seconds,
                )
                if slot is None:
                    return  # waited long enough: the next visit queues it again
            try:
                current = graph_version(db.session)
                rows = read_weight_rows(db.session, flt)
                weighted = weighted_of(rows, flt, date.fromisoformat(today))
                del rows
                slow, positions = compute_slow(weighted)
                store_slow(settings, current, key, slow, positions)
            finally:
                db.session.rollback()  # read only; end the transaction
                if slot is not None:
                    locks.release(*slot)
        finally:
            if token is not None:
                unclaim(settings, version, key, token)


def build_view(session: Session, flt: NetworkFilter, version: str, *, today: date) -> NetworkView:
    """Read the rows, build the igraph graph and its fast metrics (no cache); the networkx
    graph follows when a page asks for it."""
    started = time.perf_counter()
    rows = read_weight_rows(session, flt)
    read = time.perf_counter()
    weighted = weighted_of(rows, flt, today)
    built = time.perf_counter()
    metrics = engine.fast_metrics(weighted)
    done = time.perf_counter()
    return NetworkView(
        version=version,
        filter=flt,
        metrics=metrics,
        cluster_names=rows.cluster_names,
        timings={"read": read - started, "build": built - read, "fast_metrics": done - built},
        weighted=weighted,
        # The rows with every meeting's title and day are read only for the pages that show
        # reasons (ego networks, introductions, clusters, exports), through the session the
        # view was asked with: `db.session`, the current request's when one asks later. The
        # view keeps none of its rows meanwhile.
        build=lambda: _networkx_of(read_graph_rows(session, flt), flt, today),
        today=today,
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


def slow_ready_stored(session: Session, flt: NetworkFilter, settings: Settings) -> bool:
    """Whether some worker has stored the slow figures of a filter at the current version."""
    return slow_stored(settings, graph_version(session), flt.key())


def check_memory(settings: Settings) -> None:
    """Shed the in-memory views above the ceiling; Busy when that is not enough."""
    ceiling = settings.memory_ceiling_mb
    if not ceiling:
        return
    resident = threads.resident_mb()
    if resident is None or resident <= ceiling:
        return
    memory.clear()
    gc.collect()
    resident = threads.resident_mb()
    if resident is not None and resident > ceiling:
        raise Busy("memory", settings.retry_after)


def attach_slow(view: NetworkView, settings: Settings) -> None:
    """Merge the slow figures into the view when ready, or see that a job computes them."""
    key = view.filter.key()
    if view.empty:
        view.slow_ready = True
        return
    stored = load_slow(settings, view.version, key)
    if stored is None and len(view.weighted) <= settings.inline_limit:
        slow, positions = compute_slow(view.weighted)
        store_slow(settings, view.version, key, slow, positions)
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
    view._community_names = None  # named from the communities on first use
    view.slow_ready = True


def _job_name(version: str, flt: NetworkFilter) -> str:
    return f"network-figures/{version}/{flt.key()}"


def _start_job(view: NetworkView, settings: Settings, key: str) -> None:
    """Queue the slow job unless this or another worker has it already; Busy when full."""
    name = _job_name(view.version, view.filter)
    if jobs.pending(name):
        return
    if jobs.queued() >= settings.max_queued:
        raise Busy("queue", settings.retry_after)
    check_memory(settings)
    token = claim(settings, view.version, key)
    if token is None:
        return  # another worker computes it; its figures appear for everyone
    if slow_stored(settings, view.version, key):
        unclaim(settings, view.version, key, token)  # finished between our look and our claim
        return
    today = view.today or date.min
    try:
        jobs.enqueue(
            name,
            "crm.network.cache:compute_figures",
            view.filter.to_json(),
            view.version,
            today.isoformat(),
            token,
            max_queued=settings.max_queued,
        )
    except jobs.QueueFull:
        unclaim(settings, view.version, key, token)
        raise Busy("queue", settings.retry_after) from None
