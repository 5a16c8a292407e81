"""The API allows each role exactly what the web UI allows, from the same declarations."""

from __future__ import annotations

import re

import pytest

from crm.api.spec import OPERATIONS
from crm.common.access import role_allows, view_access
from tests.api.conftest import bearer
from tests.factories import make_token, make_user


def _url(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "1", rule)


def test_every_operation_mirrors_a_web_view_with_the_same_access(app):
    assert len(OPERATIONS) >= 25
    for op in OPERATIONS:
        web = view_access(app, op.mirrors)
        assert web is not None, f"{op.endpoint} mirrors {op.mirrors}, which is not a web view"
        assert view_access(app, op.endpoint) is web, op.endpoint


@pytest.mark.parametrize("role", ["reader", "editor", "admin"])
def test_each_role_reaches_through_the_api_what_it_reaches_on_the_web(app, client, session, role):
    # A write token, then the role: a reader's own tokens could only read, which would hide
    # whether the role check itself holds.
    user = make_user(session, role="editor")
    _token, text = make_token(session, user=user, scope="write")
    user.role = role
    session.commit()
    mismatched = []
    for op in OPERATIONS:
        web_allows = role_allows(role, view_access(app, op.mirrors))
        response = client.open(
            _url(op.rule),
            method=op.method,
            json={} if op.method != "GET" else None,
            headers=bearer(text),
        )
        assert response.status_code != 401, op.endpoint
        assert response.status_code < 500, (op.endpoint, response.status_code)
        api_allows = response.status_code != 403
        if api_allows != web_allows:
            mismatched.append((op.endpoint, op.mirrors, response.status_code))
    assert mismatched == []
