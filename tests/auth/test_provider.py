"""Sign-in through the municipality's provider, end to end against a real OpenID provider.

oidc-provider-mock runs in a thread of the test process: discovery, the authorization form, the
token endpoint and signed ID tokens are real; only the person at the form is the test.
"""

from __future__ import annotations

import socket
import time
import warnings
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from authlib.deprecate import AuthlibDeprecationWarning

from crm.auth import oidc, services
from crm.auth.models import OidcIdentity
from crm.common.models import utcnow
from tests.conftest import post_form
from tests.factories import DEFAULT_PASSWORD, make_user

with warnings.catch_warnings():
    # The test provider imports Authlib's deprecated jose and httpx modules; the app does not.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    import oidc_provider_mock
    from oidc_provider_mock import _app as oidc_app

# The provider runs in this process, so its own deprecation warnings (Authlib's old modules,
# inside its token endpoint) would turn into errors there: ignored for this module alone.
pytestmark = [
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]


def _start(port_server) -> Iterator[str]:
    with port_server as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """One provider for the module; it requires a nonce, as ours always sends one."""
    yield from _start(oidc_provider_mock.run_server_in_thread(require_nonce=True))


@pytest.fixture
def configured(app, provider, monkeypatch):
    """The app pointed at the test provider."""
    monkeypatch.setitem(app.config, "OIDC_ISSUER", provider)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", "koblingsboks")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", "test-secret")
    monkeypatch.setitem(app.config, "OIDC_GROUP_ROLES", "")
    return provider


def _person(issuer: str, sub: str, **claims) -> None:
    response = requests.put(f"{issuer}/users/{quote(sub, safe='')}", json=claims, timeout=10)
    assert response.status_code == 204


def _to_provider(client) -> str:
    """Press the button on the sign-in page; returns the provider's authorization address."""
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Logg inn med kommunens konto" in page
    response = client.get("/auth/provider")
    assert response.status_code == 302
    return response.headers["Location"]


def _authorize(url: str, sub: str) -> str:
    """The person signs in at the provider; returns our callback address with code and state."""
    response = requests.post(url, data={"sub": sub}, timeout=10, allow_redirects=False)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def _callback(client, location: str):
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def _sign_in(client, issuer: str, sub: str):
    return _callback(client, _authorize(_to_provider(client), sub))


def test_the_whole_redirect_dance_signs_in_a_known_user(client, session, configured):
    user = make_user(session, email="kari.nordmann@lillestrom.kommune.no", role="editor")
    session.commit()
    _person(configured, "kari-1", email="Kari.Nordmann@lillestrom.kommune.no", email_verified=True)
    authorize_url = _to_provider(client)
    query = parse_qs(urlsplit(authorize_url).query)
    assert (
        query["nonce"]
        and query["state"]
        and query["redirect_uri"] == ["http://localhost/auth/provider/callback"]
    )
    response = _callback(client, _authorize(authorize_url, "kari-1"))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    identity = session.scalar(services.select(OidcIdentity))
    assert (identity.user_id, identity.subject, identity.issuer) == (user.id, "kari-1", configured)


def test_a_wrong_state_is_refused(client, session, configured):
    make_user(session, email="ola@lillestrom.kommune.no")
    session.commit()
    _person(configured, "ola-1", email="ola@lillestrom.kommune.no", email_verified=True)
    location = _authorize(_to_provider(client), "ola-1")
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    response = client.get(parts.path, query_string={**query, "state": "not-the-state"})
    assert response.status_code == 401
    assert "kunne ikke fullføres" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_wrong_nonce_is_refused(client, session, configured):
    make_user(session, email="ola@lillestrom.kommune.no")
    session.commit()
    _person(configured, "ola-1", email="ola@lillestrom.kommune.no", email_verified=True)
    location = _authorize(_to_provider(client), "ola-1")
    with client.session_transaction() as cookie_session:
        for key, value in cookie_session.items():
            if key.startswith("_state_"):
                value["data"]["nonce"] = "another-nonce"
                cookie_session[key] = value
    response = _callback(client, location)
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_a_reused_code_is_refused(app, client, session, configured):
    make_user(session, email="ola@lillestrom.kommune.no")
    session.commit()
    _person(configured, "ola-1", email="ola@lillestrom.kommune.no", email_verified=True)
    location = _authorize(_to_provider(client), "ola-1")
    assert _callback(client, location).status_code == 302
    # Another browser with its own sign-in started, handed the spent code.
    other = app.test_client()
    _to_provider(other)
    with other.session_transaction() as cookie_session:
        state = next(k for k in cookie_session if k.startswith("_state_")).split("_")[-1]
    code = parse_qs(urlsplit(location).query)["code"][0]
    response = other.get("/auth/provider/callback", query_string={"code": code, "state": state})
    assert response.status_code == 401
    assert EXPIRED in response.get_data(as_text=True)
    assert other.get("/").status_code == 302


