"""Writes about users that go beyond one account: inviting by mail."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from crm.auth import services as auth_services
from crm.auth.models import User
from crm.common.errors import DomainError
from crm.mail import services as mail_services
from crm.mail.smtp import MailError, MailSettings

MAIL_FAILED = _l(
    "The email could not be sent: the mail server did not take it. Nothing was saved; "
    "try again in a while, or tell whoever runs the server."
)


def invite_user(
    session: Session,
    settings: MailSettings,
    *,
    email: str,
    name: str,
    role: str,
    invited_by: User,
    lifetime: timedelta,
) -> User:
    """Create a user and mail them a one-time link to choose their password (no password shown)."""
    user = auth_services.create_user(
        session,
        email=email,
        name=name,
        role=role,
        # Never told to anyone: the user signs in with the password they choose from the link.
        password=auth_services.generate_password(),
        must_change_password=True,
    )
    send_invitation(session, settings, user=user, invited_by=invited_by, lifetime=lifetime)
    return user


def send_invitation(
    session: Session, settings: MailSettings, *, user: User, invited_by: User, lifetime: timedelta
) -> None:
    """Mail the user a new one-time link to choose their password; earlier links stop working."""
    token = auth_services.create_invitation(
        session, user=user, lifetime=lifetime, invited_by=invited_by
    )
    try:
        mail_services.send_invitation(
            settings, user=user, token=token, lifetime=lifetime, invited_by=invited_by
        )
    except MailError as error:
        current_app.logger.warning("Invitation to user %s not sent: %s", user.id, error)
        raise DomainError(None, MAIL_FAILED) from error
