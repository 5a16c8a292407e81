"""Admins create, deactivate and change the role of users."""

import re

from sqlalchemy import select

from crm.auth.models import User
from tests.conftest import post_form
from tests.factories import make_user


def test_admin_creates_a_user_who_signs_in_with_the_one_time_password(client, login, app, session):
    login(role="admin")
    response = post_form(
        client,
        "/users/new",
        {"email": "Ola@Lillestrom.kommune.no", "name": "Ola", "role": "reader"},
    )
    assert response.status_code == 200
    password = re.search(r'class="one-time-password">([^<]+)<', response.get_data(as_text=True))[1]
    user = session.scalar(select(User).where(User.email == "ola@lillestrom.kommune.no"))
    assert user.role == "reader" and user.must_change_password
    assert password not in user.password_hash
    other = app.test_client()
    response = post_form(other, "/auth/login", {"email": user.email, "password": password})
    assert response.status_code == 302
    assert other.get("/").headers["Location"] == "/account/password"


def test_duplicate_email_is_refused_beside_the_field(client, login, session):
    existing = make_user(session)
    session.commit()
    login(role="admin")
    response = post_form(
        client, "/users/new", {"email": existing.email, "name": "X", "role": "editor"}
    )
    assert response.status_code == 400
    assert 'id="email-error"' in response.get_data(as_text=True)


def test_invalid_email_is_refused(client, login):
    login(role="admin")
    response = post_form(
        client, "/users/new", {"email": "not-an-email", "name": "X", "role": "editor"}
    )
    assert response.status_code == 400
    assert 'id="email-error"' in response.get_data(as_text=True)


def test_admin_changes_role_and_deactivates(client, login, session):
    login(role="admin")
    target = make_user(session, role="editor")
    session.commit()
    path = f"/users/{target.id}/edit"
    response = post_form(client, path, {"role": "reader"})  # unchecked box: deactivated
    assert response.status_code == 302
    session.refresh(target)
    assert target.role == "reader" and not target.active


def test_admin_cannot_demote_or_deactivate_themself(client, login, session):
    admin = login(role="admin")
    response = post_form(client, f"/users/{admin.id}/edit", {"role": "editor", "active": "y"})
    assert response.status_code == 400
    session.refresh(admin)
    assert admin.role == "admin"


def test_unknown_user_is_404(client, login):
    login(role="admin")
    assert client.get("/users/999999/edit").status_code == 404


def test_editor_cannot_see_users(client, login):
    login(role="editor")
    assert client.get("/users/").status_code == 403
