"""Writes about calendar feeds: make or renew a user's secret feed token."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.orm import Session

from crm.auth.models import User

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    """The sha256 of a feed token, as stored; the token itself is never stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def renew_feed_token(session: Session, *, user: User) -> str:
    """Give the user a new feed token and return it; the old feed URL stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    user.calendar_token_hash = hash_token(token)
    session.flush()
    return token


def stop_feed(session: Session, *, user: User) -> None:
    """Turn the user's feed off: no URL works until a new one is made."""
    user.calendar_token_hash = None
    session.flush()
