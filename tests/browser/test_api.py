"""The API's pages in a browser: the tokens page, and the docs page under the app's CSP."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in


def test_a_token_is_made_shown_once_and_revoked_by_keyboard(page):
    sign_in(page, "editor")
    page.goto("/account/tokens")
    check_accessibility(page)
    page.get_by_label("Navn").fill("Power BI-rapport")
    page.get_by_label("Tilgang").select_option("read")
    page.get_by_label("Navn").press("Enter")
    token = page.get_by_label("Nøkkel")
    expect(token).to_have_value(re.compile(r"^kb_"))
    check_accessibility(page)
    row = page.get_by_role("row", name=re.compile("Power BI-rapport"))
    row.get_by_role("button", name="Trekk tilbake Power BI-rapport").click()
    expect(page.get_by_role("row", name=re.compile("Power BI-rapport"))).to_contain_text(
        "Trukket tilbake"
    )
    expect(page.get_by_label("Nøkkel")).to_have_count(0)


def test_the_docs_page_shows_every_operation_without_breaking_the_csp(page):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.goto("/api/v1/docs")
    operations = page.locator("#swagger-ui .opblock-tag")
    expect(operations.first).to_be_visible()
    expect(page.locator("#swagger-ui")).to_contain_text("organisations")
    expect(page.locator("#swagger-ui")).to_contain_text("network")
    check_accessibility(page)
    assert violations == []
