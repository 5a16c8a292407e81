"""The JSON API against the HTML pages at Lillestrøm's scale, through gunicorn with 2 workers.

Fills a fresh database (SQLite in a temporary folder, or --database-url) with the synthetic
generator (11,000 organisations, 25,000 people, 60,000 meetings), makes a reader and a personal
API token with the real CLI (`flask crm create-token`), serves the app with gunicorn (2 sync
workers, as in production) and measures, with --clients concurrent keep-alive clients for
--seconds each:

- the organisations list, first page: `/api/v1/organisations?limit=50&sort=name` against the
  HTML list `/companies/?sort=name`;
- its last page: the API's cursor for the last 50 of 11,000 (keyset) against the HTML list's
  last page (`?page=220`, an OFFSET);
- one organisation: `/api/v1/organisations/<id>` against its HTML page `/companies/<id>`.

Each line prints requests per second over all clients, the median and p95 latency, and the
ratio of the API's p95 to the HTML page's p95 measured in the same run (below 1: the API is
faster). Figures go to bench/README.md.

    .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --companies 2000 --contacts 5000 --meetings 10000 --seconds 5
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.core_records import percentiles
from bench.network_load import _children, _flask, _free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EMAIL = "reader@bench.local"
PASSWORD = "benchmark password 2026"  # noqa: S105 - a throwaway account in a temporary database
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Client:
    """One keep-alive connection; a token header or a signed-in cookie."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}

    def get(self, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        method = "GET"
        if body is not None:
            method, data = "POST", urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content

    def sign_in(self) -> None:
        _status, html = self.get("/auth/login")
        token = _CSRF.search(html.decode()).group(1)
        status, _ = self.get(
            "/auth/login", {"email": EMAIL, "password": PASSWORD, "csrf_token": token}
        )
        if status != 302:
            raise SystemExit(f"signing in failed ({status})")


def _load(port: int, make, path: str, clients: int, seconds: float) -> tuple[float, list[float]]:
    """Requests/s and latencies of `clients` threads getting `path` for `seconds`."""
    samples: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    ready = [make() for _ in range(clients)]
    for client in ready:  # warm the connection and the workers
        client.get(path)
    stop = time.perf_counter() + seconds

    def work(client: Client) -> None:
        mine = []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            status, _ = client.get(path)
            mine.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
        with lock:
            samples.extend(mine)

    began = time.perf_counter()
    threads = [threading.Thread(target=work, args=(c,)) for c in ready]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"{path}: {len(errors)} answers not 200, e.g. {errors[:3]}")
    return len(samples) / elapsed, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=11_000)
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--meetings", type=int, default=60_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="api-bench-") as folder:
        folder_path = Path(folder)
        env = {
            **os.environ,
            "CRM_ENV": "development",
            "DATABASE_URL": args.database_url or f"sqlite:///{folder_path / 'api.sqlite'}",
            "SECRET_KEY": "bench-" + "x" * 40,
            "CRM_INSTANCE_PATH": str(folder_path / "instance"),
            "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
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
        _flask(
            env, "crm", "create-user", EMAIL, "--role=reader", "--password-stdin", stdin=PASSWORD
        )
        token = subprocess.run(
            [
                str(BIN / "flask"),
                "--app",
                "wsgi",
                "crm",
                "create-token",
                EMAIL,
                "--name=bench",
                "--scope=read",
                "--expires-in=1d",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[0]
        print(f"database filled in {time.perf_counter() - started:.0f} s")
        # The bench measures speed, not the per-token rate limit.
        (folder_path / "bench_wsgi.py").write_text(
            "from crm import create_app\napp = create_app(API_RATE_LIMIT='1000000/minute')\n"
        )
        port = _free_port()
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                f"--workers={args.workers}",
                f"--bind=127.0.0.1:{port}",
                "--timeout=60",
                "--log-level=warning",
                "bench_wsgi:app",
            ],
            cwd=folder,
            env=env,
            start_new_session=True,
        )
        try:
            _wait(port, server)
            print(
                f"gunicorn {len(_children(server.pid))} workers; {os.cpu_count()} CPUs, "
                f"load average {os.getloadavg()[0]:.1f}; {args.clients} clients, "
                f"{args.seconds:.0f} s per line"
            )
            _measure(port, token, args)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def _wait(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            Client(port).get("/healthz")
            return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.3)


def _measure(port: int, token: str, args: argparse.Namespace) -> None:
    def api() -> Client:
        return Client(port, {"Authorization": f"Bearer {token}"})

    def html() -> Client:
        client = Client(port, {"Accept-Language": "nb"})
        client.sign_in()
        return client

    walker = api()
    path = "/api/v1/organisations?limit=50&sort=name"
    _status, body = walker.get(path)
    page = json.loads(body)
    total = page["total"]
    last_cursor, pages = None, 1
    while page["next_cursor"]:
        last_cursor = page["next_cursor"]
        page = json.loads(walker.get(f"{path}&cursor={last_cursor}")[1])
        pages += 1
    some_id = page["items"][0]["id"]
    last_html_page = (total + 49) // 50
    cases = [
        ("list, first page", path, "/companies/?sort=name"),
        (
            f"list, last page ({pages})",
            f"{path}&cursor={last_cursor}",
            f"/companies/?sort=name&page={last_html_page}",
        ),
        ("one organisation", f"/api/v1/organisations/{some_id}", f"/companies/{some_id}"),
    ]
    print(f"{'line':<34}{'req/s':>8}{'median ms':>11}{'p95 ms':>9}{'p95 ratio':>11}")
    for label, api_path, html_path in cases:
        html_rate, html_samples = _load(port, html, html_path, args.clients, args.seconds)
        api_rate, api_samples = _load(port, api, api_path, args.clients, args.seconds)
        html_median, html_p95 = percentiles(html_samples)
        api_median, api_p95 = percentiles(api_samples)
        print(f"HTML {label:<29}{html_rate:>8.0f}{html_median:>11.1f}{html_p95:>9.1f}{'1.00':>11}")
        print(
            f"API  {label:<29}{api_rate:>8.0f}{api_median:>11.1f}{api_p95:>9.1f}"
            f"{api_p95 / html_p95:>11.2f}"
        )


if __name__ == "__main__":
    main()
