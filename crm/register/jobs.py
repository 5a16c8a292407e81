"""Register imports started from the web run here, outside the request.

`run_register_import(run_id)` is the job: it opens its own app context, reads the file the run
names, imports it through the same service as `flask crm import-brreg`, and commits once.
`start_register_import` queues it on crm.jobs: in this process by default, or on the shared RQ
queue (run by `flask crm worker` on any host) when JOBS_REDIS_URL is configured.

Progress: on PostgreSQL the job writes units read and per cent done onto the run through a
connection of its own, so the page sees it while the import's transaction is open. SQLite lets
one writer in at a time, so there the page shows "running" until the run finishes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import update

from crm import jobs
from crm.extensions import db
from crm.imports.brreg_reader import ReadStats
from crm.imports.models import ImportRun, ImportStatus

logger = logging.getLogger(__name__)


def upload_folder(app: Flask) -> Path:
    """Where uploaded register files wait for their job."""
    return Path(app.instance_path) / "register_uploads"


def source_path(app: Flask, stored_as: str) -> Path:
    """The file a run reads: an upload ("upload:NAME") or a file of REGISTER_IMPORT_DIR."""
    kind, _, name = stored_as.partition(":")
    if kind == "upload":
        return upload_folder(app) / Path(name).name
    folder = app.config.get("REGISTER_IMPORT_DIR")
    if kind != "folder" or not folder:
        raise FileNotFoundError(stored_as)
    return Path(folder) / Path(name).name


def start_register_import(run_id: int) -> None:
    """Queue the import of a recorded run; raises jobs.QueueFull when the queue is full."""
    jobs.enqueue(f"register-import/{run_id}", "crm.register.jobs:run_register_import", run_id)


def give_up(run_id: int) -> None:
    """Mark a run that could not be queued as failed, and remove its uploaded file."""
    run = db.session.get(ImportRun, run_id)
    if run is None:
        return
    stored_as = (run.summary or {}).get("stored_as", "")
    run.status = ImportStatus.FAILED.value
    run.error = "The server was busy; the import did not start."
    db.session.commit()
    if stored_as.startswith("upload:"):
        source_path(current_app, stored_as).unlink(missing_ok=True)


def run_register_import(run_id: int) -> None:
    """Import the file of run `run_id` in an app context of its own (the job); commit once."""
    with jobs.app_context() as app:
        try:
            _run(app, run_id)
        finally:
            db.session.remove()


def _run(app: Flask, run_id: int) -> None:
    # Here, not at the top: the importer imports this package's rules (a cycle at import time).
    from crm.imports.brreg import import_register_file, refresh_statistics_after

    run = db.session.get(ImportRun, run_id)
    if run is None or run.status != ImportStatus.RUNNING.value or run.finished_at is not None:
        return
    stored_as = (run.summary or {}).get("stored_as", "")
    kommuner = (run.summary or {}).get("kommuner") or ["3205"]
    try:
        path = source_path(app, stored_as)
        path.stat()
    except OSError:
        run.status = ImportStatus.FAILED.value
        run.error = "The file to import is no longer there."
        db.session.commit()
        return
    try:
        import_register_file(
            db.session,
            path,
            kommuner=kommuner,
            user_id=run.user_id,
            run=run,
            progress=_progress_writer(run_id),
        )
        db.session.commit()
    except Exception:
        logger.exception("Register import %s failed", run_id)
        db.session.rollback()
        db.session.execute(
            update(ImportRun)
            .where(ImportRun.id == run_id)
            .values(status=ImportStatus.FAILED.value, error="The import stopped on an error.")
        )
        db.session.commit()
    else:
        refresh_statistics_after(db.session, run)
    finally:
        if stored_as.startswith("upload:"):
            path.unlink(missing_ok=True)


def _progress_writer(run_id: int):
    if db.engine.dialect.name == "sqlite":
        return None

    def write(stats: ReadStats) -> None:
        fraction = stats.fraction_done
        with db.engine.begin() as connection:
            connection.execute(
                update(ImportRun)
                .where(ImportRun.id == run_id)
                .values(
                    rows_read=stats.read,
                    percent_done=None if fraction is None else round(fraction * 100),
                )
            )

    return write
