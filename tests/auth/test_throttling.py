"""Sign-in limits: per client address (behind the trusted proxies) and per account."""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask, request

from config import Config, ConfigError, TestingConfig
from crm import create_app
from crm.common.access import public
from crm.extensions import db, limiter
from tests.conftest import IsolatedClient, csrf_token, require_service
from tests.factories import DEFAULT_PASSWORD, make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def make_app(app: Flask, session) -> Iterator[Callable[..., Flask]]:
    """Another app on the suite's database, with its own settings (proxies, limits)."""
    made: list[Flask] = []

    def _make(**overrides) -> Flask:
        other = create_app(
            TestingConfig,
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            **overrides,
        )
        other.test_client_class = IsolatedClient
        made.append(other)
        return other

    yield _make
    for other in made:
        with other.app_context():
            db.engine.dispose()
    # Flask-Limiter keeps one storage per Limiter: give the suite's app its own back.
    limiter.init_app(app)
    limiter.reset()


def _sign_in(client, email: str, password: str, address: str | None = None):
    headers = {"X-Forwarded-For": address} if address else {}
    token = csrf_token(client)
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
    )


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(make_app, session):
    victim = make_user(session, email="kari@lillestrom.kommune.no")
    session.commit()
    proxied = make_app(
        TRUSTED_PROXIES="1",
        LOGIN_RATE_LIMIT_ADDRESS="3/minute",
        LOGIN_RATE_LIMIT_ACCOUNT="1000/minute",
    )
    attacker, colleague = proxied.test_client(), proxied.test_client()
    codes = [
        _sign_in(attacker, f"guess{n}@example.org", "wrong password!", "203.0.113.7").status_code
        for n in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    # The same proxy forwards a colleague from another address: not throttled.
    assert (
        _sign_in(colleague, "nobody@example.org", "typo typo typo", "198.51.100.20").status_code
        == 401
    )
    assert _sign_in(colleague, victim.email, DEFAULT_PASSWORD, "198.51.100.20").status_code == 302


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(app, client, session, monkeypatch):
    user = make_user(session)
    session.commit()
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_ADDRESS", "3/minute")
    # An attacker cannot pose as a new client by writing a new header on every try.
    codes = [
        _sign_in(client, f"guess{n}@example.org", "wrong password!", f"192.0.2.{n}").status_code
        for n in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    assert _sign_in(client, user.email, DEFAULT_PASSWORD, "192.0.2.99").status_code == 429


def test_the_client_address_is_the_one_the_proxy_saw(make_app):
    proxied = make_app(TRUSTED_PROXIES="1")

    @proxied.route("/whoami-test")
    @public
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    client = proxied.test_client()
    # A client-written entry further left is not trusted: only the proxy's own is.
    answer = client.get(
        "/whoami-test",
        headers={"X-Forwarded-For": "10.9.9.9, 203.0.113.7", "X-Forwarded-Proto": "https"},
    )
    assert answer.get_data(as_text=True) == "203.0.113.7 https"


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_a_wrong_number_of_trusted_proxies_is_refused_at_start(app, value):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        create_app(
            TestingConfig,
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            TRUSTED_PROXIES=value,
        )


def _production_limits() -> dict:
    return {
        "LOGIN_RATE_LIMIT_ADDRESS": Config.LOGIN_RATE_LIMIT_ADDRESS,
        "LOGIN_RATE_LIMIT_ACCOUNT": Config.LOGIN_RATE_LIMIT_ACCOUNT,
    }


def test_failures_on_one_account_from_many_addresses_slow_that_account_only_briefly(
    make_app, session
):
    victim = make_user(session, email="kari@lillestrom.kommune.no")
    other = make_user(session, email="ola@lillestrom.kommune.no")
    session.commit()
    proxied = make_app(TRUSTED_PROXIES="1", **_production_limits())
    botnet = proxied.test_client()
    codes = [
        _sign_in(botnet, victim.email.upper(), "wrong password!", f"192.0.2.{n}").status_code
        for n in range(11)
    ]
    # Ten tries a quarter hour, however the address changes (and the email is written).
    assert codes == [401] * 10 + [429]
    refused = _sign_in(proxied.test_client(), victim.email, DEFAULT_PASSWORD, "198.51.100.20")
    assert refused.status_code == 429
    # Bounded: the victim waits at most a quarter of an hour.
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    # Every other account signs in, from the attacker's own addresses too.
    assert _sign_in(botnet, other.email, DEFAULT_PASSWORD, "192.0.2.3").status_code == 302


def test_a_password_sprayer_is_slowed_at_one_address(make_app, session):
    proxied = make_app(TRUSTED_PROXIES="1", **_production_limits())
    sprayer = proxied.test_client()
    codes = [
        _sign_in(
            sprayer, f"user{n}@lillestrom.kommune.no", "Sommer2026!", "203.0.113.7"
        ).status_code
        for n in range(21)
    ]
    assert codes == [401] * 20 + [429]


def test_successful_sign_ins_do_not_use_up_the_limits(make_app, session):
    """Staff behind one office address sign in all morning without waiting."""
    user = make_user(session)
    session.commit()
    proxied = make_app(TRUSTED_PROXIES="1", **_production_limits())
    codes = {
        _sign_in(proxied.test_client(), user.email, DEFAULT_PASSWORD, "203.0.113.50").status_code
        for _ in range(25)
    }
    assert codes == {302}


def _redis_reachable() -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def test_workers_share_one_count_in_redis(make_app, session):
    require_service(_redis_reachable(), f"Redis is not reachable at {REDIS_URL}")
    # A fresh account each run: Redis keeps its counts between runs of the suite.
    email = f"redis-{uuid.uuid4().hex}@lillestrom.kommune.no"
    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "LOGIN_RATE_LIMIT_ACCOUNT": "5 per 15 minutes"}
    first_worker = make_app(**settings)
    assert [
        _sign_in(first_worker.test_client(), email, "wrong password!").status_code for _ in range(3)
    ] == [401] * 3
    # A second worker connects anew and holds nothing in memory, yet sees the first's count
    # (with memory:// it would start from zero and allow five more).
    second_worker = make_app(**settings)
    assert [
        _sign_in(second_worker.test_client(), email, "wrong password!").status_code
        for _ in range(3)
    ] == [401, 401, 429]

    import redis

    account = hashlib.sha256(email.encode()).hexdigest()
    store = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(store.scan_iter(match=f"*{account}*"))
        assert keys, "the account's count is not in Redis"
        # Only the email's hash goes to Redis, never the email itself.
        assert not any(email.encode() in key for key in store.scan_iter())
    finally:
        for key in store.scan_iter(match=f"*{account}*"):
            store.delete(key)
        store.close()
