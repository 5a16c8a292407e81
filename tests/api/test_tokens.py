"""Personal API tokens: hash only, scope, expiry, revocation, deactivation, the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.api import services
from crm.api.models import ApiToken
from crm.common.errors import DomainError
from crm.common.models import utcnow
from tests.api.conftest import bearer
from tests.factories import make_company, make_token, make_user


def test_only_the_tokens_keyed_hash_is_stored(session):
    token, text = make_token(session)
    assert text.startswith("kb_") and len(text) > 40
    stored = session.scalar(select(ApiToken))
    assert stored.token_hash != text and text not in stored.token_hash
    assert stored.token_hash == services.hash_token(text)
    assert services.authenticate(session, text) is token


def test_no_token_or_a_wrong_one_is_401_with_a_problem(client, session):
    make_token(session)
    session.commit()
    for headers in ({}, bearer("kb_not-a-token"), {"Authorization": "Basic dXNlcjpwdw=="}):
        response = client.get("/api/v1/organisations", headers=headers)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json["status"] == 401 and response.json["title"] == "Unauthorized"


def test_a_session_cookie_does_not_open_the_api(client, login):
    login(role="admin")
    assert client.get("/companies/").status_code == 200
    assert client.get("/api/v1/organisations").status_code == 401
    response = client.post("/api/v1/organisations", json={"name": "Via cookie AS"})
    assert response.status_code == 401


def test_a_read_token_cannot_write(client, session):
    user = make_user(session, role="admin")
    _t, text = make_token(session, user=user, scope="read")
    session.commit()
    assert client.get("/api/v1/organisations", headers=bearer(text)).status_code == 200
    response = client.post("/api/v1/organisations", json={"name": "X AS"}, headers=bearer(text))
    assert response.status_code == 403
    assert response.json["detail"] == "This token may only read."


def test_a_reader_gets_no_write_token_and_a_reader_cannot_write(client, session):
    reader = make_user(session, role="reader")
    with pytest.raises(DomainError):
        services.create_token(session, user=reader, name="x", scope="write", expires_at=None)
    # Even a write token made before a demotion writes nothing once the user is a reader.
    editor = make_user(session, role="editor")
    _t, text = make_token(session, user=editor)
    editor.role = "reader"
    session.commit()
    response = client.post("/api/v1/organisations", json={"name": "X AS"}, headers=bearer(text))
    assert response.status_code == 403


def test_an_expired_token_stops(client, session):
    token, text = make_token(session)
    session.commit()
    assert client.get("/api/v1/organisations", headers=bearer(text)).status_code == 200
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert client.get("/api/v1/organisations", headers=bearer(text)).status_code == 401


def test_a_revoked_token_stops_at_once(client, session):
    owner = make_user(session)
    token, text = make_token(session, user=owner)
    session.commit()
    assert client.get("/api/v1/organisations", headers=bearer(text)).status_code == 200
    services.revoke_token(session, token=token, by=owner)
    session.commit()
    assert client.get("/api/v1/organisations", headers=bearer(text)).status_code == 401


def test_a_deactivated_users_tokens_stop_at_once(client, session):
    user = make_user(session)
    _t, text = make_token(session, user=user)
    session.commit()
    assert client.get("/api/v1/organisations", headers=bearer(text)).status_code == 200
    user.active = False
    session.commit()
    assert client.get("/api/v1/organisations", headers=bearer(text)).status_code == 401


def test_only_the_owner_or_an_admin_revokes(session):
    owner, other, admin = (make_user(session, role=r) for r in ("editor", "editor", "admin"))
    token, _ = make_token(session, user=owner)
    with pytest.raises(DomainError):
        services.revoke_token(session, token=token, by=other)
    services.revoke_token(session, token=token, by=admin)
    assert token.revoked_at is not None and token.revoked_by_id == admin.id


def test_expiry_is_in_the_future_and_within_a_year(session):
    user = make_user(session)
    for when in (utcnow() - timedelta(days=1), utcnow() + timedelta(days=400)):
        with pytest.raises(DomainError):
            services.create_token(session, user=user, name="x", scope="read", expires_at=when)


def test_the_x_api_token_header_works_too(client, session):
    make_company(session, name="Headerbedrift AS")
    _t, text = make_token(session)
    session.commit()
    response = client.get("/api/v1/organisations", headers={"X-API-Token": text})
    assert [item["name"] for item in response.json["items"]] == ["Headerbedrift AS"]


def test_cli_prints_a_token_that_works(runner, client, session):
    user = make_user(session, email="skript@lillestrom.kommune.no")
    session.commit()
    result = runner.invoke(
        args=[
            "crm",
            "create-token",
            "skript@lillestrom.kommune.no",
            "--name",
            "Power BI",
            "--scope",
            "read",
            "--expires-in",
            "30d",
        ]
    )
    assert result.exit_code == 0, result.output
    text = result.stdout.strip().splitlines()[0]
    assert client.get("/api/v1/organisations", headers=bearer(text)).status_code == 200
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.name == "Power BI" and token.scope == "read"
    assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    bad = runner.invoke(
        args=[
            "crm",
            "create-token",
            "skript@lillestrom.kommune.no",
            "--name",
            "x",
            "--scope",
            "read",
            "--expires-in",
            "soon",
        ]
    )
    assert bad.exit_code == 1 and "30d" in bad.output


def test_the_rate_limit_counts_each_token_on_its_own(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3/minute")
    _a, first = make_token(session)
    _b, second = make_token(session)
    session.commit()
    answers = [client.get("/api/v1/strategies", headers=bearer(first)) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert limited.content_type == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/strategies", headers=bearer(second)).status_code == 200
