"""Sixteen network filters at once against gunicorn with two workers: CPU and memory until idle.

Usage: .venv/bin/python bench/network_load.py [--filters 16] [--workers 2] [--timeout 600]
       [--companies 11000 --contacts 25000 --meetings 60000] [--database-url URL]

Builds a temporary database (SQLite in a temporary folder unless --database-url names another,
e.g. a PostgreSQL database made for it: it is filled, so never name a real one) with the
migrations and `flask crm generate` at Lillestrøm's scale, adds a reader, and serves the app
with gunicorn (`--workers`, sync workers, a temporary instance folder and network cache) on a
free port of 127.0.0.1 only. Signs in through the login form, then:

1. baseline: one filter alone (`/network/graph.json?start=2015-01-01`), polled until ready;
2. burst: `--filters` requests with distinct `start=` dates sent at once, as one reader;
3. patient: the same reader asks again for every refused or pending filter, waiting as long as
   each answer's Retry-After says (or 3 s for a 202), until every filter's map is ready.

Status 0 in the counts: no answer within 120 s (the client gave up, or gunicorn's timeout
killed the worker).

For each phase it waits until the workers are idle (less than 0.05 CPU seconds in 2 s), and
prints the CPU seconds the gunicorn workers spent (user + system, from /proc), the highest
resident memory of each worker seen during the phase (sampled every 0.25 s) and its peak
(VmHWM), the statuses returned, and median/p95 of the request times. Linux only (/proc).
Bounded: every phase gives up after --timeout seconds and says so.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "bench-reader-password-1"  # noqa: S105  (a throwaway user in a throwaway database)
TICKS = os.sysconf("SC_CLK_TCK")

# As wsgi.py serves the app: made once, then settled for serving (crm.common.process).
WSGI = """
from crm import create_app
from crm.common.process import settle_for_serving
app = create_app(NETWORK_CACHE_DIR={cache!r}, NETWORK_MAX_QUEUED={queued},
                 NETWORK_JOB_SLOTS={slots}, NETWORK_MEMORY_CEILING_MB={ceiling})
