"""The command-line side of the register import: progress on stderr, a summary, one commit.

The service (`crm.imports.brreg.import_register_file`) knows nothing of click or of committing;
this is where the `flask crm import-brreg` command (crm/cli.py) talks to the administrator.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

import click

from crm.extensions import db
from crm.imports.brreg import DEFAULT_KOMMUNER, import_register_file, refresh_statistics_after
from crm.imports.brreg_reader import ReadStats
from crm.imports.models import ImportRun


def format_summary(run: ImportRun) -> str:
    """The summary as the command prints it (English: the CLI speaks to administrators)."""
    s = run.summary
    lines = [
        f"Import {run.id} of {run.filename}: {run.status}",
        f"  read {s.get('read', 0):,}, kept {s.get('kept', 0):,} "
        f"(municipalities {', '.join(s.get('kommuner', [])) or 'all'}), "
        f"other municipalities {s.get('other_municipalities', 0):,}",
        f"  created {s.get('created', 0):,}, updated {s.get('updated', 0):,}, "
        f"unchanged {s.get('unchanged', 0):,}, rejected {s.get('rejected', 0):,}, "
        f"parents linked {s.get('parents_linked', 0):,}",
    ]
    shown = run.messages[:20]
    if shown:
        lines.append("  rejected rows:")
        lines.extend(f"    {message}" for message in shown)
        if len(run.messages) > len(shown) or s.get("rejected", 0) > len(shown):
            lines.append(f"    … {s.get('rejected', 0) - len(shown):,} more (see the app)")
    if run.error:
        lines.append(f"  error: {run.error}")
    return "\n".join(lines)


def progress_bar(fraction: float | None, width: int = 30) -> str:
    """A text progress bar such as `[#########.....]  60 %` (or none when unknown)."""
    if fraction is None:
        return ""
    filled = round(fraction * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%}"


def run_import_cli(
    path: str | os.PathLike[str],
    kommuner: Iterable[str] = (),
    industry_standard: str | None = None,
    *,
    complete: bool = False,
    all_municipalities: bool = False,
) -> ImportRun:
    """`flask crm import-brreg`: import with a progress line on stderr, print, commit.

    Raises click.ClickException (exit status 1, message on stderr) when the file cannot be read;
    the failed run is committed first, so admins see it in the app.
    """

    def report(stats: ReadStats) -> None:
        click.echo(
            f"\r  {progress_bar(stats.fraction_done)} read {stats.read:,} units, "
            f"kept {stats.kept:,}, rejected {stats.rejected:,}",
            err=True,
            nl=False,
        )

    chosen = frozenset(k.strip() for k in kommuner if k and k.strip()) or DEFAULT_KOMMUNER
    named = "all" if all_municipalities else ", ".join(sorted(chosen))
    click.echo(f"Importing {path} (municipalities {named}) …", err=True)
    try:
        run = import_register_file(
            db.session,
            path,
            kommuner=chosen,
            user_id=None,
            industry_standard=industry_standard,
            progress=report,
            complete=complete,
            all_municipalities=all_municipalities,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    refresh_statistics_after(db.session, run)
    click.echo("", err=True)
    click.echo(format_summary(run))
    sys.stdout.flush()
    if run.status == "failed":
        raise click.ClickException(run.error)
    return run
