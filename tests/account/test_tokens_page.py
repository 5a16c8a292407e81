"""The API tokens page: create (shown once), list, revoke; admins see and revoke everyone's."""

from __future__ import annotations

import re

from sqlalchemy import select

from crm.api.models import ApiToken
from tests.conftest import csrf_token, post_form
from tests.factories import make_token, make_user

_TOKEN = re.compile(r'id="new-token" value="(kb_[^"]+)"')


def test_a_token_is_shown_once_and_works_until_revoked(client, login, session):
    login(role="editor")
    page = post_form(
        client, "/account/tokens", {"name": "Power BI", "scope": "read", "lifetime": "30"}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = _TOKEN.search(html).group(1)
    headers = {"Authorization": f"Bearer {text}"}
    assert client.get("/api/v1/organisations", headers=headers).status_code == 200

    again = client.get("/account/tokens").get_data(as_text=True)
    assert text not in again and "Power BI" in again and text[:10] in again

    token = session.scalar(select(ApiToken))
    revoked = post_form(
        client, f"/account/tokens/{token.id}/revoke", {}, form_page="/account/tokens"
    )
    assert revoked.status_code == 302
    assert client.get("/api/v1/organisations", headers=headers).status_code == 401


def test_a_reader_is_offered_read_tokens_only(client, login):
    login(role="reader")
    html = client.get("/account/tokens").get_data(as_text=True)
    assert 'value="read"' in html and 'value="write"' not in html
    refused = post_form(
        client, "/account/tokens", {"name": "x", "scope": "write", "lifetime": "30"}
    )
    assert refused.status_code == 400
    assert "kb_" not in refused.get_data(as_text=True)


def test_only_an_admin_sees_and_revokes_anothers_token(client, login, session):
    owner = make_user(session, name="Eier Eiersen")
    token, _ = make_token(session, user=owner, name="Medlemsliste")
    session.commit()
    login(role="editor")
    assert "Medlemsliste" not in client.get("/account/tokens").get_data(as_text=True)
    token_value = csrf_token(client, "/account/tokens")
    response = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": token_value})
    assert response.status_code == 404

    client.post("/auth/logout", data={"csrf_token": token_value})
    login(role="admin")
    html = client.get("/account/tokens").get_data(as_text=True)
    assert "Medlemsliste" in html and "Eier Eiersen" in html
    post_form(client, f"/account/tokens/{token.id}/revoke", {}, form_page="/account/tokens")
    session.expire_all()
    assert session.get(ApiToken, token.id).revoked_at is not None
