"""Network figures at the Lillestrøm scale: rows → graph, metrics, map JSON size, cache.

Usage: .venv/bin/python bench/network.py [--runs 10] [--warmups 2] [--database FILE]
       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/kb_graph]

Fills its own temporary SQLite database (removed at the end; `--database FILE` keeps one and
reuses it on the next run) with crm.demo.generate.generate (11,000 organisations, 25,000
contacts, 60,000 meetings, about 8,000 explicit links, seed 1), then prints median and p95
over repeated runs after warm-up runs that are not counted, with networkx alone on the same
in-memory graph as the floor. `--database-url` runs on that database instead (migrated and
filled once, then reused; on PostgreSQL the server's CPU is read from /proc for the backend
process and shown beside the client's). Timings belong here, not in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from itertools import chain
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import and_, func, select, text  # noqa: E402

from config import TestingConfig  # noqa: E402
from crm import create_app  # noqa: E402
from crm.common.dates import local_today  # noqa: E402
from crm.companies.models import Company  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.meetings.models import meeting_companies  # noqa: E402
from crm.network import cache, engine  # noqa: E402
from crm.network import graph as g  # noqa: E402
from crm.network.exports import map_json  # noqa: E402
from crm.network.queries import (  # noqa: E402
    NetworkFilter,
    graph_version,
    read_graph_rows,
    read_weight_rows,
)

VISIBLE = 5_000


def _fill(session) -> None:
    from crm.demo.generate import generate

    generate(session, companies=11_000, contacts=25_000, meetings=60_000, seed=1)
    session.commit()


class Samples:
    """Wall-clock and CPU seconds of repeated runs (CPU time shows the work when the VM is
    shared: other processes lengthen the wall clock, not the CPU time); on PostgreSQL also the
    CPU seconds of the database's backend process serving this script."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.server: list[float] = []

    def __add__(self, other: Samples) -> Samples:
        total = Samples()
        total.wall = [a + b for a, b in zip(self.wall, other.wall, strict=True)]
        total.cpu = [a + b for a, b in zip(self.cpu, other.cpu, strict=True)]
        total.server = [a + b for a, b in zip(self.server, other.server, strict=True)]
        return total

    def cpu_median(self) -> float:
        """Median CPU seconds of this process."""
        return statistics.median(self.cpu)

    def median(self) -> float:
        """Median wall-clock seconds."""
        return statistics.median(self.wall)

    def __str__(self) -> str:
        ordered = sorted(self.wall)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        server = f" + server {statistics.median(self.server):6.3f} s" if self.server else ""
        return (
            f"median {statistics.median(ordered):7.3f} s   p95 {p95:7.3f} s"
            f"   cpu {statistics.median(self.cpu):6.3f} s{server}"
        )


WARMUPS = 2
# CPU seconds of the PostgreSQL backend serving the bench (None on SQLite, whose work is done
# in this process and counted in its own CPU time).
SERVER_CPU = None


