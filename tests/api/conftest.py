"""Fixtures for driving the API as a client would: a token in a real header."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.factories import make_token, make_user


def bearer(text: str) -> dict[str, str]:
    """The header a client sends its token in."""
    return {"Authorization": f"Bearer {text}"}


@pytest.fixture
def api_headers(session) -> Callable[..., dict[str, str]]:
    """`api_headers(role="editor", scope="write")`: a new user's token, as request headers."""

    def _headers(role: str = "editor", scope: str = "write") -> dict[str, str]:
        user = make_user(session, role=role)
        _token, text = make_token(session, user=user, scope=scope)
        session.commit()
        return bearer(text)

    return _headers
