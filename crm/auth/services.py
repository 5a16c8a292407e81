"""Accounts and sessions: every write about users goes through here."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from crm.auth import twofactor
from crm.auth.models import (
    Invitation,
    OidcIdentity,
    RecoveryCode,
    SignInSettings,
    User,
    UserSession,
)
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
from crm.history.models import ChangeKind
from crm.history.tracking import tracked_execute

# Where the signed cookie session keeps the server-side session's token (sign-in, password change).
# The session key name, not a secret.
SESSION_TOKEN_KEY = "sid"  # noqa: S105  # nosec B105
# How this session signed in: the second factor is asked of password sign-ins; the provider
# asks its own.
SIGN_IN_METHOD_KEY = "signed_in_with"
METHOD_PASSWORD = "password"  # noqa: S105  # nosec B105
METHOD_PROVIDER = "provider"


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


@cache
def _live_session() -> Select:
    # The user comes in the same statement, and of the session only the columns that decide
    # it: this runs before every signed-in request (a mapped session row joined eagerly to its
    # user cost a third more than one mapped object and four columns). Built once (building it
    # per request cost more than running it on SQLite), on first use: the mappers are complete
    # only once every model is.
    return (
        select(
            User,
            UserSession.id,
            UserSession.created_at,
            UserSession.last_seen_at,
            UserSession.revoked_at,
        )
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.token_hash == bindparam("token_hash"),
            UserSession.user_id == bindparam("user_id"),
        )
    )


def resume_session(
    session: Session,
    *,
    user_id: int,
    token: str | None,
    idle: timedelta,
    absolute: timedelta,
    now: datetime | None = None,
) -> User | None:
    """The user of a live session, or None when it was revoked, idled out or is too old.

    A write (the revocation of a session past its limits, last_seen) is made on the mapped
    session row, so that the caller sees it pending in `session.dirty` and commits it.
    """
    if not token:
        return None
    now = now or utcnow()
    row = session.execute(
        _live_session(), {"token_hash": _hash_token(token), "user_id": user_id}
    ).first()
    if row is None:
        return None
    user, session_id, created_at, last_seen_at, revoked_at = row
    if revoked_at is not None:
        return None
    if now - last_seen_at > idle or now - created_at > absolute:
        session.get_one(UserSession, session_id).revoked_at = now
        return None
    if not user.active:
        return None
    # Write last_seen at most once a minute: a write on every page would serialise SQLite.
    if now - last_seen_at > timedelta(minutes=1):
        session.get_one(UserSession, session_id).last_seen_at = now
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


# --- the second factor (TOTP and recovery codes) -----------------------------------------

CODE_WRONG = _l("The code is wrong or used already. Type the code your app shows now.")


def begin_two_factor_setup(session: Session, *, user: User, secret_keys: Sequence[str]) -> str:
    """Give the user a new secret to add to their app; in force only once a code confirms it."""
    if user.has_two_factor:
        raise DomainError(None, _l("Two-step sign-in is on already."))
    secret = twofactor.new_secret()
    user.totp_secret = twofactor.encrypt_secret(secret, secret_keys=secret_keys)
    user.totp_last_counter = None
    session.flush()
    return secret


def pending_two_factor_secret(user: User, *, secret_keys: Sequence[str]) -> str | None:
    """The secret of a setup begun but not confirmed, to show as a QR code; else None."""
    if user.has_two_factor or not user.totp_secret:
        return None
    return twofactor.decrypt_secret(user.totp_secret, secret_keys=secret_keys)


def confirm_two_factor_setup(
    session: Session,
    *,
    user: User,
    code: str,
    secret_keys: Sequence[str],
    now: datetime | None = None,
) -> list[str]:
    """Switch the second factor on with a first right code; returns the new recovery codes."""
    secret = pending_two_factor_secret(user, secret_keys=secret_keys)
    if secret is None:
        raise DomainError(None, _l("Start the setup again: no code is waiting to be confirmed."))
    now = now or utcnow()
    counter = twofactor.matching_counter(secret, code, now=now, after=None)
    if counter is None:
        raise DomainError("code", CODE_WRONG)
    user.totp_enabled_at = now
    user.totp_last_counter = counter
    return replace_recovery_codes(session, user=user)


def replace_recovery_codes(session: Session, *, user: User) -> list[str]:
    """New recovery codes (stored hashed, returned to be shown once); the old ones stop working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    shown_codes = []
    for _ in range(twofactor.RECOVERY_CODE_COUNT):
        shown, selector, secret = twofactor.new_recovery_code()
        session.add(
            RecoveryCode(user_id=user.id, selector=selector, code_hash=hash_password(secret))
        )
        shown_codes.append(shown)
    session.flush()
    return shown_codes


