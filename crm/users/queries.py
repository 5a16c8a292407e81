"""Reads about users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth.models import User


def list_users(session: Session) -> list[User]:
    """Every user, active ones first, by name."""
    return list(session.scalars(select(User).order_by(User.active.desc(), User.name)))
