"""The `flask crm …` commands; they call the same services as the pages, and commit once."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from crm.auth import services as auth_services
from crm.auth.models import User
from crm.common.access import Role
from crm.common.errors import DomainError
from crm.extensions import db

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


@crm_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no records yet.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo data from the strategy (actors, clusters, places)."""
    click.echo("No demo data is defined yet; nothing was loaded.")
