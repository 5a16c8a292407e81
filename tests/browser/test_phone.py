"""Every main page on a 390 × 844 phone: nothing scrolls sideways, the primary action is in view.

The pages come from the url_map, so a new page is not forgotten: every GET route without
arguments that answers with HTML, and each record's own page (`/<kind>/<int:id>`) filled from
the `ids` fixture. One signed-in tab walks them all (signing in per page would double the run);
each page leaves a screenshot in SCREENSHOT_DIR, and a few also one at desktop width.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, sign_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# A record page's argument → the `ids` key of the record that fills it.
RECORDS = {
    "company_id": "company",
    "contact_id": "contact",
    "meeting_id": "meeting",
    "cluster_id": "cluster",
    "case_id": "case",
    "plan_id": "plan",
    "measure_id": "measure",
    "rule_id": "rule",
}
# Record pages with no record in the fixture: an import run needs an uploaded file first; a
# saved filter only sends its list's page, which the walk opens already.
NO_RECORD = {"run_id", "filter_id"}
# Pages that are not pages: a sign-in form for the signed out, answers for machines, the way
# to and back from the municipality's sign-in (tests/browser/test_sign_in_pages.py).
NOT_PAGES = {
    "auth.login",
    "health.healthz",
    "search.suggest",
    "meetings.strategy_suggestions",
    "auth.provider_login",
    "auth.provider_callback",
}
# The JSON API answers programs with a token, never a signed-in browser; its docs are a page.
API_PAGES = {"api.docs"}
# Forms that need to know what they are for; {name} comes from the `ids` fixture.
QUERIES = {
    "establishments.new_flag": "?company_id={company}",
    "network.link_new": "?company_id={company}",
    "network.path": "?from={company}&to={partner}",
    "search.index": "?q=universell",
}
# Pages of one register import (the run's own page and its changes), from the `ids` fixture.
REGISTER_RUN_PAGES = ("/register/runs/{register_run}", "/register/runs/{register_run}/changes")
# Pages of a record of some kind (two arguments): the path with a record of the fixture.
KIND_PAGES = {
    "history.record": "/history/companies/{company}",
    "trash.move": "/trash/delete/meetings/{meeting}",
}
# Shown at desktop width too (the closing screenshots).
DESKTOP_TOO = {
    "home.index",
    "companies.detail",
    "establishments.board",
    "network.index",
    "clusters.detail",
    "meetings.create",
    "reports.strategy",
}

MEASURE = """() => {
    const main = document.querySelector('main');
    const primary = main.querySelector('a.btn-primary');
    const unboxed = [...main.querySelectorAll('table')].filter(
        (table) => !table.closest('.table-responsive')
    );
    return {
        width: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
        header: document.querySelector('header').getBoundingClientRect().height,
        primary: primary && {
            text: primary.textContent.trim(),
            bottom: primary.getBoundingClientRect().bottom,
        },
        unboxed: unboxed.length,
    };
}"""


def _pages(app, ids: dict[str, int]) -> list[tuple[str, str]]:
    """(endpoint, path) of every page to open, from the url_map."""
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint in NOT_PAGES:
            continue
        if rule.endpoint.startswith("api.") and rule.endpoint not in API_PAGES:
            continue
        if not rule.arguments:
            if "." not in rule.rule.rsplit("/", 1)[-1]:  # not a file (.csv, .json …)
                query = QUERIES.get(rule.endpoint, "").format(**ids)
                pages.append((rule.endpoint, rule.rule + query))
            continue
        if rule.endpoint in KIND_PAGES:
            pages.append((rule.endpoint, KIND_PAGES[rule.endpoint].format(**ids)))
            continue
        (argument, *more) = sorted(rule.arguments)
        if more or argument in NO_RECORD or not rule.rule.endswith(f":{argument}>"):
            continue  # not a record's own page (forms, exports, two records)
        assert argument in RECORDS, f"{rule.rule}: add a record for {argument} to RECORDS"
        path = re.sub(r"<[^>]+>$", str(ids[RECORDS[argument]]), rule.rule)
        pages.append((rule.endpoint, path))
    pages += [("register.progress", path.format(**ids)) for path in REGISTER_RUN_PAGES]
    return pages


def _screenshot(tab, name: str) -> None:
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_no_main_page_scrolls_sideways_on_a_phone(browser, live_server, ids):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server.url, locale="nb-NO", viewport=PHONE)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    sign_in(tab, "admin")
    if tab.locator("html").get_attribute("lang") != "nb":
        tab.get_by_role("button", name="Norsk").click()

    # The header is one bar; its menu button opens the search, the account and the main menu.
    header = tab.locator("header")
    assert header.bounding_box()["height"] < 80
    expect(tab.get_by_role("link", name="Organisasjoner")).to_be_hidden()
    menu = tab.get_by_role("button", name="Meny")
    menu.press("Enter")  # by keyboard
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(tab.get_by_role("link", name="Organisasjoner")).to_be_visible()
    expect(tab.get_by_role("search")).to_be_visible()
    _screenshot(tab, "phone-menu-open")

    problems: list[str] = []
    pages = _pages(live_server.app, ids)
    assert len(pages) > 30, pages  # the walk found the pages, not an empty map
    for endpoint, path in pages:
        response = tab.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        if tab.locator("#network-map").count():
            expect(tab.locator("#network-map")).to_have_attribute("data-ready", "true")
        seen = tab.evaluate(MEASURE)
        name = "phone-" + (re.sub(r"[^\w]+", "-", path).strip("-") or "home")
        _screenshot(tab, name)
        if seen["width"] > seen["viewport"]:
            problems.append(f"{path} is {seen['width']} px wide")
        if seen["unboxed"]:
            problems.append(f"{path}: {seen['unboxed']} table(s) outside a scrolling box")
        if seen["header"] > 80:
            problems.append(f"{path}: the header is {seen['header']} px tall")
        primary = seen["primary"]
        if primary and primary["bottom"] > PHONE["height"]:
            problems.append(f"{path}: '{primary['text']}' is below the fold")
        if endpoint in DESKTOP_TOO:
            tab.set_viewport_size(DESKTOP)
            _screenshot(tab, name.replace("phone", "desktop", 1))
            tab.set_viewport_size(PHONE)
    context.close()
    assert problems == []


def test_the_board_shows_its_columns_scroll_sideways(page, live_server, ids):
    """Desktop: seven stages, not all in view; a shadow and the list of stages say so."""
    sign_in(page, "editor")
    page.set_viewport_size(DESKTOP)
    page.goto("/establishments/board")
    stages = page.get_by_role("navigation", name="Fasene på tavlen").get_by_role("link")
    expect(stages).to_have_count(7)
    frame = page.locator(".board-frame")
    expect(frame).to_have_class(re.compile(r"\bboard-more-right\b"))
    expect(frame).not_to_have_class(re.compile(r"\bboard-more-left\b"))
    # The last stage's link brings its column into view; the shadow moves to the left.
    stages.last.click()
    expect(page.locator("[data-stage-column]").last).to_be_in_viewport()
    expect(frame).to_have_class(re.compile(r"\bboard-more-left\b"))
    expect(frame).not_to_have_class(re.compile(r"\bboard-more-right\b"))
