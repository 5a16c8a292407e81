"""Network figures at the Lillestrøm scale: rows → graph, metrics, map JSON size, cache.

Usage: .venv/bin/python bench/network.py [--runs 5] [--database /tmp/network-bench.sqlite]

Fills a SQLite database once with crm.demo.generate.generate (11,000 organisations, 25,000
contacts, 60,000 meetings, seed 1) plus explicit links (the generator makes none), then
prints median and p95 over repeated runs, with networkx alone on the same in-memory graph as
the floor. Timings belong here, not in the tests.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from config import TestingConfig  # noqa: E402
from crm import create_app  # noqa: E402
from crm.companies.models import Company  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.network import cache  # noqa: E402
from crm.network import graph as g  # noqa: E402
from crm.network.models import CollaborationLink  # noqa: E402
from crm.network.queries import NetworkFilter, graph_version, read_graph_rows  # noqa: E402
from crm.network.routes import map_json  # noqa: E402
from crm.network.services import seed_link_types  # noqa: E402

EXPLICIT_LINKS = 15_000
VISIBLE = 5_000


def _fill(session) -> None:
    from crm.demo.generate import generate

    generate(session, companies=11_000, contacts=25_000, meetings=60_000, seed=1)
    types = seed_link_types(session)
    ids = list(session.scalars(select(Company.id)))
    rng = random.Random(1)
    seen: set[tuple[int, int, int]] = set()
    rows = []
    while len(rows) < EXPLICIT_LINKS:
        a, b = rng.sample(ids, 2)
        kind = rng.choice(types).id
        key = (min(a, b), max(a, b), kind)
        if key in seen:
            continue
        seen.add(key)
        start = date(2016, 1, 1) + timedelta(days=rng.randrange(3000))
        end = start + timedelta(days=rng.randrange(200, 2000)) if rng.random() < 0.4 else None
        rows.append(
            {
                "source_id": key[0],
                "target_id": key[1],
                "link_type_id": kind,
                "directed": False,
                "start_date": start,
                "end_date": end,
                "evidence": "",
                "note": "",
                "is_demo": True,
                "version": 1,
            }
        )
    session.execute(insert(CollaborationLink), rows)
    session.commit()


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):7.3f} s   p95 {p95:7.3f} s"


def _timed(function, runs: int) -> tuple[list[float], object]:
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
    return samples, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--database", default=str(Path(tempfile.gettempdir()) / "network-bench.sqlite")
    )
    args = parser.parse_args()
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{args.database}")
    app.config["NETWORK_CACHE_DIR"] = tempfile.mkdtemp(prefix="network-bench-")
    with app.app_context():
        upgrade()
        session = db.session
        if not session.scalar(select(func.count()).select_from(Company)):
            print("Generating the data (once)…", flush=True)
            _fill(session)
        flt = NetworkFilter()

        read_samples, rows = _timed(lambda: read_graph_rows(session, flt), args.runs)

        def build():
            return g.build_graph(
                rows.nodes,
                links=rows.links,
                memberships=rows.memberships,
                meetings=rows.meetings,
                affiliations=rows.affiliations,
            )

        build_samples, graph = _timed(build, args.runs)
        total = [r + b for r, b in zip(read_samples, build_samples, strict=True)]
        print(
            f"rows read: {rows.row_count:,}  nodes {graph.number_of_nodes():,}  "
            f"edges {graph.number_of_edges():,}"
        )
        print(f"read rows            {_stats(read_samples)}")
        print(f"build graph          {_stats(build_samples)}")
        print(f"read + build         {_stats(total)}   target < 1 s")

        edges = [(a, b, d["weight"]) for a, b, d in graph.edges(data=True)]
        floor_build, _ = _timed(
            lambda: nx.Graph([(a, b, {"weight": w}) for a, b, w in edges]), args.runs
        )
        print(f"  floor: nx.Graph from a plain edge list   {_stats(floor_build)}")

        fast, metrics = _timed(lambda: g.compute_fast_metrics(graph), args.runs)
        communities, _ = _timed(
            lambda: nx.community.louvain_communities(graph, weight="weight", seed=1), args.runs
        )
        both = [f + c for f, c in zip(fast, communities, strict=True)]
        print(f"degree + PageRank    {_stats(fast)}")
        print(f"Louvain communities  {_stats(communities)}")
        print(f"degree+PR+communities {_stats(both)}   target < 3 s")
        floor_pr, _ = _timed(lambda: nx.pagerank(graph, weight="weight"), args.runs)
        print(f"  floor: nx.pagerank alone                 {_stats(floor_pr)}")

        started = time.perf_counter()
        slow, positions = cache.compute_slow(graph)
        print(
            f"slow job (betweenness k=500, communities, brokers, positions), once: "
            f"{time.perf_counter() - started:.1f} s  (background, never in a request)"
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

        cache_dir = Path(app.config["NETWORK_CACHE_DIR"])
        version = graph_version(session)
        cache.write_slow(cache_dir, version, flt.key(), slow, positions)

        def uncached():
            cache.memory.clear()
            return cache.get_view(session, flt, cache_dir=cache_dir)

        uncached_samples, _ = _timed(uncached, args.runs)
        cached_samples, _ = _timed(
            lambda: cache.get_view(session, flt, cache_dir=cache_dir), args.runs * 4
        )
        ratio = statistics.median(uncached_samples) / statistics.median(cached_samples)
        print(f"view, uncached (read+build+fast metrics+slow from disk) {_stats(uncached_samples)}")
        print(
            f"view, cached (version query + memory)                   {_stats(cached_samples)}"
            f"   ratio {ratio:,.0f}×"
        )
        version_samples, _ = _timed(lambda: graph_version(session), args.runs * 4)
        print(f"  of which the version query                            {_stats(version_samples)}")


if __name__ == "__main__":
    main()
