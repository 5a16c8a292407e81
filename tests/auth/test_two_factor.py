"""The second factor for password sign-in: setup, codes, replay, recovery codes, admins."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from crm.auth import services, twofactor
from crm.common.models import utcnow
from tests.conftest import post_form
from tests.factories import DEFAULT_PASSWORD, make_user


def _secret_of(user, app) -> str:
    return twofactor.decrypt_secret(user.totp_secret, secret_keys=(app.secret_key,))


def _code(secret: str, *, steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(utcnow() + timedelta(seconds=30 * steps))


def _with_two_factor(session, app, **overrides):
    """A user whose second factor is on; returns (user, secret, recovery codes)."""
    user = make_user(session, **overrides)
    secret = services.begin_two_factor_setup(session, user=user, secret_keys=(app.secret_key,))
    codes = services.confirm_two_factor_setup(
        session, user=user, code=_code(secret, steps=-1), secret_keys=(app.secret_key,)
    )
    session.commit()
    return user, secret, codes


def _password_step(client, user):
    return post_form(client, "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})


def test_setup_shows_a_qr_code_then_recovery_codes_once(app, client, login, session):
    user = login(role="editor")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Sett opp totrinnsinnlogging" in page
    response = post_form(client, "/account/two-factor/start", {}, form_page="/account/two-factor")
    assert response.status_code == 302
    setup = client.get("/account/two-factor/setup")
    assert 'src="/account/two-factor/qr.svg"' in setup.get_data(as_text=True)
    qr = client.get("/account/two-factor/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data and b"<script" not in qr.data
    session.refresh(user)
    assert user.totp_secret and _secret_of(user, app) not in user.totp_secret  # stored encrypted

    wrong = post_form(client, "/account/two-factor/setup", {"code": "000000"})
    assert wrong.status_code == 400
    assert "Koden er feil" in wrong.get_data(as_text=True)

    done = post_form(client, "/account/two-factor/setup", {"code": _code(_secret_of(user, app))})
    html = done.get_data(as_text=True)
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", html)
    assert len(codes) == 10
    session.refresh(user)
    assert user.has_two_factor
    stored = [row.code_hash for row in session.scalars(services.select(services.RecoveryCode))]
    assert not any(code in h or code.replace("-", "") in h for code in codes for h in stored)
    # Shown once: the setup page and the account page do not show them again.
    assert client.get("/account/two-factor/setup").status_code == 302
    assert codes[0] not in client.get("/account/two-factor").get_data(as_text=True)


def test_sign_in_asks_for_the_code_and_refuses_a_wrong_one(app, client, session):
    user, secret, _codes = _with_two_factor(session, app)
    response = _password_step(client, user)
    assert response.headers["Location"] == "/auth/code"
    assert client.get("/").status_code == 302  # not signed in yet
    wrong = post_form(client, "/auth/code", {"code": "123456"})
    assert wrong.status_code == 401
    assert "Koden er feil eller brukt" in wrong.get_data(as_text=True)
    right = post_form(client, "/auth/code", {"code": _code(secret)})
    assert right.status_code == 302 and right.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_used_code_cannot_be_replayed_within_its_window(app, client, session):
    user, secret, _codes = _with_two_factor(session, app)
    code = _code(secret, steps=1)
    _password_step(client, user)
    assert post_form(client, "/auth/code", {"code": code}).status_code == 302
    client.post("/auth/logout", data={"csrf_token": ""})
    other = app.test_client()
    _password_step(other, user)
    again = post_form(other, "/auth/code", {"code": code})
    assert again.status_code == 401
    # An older code of the window is refused too once a newer one was used.
    assert post_form(other, "/auth/code", {"code": _code(secret)}).status_code == 401


def test_a_recovery_code_works_once(app, client, session):
    user, _secret, codes = _with_two_factor(session, app)
    _password_step(client, user)
    assert post_form(client, "/auth/code", {"code": codes[3].upper()}).status_code == 302
    other = app.test_client()
    _password_step(other, user)
    assert post_form(other, "/auth/code", {"code": codes[3]}).status_code == 401
    assert post_form(other, "/auth/code", {"code": codes[4]}).status_code == 302
    assert services.unused_recovery_codes(session, user=user) == 8


def test_the_code_step_expires_and_needs_the_password_step(app, client, session, monkeypatch):
    user, secret, _codes = _with_two_factor(session, app)
    assert client.get("/auth/code").headers["Location"] == "/auth/login"
    _password_step(client, user)
    monkeypatch.setitem(app.config, "TWO_FACTOR_PENDING_LIFETIME", timedelta(seconds=-1))
    late = post_form(client, "/auth/code", {"code": _code(secret)}, form_page="/auth/login")
    assert late.headers["Location"] == "/auth/login"


def test_wrong_codes_are_rate_limited_per_account(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_RATE_LIMIT_ACCOUNT", "3 per 15 minutes")
    user, secret, _codes = _with_two_factor(session, app)
    _password_step(client, user)
    for _ in range(3):
        assert post_form(client, "/auth/code", {"code": "000000"}).status_code == 401
    blocked = post_form(client, "/auth/code", {"code": _code(secret)})
    assert blocked.status_code == 429


def test_an_admin_without_a_second_factor_is_led_to_set_it_up(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_FOR_ADMINS", True)
    login(role="admin")
    for path in ("/", "/users/", "/companies/"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Administratorer logger inn i to trinn" in page


def test_a_new_admin_chooses_a_password_first_then_sets_up_the_code(
    app, client, login, monkeypatch
):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_FOR_ADMINS", True)
    login(role="admin", must_change_password=True)
    assert client.get("/").headers["Location"] == "/account/password"
    assert client.get("/account/password").status_code == 200  # no loop between the two steps
    new = "a sentence long enough to remember"
    changed = post_form(
        client,
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": new, "confirm": new},
    )
    assert changed.status_code == 302
    assert client.get("/").headers["Location"] == "/account/two-factor"
    assert client.get("/account/two-factor").status_code == 200


def test_an_admin_with_it_goes_on_and_cannot_switch_it_off(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_FOR_ADMINS", True)
    user, secret, _codes = _with_two_factor(session, app, role="admin")
    _password_step(client, user)
    post_form(client, "/auth/code", {"code": _code(secret)})
    assert client.get("/users/").status_code == 200
    off = post_form(
        client,
        "/account/two-factor/off",
        {"off-password": DEFAULT_PASSWORD},
        form_page="/account/two-factor",
    )
    assert off.status_code == 400
    session.refresh(user)
    assert user.has_two_factor


def test_others_switch_it_off_with_their_password(app, client, session):
    user, secret, _codes = _with_two_factor(session, app)
    _password_step(client, user)
    post_form(client, "/auth/code", {"code": _code(secret)})
    wrong = post_form(
        client,
        "/account/two-factor/off",
        {"off-password": "not it"},
        form_page="/account/two-factor",
    )
    assert wrong.status_code == 400 and "Passordet er feil" in wrong.get_data(as_text=True)
    off = post_form(
        client,
        "/account/two-factor/off",
        {"off-password": DEFAULT_PASSWORD},
        form_page="/account/two-factor",
    )
    assert off.status_code == 302
    session.refresh(user)
    assert not user.has_two_factor and user.totp_secret is None
    client.post("/auth/logout", data={"csrf_token": ""})
    fresh = app.test_client()
    assert _password_step(fresh, user).headers["Location"] == "/"


def test_a_secret_under_another_key_is_unreadable():
    stored = twofactor.encrypt_secret("JBSWY3DPEHPK3PXP", secret_keys=("one key",))
    assert twofactor.decrypt_secret(stored, secret_keys=("one key",)) == "JBSWY3DPEHPK3PXP"
    assert twofactor.decrypt_secret(stored, secret_keys=("another key",)) is None
    # Rotated with Flask's SECRET_KEY_FALLBACKS: the old key still opens it.
    config = {"SECRET_KEY": "another key", "SECRET_KEY_FALLBACKS": ["one key"]}
    keys = twofactor.app_secret_keys(config)
    assert twofactor.decrypt_secret(stored, secret_keys=keys) == "JBSWY3DPEHPK3PXP"


@pytest.mark.parametrize("typed", ["12345", "1234567", "abcdef", ""])
def test_codes_of_the_wrong_shape_never_match(typed):
    secret = twofactor.new_secret()
    assert twofactor.matching_counter(secret, typed, now=utcnow(), after=None) is None


def test_the_admin_command_clears_a_lost_second_factor(app, runner, session):
    user, _secret, _codes = _with_two_factor(session, app)
    result = runner.invoke(args=["crm", "reset-two-factor", user.email])
    assert result.exit_code == 0, result.output
    session.refresh(user)
    assert not user.has_two_factor
    assert services.unused_recovery_codes(session, user=user) == 0
    assert runner.invoke(args=["crm", "reset-two-factor", "nobody@x.no"]).exit_code == 1
