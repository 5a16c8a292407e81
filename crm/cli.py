"""The `flask crm …` commands; they call the same services as the pages, and commit once."""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from crm.auth import services as auth_services
from crm.auth.models import User
from crm.common.access import Role
from crm.common.dates import local_today
from crm.common.errors import DomainError
from crm.companies.models import Company
from crm.demo.generate import generate
from crm.demo.seed import seed_demo
from crm.establishments.services import seed_stages
from crm.extensions import db
from crm.imports.cli import run_import_cli
from crm.mail import services as mail_services
from crm.mail.smtp import MailError, mail_settings
from crm.network.services import seed_link_types
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
def import_brreg_command(file: str, kommuner: tuple[str, ...], sn2025: bool) -> None:
    """Import the register's bulk file (enheter or underenheter; JSON or CSV, gzipped or not)."""
    run_import_cli(file, kommuner, "SN2025" if sn2025 else None)


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
    click.echo("Generated: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


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
