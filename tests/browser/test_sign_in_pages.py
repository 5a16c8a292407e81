"""The sign-in pages in a real browser: the municipality's account through a real provider, and
two-step sign-in (setup, recovery codes, the code step); axe on each page."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pyotp
import pytest
import requests
from authlib.deprecate import AuthlibDeprecationWarning
from playwright.sync_api import expect

from crm.auth import services as auth_services
from crm.extensions import db
from tests.browser.conftest import PASSWORD, check_accessibility, sign_in
from tests.browser.test_phone import DESKTOP, PHONE

with warnings.catch_warnings():
    # The test provider imports Authlib's deprecated jose and httpx modules; the app does not.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    import oidc_provider_mock

pytestmark = pytest.mark.browser


def _check_page(page) -> None:
    """axe clean, and at a phone's width nothing scrolls sideways (as tests/browser/test_phone.py
    checks for every page its walk can reach; these need a sign-in step in progress)."""
    check_accessibility(page)
    page.set_viewport_size(PHONE)
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"{page.url} is {width} px wide on a phone"
    page.set_viewport_size(DESKTOP)


def test_set_up_sign_in_with_a_code_and_turn_it_off(page, live_server):
    sign_in(page, "reader")
    page.goto("/account/two-factor")
    _check_page(page)
    page.get_by_role("button", name="Sett opp totrinnsinnlogging").click()
    expect(page.get_by_role("img", name="QR-kode for kodeappen")).to_be_visible()
    _check_page(page)
    secret = page.locator(".two-factor-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    try:
        page.get_by_label("Kode fra appen").fill(totp.now())
        page.get_by_role("button", name="Slå på totrinnsinnlogging").click()
        expect(page.locator(".recovery-codes li")).to_have_count(10)
        _check_page(page)

        page.context.clear_cookies()
        page.goto("/auth/login")
        page.get_by_label("E-post").fill("reader@lillestrom.kommune.no")
        page.get_by_label("Passord").fill(PASSWORD)
        page.get_by_label("Passord").press("Enter")
        page.wait_for_url(re.compile(r"/auth/code$"))
        _check_page(page)
        later = totp.at(datetime.now(UTC) + timedelta(seconds=30))
        page.get_by_label("Kode").fill(later)
        page.get_by_label("Kode").press("Enter")
        page.wait_for_url(re.compile(r"/$"))
        # Turning it off asks for the password again.
        page.goto("/account/two-factor")
        page.locator("#off-password").fill(PASSWORD)
        page.get_by_role("button", name="Bekreft").last.click()
        expect(page.get_by_text("Totrinnsinnlogging er slått av.")).to_be_visible()
    finally:
        # The browser users are shared by every browser test: leave this one as it was.
        with live_server.app.app_context():
            user = auth_services.get_user_by_email(db.session, "reader@lillestrom.kommune.no")
            auth_services.reset_two_factor(db.session, user=user)
            db.session.commit()


@pytest.fixture
def provider(live_server, monkeypatch) -> Iterator[str]:
    """A real OpenID provider in this process, and the live server pointed at it."""
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        issuer = f"http://localhost:{server.server_port}"
        settings = {
            "OIDC_ISSUER": issuer,
            "OIDC_CLIENT_ID": "koblingsboks",
            "OIDC_CLIENT_SECRET": "browser-test-secret",
        }
        for key, value in settings.items():
            monkeypatch.setitem(live_server.app.config, key, value)
        yield issuer


def _at_the_provider(page, issuer: str, sub: str, **claims) -> None:
    response = requests.put(f"{issuer}/users/{quote(sub, safe='')}", json=claims, timeout=10)
    assert response.status_code == 204
    # The provider's own page links a stylesheet on a CDN: the test fetches nothing outside.
    page.route(re.compile(r"^https://"), lambda route: route.abort())
    page.goto("/auth/login")
    if not claims.get("email_verified"):
        _check_page(page)  # the sign-in page with the municipality's button
    page.get_by_role("link", name="Logg inn med kommunens konto").click()
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()


@pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning")
@pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")
def test_sign_in_with_the_municipality_account(page, live_server, provider):
    # First with an email the provider has not verified: a clear page, not a 500.
    _at_the_provider(
        page, provider, "editor-sub", email="editor@lillestrom.kommune.no", email_verified=False
    )
    expect(page.get_by_role("heading", name="Innlogging avvist")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("har ikke bekreftet e-postadressen")
    _check_page(page)
    # Verified: signed in.
    _at_the_provider(
        page, provider, "editor-sub", email="editor@lillestrom.kommune.no", email_verified=True
    )
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("Editor Testesen").first).to_be_attached()
