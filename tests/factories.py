"""Factories with readable defaults; they flush, the test decides whether to commit."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from crm.auth import services as auth_services
from crm.auth.models import User

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(session: Session, **overrides) -> User:
    """A user; every field can be overridden."""
    n = next(_counter)
    values = {
        "email": f"user{n}@lillestrom.kommune.no",
        "name": f"Test User {n}",
        "role": "editor",
        "password": DEFAULT_PASSWORD,
    }
    values.update(overrides)
    return auth_services.create_user(session, **values)