def unused_recovery_codes(session: Session, *, user: User) -> int:
    """How many recovery codes the user has left."""
    return session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def check_second_factor(
    session: Session,
    *,
    user: User,
    code: str,
    secret_keys: Sequence[str],
    now: datetime | None = None,
) -> bool:
    """Whether `code` is the app's current code or an unused recovery code; either is spent.

    Spending is one conditional UPDATE, so of two requests with the same code at once only
    one passes.
    """
    if not user.has_two_factor or not user.totp_secret:
        return False
    now = now or utcnow()
    typed = twofactor.normalise_code(code)
    if typed.isdigit():
        secret = twofactor.decrypt_secret(user.totp_secret, secret_keys=secret_keys)
        if secret is None:
            return False
        counter = twofactor.matching_counter(secret, typed, now=now, after=user.totp_last_counter)
        if counter is None:
            return False
        # Conditional, so two requests with the same code cannot both pass (no replay).
        spent = tracked_execute(
            session,
            update(User)
            .where(
                User.id == user.id,
                or_(User.totp_last_counter.is_(None), User.totp_last_counter < counter),
            )
            .values(totp_last_counter=counter)
            .execution_options(synchronize_session=False),
            action=ChangeKind.UPDATE,
        )
        user.totp_last_counter = counter
        return spent.rowcount == 1
    parts = twofactor.split_recovery_code(typed)
    if parts is None:
        return False
    selector, secret_part = parts
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.selector == selector,
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        spend_equal_time(secret_part)
        return False
    if not verify_password(row.code_hash, secret_part):
        return False
    spent = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def disable_two_factor(session: Session, *, user: User, password: str, required: bool) -> None:
    """Switch the second factor off after the password is typed again (not where it is required)."""
    if required:
        raise DomainError(
            None, _l("Administrators must keep two-step sign-in on; it cannot be switched off.")
        )
    if not verify_password(user.password_hash, password):
        raise DomainError("password", _l("The password is wrong."))
    reset_two_factor(session, user=user)


def reset_two_factor(session: Session, *, user: User) -> None:
    """Clear a user's second factor and recovery codes (a lost phone: the admin's command)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()


# --- sign-in through the municipality's identity provider ---------------------------------


class ProviderRefusal(DomainError):
    """A sign-in through the provider that is refused; the message says why."""

    def __init__(self, message) -> None:
        super().__init__(None, message)


def get_sign_in_settings(session: Session) -> SignInSettings:
    """The administrators' sign-in settings (the defaults until someone saves them)."""
    settings = session.scalar(select(SignInSettings).order_by(SignInSettings.id).limit(1))
    if settings is None:
        settings = SignInSettings(create_users_from_provider=False)
    return settings


def save_sign_in_settings(
    session: Session, *, create_users_from_provider: bool, acting: User
) -> SignInSettings:
    """Store the administrators' sign-in settings."""
    settings = get_sign_in_settings(session)
    settings.create_users_from_provider = create_users_from_provider
    settings.updated_by_id = acting.id
    session.add(settings)
    session.flush()
    return settings


def role_from_groups(groups: object, mapping: dict[str, str]) -> str | None:
    """The highest role a user's groups give under `mapping`, reader if none; None without one."""
    if not mapping:
        return None
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list | tuple):
        groups = []
    order = [Role.READER.value, Role.EDITOR.value, Role.ADMIN.value]
    roles = {mapping[g] for g in groups if isinstance(g, str) and g in mapping}
    return max(roles, key=order.index) if roles else Role.READER.value


def sign_in_with_provider(
    session: Session,
    *,
    issuer: str,
    claims: dict,
    group_roles: dict[str, str],
    groups_claim: str,
) -> User:
    """The user the provider's verified claims name: found, linked by email, or created.

    Refused: no subject, no email or an unverified one, a deactivated user, an unknown user
    while the administrators do not let the provider create accounts.
    """
    subject = claims.get("sub")
    email = claims.get("email")
    if not isinstance(subject, str) or not subject:
        raise ProviderRefusal(_l("The municipality's sign-in sent no user id. Try again."))
    if not isinstance(email, str) or not email.strip():
        raise ProviderRefusal(
            _l("The municipality's sign-in sent no email address, so we cannot tell who you are.")
        )
    if claims.get("email_verified") is not True:
        raise ProviderRefusal(
            _l(
                "The municipality's sign-in has not verified your email address %(email)s. "
                "Ask the IT department to verify it, then try again.",
                email=email,
            )
        )
    role = role_from_groups(claims.get(groups_claim), group_roles)
    identity = session.scalar(
        select(OidcIdentity).where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)
    )
    user = identity.user if identity else get_user_by_email(session, email)
    if user is None:
        if not get_sign_in_settings(session).create_users_from_provider:
            raise ProviderRefusal(
                _l(
                    "%(email)s has no account in Koblingsboks. Ask an administrator to create "
                    "one for you.",
                    email=normalise_email(email),
                )
            )
        name = claims.get("name") if isinstance(claims.get("name"), str) else ""
        user = User(
            email=normalise_email(email),
            name=(name or email.split("@")[0]).strip()[:200],
            role=Role.READER.value,
            active=True,
            # Never told to anyone: this user signs in through the provider.
            password_hash=hash_password(generate_password()),
        )
        session.add(user)
        session.flush()
    if not user.active:
        raise ProviderRefusal(
            _l("Your account in Koblingsboks is deactivated. Ask an administrator.")
        )
    if identity is None:
        identity = OidcIdentity(user_id=user.id, issuer=issuer, subject=subject)
        session.add(identity)
    if role is not None and role != user.role:
        user.role = role
    now = utcnow()
    identity.last_login_at = now
    user.last_login_at = now
    session.flush()
    return user