EXPIRED = "tok for lang tid, eller svaret var allerede brukt"


def _late(monkeypatch, by: timedelta) -> None:
    """Our clock moves on while the person is at the provider."""
    now = utcnow()
    monkeypatch.setattr(oidc, "utcnow", lambda: now + by)


def test_a_code_handed_back_too_late_is_refused_before_it_is_exchanged(
    app, client, session, configured, monkeypatch
):
    make_user(session, email="ola@lillestrom.kommune.no")
    session.commit()
    _person(configured, "ola-1", email="ola@lillestrom.kommune.no", email_verified=True)
    exchanged: list = []
    grant = oidc_app.AuthorizationCodeGrant
    monkeypatch.setattr(
        grant, "delete_authorization_code", _spy(grant.delete_authorization_code, exchanged)
    )
    # Within the lifetime the sign-in goes through (the provider spends the code).
    location = _authorize(_to_provider(client), "ola-1")
    _late(monkeypatch, oidc.SIGN_IN_LIFETIME - timedelta(minutes=1))
    assert _callback(client, location).status_code == 302 and len(exchanged) == 1
    # Past it, the code is refused here with a clear message, never sent to the provider,
    # and no session is opened.
    late = app.test_client()
    monkeypatch.setattr(oidc, "utcnow", utcnow)
    location = _authorize(_to_provider(late), "ola-1")
    _late(monkeypatch, oidc.SIGN_IN_LIFETIME + timedelta(seconds=1))
    response = _callback(late, location)
    assert response.status_code == 401
    assert EXPIRED in response.get_data(as_text=True)
    assert len(exchanged) == 1
    assert late.get("/").status_code == 302
    with late.session_transaction() as cookie_session:
        assert services.SESSION_TOKEN_KEY not in cookie_session


def _spy(method, calls: list):
    def spied(self, *args):
        calls.append(args)
        return method(self, *args)

    return spied


def test_a_code_the_provider_has_expired_is_refused(client, session, configured, monkeypatch):
    """The provider's own expiry: the test provider keeps codes for ever, so it is given a
    lifetime here; its token endpoint then answers `invalid_grant`, as Entra ID does."""
    make_user(session, email="ola@lillestrom.kommune.no")
    session.commit()
    _person(configured, "ola-1", email="ola@lillestrom.kommune.no", email_verified=True)
    grant = oidc_app.AuthorizationCodeGrant
    issued: dict[str, float] = {}
    provider_late = [0.0]
    saved, queried = grant.save_authorization_code, grant.query_authorization_code

    def save(self, code, request):
        issued[code] = time.monotonic()
        return saved(self, code, request)

    def query(self, code, client):
        age = time.monotonic() + provider_late[0] - issued.get(code, 0.0)
        return None if age > 600 else queried(self, code, client)

    monkeypatch.setattr(grant, "save_authorization_code", save)
    monkeypatch.setattr(grant, "query_authorization_code", query)
    location = _authorize(_to_provider(client), "ola-1")
    provider_late[0] = 601  # the provider's clock, not ours: our own check lets it through
    response = _callback(client, location)
    assert response.status_code == 401
    assert EXPIRED in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_expired_id_token_is_refused(app, client, session, monkeypatch):
    make_user(session, email="ola@lillestrom.kommune.no")
    session.commit()
    # A provider whose ID tokens expired before they were issued (past the 2 minutes of leeway).
    with oidc_provider_mock.run_server_in_thread(
        require_nonce=True, access_token_max_age=timedelta(minutes=-10)
    ) as server:
        issuer = f"http://localhost:{server.server_port}"
        monkeypatch.setitem(app.config, "OIDC_ISSUER", issuer)
        monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", "koblingsboks")
        monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", "test-secret")
        _person(issuer, "ola-1", email="ola@lillestrom.kommune.no", email_verified=True)
        response = _sign_in(client, issuer, "ola-1")
    assert response.status_code == 401
    assert "kunne ikke fullføres" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_unverified_email_is_refused(client, session, configured):
    make_user(session, email="ola@lillestrom.kommune.no")
    session.commit()
    _person(configured, "ola-2", email="ola@lillestrom.kommune.no", email_verified=False)
    response = _sign_in(client, configured, "ola-2")
    assert response.status_code == 403
    assert "har ikke bekreftet e-postadressen" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_deactivated_user_is_refused(client, session, configured):
    user = make_user(session, email="ola@lillestrom.kommune.no")
    user.active = False
    session.commit()
    _person(configured, "ola-3", email="ola@lillestrom.kommune.no", email_verified=True)
    response = _sign_in(client, configured, "ola-3")
    assert response.status_code == 403
    assert "deaktivert" in response.get_data(as_text=True)


