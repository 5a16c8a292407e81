"""The `flask crm …` commands; they call the same services as the pages, and commit once."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from crm import jobs
from crm.api import services as api_services
from crm.api.models import TokenScope
from crm.auth import services as auth_services
from crm.auth.models import User
from crm.backups import services as backup_services
from crm.common import folding
from crm.common.access import Role
from crm.common.database import refresh_statistics
from crm.common.dates import local_today
from crm.common.errors import DomainError
from crm.common.models import utcnow
from crm.companies.models import Company
from crm.contacts import retention
from crm.demo.generate import generate
from crm.demo.seed import seed_demo
from crm.establishments.services import seed_stages
from crm.extensions import db
from crm.imports.cli import format_summary, run_import_cli
from crm.mail import services as mail_services
from crm.mail.smtp import MailError, mail_settings
from crm.network.services import seed_link_types
from crm.register.services import ensure_flag_rules
from crm.register.updates import ChangeListError, apply_change_list
from crm.search.services import rebuild_index
from crm.trash import services as trash_services

crm_cli = AppGroup("crm", help="Koblingsboks administration.")


def _fail(message: object) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@crm_cli.command("create-user")
@click.argument("email")
@click.option("--name", default=None, help="Full name (default: the part before @).")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.EDITOR.value,
    show_default=True,
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, name: str | None, role: str, password_stdin: bool) -> None:
    """Create a user; the password is asked for, or read from stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = auth_services.create_user(
            db.session,
            email=email,
            name=name or email.split("@")[0],
            role=role,
            password=password,
        )
    except DomainError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}).")


@crm_cli.command("create-token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. the script's name.")
@click.option("--scope", type=click.Choice([s.value for s in TokenScope]), required=True)
@click.option("--expires-in", default=None, help="Lifetime: 30d, 12h or 8w (default a year).")
def create_token_command(email: str, name: str, scope: str, expires_in: str | None) -> None:
    """Print a new personal API token for a user's script (shown once, only its hash kept)."""
    user = db.session.scalar(select(User).where(folding.equals(User.email, email.strip())))
    if user is None:
        _fail(f"No user with the email {email}.")
    try:
        lifetime = api_services.parse_lifetime(expires_in)
        token, text = api_services.create_token(
            db.session,
            user=user,
            name=name,
            scope=scope,
            expires_at=utcnow() + lifetime if lifetime else None,
        )
    except DomainError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(text)
    click.echo(
        f"Token {token.name!r} for {user.email} ({token.scope}), expires "
        f"{token.expires_at:%Y-%m-%d %H:%M} UTC. It is not shown again.",
        err=True,
    )


@crm_cli.command("ensure-admin")
@click.option("--email", default="admin@koblingsboks.local", show_default=True)
def ensure_admin_command(email: str) -> None:
    """Create the first admin with a random one-time password, if there is no user yet."""
    if db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Users exist already; no admin account was created.")
        click.echo("Forgot the password? Run: flask --app wsgi crm reset-password EMAIL")
        return
    password = auth_services.generate_password()
    auth_services.create_user(
        db.session,
        email=email,
        name="Administrator",
        role=Role.ADMIN.value,
        password=password,
        must_change_password=True,
    )
    db.session.commit()
    click.echo("")
    click.echo("  An admin account was created. Sign in with:")
    click.echo(f"    email:    {email}")
    click.echo(f"    password: {password}")
    click.echo("  You will be asked to choose your own password at first sign-in.")
    click.echo("")


@crm_cli.command("reset-password")
@click.argument("email")
def reset_password_command(email: str) -> None:
    """Give a user a new random one-time password and print it."""
    user = auth_services.get_user_by_email(db.session, email)
    if user is None:
        _fail(f"No user with the email {email}.")
    password = auth_services.generate_password()
    auth_services.set_password(db.session, user=user, password=password, must_change=True)
    db.session.commit()
    click.echo(f"New one-time password for {user.email}: {password}")


@crm_cli.command("seed-reference")
def seed_reference_command() -> None:
    """Create the reference data every installation needs (stages, link types); idempotent."""
    seed_stages(db.session)
    seed_link_types(db.session)
    ensure_flag_rules(db.session)
    db.session.commit()
    click.echo("Reference data is in place.")


