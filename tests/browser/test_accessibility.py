"""axe-core on every main page, as an admin with data present; forms reachable by keyboard.

One signed-in browser tab serves the whole module (signing in for each of some sixty pages
would double the run). Each page must have no serious or critical WCAG 2.1 AA violation, one
h1, the skip link and main landmark (conftest.check_accessibility), load without script errors
or failed requests, and on a form page the first field must be reachable with Tab from the
skip link.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in

MAX_TABS = 60
FIELD = "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"


@pytest.fixture(scope="module")
def admin_tab(browser, live_server, ids):
    """An admin signed in once, in bokmål; script errors and failed requests are collected."""
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(f"script error: {error}"))

    def on_response(response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            tab.errors.append(f"{response.status} {response.url}")

    tab.on("response", on_response)
    sign_in(tab, "admin")
    if tab.locator("html").get_attribute("lang") != "nb":  # the choice is kept per user
        tab.get_by_role("button", name="Norsk").click()
    expect(tab.locator("html")).to_have_attribute("lang", "nb")
    yield tab
    context.close()


# (path, is a form page, expected status); {name} is filled from the `ids` fixture.
PAGES = [
    ("/", False, 200),
    ("/companies/", False, 200),
    ("/companies/{company}", False, 200),
    ("/companies/new", True, 200),
    ("/companies/{company}/edit", True, 200),
    ("/companies/places", False, 200),
    ("/companies/places/new", True, 200),
    ("/companies/places/{place}/edit", True, 200),
    ("/companies/sectors", False, 200),
    ("/companies/sectors/new", True, 200),
    ("/contacts/", False, 200),
    ("/contacts/{contact}", False, 200),
    ("/contacts/new", True, 200),
    ("/contacts/{contact}/edit", True, 200),
    ("/contacts/{contact}/affiliations/new", True, 200),
    ("/contacts/{contact}/restriction", True, 200),
    ("/contacts/retention", False, 200),
    ("/clusters/", False, 200),
    ("/clusters/{cluster}", False, 200),
    ("/clusters/new", True, 200),
    ("/clusters/{cluster}/edit", True, 200),
    ("/clusters/{cluster}/members/new", True, 200),
    ("/meetings/", False, 200),
    ("/meetings/{meeting}", False, 200),
    ("/meetings/new", True, 200),
    ("/meetings/{meeting}/edit", True, 200),
    ("/meetings/archive", True, 200),
    ("/tasks/", False, 200),
    ("/tasks/{task}/edit", True, 200),
    ("/strategy/?period={period}", False, 200),
    ("/strategy/periods", False, 200),
    ("/strategy/periods/new", True, 200),
    ("/strategy/focus-areas/{focus_area}/edit", True, 200),
    ("/search/?q=universell", False, 200),
    ("/establishments/", False, 200),
    ("/establishments/board", False, 200),
    ("/establishments/{case}", False, 200),
    ("/establishments/new", True, 200),
    ("/establishments/{case}/edit", True, 200),
    ("/establishments/{case}/stage", True, 200),
    ("/establishments/flags", False, 200),
    ("/establishments/flags/new?company_id={company}", True, 200),
    ("/establishments/stages", False, 200),
    ("/reports/pipeline", False, 200),
    ("/reports/results", False, 200),
    ("/network/", False, 200),
    ("/network/metrics", False, 200),
    ("/network/companies/{company}/ego", False, 200),
    ("/network/companies/{company}/links", False, 200),
    ("/network/path?from={company}&to={partner}", False, 200),
    ("/network/clusters/{cluster}", False, 200),
    ("/network/links/new?company_id={company}", True, 200),
    ("/network/link-types", False, 200),
    ("/network/link-types/new", True, 200),
    ("/imports/", False, 200),
    ("/imports/spreadsheet", True, 200),
    ("/imports/duplicates", False, 200),
    ("/register/rules", False, 200),
    ("/register/rules/{rule}", True, 200),
    ("/register/import", True, 200),
    ("/register/runs/{register_run}", False, 200),
    ("/register/runs/{register_run}/changes", True, 200),
    ("/users/", False, 200),
    ("/users/new", True, 200),
    ("/users/{editor}/edit", True, 200),
    ("/account/password", True, 200),
    ("/calendar/", False, 200),
    ("/dashboard/", False, 200),
    ("/plans/", False, 200),
    ("/plans/new", True, 200),
    ("/plans/{plan}", False, 200),
    ("/plans/{plan}/edit", True, 200),
    ("/plans/{plan}/measures/new", True, 200),
    ("/plans/measures/{measure}", False, 200),
    ("/plans/measures/{measure}/edit", True, 200),
    ("/plans/measures?overdue=y", False, 200),
    ("/indicators/", False, 200),
    ("/indicators/new", True, 200),
    ("/indicators/{indicator_value}/edit", True, 200),
    ("/account/tokens", True, 200),
    ("/history/", True, 200),
    ("/history/companies/{company}", False, 200),
    ("/history/meetings/{meeting}", False, 200),
    ("/history/contacts/999999", False, 404),
    ("/trash/", False, 200),
    ("/trash/delete/companies/{company}", False, 200),
    ("/companies/999999", False, 404),
    ("/no/such/page", False, 404),
]


def _first_field_by_tab(tab) -> str | None:
    """From the skip link, Tab until a form field inside main has focus; its id, or None."""
    tab.keyboard.press("Tab")
    skip = tab.locator("a.skip-link")
    expect(skip).to_be_focused()
    tab.keyboard.press("Enter")
    expect(tab.locator("main#main")).to_be_focused()
    for _ in range(MAX_TABS):
        tab.keyboard.press("Tab")
        found = tab.evaluate(
            """(selector) => {
                const el = document.activeElement;
                return el && el.closest('main') && el.matches(selector) ? (el.id || el.name) : null;
            }""",
            FIELD,
        )
        if found:
            return found
    return None


@pytest.mark.parametrize(("path", "form", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_page_is_accessible(admin_tab, ids, path, form, status):
    admin_tab.errors.clear()
    response = admin_tab.goto(path.format(**ids))
    assert response.status == status
    if admin_tab.locator("#network-map").count():
        expect(admin_tab.locator("#network-map")).to_have_attribute("data-ready", "true")
    check_accessibility(admin_tab)
    if form:
        first = admin_tab.locator("main").locator(FIELD).first
        expect(first).to_be_visible()
        assert _first_field_by_tab(admin_tab) is not None, f"{path}: no field reached by Tab"
    assert admin_tab.errors == [], f"{path}: {admin_tab.errors}"


def test_sign_in_page_is_accessible(page):
    page.goto("/auth/login")
    check_accessibility(page)
    assert _first_field_by_tab(page) == "email"
    expect(page).to_have_url(re.compile(r"/auth/login#main$"))


def test_the_check_finds_a_field_without_a_label(admin_tab):
    """The checks above can fail: an unlabelled field and a second h1 are both caught."""
    admin_tab.goto("/companies/new")
    admin_tab.evaluate(
        """() => {
            const input = document.createElement('input');
            input.type = 'text';
            document.querySelector('main form').prepend(input);
        }"""
    )
    with pytest.raises(AssertionError, match="label"):
        check_accessibility(admin_tab)
    admin_tab.goto("/companies/new")
    admin_tab.evaluate("() => document.querySelector('main').append(document.createElement('h1'))")
    with pytest.raises(AssertionError, match="exactly one h1"):
        check_accessibility(admin_tab)
