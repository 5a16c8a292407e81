"""Throughput: the list pages and the organisation page against a bare Flask list, under wrk.

Usage: .venv/bin/python bench/throughput.py [--database-url URL | --db PATH]
       [--workers 2] [--worker-class sync|gthread] [--threads 4] [--seconds 6] [--rounds 3]

Fills a database at Lillestrøm's scale as `bench/core_records.py` does (the same generator,
advisers and cases; a temporary SQLite file unless --db or --database-url names one, reused
when it has records; ANALYZE on PostgreSQL), signs in as the bench's adviser, and serves the
app with gunicorn (`bench/load.py`'s start: --workers, --worker-class) on a free port of
127.0.0.1. The floor, in the same run behind the same gunicorn settings, is a bare Flask app
that lists 50 rows of the same companies table: one plain SQL statement through a SQLAlchemy
engine and a minimal Jinja table, no session, no sign-in. wrk (Debian's package; 2 threads,
8 connections, --seconds each, no think time) loads the floor, the organisation list, an
organisation page and the people, meetings, tasks and cases lists with the adviser's cookie;
each page is checked to answer 200 first (wrk would count a redirect to the login as a
success). The floor and the page take turns, --rounds times per page (the host's speed
drifts from minute to minute). Printed per page: the floor's requests/s beside it and the
page's (means of the rounds), the page's p50, p95 and p99 (wrk's latency histogram, p95
through a small Lua script; the round with the median p95), and the share of the floor's rate.

Targets (issue 17): each page at least 35 % of the floor's requests/s, with p95 under 50 ms.
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import core_records
from bench.core_records import EMAIL, PASSWORD, Browser
from bench.load import _gunicorn, _stop
from bench.network_load import ROOT, _children, _free_port

TARGET_SHARE = 0.35
TARGET_P95_MS = 50.0

FLOOR = '''
import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])
TABLE = """<!doctype html><html lang="nb"><head><title>Organisasjoner</title></head><body>
<table><thead><tr><th>Navn</th><th>Organisasjonsnummer</th><th>Type</th><th>Ansatte</th>
<th>Sted</th></tr></thead><tbody>
{% for row in rows %}<tr><th><a href="/companies/{{ row.id }}">{{ row.name }}</a></th>
<td>{{ row.org_number or "" }}</td><td>{{ row.kind }}</td><td>{{ row.employees or "" }}</td>
<td>{{ row.place or "" }}</td></tr>
{% endfor %}</tbody></table></body></html>"""
QUERY = text(
    "SELECT c.id, c.name, c.org_number, c.kind, c.employees, p.name AS place "
    "FROM companies c LEFT JOIN places p ON p.id = c.place_id "
    "ORDER BY c.name, c.id LIMIT 50"
)


@app.get("/")
def floor():
    with engine.connect() as connection:
        rows = connection.execute(QUERY).all()
    return render_template_string(TABLE, rows=rows)
'''

# As wsgi.py serves the app: made once, then settled for serving (crm.common.process).
WSGI = """
from crm import create_app
from crm.common.process import settle_for_serving
app = create_app(NETWORK_CACHE_DIR={cache!r})
settle_for_serving()
"""

# wrk's --latency table has no 95th percentile; its Lua hook reads the histogram.
PERCENTILES_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("PERCENTILES %d %d %d\\n",
    latency:percentile(50.0), latency:percentile(95.0), latency:percentile(99.0)))
end
"""


@dataclass
class Load:
    """What wrk measured on one page."""

    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    bad: int
    # CPU per request (ms): the server's workers, and wrk itself (the rest of the machine's
    # time goes to the kernel and, on PostgreSQL, to the database's own processes).
    worker_ms: float = 0.0
    client_ms: float = 0.0


