"""Personal API tokens: create, check and revoke.

A token is 32 random bytes (256 bits) from `secrets`, shown once. Only HMAC-SHA256 of it,
keyed with the app's secret, is stored. A slow password hash (argon2) exists to make guessing
a *low-entropy* password expensive; a 256-bit random token cannot be guessed whatever the
hash, so the hash only has to be one-way and fast enough to run on every API request (argon2
would add ~50 ms to each). The key means a copy of the database alone cannot even test a
candidate token. Rotating SECRET_KEY (or API_TOKEN_KEY) therefore ends every token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crm.api.models import ApiToken, TokenScope
from crm.auth.models import User
from crm.common.access import Role
from crm.common.errors import DomainError
from crm.common.models import utcnow

TOKEN_PREFIX = "kb_"  # noqa: S105  # nosec B105 (a public marker, not a secret)
NAME_LENGTH = 100
# A token lives at most a year: a forgotten script's key does not stay open for ever.
MAX_LIFETIME = timedelta(days=366)
_DURATION = re.compile(r"^([1-9][0-9]{0,3})([dhw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def token_key() -> bytes:
    """The HMAC key: API_TOKEN_KEY when configured, else the app's SECRET_KEY."""
    key = current_app.config.get("API_TOKEN_KEY") or current_app.config["SECRET_KEY"]
    return key.encode("utf-8") if isinstance(key, str) else key


def hash_token(token: str) -> str:
    """The stored form of a token: HMAC-SHA256 with the app's key, in hex."""
    return hmac.new(token_key(), token.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_lifetime(text: str | None) -> timedelta | None:
    """ "30d", "12h" or "8w" as a timedelta; None for no text. Refuses anything else."""
    if text is None or not text.strip():
        return None
    match = _DURATION.match(text.strip())
    if not match:
        raise DomainError("expires_in", _l("Write the lifetime as a number and d, h or w: 30d."))
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def create_token(
    session: Session,
    *,
    user: User,
    name: str,
    scope: str,
    expires_at: datetime | None,
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the record and the token text, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("name", _l("Give the token a name, e.g. the script that uses it."))
    if len(name) > NAME_LENGTH:
        raise DomainError("name", _l("The name is too long."))
    if scope not in {s.value for s in TokenScope}:
        raise DomainError("scope", _l("Choose read or read and write."))
    if scope == TokenScope.WRITE and user.role == Role.READER:
        raise DomainError("scope", _l("A reader's token can only read."))
    if not user.active:
        raise DomainError("user", _l("The user is deactivated."))
    now = utcnow()
    if expires_at is None:
        expires_at = now + MAX_LIFETIME
    if expires_at <= now:
        raise DomainError("expires_at", _l("The expiry must be in the future."))
    if expires_at > now + MAX_LIFETIME:
        raise DomainError("expires_at", _l("A token lives at most a year."))
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        scope=scope,
        prefix=text[:10],
        token_hash=hash_token(text),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token, text


def authenticate(session: Session, text: str | None) -> ApiToken | None:
    """The usable token `text` names, with its user; None when unknown, expired or revoked.

    The user's `active` flag is read on every request, so deactivating a user stops their
    tokens at once.
    """
    if not text or not text.startswith(TOKEN_PREFIX) or len(text) > 200:
        return None
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == hash_token(text))
        .options(joinedload(ApiToken.user))
    )
    if token is None or not token.usable(utcnow()):
        return None
    return token


def touch_token(session: Session, token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute (no write per request)."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        session.flush()


def revoke_token(session: Session, *, token: ApiToken, by: User) -> ApiToken:
    """End a token now; its owner or an admin may."""
    if token.user_id != by.id and by.role != Role.ADMIN:
        raise DomainError(None, _l("You may only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        token.revoked_by_id = by.id
        session.flush()
    return token
