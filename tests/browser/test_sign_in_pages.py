"""Two-step sign-in in a real browser: setup, recovery codes, the code step; axe on each page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, check_accessibility, sign_in

pytestmark = pytest.mark.browser


def test_set_up_sign_in_with_a_code_and_turn_it_off(page):
    sign_in(page, "reader")
    page.goto("/account/two-factor")
    check_accessibility(page)
    page.get_by_role("button", name="Sett opp totrinnsinnlogging").click()
    expect(page.get_by_role("img", name="QR-kode for kodeappen")).to_be_visible()
    check_accessibility(page)
    secret = page.locator(".two-factor-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    try:
        page.get_by_label("Kode fra appen").fill(totp.now())
        page.get_by_role("button", name="Slå på totrinnsinnlogging").click()
        expect(page.locator(".recovery-codes li")).to_have_count(10)
        check_accessibility(page)

        page.context.clear_cookies()
        page.goto("/auth/login")
        page.get_by_label("E-post").fill("reader@lillestrom.kommune.no")
        page.get_by_label("Passord").fill(PASSWORD)
        page.get_by_label("Passord").press("Enter")
        page.wait_for_url(re.compile(r"/auth/code$"))
        check_accessibility(page)
        later = totp.at(datetime.now(UTC) + timedelta(seconds=30))
        page.get_by_label("Kode").fill(later)
        page.get_by_label("Kode").press("Enter")
        page.wait_for_url(re.compile(r"/$"))
    finally:
        # The browser users are shared by every browser test: leave this one as it was.
        page.goto("/account/two-factor")
        if page.get_by_label("Passordet ditt").count():
            page.locator("#off-password").fill(PASSWORD)
            page.get_by_role("button", name="Bekreft").last.click()
            expect(page.get_by_text("Totrinnsinnlogging er slått av.")).to_be_visible()
