"""Signing in and out through the real forms."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.auth import services
from crm.auth.models import UserSession
from tests.conftest import post_form
from tests.factories import DEFAULT_PASSWORD, make_user

WRONG = "Wrong email or password."


def _login(client, email, password, next_url=None):
    path = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return post_form(client, path, {"email": email, "password": password})


def test_login_page_is_public_and_in_bokmal_by_default(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="nb" ' in html
    assert "Logg inn" in html


def test_correct_credentials_sign_in_and_reach_the_start_page(client, session):
    user = make_user(session, name="Kari Nordmann")
    session.commit()
    response = _login(client, user.email.upper(), DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Kari Nordmann" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_message(client, session):
    user = make_user(session)
    session.commit()
    wrong_password = _login(client, user.email, "not the password at all")
    unknown_user = _login(client, "nobody@example.org", DEFAULT_PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    # Flask-Babel shows the bokmål text; both answers must be word for word the same.
    messages = [
        r.get_data(as_text=True).split('role="alert">')[1].split("</div>")[0]
        for r in (wrong_password, unknown_user)
    ]
    assert messages[0] == messages[1]
    assert "Feil e-post eller passord." in messages[0]
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_sign_in(client, session):
    user = make_user(session, role="editor")
    user.active = False
    session.commit()
    assert _login(client, user.email, DEFAULT_PASSWORD).status_code == 401


def test_post_without_csrf_token_is_refused_with_400(client, session):
    user = make_user(session)
    session.commit()
    response = client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "skjemaet" in response.get_data(as_text=True).lower()
    assert client.get("/").status_code == 302  # not signed in


def test_next_goes_to_a_local_path(client, session):
    user = make_user(session, role="admin")
    session.commit()
    response = _login(client, user.email, DEFAULT_PASSWORD, next_url="/users/")
    assert response.headers["Location"] == "/users/"


def test_next_to_another_site_redirects_home(client, session):
    user = make_user(session)
    session.commit()
    for evil in (
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        response = _login(client, user.email, DEFAULT_PASSWORD, next_url=evil)
        assert response.status_code == 302, evil
        assert response.headers["Location"] == "/", evil
        post_form(client, "/auth/logout", {}, form_page="/")


def test_anonymous_request_is_sent_to_login_with_a_local_next(client):
    response = client.get("/users/?page=2")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    assert "evil" not in response.headers["Location"]


def test_logout_revokes_the_session_even_for_a_copied_cookie(client, session, app):
    user = make_user(session)
    session.commit()
    _login(client, user.email, DEFAULT_PASSWORD)
    stolen = client.get_cookie("session").value
    post_form(client, "/auth/logout", {}, form_page="/")
    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get("/").status_code == 302


def test_deactivating_a_user_ends_their_sessions(client, session, app):
    user = make_user(session)
    session.commit()
    _login(client, user.email, DEFAULT_PASSWORD)
    assert client.get("/").status_code == 200
    admin = make_user(session, role="admin")
    services.update_user(session, user=user, acting=admin, role="editor", active=False)
    session.commit()
    assert client.get("/").status_code == 302


def test_idle_and_absolute_limits_end_a_session(session):
    user = make_user(session)
    token = services.start_session(session, user=user)
    row = session.scalars(select(UserSession)).one()
    idle, absolute = timedelta(minutes=30), timedelta(hours=12)
    now = row.last_seen_at + timedelta(minutes=10)
    assert (
        services.resume_session(
            session, user_id=user.id, token=token, idle=idle, absolute=absolute, now=now
        )
        is user
    )
    later = row.last_seen_at + timedelta(minutes=31)
    assert (
        services.resume_session(
            session, user_id=user.id, token=token, idle=idle, absolute=absolute, now=later
        )
        is None
    )
    assert row.revoked_at is not None


def test_session_older_than_the_absolute_limit_is_refused(session):
    user = make_user(session)
    token = services.start_session(session, user=user)
    row = session.scalars(select(UserSession)).one()
    row.created_at -= timedelta(hours=13)
    assert (
        services.resume_session(
            session,
            user_id=user.id,
            token=token,
            idle=timedelta(minutes=30),
            absolute=timedelta(hours=12),
            now=row.last_seen_at,
        )
        is None
    )


def test_password_is_stored_as_argon2id(session):
    user = make_user(session)
    assert user.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in user.password_hash


def test_a_page_that_refreshes_last_seen_answers_normally(client, session):
    """The loader writes last_seen on the first request after a minute; that must not fail."""
    user = make_user(session)
    session.commit()
    _login(client, user.email, DEFAULT_PASSWORD)
    row = session.scalars(select(UserSession)).one()
    row.last_seen_at -= timedelta(minutes=5)
    session.commit()
    assert client.get("/").status_code == 200
    session.refresh(row)
    assert row.last_seen_at > row.created_at


def test_records_are_stamped_with_the_user_who_changed_them(client, login, session):
    from tests.factories import make_company

    user = login(role="editor")
    company = make_company(session, name="Stempel AS")
    session.commit()
    from tests.conftest import post_form

    post_form(
        client,
        f"/companies/{company.id}/edit",
        {
            "name": "Stempel og Segl AS",
            "kind": "company",
            "register_status": "active",
            "version": str(company.version),
        },
    )
    session.refresh(company)
    assert company.name == "Stempel og Segl AS"
    assert company.updated_by_id == user.id


def test_opening_the_app_shows_the_sign_in_form_without_a_refusal(client):
    first_visit = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'name="password"' in first_visit
    assert "Logg inn for å se denne siden." not in first_visit

    sent_from_a_page = client.get("/companies/", follow_redirects=True).get_data(as_text=True)
    assert "Logg inn for å se denne siden." in sent_from_a_page


def _session_cookie(response) -> str | None:
    return next(
        (value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")),
        None,
    )


def test_the_session_cookie_is_sent_again_when_the_server_notes_the_visit(client, session):
    # Not on every page (SESSION_REFRESH_EACH_REQUEST is off): when last_seen is written, at
    # most once a minute, and then with 30 minutes ahead, as the server's idle limit counts.
    from email.utils import parsedate_to_datetime

    from crm.common.models import utcnow

    user = make_user(session)
    session.commit()
    assert _session_cookie(_login(client, user.email, DEFAULT_PASSWORD)) is not None
    client.get("/")
    assert _session_cookie(client.get("/")) is None  # within the minute: nothing to resend
    row = session.scalars(select(UserSession)).one()
    row.last_seen_at -= timedelta(minutes=5)
    session.commit()
    cookie = _session_cookie(client.get("/"))
    assert cookie is not None
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert timedelta(minutes=29) < expires - utcnow() <= timedelta(minutes=30)
    # Still signed in with the cookie as it was.
    assert client.get("/").status_code == 200
    # Idle for longer than the limit: the server refuses the session, cookie or not.
    row.last_seen_at -= timedelta(minutes=31)
    session.commit()
    assert client.get("/").status_code == 302