@crm_cli.command("import-brreg")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--kommune",
    "kommuner",
    multiple=True,
    help="Municipality number(s) to keep (default 3205). Repeat for several, e.g. 3030 too.",
)
@click.option("--sn2025", is_flag=True, help="The file's industry codes are SN2025.")
@click.option(
    "--complete",
    is_flag=True,
    help="The file is the register's whole file of its kind (the nightly bulk file): the "
    "municipality's organisations it leaves out are marked deleted.",
)
@click.option(
    "--all-municipalities",
    is_flag=True,
    help="Keep every unit of the file, in every municipality (a national installation).",
)
def import_brreg_command(
    file: str, kommuner: tuple[str, ...], sn2025: bool, complete: bool, all_municipalities: bool
) -> None:
    """Import the register's bulk file (enheter or underenheter; JSON or CSV, gzipped or not)."""
    if all_municipalities and kommuner:
        raise click.UsageError("Give --kommune or --all-municipalities, not both.")
    run_import_cli(
        file,
        kommuner,
        "SN2025" if sn2025 else None,
        complete=complete,
        all_municipalities=all_municipalities,
    )


@crm_cli.command("import-brreg-updates")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--units",
    "units_path",
    required=True,
    type=click.Path(exists=True),
    help="The units' current records: a bulk file, or a folder of {orgnr}.json documents.",
)
@click.option("--kommune", "kommuner", multiple=True, help="Municipality number(s) (default 3205).")
def import_brreg_updates_command(file: str, units_path: str, kommuner: tuple[str, ...]) -> None:
    """Apply the register's change list (oppdateringer, JSON) with the units' records."""
    chosen = [k.strip() for k in kommuner if k.strip()]
    try:
        run = apply_change_list(
            db.session, file, units_path=units_path, kommuner=chosen or ("3205",)
        )
        db.session.commit()
    except ChangeListError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    click.echo(format_summary(run))
    summary = run.summary
    click.echo(
        f"  change list: {summary.get('changes_listed', 0):,} entries, "
        f"{summary.get('changes_new', 0):,} organisations not applied before, "
        f"{summary.get('flags_raised', 0):,} warnings raised"
    )
    if summary.get("last_update_id") is not None:
        click.echo(f"  next: ?oppdateringsid={summary['last_update_id'] + 1}")