def _combined(loads: list[Load]) -> Load:
    """Rounds of one URL as one load: the mean rate, the median round's percentiles."""
    middle = sorted(loads, key=lambda load: load.p95_ms)[len(loads) // 2]
    return Load(
        rate=statistics.fmean(load.rate for load in loads),
        p50_ms=middle.p50_ms,
        p95_ms=middle.p95_ms,
        p99_ms=middle.p99_ms,
        bad=sum(load.bad for load in loads),
        worker_ms=statistics.fmean(load.worker_ms for load in loads),
        client_ms=statistics.fmean(load.client_ms for load in loads),
    )


def _cpu_seconds(server: subprocess.Popen) -> float:
    """User and system CPU seconds of gunicorn's master and workers so far."""
    ticks = 0
    for pid in [server.pid, *_children(server.pid)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker that has just been replaced
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _measured(server: subprocess.Popen, url: str, **options) -> Load:
    """wrk on `url`, with the CPU per request of the server's processes and of wrk."""
    before, client_before = _cpu_seconds(server), _children_cpu()
    load = wrk(url, **options)
    requests = max(load.rate * options["seconds"], 1)
    load.worker_ms = (_cpu_seconds(server) - before) * 1000 / requests
    load.client_ms = (_children_cpu() - client_before) * 1000 / requests
    return load


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(url: str, *, seconds: int, script: Path, cookie: str | None = None) -> Load:
    """Run wrk (2 threads, 8 connections) on one URL."""
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout=30s", "-s", str(script), url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    percentiles = re.search(r"^PERCENTILES (\d+) (\d+) (\d+)$", output, re.MULTILINE)
    if not (rate and percentiles):
        raise SystemExit(f"wrk's output was not understood:\n{output}")
    p50, p95, p99 = (int(value) / 1000 for value in percentiles.groups())
    bad = sum(
        int(n)
        for n in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors:.*?timeout) (\d+)", output)
    )
    return Load(float(rate.group(1)), p50, p95, p99, bad)


def _pages(cases) -> dict[str, str]:
    """The pages to load, by label, from core_records' pages."""
    paths = {label: path for label, path, _floor in cases}
    company_page = next(path for label, path in paths.items() if label.startswith("company page"))
    return {
        "organisation list": paths["companies (plain list, by name)"],
        "organisation page": company_page,
        "people list": paths["people list"],
        "meetings list": paths["meetings list"],
        "tasks list": paths["tasks list (my tasks)"],
        "cases list": paths["cases list"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    core_records.add_database_arguments(parser)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=6, help="wrk's duration per round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="floor, then page, this many times per page"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk).")

    with tempfile.TemporaryDirectory(prefix="throughput-") as folder:
        folder_path = Path(folder)
        url = core_records.database_url(args, folder_path)
        _app, cases = core_records.filled_app(args, folder_path)
        pages = _pages(cases)
        env = {
            **os.environ,
            "CRM_ENV": "development",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
            "CRM_INSTANCE_PATH": str(folder_path / "instance"),
        }
        (folder_path / "bench_wsgi.py").write_text(
            WSGI.format(cache=str(folder_path / "network-cache"))
        )
        (folder_path / "floor_wsgi.py").write_text(FLOOR)
        script = folder_path / "percentiles.lua"
        script.write_text(PERCENTILES_LUA)
        print(
            f"gunicorn {args.workers} × {args.worker_class}"
            + (f" ({args.threads} threads)" if args.worker_class == "gthread" else "")
            + f"; wrk 2 threads, 8 connections; per page {args.rounds} rounds of the floor"
            + f" then the page, {args.seconds} s each"
        )

        # Both servers stay up (an idle sync worker costs nothing) and the floor is loaded
        # again right before each page: this machine's speed drifts by a third from minute to
        # minute (a shared host), so each page is compared with the floor measured beside it.
        floor_port, port = _free_port(), None
        floor_server = _gunicorn(args, folder_path, env, "floor_wsgi:app", floor_port)
        server = None
        results: dict[str, tuple[Load, Load]] = {}
        try:
            port = _free_port()
            server = _gunicorn(args, folder_path, env, "bench_wsgi:app", port)
            browser = Browser(port)
            browser.sign_in(EMAIL, PASSWORD)
            cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
            for label, path in pages.items():
                status, _ = browser.request("GET", path)
                if status != 200:
                    raise SystemExit(f"GET {path} answered HTTP {status}, not 200")
                floors, loads = [], []
                for _round in range(args.rounds):
                    floors.append(
                        _measured(
                            floor_server,
                            f"http://127.0.0.1:{floor_port}/",
                            seconds=args.seconds,
                            script=script,
                        )
                    )
                    loads.append(
                        _measured(
                            server,
                            f"http://127.0.0.1:{port}{path}",
                            seconds=args.seconds,
                            script=script,
                            cookie=cookie,
                        )
                    )
                results[label] = (_combined(floors), _combined(loads))
        finally:
            if server is not None:
                _stop(server)
            _stop(floor_server)

    print(
        f"\n{'page':<20} {'floor/s':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'share':>6}  result  CPU ms a request: workers (the floor's), wrk"
    )
    failures = 0
    for label, (floor, load) in results.items():
        share = load.rate / floor.rate
        ok = share >= TARGET_SHARE and load.p95_ms < TARGET_P95_MS and not load.bad
        failures += not ok
        print(
            f"{label:<20} {floor.rate:8.0f} {load.rate:8.0f} {load.p50_ms:7.1f} "
            f"{load.p95_ms:7.1f} {load.p99_ms:7.1f} {share:6.0%}  {'PASS' if ok else 'FAIL'}"
            + f"  {load.worker_ms:5.2f} ({floor.worker_ms:4.2f}), {load.client_ms:4.2f}"
            + (f" ({load.bad} bad answers)" if load.bad else "")
        )
    floors = sorted((floor for floor, _ in results.values()), key=lambda load: load.rate)
    print(
        f"\nThe floor's own runs: {floors[0].rate:.0f}–{floors[-1].rate:.0f} requests/s, "
        f"p95 {min(f.p95_ms for f in floors):.1f}–{max(f.p95_ms for f in floors):.1f} ms"
    )
    print(
        f"\nTargets: at least {TARGET_SHARE:.0%} of the floor's requests/s and p95 under "
        f"{TARGET_P95_MS:.0f} ms; {failures} page(s) missed"
    )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
