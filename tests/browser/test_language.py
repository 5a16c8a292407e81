"""The reader's language in a browser: the sign-in's words, and figures drawn by scripts."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in

NBSP = "\N{NO-BREAK SPACE}"
FIGURES = (
    "() => [KbFormat.number(2000), KbFormat.number(40.5, 1), KbFormat.number(9.0, 1), "
    "KbFormat.percent(0.125, 1), KbFormat.date('2026-05-01'), KbFormat.date('2026-12-01')]"
)


def test_first_visit_and_figures_drawn_by_scripts_in_both_languages(page):
    # Opening the app is not a refused page: the sign-in form says nothing about "this page".
    page.goto("/")
    expect(page.get_by_role("button", name="Logg inn")).to_be_visible()
    expect(page.get_by_text("Logg inn for å se denne siden.")).to_have_count(0)
    check_accessibility(page)

    sign_in(page, "reader")
    expect(page.locator("html")).to_have_attribute("data-format-locale", "nb")
    assert _figures(page) == [
        f"2{NBSP}000",
        "40,5",
        "9",
        f"12,5{NBSP}%",
        "1. mai 2026",
        "1. des. 2026",
    ]
    page.get_by_role("button", name="English").click()
    try:
        expect(page.locator("html")).to_have_attribute("data-format-locale", "en-GB")
        assert _figures(page) == ["2,000", "40.5", "9", "12.5%", "1 May 2026", "1 Dec 2026"]
    finally:
        # The server and its users are shared by every browser test: leave the reader in bokmål.
        page.get_by_role("button", name="Norsk").click()


def _figures(page) -> list[str]:
    # The new page's <html> is there before the scripts at the end of its body have run.
    page.wait_for_function("() => typeof KbFormat !== 'undefined'")
    return page.evaluate(FIGURES)