@crm_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no records yet.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo data from the strategy: actors, clusters, places, meetings (marked as demo)."""
    if if_empty and db.session.scalar(select(Company.id).limit(1)) is not None:
        click.echo("The database holds records already; no demo data was loaded.")
        return
    counts = seed_demo(db.session)
    db.session.commit()
    if not any(counts.values()):
        click.echo("Demo data is loaded already; nothing was added.")
        return
    click.echo("Loaded demo data: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@crm_cli.command("generate")
@click.option("--companies", default=11000, show_default=True, type=click.IntRange(0))
@click.option("--contacts", default=25000, show_default=True, type=click.IntRange(0))
@click.option("--meetings", default=60000, show_default=True, type=click.IntRange(0))
@click.option("--seed", default=1, show_default=True, type=int)
def generate_command(companies: int, contacts: int, meetings: int, seed: int) -> None:
    """Fill the database with synthetic data at Lillestrøm's scale (for benchmarks and trials)."""
    if os.environ.get("CRM_ENV") == "production":
        _fail("Synthetic data is never generated into a production database.")
    counts = generate(
        db.session,
        companies=companies,
        contacts=contacts,
        meetings=meetings,
        seed=seed,
        progress=click.echo,
    )
    db.session.commit()
    refresh_statistics(db.session)
    click.echo("Generated: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@crm_cli.command("search-reindex")
def search_reindex_command() -> None:
    """Recreate the full-text index's triggers and index every record again."""
    count = rebuild_index(db.session)
    db.session.commit()
    click.echo(f"The search index holds {count} records.")


@crm_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Mail each adviser what is due today or overdue; once a day however often it runs (cron)."""
    settings = mail_settings(current_app.config)
    if settings is None:
        click.echo("Mail is off (MAIL_SERVER is not set): no reminders were sent.")
        return
    today = local_today()
    digests, already, nothing = mail_services.pending_digests(db.session, settings, today=today)
    sent: list[str] = []
    failed: list[str] = []
    for digest in digests:
        email = digest.user.email
        try:
            mail_services.send_digest(db.session, settings, digest=digest, today=today)
        except mail_services.DigestAlreadySent:
            db.session.rollback()
            already += 1
        except MailError as error:
            db.session.rollback()
            failed.append(f"{email}: {error}")
        else:
            db.session.commit()  # the record of one digest, once the server has accepted it
            sent.append(email)
    click.echo(
        f"Reminders for {today.isoformat()}: {len(sent)} sent, {already} sent earlier today, "
        f"{nothing} with nothing due, {len(failed)} failed."
    )
    for email in sent:
        click.echo(f"  sent: {email}")
    for line in failed:
        click.echo(f"  failed: {line}", err=True)
    if failed:
        sys.exit(1)


@crm_cli.command("retention")
@click.option("--dry-run", "mode", flag_value="dry-run", help="Only list what would be erased.")
@click.option("--erase", "mode", flag_value="erase", help="Erase the people due for review.")
def retention_command(mode: str | None) -> None:
    """Apply the retention rule (GDPR art. 5(1)(e)): people due for review, and the access log.

    --erase erases every person due for review (as the review page would, one transaction) and
    prunes the access log past ACCESS_LOG_RETENTION_YEARS; --dry-run lists the same and changes
    nothing. For a scheduled run; the review page lets an admin keep people with a reason first.
    """
    if mode is None:
        _fail("Say --dry-run to list what is due, or --erase to erase it.")
    today = local_today()
    years = current_app.config["RETENTION_YEARS"]
    log_years = current_app.config["ACCESS_LOG_RETENTION_YEARS"]
    due = list(db.session.scalars(retention.due_query(today=today, years=years)))
    log_due = retention.access_log_due(db.session, today=today, years=log_years)
    verb = "would be" if mode == "dry-run" else "are"
    click.echo(
        f"People with no meeting, no current affiliation and no change for {years} years: "
        f"{len(due)} {verb} erased."
    )
    for contact in due:
        click.echo(f"  {contact.id}: {contact.name}")
    click.echo(f"Access log entries older than {log_years} years: {log_due} {verb} deleted.")
    if mode == "erase":
        if due:
            retention.erase_due(
                db.session, [c.id for c in due], today=today, years=years, user_id=None
            )
        retention.prune_access_log(db.session, today=today, years=log_years)
        db.session.commit()


@crm_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor_command(email: str) -> None:
    """Clear a user's two-step sign-in (a lost phone and codes); they set it up again."""
    user = auth_services.get_user_by_email(db.session, email)
    if user is None:
        _fail(f"No user with the email {email}.")
    auth_services.reset_two_factor(db.session, user=user)
    auth_services.revoke_sessions(db.session, user_id=user.id)
    db.session.commit()
    click.echo(f"Two-step sign-in is cleared for {user.email}; their sessions have ended.")


@crm_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH while the app runs (cron, systemd timer)."""
    try:
        result = backup_services.backup_database(db.engine.url, path)
    except backup_services.BackupError as error:
        _fail(error)
    click.echo(
        f"Backup of the {result.kind} database written to {result.path} ({result.size} bytes)."
    )


@crm_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Bring the backup at PATH back into the configured database, which must be empty."""
    db.session.remove()
    db.engine.dispose()
    try:
        result = backup_services.restore_database(db.engine.url, path)
    except backup_services.BackupError as error:
        _fail(error)
    click.echo(f"Restored {result.path} into the {result.kind} database.")


@crm_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a child per job.")
def worker_command(burst: bool, simple: bool) -> None:
    """Run background jobs from the Redis queue (JOBS_REDIS_URL); start one or more per host."""
    if jobs.backend(current_app.config) != "rq":
        _fail(
            "JOBS_REDIS_URL is not set: jobs run inside the app's own processes, "
            "so there is no queue for a worker to take them from."
        )
    from crm.jobs import redis_queue

    # Each job runs in a forked child: it must not share the parent's database connections.
    db.engine.dispose()
    worker = redis_queue.worker(current_app.config, simple=simple)
    click.echo(f"Worker on queue {worker.queue_names()[0]} at {worker.connection}")
    worker.work(burst=burst)


def _age(value: str) -> timedelta:
    """An age as the command line writes it: 90d, 12w or a number of days."""
    text = value.strip().lower()
    try:
        if text.endswith("w"):
            return timedelta(weeks=int(text[:-1]))
        return timedelta(days=int(text.removesuffix("d")))
    except ValueError:
        raise click.BadParameter(f"{value!r}: write days as 90d or weeks as 12w") from None


@crm_cli.command("empty-trash")
@click.option(
    "--older-than",
    default="90d",
    show_default=True,
    help="Delete for good what has been in the trash longer than this (e.g. 90d, 12w).",
)
def empty_trash_command(older_than: str) -> None:
    """Delete for good what has been in the trash too long; meant for cron."""
    age = _age(older_than)
    if age.days < 1:
        _fail("--older-than must be at least one day")
    count = trash_services.empty_trash(db.session, older_than=age)
    db.session.commit()
    click.echo(f"Deleted for good: {count}")