settle_for_serving()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flask(env: dict, *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        text=True,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _memory_mb(pid: int) -> tuple[float, float]:
    """(current resident memory, peak resident memory) in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


class Monitor:
    """Samples the workers' CPU time and resident memory in the background."""

    def __init__(self, workers: list[int]) -> None:
        self.workers = workers
        self.cpu_start = {pid: _cpu_seconds(pid) for pid in workers}
        self.rss_max = dict.fromkeys(workers, 0.0)
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            for pid in self.workers:
                self.rss_max[pid] = max(self.rss_max[pid], _memory_mb(pid)[0])
            time.sleep(0.25)

    def wait_idle(self, timeout: float) -> bool:
        """Until the workers spend less than 0.05 CPU s in 2 s; False at the timeout."""
        deadline = time.monotonic() + timeout
        before = sum(_cpu_seconds(pid) for pid in self.workers)
        while time.monotonic() < deadline:
            time.sleep(2)
            now = sum(_cpu_seconds(pid) for pid in self.workers)
            if now - before < 0.05:
                return True
            before = now
        return False

    def report(self, label: str, started: float, idle: bool) -> dict:
        """Stop sampling and print the phase's figures."""
        self.running = False
        self.thread.join()
        cpu = {pid: _cpu_seconds(pid) - self.cpu_start[pid] for pid in self.workers}
        peaks = {pid: _memory_mb(pid)[1] for pid in self.workers}
        print(
            f"  {label}: {time.monotonic() - started:6.1f} s until idle"
            f"{'' if idle else ' (TIMEOUT: not idle)'}; CPU {sum(cpu.values()):6.1f} s "
            f"({', '.join(f'{value:.1f}' for value in cpu.values())} per worker); "
            f"RSS max {', '.join(f'{self.rss_max[pid]:.0f}' for pid in self.workers)} MB, "
            f"peak (VmHWM) {', '.join(f'{peaks[pid]:.0f}' for pid in self.workers)} MB",
            flush=True,
        )
        return {"cpu": cpu, "rss_max": dict(self.rss_max), "peak": peaks}


class Reader:
    """One signed-in reader with a cookie jar (urllib: nothing to install)."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(self, path: str) -> tuple[int, dict, bytes, float]:
        """(status, headers, body, seconds); status 0 when no answer came (timeout, reset)."""
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=120) as response:
                status, headers, body = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, dict(error.headers), error.read()
        except OSError:
            status, headers, body = 0, {}, b""
        return status, headers, body, time.perf_counter() - started

    def sign_in(self, email: str) -> None:
        _status, _headers, body, _took = self.get("/auth/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body)
        if token is None:
            token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
        data = urllib.parse.urlencode(
            {"email": email, "password": PASSWORD, "csrf_token": token.group(1).decode()}
        ).encode()
        with self.opener.open(self.base + "/auth/login", data=data, timeout=60) as response:
            if "/auth/login" in response.url:
                raise SystemExit("signing in failed")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _times(label: str, took: list[float], statuses: Counter) -> None:
    print(
        f"  {label}: {dict(sorted(statuses.items()))}; request time median "
        f"{statistics.median(took):.2f} s, p95 {_percentile(took, 0.95):.2f} s",
        flush=True,
    )


def _until_ready(reader: Reader, paths: list[str], timeout: float) -> tuple[Counter, list[float]]:
    """Ask for each path until it answers 200, as Retry-After (or 3 s for a 202) says."""
    statuses: Counter = Counter()
    took: list[float] = []
    due = dict.fromkeys(paths, 0.0)
    deadline = time.monotonic() + timeout
    while due and time.monotonic() < deadline:
        path = min(due, key=due.get)
        time.sleep(max(0.0, due[path] - time.monotonic()))
        status, headers, _body, seconds = reader.get(path)
        statuses[status] += 1
        took.append(seconds)
        if status == 200:
            del due[path]
        else:
            due[path] = time.monotonic() + float(headers.get("Retry-After", 3))
    if due:
        print(f"  TIMEOUT: {len(due)} filters not ready after {timeout:.0f} s", flush=True)
    return statuses, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filters", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--companies", type=int, default=11000)
    parser.add_argument("--contacts", type=int, default=25000)
    parser.add_argument("--meetings", type=int, default=60000)
    parser.add_argument("--max-queued", type=int, default=4)
    parser.add_argument("--job-slots", type=int, default=1)
    parser.add_argument("--memory-ceiling-mb", type=int, default=0, help="0: none")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="network-load-") as folder:
        folder_path = Path(folder)
        database = args.database_url or f"sqlite:///{folder_path / 'load.sqlite'}"
        env = {
            **os.environ,
            "CRM_ENV": "development",
            "DATABASE_URL": database,
            "SECRET_KEY": "bench-" + "x" * 40,
            "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
            "CRM_INSTANCE_PATH": str(folder_path / "instance"),
        }
        started = time.perf_counter()
        _flask(env, "db", "upgrade")
        _flask(env, "crm", "seed-reference")
        _flask(
            env,
            "crm",
            "generate",
            f"--companies={args.companies}",
            f"--contacts={args.contacts}",
            f"--meetings={args.meetings}",
        )
        email = "reader@bench.local"
        _flask(
            env, "crm", "create-user", email, "--role=reader", "--password-stdin", stdin=PASSWORD
        )
        print(
            f"database filled in {time.perf_counter() - started:.0f} s ({database.split(':')[0]})"
        )
        (folder_path / "bench_wsgi.py").write_text(
            WSGI.format(
                cache=str(folder_path / "network-cache"),
                queued=args.max_queued,
                slots=args.job_slots,
                ceiling=args.memory_ceiling_mb or None,
            )
        )
        port = _free_port()
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                f"--workers={args.workers}",
                f"--bind=127.0.0.1:{port}",
                "--timeout=120",
                "--log-level=warning",
                "bench_wsgi:app",
            ],
            cwd=folder,
            env=env,
            start_new_session=True,
        )
        try:
            _bench(args, server, f"http://127.0.0.1:{port}", email)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a worker still in a slow job
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def _bench(args: argparse.Namespace, server: subprocess.Popen, base: str, email: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5).close()  # noqa: S310 (http only)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.5)
    workers = _children(server.pid)
    print(
        f"gunicorn {len(workers)} workers on {base}; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; max queued {args.max_queued} per worker, "
        f"{args.job_slots} job slot(s), memory ceiling {args.memory_ceiling_mb or 'none'}"
    )
    reader = Reader(base)
    reader.sign_in(email)
    reader.get("/")  # the first request of each worker imports and warms
    idle_rss = {pid: _memory_mb(pid)[0] for pid in workers}
    print(f"  idle after sign-in: RSS {', '.join(f'{v:.0f}' for v in idle_rss.values())} MB")

    monitor, started = Monitor(workers), time.monotonic()
    statuses, took = _until_ready(reader, ["/network/graph.json?start=2015-01-01"], args.timeout)
    _times("baseline, one filter until its map is ready", took, statuses)
    monitor.report("baseline", started, monitor.wait_idle(args.timeout))

    paths = [
        f"/network/graph.json?start={date(2016, 1, 1).replace(month=1 + n % 12, day=1 + n // 12)}"
        for n in range(args.filters)
    ]
    monitor, started = Monitor(workers), time.monotonic()
    results: list[tuple[int, dict, bytes, float]] = []
    threads = [
        threading.Thread(target=lambda path=path: results.append(reader.get(path)))
        for path in paths
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _times(
        f"burst, {len(paths)} distinct filters at once",
        [result[3] for result in results],
        Counter(result[0] for result in results),
    )
    retry = [int(r[1]["Retry-After"]) for r in results if r[0] == 429]
    if retry:
        message = json.loads(next(r[2] for r in results if r[0] == 429))["message"]
        print(f"  429 Retry-After {min(retry)}–{max(retry)} s: {message}")
    burst = monitor.report("burst", started, monitor.wait_idle(args.timeout))

    monitor, started = Monitor(workers), time.monotonic()
    statuses, took = _until_ready(reader, paths, args.timeout)
    _times("patient: every filter again, as Retry-After says, until ready", took, statuses)
    patient = monitor.report("patient", started, monitor.wait_idle(args.timeout))
    total = sum(burst["cpu"].values()) + sum(patient["cpu"].values())
    print(f"  burst + patient: CPU {total:.1f} s for {len(paths)} filters")


if __name__ == "__main__":
    main()