def test_an_unknown_user_is_created_as_reader_only_if_the_admin_allows_it(
    app, client, session, configured
):
    _person(configured, "ny-1", email="ny@lillestrom.kommune.no", email_verified=True, name="Ny")
    refused = _sign_in(client, configured, "ny-1")
    assert refused.status_code == 403 and "har ingen konto" in refused.get_data(as_text=True)
    assert services.get_user_by_email(session, "ny@lillestrom.kommune.no") is None

    admin = make_user(session, role="admin")
    session.commit()
    admin_client = app.test_client()
    post_form(admin_client, "/auth/login", {"email": admin.email, "password": DEFAULT_PASSWORD})
    saved = post_form(admin_client, "/users/sign-in", {"create_users_from_provider": "y"})
    assert saved.status_code == 302

    assert _sign_in(client, configured, "ny-1").status_code == 302
    created = services.get_user_by_email(session, "ny@lillestrom.kommune.no")
    assert (created.role, created.name) == ("reader", "Ny")


def test_the_role_follows_the_group_claim(client, session, configured, app, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_GROUP_ROLES", "g-editors=editor,g-admins=admin")
    user = make_user(session, email="per@lillestrom.kommune.no", role="reader")
    session.commit()
    _person(
        configured,
        "per-1",
        email="per@lillestrom.kommune.no",
        email_verified=True,
        groups=["g-other", "g-editors"],
    )
    assert _sign_in(client, configured, "per-1").status_code == 302
    session.refresh(user)
    assert user.role == "editor"
    # Out of every mapped group at the provider: reader at the next sign-in.
    _person(configured, "per-1", email="per@lillestrom.kommune.no", email_verified=True, groups=[])
    client.post("/auth/logout", data={"csrf_token": ""})
    other = app.test_client()
    assert _sign_in(other, configured, "per-1").status_code == 302
    session.refresh(user)
    assert user.role == "reader"


def test_password_sign_in_can_be_switched_off(client, session, configured, app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_SIGN_IN", "false")
    user = make_user(session)
    session.commit()
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Logg inn med kommunens konto" in page and 'name="password"' not in page
    response = post_form(client, "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert client.get("/").status_code == 302


def test_an_admin_signed_in_through_the_provider_is_not_asked_for_a_code(
    client, session, configured, app, monkeypatch
):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_FOR_ADMINS", True)
    make_user(session, email="sjef@lillestrom.kommune.no", role="admin")
    session.commit()
    _person(configured, "sjef-1", email="sjef@lillestrom.kommune.no", email_verified=True)
    assert _sign_in(client, configured, "sjef-1").status_code == 302
    assert client.get("/users/").status_code == 200


def test_without_a_provider_there_is_no_button_and_no_route(client):
    assert "kommunens konto" not in client.get("/auth/login").get_data(as_text=True)
    assert client.get("/auth/provider").status_code == 404


def test_a_provider_out_of_reach_gets_a_clear_page(app, client, monkeypatch):
    with socket.socket() as closed:  # a port nothing listens on once it is closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setitem(app.config, "OIDC_ISSUER", f"http://127.0.0.1:{port}")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", "koblingsboks")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", "test-secret")
    response = client.get("/auth/provider")
    assert response.status_code == 502
    assert "svarer ikke nå" in response.get_data(as_text=True)