def _backend_cpu(session):
    """A function giving the CPU seconds of this session's PostgreSQL backend, from /proc (the
    server runs on this machine), or None on SQLite or when /proc does not show it."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    pid = session.scalar(text("SELECT pg_backend_pid()"))
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu() -> float:
        # Fields 14 and 15 (utime, stime) after the command name in parentheses.
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return cpu


def _timed(function, runs: int, warmups: int | None = None) -> tuple[Samples, object]:
    """Run `function` `warmups` times untimed (caches, imports, the allocator), then `runs`
    times timed."""
    for _ in range(WARMUPS if warmups is None else warmups):
        function()
    samples, result = Samples(), None
    for _ in range(runs):
        server = SERVER_CPU() if SERVER_CPU else 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        samples.cpu.append(time.process_time() - cpu)
        samples.wall.append(time.perf_counter() - wall)
        if SERVER_CPU:
            samples.server.append(SERVER_CPU() - server)
    return samples, result


def _same_graph(one: engine.WeightedGraph, other: engine.WeightedGraph) -> str:
    """Whether two igraph graphs have the same organisations, ties and weights, exactly."""
    if one.ids != other.ids:
        return "NO (organisations differ)"
    same = one.graph.get_edgelist() == other.graph.get_edgelist()
    same = same and one.graph.es["weight"] == other.graph.es["weight"]
    return "yes" if same else "NO"


def _compare_meeting_pairs(session, ids: list[int], runs: int) -> None:
    """The meetings' pairs counted two ways: attendances read and paired in numpy (what the
    app does), or the attendance table joined to itself and grouped by pair in the database."""
    connection = session.connection()
    attendance = meeting_companies.c
    sized = (
        select(attendance.meeting_id)
        .group_by(attendance.meeting_id)
        .having(func.count().between(2, g.MAX_MEETING_ORGS))
    )
    attendances = select(attendance.meeting_id, attendance.company_id).where(
        attendance.meeting_id.in_(sized)
    )
    first, second = meeting_companies.alias("first"), meeting_companies.alias("second")
    by_pair = (
        select(first.c.company_id, second.c.company_id, func.count())
        .join(
            second,
            and_(
                second.c.meeting_id == first.c.meeting_id,
                first.c.company_id < second.c.company_id,
            ),
        )
        .where(first.c.meeting_id.in_(sized))
        .group_by(first.c.company_id, second.c.company_id)
    )

    def array(statement, width: int) -> np.ndarray:
        values = connection.execute(statement).all()
        flat = np.fromiter(chain.from_iterable(values), dtype=np.int64, count=width * len(values))
        return flat.reshape(-1, width)

    def in_numpy() -> tuple[np.ndarray, np.ndarray]:
        pairs, hundredths = engine._meeting_pairs(
            g.Attendances(array(attendances, 2)), ids, g.MAX_MEETING_ORGS
        )
        return engine._summed(pairs, hundredths, max(ids) + 1)

    def in_sql() -> np.ndarray:
        return array(by_pair, 3)

    with g.paused_gc():  # as the app reads and builds
        numpy_samples, (pairs, hundredths) = _timed(in_numpy, runs)
        sql_samples, counted = _timed(in_sql, runs)
    # Both in order of pair, to compare (the database's GROUP BY promises no order).
    counted = counted[np.lexsort((counted[:, 1], counted[:, 0]))]
    equal = np.array_equal(pairs, counted[:, :2]) and np.array_equal(
        hundredths, counted[:, 2] * round(g.MEETING_WEIGHT * 100)
    )
    print(
        f"meetings' pairs ({len(pairs):,}; equal both ways: {equal}):\n"
        f"  attendances paired in numpy (the app)      {numpy_samples}\n"
        f"  self-join grouped by pair in the database  {sql_samples}"
    )


def _ratio(samples: Samples, floor: Samples) -> str:
    return f"{samples.median() / floor.median():.1f}× the floor"


def main() -> None:
    global WARMUPS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmups", type=int, default=WARMUPS)
    parser.add_argument("--database", default=None, help="keep the database in this file")
    parser.add_argument(
        "--database-url", default=None, help="use this database (e.g. PostgreSQL) instead"
    )
    parser.add_argument(
        "--no-networkx-job",
        dest="networkx_job",
        action="store_false",
        help="skip the networkx slow job (30-50 s) measured once for the ratio",
    )
    args = parser.parse_args()
    WARMUPS = args.warmups
    with tempfile.TemporaryDirectory(prefix="network-bench-") as folder:
        database = args.database or str(Path(folder) / "network.sqlite")
        url = args.database_url or f"sqlite:///{database}"
        _run(args, url, Path(folder) / "network-cache")


def _run(args: argparse.Namespace, url: str, cache_dir: Path) -> None:
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    app.config["NETWORK_CACHE_DIR"] = str(cache_dir)
    today = local_today()
    with app.app_context():
        upgrade()
        session = db.session
        if not session.scalar(select(func.count()).select_from(Company)):
            print("Generating the data (once)…", flush=True)
            _fill(session)
        print(
            f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
            f"{args.warmups} warm-ups, {args.runs} timed runs"
        )
        global SERVER_CPU
        SERVER_CPU = _backend_cpu(session)
        flt = NetworkFilter()

        # The map's path: the rows for the figures (meetings as bare attendances) and the
        # igraph graph from them.
        read_samples, rows = _timed(lambda: read_weight_rows(session, flt), args.runs)
        build_samples, weighted = _timed(lambda: cache.weighted_of(rows, flt, today), args.runs)
        total = read_samples + build_samples
        # The path before: every meeting as a row with its title and day (what the networkx
        # graph with reasons still reads), paired in Python.
        full_read, full_rows = _timed(lambda: read_graph_rows(session, flt), args.runs)
        full_build, from_full = _timed(lambda: cache.weighted_of(full_rows, flt, today), args.runs)
        full_total = full_read + full_build
        same = _same_graph(weighted, from_full)
        nx_build, graph = _timed(lambda: cache._networkx_of(full_rows, flt, today), args.runs)
        kinds = Counter(
            "+".join(
                kind for kind in ("link", "cluster", "meeting", "person") if d[f"{kind}_count"]
            )
            for _, _, d in graph.edges(data=True)
        )
        print(
            f"rows read: {rows.row_count:,}  nodes {graph.number_of_nodes():,}  "
            f"edges {graph.number_of_edges():,} "
            f"(igraph: {weighted.edge_count:,}; the same ties and weights both ways: {same})"
        )
        print("  edges by evidence: " + ", ".join(f"{k} {n:,}" for k, n in kinds.most_common()))
        edges = [(a, b, d["weight"]) for a, b, d in graph.edges(data=True)]
        floor_build, _ = _timed(
            lambda: nx.Graph([(a, b, {"weight": w}) for a, b, w in edges]), args.runs
        )
        print(f"read rows             {read_samples}")
        print(f"build igraph graph    {build_samples}")
        print(f"read + build          {total}   target <= 0.5 s, {_ratio(total, floor_build)}")
        print(
            f"  before: meetings read as rows {full_read}\n"
            f"          and built             {full_build}\n"
            f"          read + build          {full_total}   "
            f"now {total.cpu_median() / full_total.cpu_median():.2f}× its CPU"
        )
        print(f"  floor: nx.Graph from a plain weighted edge list   {floor_build}")
        print(
            f"  networkx graph with reasons (pages and exports)   {nx_build}"
            f"   {nx_build.median() / build_samples.median():.1f}× the igraph build"
        )
        _compare_meeting_pairs(session, [node[0] for node in rows.nodes], args.runs)

        fast, metrics = _timed(lambda: engine.fast_metrics(weighted), args.runs)
        communities, _ = _timed(lambda: engine.communities_of(weighted, seed=1), args.runs)
        both = fast + communities
        floor_fast, _ = _timed(lambda: g.compute_fast_metrics(graph), args.runs)
        floor_louvain, parts = _timed(
            lambda: nx.community.louvain_communities(graph, weight="weight", seed=1), args.runs
        )
        floor_both = floor_fast + floor_louvain
        ours = engine.modularity_of(weighted, engine.communities_of(weighted, seed=1))
        theirs = nx.community.modularity(graph, parts, weight="weight")
        print(f"degree + PageRank     {fast}   networkx {floor_fast}")
        print(f"communities (Louvain+Leiden) {communities}   networkx Louvain {floor_louvain}")
        print(
            f"degree+PR+communities {both}   target <= 0.5 s; networkx {floor_both}: "
            f"{floor_both.median() / both.median():.1f}× faster (target >= 5×)"
        )
        print(f"  modularity: igraph {ours:.4f}, networkx Louvain {theirs:.4f}")

        def slow_job():
            # What the background job does (cache.compute_figures), without the storing.
            fresh = read_weight_rows(session, flt)
            return cache.compute_slow(cache.weighted_of(fresh, flt, today))

        job_samples, (slow, positions) = _timed(slow_job, max(3, args.runs // 2), 1)
        print(
            f"slow job (read, build, betweenness k=500, communities, brokers, positions) "
            f"{job_samples}   target <= 5 s"
        )
        if args.networkx_job:
            started = time.perf_counter()
            nx_slow = g.compute_slow_metrics(graph)
            g.initial_positions(graph, communities={n: v["community"] for n, v in nx_slow.items()})
            took = time.perf_counter() - started
            print(
                f"  networkx's slow job on the built graph, once: {took:.1f} s "
                f"({took / job_samples.median():.0f}× the igraph job)"
            )

        top = sorted(graph.degree, key=lambda item: (-item[1], item[0]))[:VISIBLE]
        visible = graph.subgraph(node for node, _ in top).copy()
        view = cache.NetworkView(
            version="bench",
            filter=flt,
            graph=visible,
            metrics={n: {**metrics[n], **slow[n]} for n in visible},
            slow_ready=True,
            positions={n: positions[n] for n in visible},
            cluster_names=rows.cluster_names,
        )
        body = json.dumps(map_json(view, {}), separators=(",", ":"), ensure_ascii=False)
        floor_json = json.dumps(nx.node_link_data(visible, edges="links"), default=str)
        print(
            f"map JSON for {visible.number_of_nodes():,} visible nodes / "
            f"{visible.number_of_edges():,} edges: {len(body.encode()) / 1e6:.2f} MB  "
            f"target < 2 MB   (node_link_data would be {len(floor_json.encode()) / 1e6:.1f} MB)"
        )

        settings = cache.Settings(cache_dir=cache_dir)
        version = graph_version(session)
        cache.write_slow(cache_dir, version, flt.key(), slow, positions)

        def uncached():
            cache.memory.clear()
            return cache.get_view(session, flt, settings, today=today)

        uncached_samples, _ = _timed(uncached, args.runs)
        with_graph, _ = _timed(lambda: uncached().graph, args.runs)
        cached_samples, _ = _timed(
            lambda: cache.get_view(session, flt, settings, today=today), args.runs * 4
        )
        ratio = uncached_samples.median() / cached_samples.median()
        print(f"view, uncached (read+build+fast metrics+slow from disk) {uncached_samples}")
        print(f"  and its networkx graph (a page with reasons, exports) {with_graph}")
        print(
            f"view, cached (version query + memory)                   {cached_samples}"
            f"   ratio {ratio:,.0f}×"
        )
        version_samples, _ = _timed(lambda: graph_version(session), args.runs * 4)
        print(f"  of which the version query                            {version_samples}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
