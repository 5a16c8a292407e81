"""Reads about users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth.models import Invitation, User
from crm.common.models import utcnow


def list_users(session: Session) -> list[User]:
    """Every user, active ones first, by name."""
    return list(session.scalars(select(User).order_by(User.active.desc(), User.name)))


def invited_user_ids(session: Session) -> set[int]:
    """The users whose link to choose a password is still open (sent, not used, not expired)."""
    return set(
        session.scalars(
            select(Invitation.user_id).where(
                Invitation.used_at.is_(None), Invitation.expires_at > utcnow()
            )
        )
    )
