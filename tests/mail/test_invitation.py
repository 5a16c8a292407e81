"""Invitations: the admin invites, the user chooses a password from the link, once, in time."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select

from crm.auth.models import Invitation, User
from crm.common.models import utcnow
from tests.conftest import post_form
from tests.factories import make_user
from tests.mail.conftest import BASE_URL

NEW_PASSWORD = "Kjeller er et innovasjonsdistrikt"
STATUS = r"ragnhild@lillestrom.kommune.no</td>\s*<td>Redigerer</td>\s*<td>{}</td>"


def _invite(client, login, email="ragnhild@lillestrom.kommune.no"):
    login(role="admin", name="Anne Admin")
    return post_form(client, "/users/new", {"email": email, "name": "Ragnhild", "role": "editor"})


def _link_path(mail) -> str:
    [link] = re.findall(r'href="([^"]+/auth/invitation/[^"]+)"', mail.part("text/html"))
    assert link.startswith(f"{BASE_URL}/auth/invitation/")
    assert link in mail.part("text/plain")
    return urlsplit(link).path


def _choose(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return post_form(client, path, {"new_password": password, "confirm": confirm or password})


def test_an_invited_user_chooses_a_password_once_and_signs_in(app, client, login, mail_on):
    response = _invite(client, login)
    assert response.status_code == 302 and response.headers["Location"] == "/users/"
    page = client.get("/users/").get_data(as_text=True)
    assert "En invitasjon er sendt til ragnhild@lillestrom.kommune.no" in page
    assert "E-post er slått av" not in page
    assert re.search(STATUS.format("Invitert"), page)

    [mail] = mail_on.received
    assert mail.rcpt_tos == ["ragnhild@lillestrom.kommune.no"]
    assert mail.message["Subject"] == "Velg passord til Koblingsboks"
    text = mail.part("text/plain")
    assert "Anne Admin har gitt deg tilgang" in text and "i 72 timer" in text
    path = _link_path(mail)

    visitor = app.test_client()
    form = visitor.get(path)
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert "ragnhild@lillestrom.kommune.no" in form.get_data(as_text=True)
    short = _choose(visitor, path, "for kort")
    assert short.status_code == 400 and 'id="new_password-error"' in short.get_data(as_text=True)
    differ = _choose(visitor, path, NEW_PASSWORD, "noe annet helt")
    assert differ.status_code == 400 and "Passordene er ulike" in differ.get_data(as_text=True)

    done = _choose(visitor, path)
    assert done.status_code == 302 and done.headers["Location"] == "/auth/login"
    signed_in = post_form(
        visitor,
        "/auth/login",
        {"email": "ragnhild@lillestrom.kommune.no", "password": NEW_PASSWORD},
    )
    assert signed_in.status_code == 302
    assert visitor.get("/").status_code == 200  # no forced change: the password is their own
    listed = client.get("/users/").get_data(as_text=True)
    assert re.search(STATUS.format("Aktiv"), listed)

    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "Lenken er allerede brukt" in again.get_data(as_text=True)
    stolen = _choose(app.test_client(), path, "et helt annet passord", "et helt annet passord")
    assert stolen.status_code == 410


def test_an_expired_or_unknown_link_gets_a_clear_page(app, session, client, login, mail_on):
    _invite(client, login)
    path = _link_path(mail_on.received[0])
    invitation = session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    expired = app.test_client().get(path)
    assert expired.status_code == 410
    assert "Lenken er utløpt" in expired.get_data(as_text=True)
    assert _choose(app.test_client(), path).status_code == 410

    unknown = app.test_client().get("/auth/invitation/" + "x" * 43)
    assert unknown.status_code == 404
    assert "Vi kjenner ikke igjen denne lenken" in unknown.get_data(as_text=True)


def test_a_new_link_replaces_the_old_one(app, session, client, login, mail_on):
    _invite(client, login)
    first = _link_path(mail_on.received[0])
    user = session.scalar(select(User).where(User.email == "ragnhild@lillestrom.kommune.no"))
    edit = client.get(f"/users/{user.id}/edit").get_data(as_text=True)
    assert "Send en lenke for å velge nytt passord" in edit
    assert "Gi et nytt engangspassord" not in edit
    response = post_form(client, f"/users/{user.id}/invite", {}, form_page=f"/users/{user.id}/edit")
    assert response.status_code == 302
    second = _link_path(mail_on.received[1])
    assert first != second
    assert app.test_client().get(first).status_code == 410
    assert _choose(app.test_client(), second).status_code == 302


def test_nothing_is_saved_when_the_mail_server_refuses(session, client, login, mail_on):
    mail_on.refuse = True
    response = _invite(client, login)
    assert response.status_code == 400
    assert "E-posten kunne ikke sendes" in response.get_data(as_text=True)
    assert session.scalar(select(User).where(User.email.like("ragnhild%"))) is None
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_with_mail_off_the_pages_say_so_and_the_password_is_shown(client, login, mailbox):
    login(role="admin")
    assert "E-post er slått av" in client.get("/users/").get_data(as_text=True)
    assert "E-post er slått av" in client.get("/users/new").get_data(as_text=True)
    response = _invite(client, lambda **_: None)
    assert 'class="one-time-password"' in response.get_data(as_text=True)
    assert mailbox.received == []


def test_a_deactivated_users_link_does_not_work(app, session, client, login, mail_on):
    _invite(client, login)
    path = _link_path(mail_on.received[0])
    user = session.scalar(select(User).where(User.email == "ragnhild@lillestrom.kommune.no"))
    user.active = False
    session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert "Kontoen din er deaktivert" in response.get_data(as_text=True)


def test_the_invite_button_needs_mail_on(client, login, session):
    login(role="admin")
    other = make_user(session)
    session.commit()
    path = f"/users/{other.id}/invite"
    assert post_form(client, path, {}, form_page=f"/users/{other.id}/edit").status_code == 400
