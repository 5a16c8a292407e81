"""Reads about API tokens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crm.api.models import ApiToken


def list_tokens(session: Session, *, user_id: int | None) -> list[ApiToken]:
    """A user's tokens (or everyone's when `user_id` is None), newest first."""
    query = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query))


def get_token(session: Session, token_id: int) -> ApiToken | None:
    """One token with its user."""
    return session.get(ApiToken, token_id, options=[joinedload(ApiToken.user)])
