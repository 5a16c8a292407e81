"""The spreadsheet wizard under hostile and large files (issue 10, item 9): time per step.

Builds a fresh SQLite database in a temporary directory through the real migrations, serves the
app with a real HTTP server on 127.0.0.1 and signs in through the login form, as
bench/core_records.py does. Then, over HTTP:

- the dimension bomb: a 5 KB XLSX whose sheet claims A1:XFD1048576 and has a cell at row
  1,048,576 (refused at upload: target under 1 s); a 5,000-column CSV (refused at upload);
- the largest genuine workbook the limits accept, generated here: 10,000 rows of 49 text
  columns (just under the 500,000-cell limit), about 45 MB unpacked and under the 10 MB upload
  cap, taken through every step: upload, columns (GET), mapping (POST), preview (GET), import
  (POST);
  the organisations it creates are deleted between runs, so every run imports the same rows;
- a genuine 45 MB XLSX file (the review's size), which the 10 MB upload cap refuses.

Beside them, the floors measured in the same run: openpyxl alone reading the genuine workbook
(read-only, every row, as the upload does after its checks), and the upload of a 3-row CSV.
Median and p95 over the runs, and the ratio to the floor.

    .venv/bin/python bench/imports_upload.py              # 5 runs
    .venv/bin/python bench/imports_upload.py --runs 3
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import platform
import random
import re
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    # Run as a script: make the repository importable without installing it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl
from flask_migrate import upgrade
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete
from werkzeug.serving import make_server

from bench.core_records import QuietHandler, _nproc, percentiles
from config import TestingConfig
from crm import create_app
from crm.auth import services as auth_services
from crm.companies.models import Company
from crm.extensions import db
from crm.imports.models import ImportChange, ImportRun, ImportUpload

EMAIL = "bench@lillestrom.kommune.no"
PASSWORD = "benchmark password 2026"  # noqa: S105 - a throwaway account in a temporary database
TARGET_BOMB_S = 1.0
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
_TOKEN = re.compile(r"/imports/spreadsheet/([A-Za-z0-9_-]+)/columns")
_WORDS = [
    "klima",
    "energi",
    "miljø",
    "helse",
    "innovasjon",
    "klynge",
    "nettverk",
    "hydrogen",
    "solenergi",
    "batteri",
    "forskning",
    "utdanning",
    "kjeller",
    "lillestrøm",
    "strømmen",
    "fetsund",
    "sørumsand",
    "berger",
    "heia",
    "leverandør",
    "prosjekt",
    "samarbeid",
    "møte",
    "besøk",
    "tilbud",
    "etablering",
    "tomt",
    "lokaler",
    "arbeidsplasser",
]


class Client:
    """One keep-alive connection with a cookie jar; forms and file uploads."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, body: bytes = b"", content_type: str = "") -> tuple:
        """(status, text) of one request."""
        headers = {"Accept-Language": "nb"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        self.connection.request(method, path, body=body or None, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.status == 413:
            # The server refuses before reading the body; start afresh, as a browser does.
            self.connection.close()
        return response.status, text

    def form(self, path: str, fields: dict) -> tuple:
        """POST a form with the CSRF token of the page at `path`."""
        return self.send(
            "POST",
            path,
            urlencode({**fields, "csrf_token": self.token(path)}).encode(),
            "application/x-www-form-urlencoded",
        )

    def token(self, path: str) -> str:
        """The CSRF token of the form on a page."""
        status, html = self.send("GET", path)
        match = _CSRF.search(html)
        if not match:
            raise SystemExit(f"{path} shows no form (HTTP {status}).")
        return match.group(1)

    def upload(self, data: bytes, filename: str, token: str) -> tuple:
        """POST the upload form with a file, as a browser does (multipart)."""
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in (("csrf_token", token), ("kind", "organisations")):
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.send(
            "POST",
            "/imports/spreadsheet",
            b"".join(parts),
            f"multipart/form-data; boundary={boundary}",
        )


# --- files -----------------------------------------------------------------------------------


def dimension_bomb() -> bytes:
    """About 5 KB: A1:XFD1048576 claimed, a cell at row 1,048,576."""
    book = Workbook()
    for reference, value in (("A1", "Navn"), ("A2", "Ærlig AS"), ("A1048576", "x")):
        book.active[reference] = value
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', content
                )
            target.writestr(entry, content)
    return out.getvalue()


def genuine_workbook(rows: int, extra_columns: int, words: int, seed: int = 1) -> bytes:
    """Organisations with an address and `extra_columns` note columns of `words` words each."""
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    header = ["Navn", "Adresse", "Postnr", "Poststed", "Nettside", "Ansatte", "Beskrivelse"]
    sheet.append(header + [f"Notat {n}" for n in range(1, extra_columns + 1)])
    places = ["Lillestrøm", "Kjeller", "Strømmen", "Fetsund", "Sørumsand", "Skjetten"]
    for row in range(rows):
        notes = [" ".join(rng.choices(_WORDS, k=words)) + f" {row}" for _ in range(extra_columns)]
        sheet.append(
            [
                f"Benk {row} {rng.choice(_WORDS).capitalize()} AS",
                f"Storgata {row % 300 + 1}",
                f"{2000 + row % 100:04d}",
                rng.choice(places),
                f"https://benk{row}.example.no",
                rng.randint(1, 500),
                " ".join(rng.choices(_WORDS, k=words * 2)),
                *notes,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def large_workbook(megabytes: int = 45, seed: int = 1) -> bytes:
    """A genuine workbook of about `megabytes` MB: 10 columns of random (incompressible) text."""
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([f"Kolonne {n}" for n in range(1, 11)])
    # Random base64 packs to about 3/4 of its length, so each row adds about 1.85 KB.
    for _row in range(megabytes * 1024 * 1024 // 1850):
        sheet.append([base64.b64encode(rng.randbytes(170)).decode() for _ in range(10)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def unpacked(data: bytes) -> int:
    """The bytes a zip unpacks to."""
    return sum(entry.file_size for entry in zipfile.ZipFile(io.BytesIO(data)).infolist())


def openpyxl_floor(data: bytes) -> None:
    """What openpyxl alone costs: open read-only and walk every row's values."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    for _row in book.worksheets[0].iter_rows(values_only=True):
        pass
    book.close()


# --- measuring -------------------------------------------------------------------------------


def timed(step: Callable[[], tuple]) -> tuple[float, tuple]:
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def wizard(client: Client, data: bytes, filename: str) -> dict[str, float]:
    """Take one file through every step; return the seconds per step."""
    token = client.token("/imports/spreadsheet")
    seconds: dict[str, float] = {}
    seconds["upload"], (status, text) = timed(lambda: client.upload(data, filename, token))
    match = _TOKEN.search(text)
    if status != 302 or not match:
        reason = re.search(r'id="file-error"[^>]*>([^<]*)', text)
        raise SystemExit(f"The upload was refused (HTTP {status}): {reason and reason.group(1)}")
    columns = f"/imports/spreadsheet/{match.group(1)}/columns"
    preview = columns.replace("/columns", "/preview")
    seconds["columns"], (status, _) = timed(lambda: client.send("GET", columns))
    mapping = {"col_0": "name", "col_1": "address", "col_2": "postcode", "col_3": "post_town"}
    csrf = client.token(columns)
    seconds["mapping"], (status, _) = timed(
        lambda: client.send(
            "POST",
            columns,
            urlencode({**mapping, "csrf_token": csrf}).encode(),
            "application/x-www-form-urlencoded",
        )
    )
    if status != 302:
        raise SystemExit(f"The mapping was not accepted (HTTP {status}).")
    seconds["preview"], (status, html) = timed(lambda: client.send("GET", preview))
    csrf = _CSRF.search(html).group(1)
    seconds["import"], (status, _) = timed(
        lambda: client.send(
            "POST",
            preview,
            urlencode({"default_decision": "skip", "csrf_token": csrf}).encode(),
            "application/x-www-form-urlencoded",
        )
    )
    if status != 302:
        raise SystemExit(f"The import did not finish (HTTP {status}).")
    return seconds


def refusal(client: Client, data: bytes, filename: str, expected: int) -> float:
    token = client.token("/imports/spreadsheet")
    seconds, (status, _) = timed(lambda: client.upload(data, filename, token))
    if status != expected:
        raise SystemExit(f"{filename}: HTTP {status}, expected {expected}.")
    return seconds


def line(label: str, samples: list[float], floor: list[float] | None = None, note: str = "") -> str:
    median, p95 = percentiles(samples)
    ratio = f"{median / percentiles(floor)[0]:.1f}" if floor else ""
    return f"| {label} | {median / 1000:.3f} | {p95 / 1000:.3f} | {ratio} | {note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--extra-columns", type=int, default=42)
    parser.add_argument("--words", type=int, default=5)
    args = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {_nproc()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, openpyxl {openpyxl.__version__}"
    )
    started = time.perf_counter()
    bomb = dimension_bomb()
    genuine = genuine_workbook(args.rows, args.extra_columns, args.words)
    wide_csv = ((",".join(["a"] * 5000) + "\n") * 200).encode()
    big = large_workbook()
    print(
        f"Files made in {time.perf_counter() - started:.0f} s: bomb {len(bomb):,} B; genuine "
        f"{len(genuine) / 1e6:.1f} MB ({unpacked(genuine) / 1e6:.1f} MB unpacked, "
        f"{args.rows:,} rows x {7 + args.extra_columns} columns); 5,000-column CSV "
        f"{len(wide_csv) / 1e6:.1f} MB; large {len(big) / 1e6:.1f} MB"
    )

    with tempfile.TemporaryDirectory(prefix="koblingsboks-bench-") as tmp:
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(tmp) / 'b.db'}")
        with app.app_context():
            upgrade()
            auth_services.create_user(
                db.session, email=EMAIL, name="Benchmark", role="editor", password=PASSWORD
            )
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            results = _measure(app, server.server_port, args.runs, bomb, genuine, wide_csv, big)
        finally:
            server.shutdown()
            thread.join()
    floor_small, floor_openpyxl = results.pop("floor: 3-row CSV"), results.pop("floor: openpyxl")
    print("\n| step | median s | p95 s | ratio | note |\n|---|---:|---:|---:|---|")
    bomb_samples = results.pop("dimension bomb")
    print(line("dimension bomb, upload (refused)", bomb_samples, floor_small, "vs 3-row CSV"))
    print(line("5,000-column CSV, upload (refused)", results.pop("wide CSV"), floor_small))
    print(line("45 MB XLSX, upload (refused: 413)", results.pop("large"), floor_small))
    print(line("floor: upload of a 3-row CSV", floor_small))
    for step in ("upload", "columns", "mapping", "preview", "import"):
        floor = floor_openpyxl if step == "upload" else None
        note = "vs openpyxl alone" if floor else ""
        print(line(f"genuine workbook: {step}", results[step], floor, note))
    print(line("floor: openpyxl reads the genuine workbook", floor_openpyxl))
    worst = max(bomb_samples)
    print(f"\nDimension bomb: slowest refusal {worst:.3f} s (target < {TARGET_BOMB_S} s).")
    sys.exit(0 if worst < TARGET_BOMB_S else 1)


def _measure(app, port, runs, bomb, genuine, wide_csv, big) -> dict[str, list[float]]:
    client = Client(port)
    status, _ = client.form("/auth/login", {"email": EMAIL, "password": PASSWORD})
    if status != 302:
        raise SystemExit(f"Signing in failed (HTTP {status}).")
    results: dict[str, list[float]] = {}
    small = "Navn;Poststed\nInfinitum AS;Fetsund\nNitja;Lillestrøm\nRainPower AS;Sørumsand\n"
    for run in range(runs + 1):  # the first run warms up and is not counted
        measured = {
            "dimension bomb": refusal(client, bomb, "bomb.xlsx", 400),
            "wide CSV": refusal(client, wide_csv, "wide.csv", 400),
            "large": refusal(client, big, "large.xlsx", 413),
            "floor: openpyxl": timed(lambda: (openpyxl_floor(genuine), ()))[0],
        }
        measured.update(wizard(client, genuine, "genuine.xlsx"))
        measured["floor: 3-row CSV"] = refusal(client, small.encode(), "small.csv", 302)
        with app.app_context():
            # The next run imports the same rows again, into the same empty table.
            for model in (ImportChange, ImportRun, ImportUpload, Company):
                db.session.execute(delete(model))
            db.session.commit()
        if run:
            for key, value in measured.items():
                results.setdefault(key, []).append(value)
        print(f"run {run}{' (warm-up)' if not run else ''}: upload {measured['upload']:.1f} s")
    return results


if __name__ == "__main__":
    main()
