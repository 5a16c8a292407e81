"""Backups while the app writes, restored into a fresh database, compared row by row."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm.backups import services as backups
from crm.companies.models import Company
from crm.extensions import db
from tests.conftest import require_service
from tests.factories import make_affiliation, make_company, make_user

WRITER_PREFIX = "Skrivetråd "
# Tables that follow the writer's rows by themselves: the search index and the change log.
DERIVED = {"search_fts", "search_index", "changes", "change_records"}


def _rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every table of ours (and Alembic's version), in primary key order."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    rows = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [
                tuple(row) for row in connection.execute(sa.select(table).order_by(*order))
            ]
    return rows


@pytest.fixture
def scratch_url(app, tmp_path) -> Iterator[str]:
    """An empty database of the same kind as the test database, dropped afterwards."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield str(url.set(database=str(tmp_path / "restored.sqlite")))
        return
    name = f"kb_restore_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _need_tools(app) -> None:
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
        import shutil

        require_service(
            shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None,
            "pg_dump and pg_restore are needed for PostgreSQL backups",
        )


def test_backup_under_writes_restores_to_the_moment_of_the_backup(
    app, session, tmp_path, scratch_url
):
    _need_tools(app)
    for _ in range(3):
        make_affiliation(session, company=make_company(session))
    make_user(session, role="admin")
    session.commit()

    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        # Each transaction adds an organisation with its person: a copy holds both or neither.
        n = 0
        with app.app_context():
            while not stop.is_set() and n < 2000:
                n += 1
                company = make_company(db.session, name=f"{WRITER_PREFIX}{n}")
                make_affiliation(db.session, company=company)
                db.session.commit()
                written.append(n)
            db.session.remove()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 5:  # the writer is busy before the backup starts
            stop.wait(0.01)
        backup = tmp_path / "koblingsboks.backup"
        result = backups.backup_database(app.config["SQLALCHEMY_DATABASE_URI"], backup)
        written_during = len(written)
    finally:
        stop.set()
        writer.join()
    assert result.path == backup and backup.stat().st_size > 0
    assert len(written) > 5  # writes went on around the backup

    backups.restore_database(scratch_url, backup)
    restored_engine = sa.create_engine(scratch_url, poolclass=sa.pool.NullPool)
    try:
        restored = _rows(restored_engine)
    finally:
        restored_engine.dispose()
    live = _rows(db.engine)

    # The writer's organisations in the copy: a prefix 1..k of what it wrote, whole transactions.
    names = [r for r in restored["companies"] if str(r[1]).startswith(WRITER_PREFIX)]
    k = len(names)
    assert 5 <= k <= written_during + 1
    assert sorted(int(r[1].removeprefix(WRITER_PREFIX)) for r in names) == list(range(1, k + 1))
    last_id = max(r[0] for r in names)

    # Every table equals the live database as it was then: rows the writer added later left out.
    later_companies = {r[0] for r in live["companies"] if r[0] > last_id}
    company_column = [c.name for c in Company.__table__.columns].index("id")
    assert company_column == 0
    for table, rows in live.items():
        if table.startswith("search_fts_"):
            continue  # FTS5's own segment storage (merged blobs): compared through search_fts
        if table == "companies":
            rows = [r for r in rows if r[0] not in later_companies]
        elif table == "contacts":
            rows = rows[: len(restored["contacts"])]
        elif table == "affiliations":
            rows = rows[: len(restored["affiliations"])]
        elif table == "graph_version":
            # One row given a new value by each of the writer's commits: the copy has one.
            assert len(restored[table]) == len(rows) == 1, table
            continue
        elif table in DERIVED:
            # Written by triggers or the change log with the writer's rows: the copy holds
            # exactly the live rows of its moment, and nothing the live database lacks.
            assert [r for r in restored[table] if r not in rows] == [], table
            continue
        assert restored[table] == rows, table
    assert len(restored["contacts"]) == len(live["contacts"]) - len(later_companies)


def test_restore_refuses_a_database_that_is_not_empty(app, session, tmp_path):
    _need_tools(app)
    backup = tmp_path / "one.backup"
    backups.backup_database(app.config["SQLALCHEMY_DATABASE_URI"], backup)
    with pytest.raises(backups.BackupError, match="is not empty"):
        backups.restore_database(app.config["SQLALCHEMY_DATABASE_URI"], backup)


def test_the_commands_back_up_and_refuse_to_restore_over_data(app, runner, tmp_path):
    _need_tools(app)
    backup = tmp_path / "cli.backup"
    result = runner.invoke(args=["crm", "backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert "written to" in result.output and backup.stat().st_size > 0
    result = runner.invoke(args=["crm", "restore", str(backup)])
    assert result.exit_code == 1 and "is not empty" in result.output


def test_the_commands_say_what_went_wrong(app, runner, tmp_path):
    existing = tmp_path / "there.backup"
    existing.write_bytes(b"x")
    result = runner.invoke(args=["crm", "backup", str(existing)])
    assert result.exit_code == 1 and "exists already" in result.output
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    result = runner.invoke(args=["crm", "restore", str(not_a_backup)])
    assert result.exit_code == 1 and "not a" in result.output


def test_a_missing_pg_dump_is_named(monkeypatch):
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    with pytest.raises(backups.BackupError, match="pg_dump was not found"):
        backups._pg_tool("pg_dump")


def test_backup_never_overwrites(tmp_path: Path):
    existing = tmp_path / "kept.backup"
    existing.write_bytes(b"keep me")
    with pytest.raises(backups.BackupError, match="exists already"):
        backups.backup_database("sqlite:///" + str(tmp_path / "db.sqlite"), existing)
    assert existing.read_bytes() == b"keep me"
