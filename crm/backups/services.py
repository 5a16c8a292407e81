"""Copy the database to a file and back: SQLite's online backup API, or pg_dump/pg_restore.

The PostgreSQL tools run as subprocesses without a shell, with arguments built here.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from crm.common.folding import register_sqlite_fold

# The first bytes of each kind of file: a restore refuses a file of the other kind.
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
PG_TIMEOUT_SECONDS = 3600


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    """What a backup or restore wrote, for the command to report."""

    path: Path
    kind: str  # "sqlite" or "postgresql"
    size: int


def backup_database(url: str | URL, path: Path) -> BackupResult:
    """Write a consistent copy of the database at `url` to `path` (never half a file)."""
    url = make_url(url)
    path = Path(path)
    if path.exists():
        raise BackupError(
            f"{path} exists already; choose a new file name (nothing is overwritten)."
        )
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            kind = "sqlite"
            _backup_sqlite(url, partial)
        elif url.get_backend_name() == "postgresql":
            kind = "postgresql"
            _backup_postgresql(url, partial)
        else:
            raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path=path, kind=kind, size=path.stat().st_size)


def restore_database(url: str | URL, path: Path) -> BackupResult:
    """Bring the backup at `path` back into the EMPTY database at `url`; refuse any other."""
    url = make_url(url)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    with path.open("rb") as file:
        head = file.read(16)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(
                f"{path} is not a SQLite backup; it cannot go into a SQLite database."
            )
        _refuse_non_empty(url)
        _restore_sqlite(url, path)
        kind = "sqlite"
    elif backend == "postgresql":
        if not head.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(
                f"{path} is not a pg_dump custom-format backup; it cannot go into PostgreSQL."
            )
        _refuse_non_empty(url)
        _restore_postgresql(url, path)
        kind = "postgresql"
    else:
        raise BackupError(f"Restoring into {backend} databases is not supported.")
    return BackupResult(path=path, kind=kind, size=path.stat().st_size)


def table_names(url: str | URL) -> list[str]:
    """The tables the database at `url` holds (an empty database holds none)."""
    engine = sa.create_engine(make_url(url), poolclass=sa.pool.NullPool)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _refuse_non_empty(url: URL) -> None:
    tables = table_names(url)
    if tables:
        raise BackupError(
            f"The database {url.render_as_string(hide_password=True)} is not empty "
            f"({len(tables)} tables, e.g. {', '.join(sorted(tables)[:3])}). A restore goes only "
            "into an empty database, so that nothing is mixed or lost: create a new database "
            "and point DATABASE_URL at it."
        )


# --- SQLite ----------------------------------------------------------------------------


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up or restore into.")
    return Path(url.database)


def _backup_sqlite(url: URL, target: Path) -> None:
    source_file = _sqlite_file(url)
    if not source_file.is_file():
        raise BackupError(f"The database file {source_file} does not exist.")
    # Read-only: a backup never writes to the live database. One step (pages=-1) copies every
    # page under one read transaction, so the copy is one moment's state; in WAL mode the
    # app's writers go on meanwhile.
    source = sqlite3.connect(f"{source_file.resolve().as_uri()}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination, pages=-1)
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        _check_integrity(destination, target)
    finally:
        destination.close()
        source.close()


def _restore_sqlite(url: URL, backup: Path) -> None:
    target_file = _sqlite_file(url)
    source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        _check_integrity(source, backup)
        destination = sqlite3.connect(target_file)
        try:
            source.backup(destination, pages=-1)
        finally:
            destination.close()
    finally:
        source.close()


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    # The organisation list's index is on kb_fold(name): checking it calls the function.
    register_sqlite_fold(connection)
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result}")


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools of the server's "
            "version (Debian: apt-get install postgresql-client) and try again."
        )
    return found


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if not match:
        raise BackupError(f"Could not read a version number from {version_text!r}.")
    return int(match.group(1))


def _check_tool_version(tool: str, url: URL) -> None:
    """pg_dump and pg_restore refuse a server newer than themselves; say so before they start."""
    output = subprocess.run(  # noqa: S603  # nosec B603
        [tool, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)": the number after the name.
    tool_major = _major(output.split("(PostgreSQL)", 1)[-1])
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            server_num = int(connection.execute(sa.text("SHOW server_version_num")).scalar_one())
    finally:
        engine.dispose()
    server_major = server_num // 10000
    if tool_major < server_major:
        raise BackupError(
            f"{Path(tool).name} is version {tool_major} but the server is PostgreSQL "
            f"{server_major}: install the client tools of version {server_major} or newer."
        )


def _pg_arguments(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for the tools; the password goes in the environment, not in `ps`."""
    arguments = []
    if url.host:
        arguments += ["--host", url.host]
    if url.port:
        arguments += ["--port", str(url.port)]
    if url.username:
        arguments += ["--username", url.username]
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return arguments, environment


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603  # nosec B603
        command,
        capture_output=True,
        text=True,
        env=environment,
        timeout=PG_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.stdout.strip()}")


def _sqlalchemy_url(url: URL) -> URL:
    return url.set(drivername="postgresql+psycopg") if url.drivername == "postgresql" else url


def _backup_postgresql(url: URL, target: Path) -> None:
    tool = _pg_tool("pg_dump")
    _check_tool_version(tool, _sqlalchemy_url(url))
    arguments, environment = _pg_arguments(url)
    # pg_dump reads one snapshot of the whole database: consistent while the app writes.
    _run(
        [tool, *arguments, "--format=custom", "--no-password", f"--file={target}", url.database],
        environment,
        "pg_dump",
    )


def _restore_postgresql(url: URL, backup: Path) -> None:
    tool = _pg_tool("pg_restore")
    _check_tool_version(tool, _sqlalchemy_url(url))
    arguments, environment = _pg_arguments(url)
    # One transaction: a restore that fails half-way leaves the database empty, as it was.
    _run(
        [
            tool,
            *arguments,
            "--no-password",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={url.database}",
            str(backup),
        ],
        environment,
        "pg_restore",
    )
