"""Accounts and sessions: every write about users goes through here."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.auth.models import Invitation, User, UserSession
from crm.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    spend_equal_time,
    verify_password,
)
from crm.common.access import Role
from crm.common.errors import DomainError
from crm.common.models import utcnow

# Where the signed cookie session keeps the server-side session's token (sign-in, password change).
SESSION_TOKEN_KEY = "sid"  # noqa: S105  (the session key name, not a secret)


def normalise_email(email: str) -> str:
    """Emails are compared without case or surrounding space."""
    return email.strip().lower()


def check_password_policy(password: str) -> None:
    """Refuse passwords that are too short or too long (no composition rules, as ASVS asks)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            "new_password",
            _l("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH),
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(
            "new_password",
            _l("The password must be at most %(n)d characters long.", n=MAX_PASSWORD_LENGTH),
        )


def get_user_by_email(session: Session, email: str) -> User | None:
    """The user with this email, if any."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    locale: str | None = None,
    must_change_password: bool = False,
) -> User:
    """Create an account; the email must be new and the password acceptable."""
    email = normalise_email(email)
    if get_user_by_email(session, email) is not None:
        raise DomainError("email", _l("A user with this email already exists."))
    if role not in {r.value for r in Role}:
        raise DomainError("role", _l("Unknown role %(role)s.", role=role))
    check_password_policy(password)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        active=True,
        password_hash=hash_password(password),
        locale=locale,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with these credentials, or None; the same work whatever fails."""
    user = get_user_by_email(session, email)
    if user is None:
        spend_equal_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    """Change a user's own password after checking the current one; other sessions end."""
    if not verify_password(user.password_hash, current):
        raise DomainError("current_password", _l("The current password is wrong."))
    if new == current:
        raise DomainError("new_password", _l("The new password must differ from the current one."))
    check_password_policy(new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    revoke_sessions(session, user_id=user.id)


def set_password(session: Session, *, user: User, password: str, must_change: bool = False) -> None:
    """Set a password without the old one (admin reset, CLI); the user's sessions end."""
    check_password_policy(password)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    revoke_sessions(session, user_id=user.id)


def update_user(session: Session, *, user: User, acting: User, role: str, active: bool) -> User:
    """Change a user's role or active flag; an admin cannot lock themselves out."""
    if role not in {r.value for r in Role}:
        raise DomainError("role", _l("Unknown role %(role)s.", role=role))
    if user.id == acting.id and (role != Role.ADMIN or not active):
        raise DomainError(
            "role", _l("You cannot remove your own admin role or deactivate yourself.")
        )
    user.role = role
    user.active = active
    if not active:
        revoke_sessions(session, user_id=user.id)
    session.flush()
    return user


def set_locale(session: Session, *, user: User, locale: str) -> None:
    """Remember the user's interface language."""
    user.locale = locale


def generate_password() -> str:
    """A random password for a new account, to be changed at first sign-in."""
    return secrets.token_urlsafe(15)


# --- server-side sessions ---------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, *, user: User) -> str:
    """Open a server-side session for a fresh sign-in and return its secret token."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_hash_token(token), user_id=user.id))
    session.flush()
    return token


def resume_session(
    session: Session,
    *,
    user_id: int,
    token: str | None,
    idle: timedelta,
    absolute: timedelta,
    now: datetime | None = None,
) -> User | None:
    """The user of a live session, or None when it was revoked, idled out or is too old."""
    if not token:
        return None
    now = now or utcnow()
    row = session.scalar(
        select(UserSession).where(
            UserSession.token_hash == _hash_token(token), UserSession.user_id == user_id
        )
    )
    if row is None or row.revoked_at is not None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        row.revoked_at = now
        return None
    user = row.user
    if not user.active:
        return None
    # Write last_seen at most once a minute: a write on every page would serialise SQLite.
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
    return user


def end_session(session: Session, *, token: str | None) -> None:
    """Revoke one session (sign-out), so a copied cookie no longer works."""
    if token:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash_token(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def revoke_sessions(session: Session, *, user_id: int) -> None:
    """End every session of a user (deactivation, password change)."""
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# --- invitations: a one-time link to choose one's own password ---------------------------


class InvitationState(enum.Enum):
    """Why an invitation link does or does not work."""

    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    DEACTIVATED = "deactivated"


def create_invitation(
    session: Session, *, user: User, lifetime: timedelta, invited_by: User | None = None
) -> str:
    """A new one-time link token for the user (stored hashed); older links stop working."""
    now = utcnow()
    _end_invitations(session, user_id=user.id, now=now)
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            token_hash=_hash_token(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            created_by_id=invited_by.id if invited_by else None,
        )
    )
    session.flush()
    return token


def find_invitation(
    session: Session, token: str, *, now: datetime | None = None
) -> tuple[InvitationState, Invitation | None]:
    """The invitation behind a link token and whether it still works."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == _hash_token(token))
    )
    if invitation is None:
        return InvitationState.UNKNOWN, None
    if not invitation.user.active:
        return InvitationState.DEACTIVATED, invitation
    if invitation.used_at is not None:
        return InvitationState.USED, invitation
    if (now or utcnow()) >= invitation.expires_at:
        return InvitationState.EXPIRED, invitation
    return InvitationState.VALID, invitation


def accept_invitation(session: Session, *, invitation: Invitation, password: str) -> User:
    """Set the invited user's own password; the link, and any other of theirs, is spent."""
    check_password_policy(password)
    now = utcnow()
    # Spend this link first, only if no one else did meanwhile: of two requests with the same
    # link at once, one sets the password and the other is refused.
    spent = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        raise DomainError(None, _l("This link has been used already."))
    user = invitation.user
    _end_invitations(session, user_id=user.id, now=now)
    set_password(session, user=user, password=password)
    return user


def _end_invitations(session: Session, *, user_id: int, now: datetime) -> None:
    session.execute(
        update(Invitation)
        .where(Invitation.user_id == user_id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
