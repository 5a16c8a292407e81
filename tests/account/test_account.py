"""The user's own password and language."""

from tests.conftest import post_form
from tests.factories import DEFAULT_PASSWORD

NEW = "a brand new pass phrase"


def test_change_password_then_sign_in_with_the_new_one(client, login):
    user = login(role="reader")
    response = post_form(
        client,
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW, "confirm": NEW},
    )
    assert response.status_code == 302
    post_form(client, "/auth/logout", {}, form_page="/")
    response = post_form(client, "/auth/login", {"email": user.email, "password": NEW})
    assert response.status_code == 302


def test_wrong_current_password_is_shown_beside_the_field(client, login):
    login()
    response = post_form(
        client,
        "/account/password",
        {"current_password": "not my password", "new_password": NEW, "confirm": NEW},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="current_password-error"' in html
    assert "Nåværende passord er feil." in html


def test_too_short_password_is_refused(client, login):
    login()
    response = post_form(
        client,
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": "short", "confirm": "short"},
    )
    assert response.status_code == 400
    assert 'id="new_password-error"' in response.get_data(as_text=True)


def test_one_time_password_must_be_changed_first(client, login):
    login(must_change_password=True)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"


def test_language_switch_is_remembered_for_the_user(client, login, session):
    user = login()
    assert "Logg ut" in client.get("/").get_data(as_text=True)
    response = post_form(client, "/account/language", {"locale": "en", "next": "/"}, form_page="/")
    assert response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en" ' in html and "Sign out" in html
    session.refresh(user)
    assert user.locale == "en"


def test_language_switch_works_before_sign_in(client):
    post_form(client, "/account/language", {"locale": "en", "next": "/auth/login"})
    assert "Sign in" in client.get("/auth/login").get_data(as_text=True)


def test_language_switch_ignores_a_foreign_next(client):
    response = post_form(
        client,
        "/account/language",
        {"locale": "en", "next": "//evil.example/"},
        form_page="/auth/login",
    )
    assert response.headers["Location"] == "/"
