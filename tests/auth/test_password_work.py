"""A sign-in does the same password work whether or not the email has an account.

Counted, not timed: each argon2 run (hash or verify) costs the same at the same parameters, so
equal counts at equal parameters mean equal time, without a flaky stopwatch.
"""

from __future__ import annotations

from collections import Counter

import pytest
from argon2 import PasswordHasher, extract_parameters
from flask import current_app

from crm.auth.passwords import spend_equal_time
from tests.conftest import post_form
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture
def argon2_runs(monkeypatch) -> Counter:
    """Count every argon2 hash and verify the app makes."""
    runs: Counter = Counter()
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def counted_hash(self, *args, **kwargs):
        runs["hash"] += 1
        return real_hash(self, *args, **kwargs)

    def counted_verify(self, *args, **kwargs):
        runs["verify"] += 1
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counted_hash)
    monkeypatch.setattr(PasswordHasher, "verify", counted_verify)
    return runs


def _failed_sign_in(client, email: str, password: str, runs: Counter) -> Counter:
    runs.clear()
    response = post_form(client, "/auth/login", {"email": email, "password": password})
    assert response.status_code == 401
    return Counter(runs)


def test_unknown_and_known_emails_cost_one_verify_each(client, session, argon2_runs):
    known = make_user(session, email="kari@lillestrom.kommune.no")
    inactive = make_user(session, email="ola@lillestrom.kommune.no")
    inactive.active = False
    session.commit()
    one_verify = Counter(verify=1)
    assert _failed_sign_in(client, "nobody@example.org", "a wrong password", argon2_runs) == (
        one_verify
    )
    assert _failed_sign_in(client, known.email, "a wrong password", argon2_runs) == one_verify
    assert _failed_sign_in(client, inactive.email, DEFAULT_PASSWORD, argon2_runs) == one_verify


def test_the_dummy_hash_costs_what_a_users_hash_costs(session):
    """Equal counts mean equal time only if the unknown email's hash has a user's parameters."""
    user = make_user(session)
    dummy = current_app.extensions["crm.dummy_password_hash"]
    assert extract_parameters(dummy) == extract_parameters(user.password_hash)


def test_spend_equal_time_does_not_hash_on_each_call(app, argon2_runs):
    with app.app_context():
        spend_equal_time("whatever was typed")
        spend_equal_time("and again")
    assert argon2_runs == Counter(verify=2)
