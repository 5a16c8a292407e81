"""Answers as you type, and the search and strategy pages, in a real browser (keyboard, axe)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from crm.extensions import db
from crm.strategy import services as strategy_services
from tests.browser.conftest import check_accessibility, sign_in
from tests.factories import make_company, make_contact, make_meeting

pytestmark = pytest.mark.browser


def sign_in_in_english(tab, role: str) -> None:
    """Sign in and switch to English, so the texts do not depend on the catalogue's state."""
    sign_in(tab, role)
    if tab.locator("html").get_attribute("lang") != "en":  # the choice is kept per user
        tab.get_by_role("button", name="English").click()
    expect(tab.locator("html")).to_have_attribute("lang", "en")


@pytest.fixture(scope="module")
def records(live_server):
    """Records in the live server's database, made once per test run."""
    with live_server.app.app_context():
        company = make_company(db.session, name="Solcellefabrikken Heia AS", post_town="HEIA")
        make_contact(db.session, name="Solveig Solberg", email="solveig@example.no")
        make_meeting(db.session, title="Solenergiklyngen: årsmøte")
        make_meeting(
            db.session, title="Befaring Heia", notes="Vi så på byggene. <script>alert(1)</script>"
        )
        period = strategy_services.seed_strategy(db.session)
        db.session.commit()
        return {"company_id": company.id, "period_id": period.id}


NAVBAR_BOX = "Search organisations, people and meetings"


def test_suggestions_as_you_type_with_the_keyboard(page, records):
    sign_in_in_english(page, "reader")
    box = page.get_by_role("combobox", name=NAVBAR_BOX)
    box.press_sequentially("sol", delay=20)

    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("group", name="Organisations")).to_be_visible()
    expect(page.get_by_role("group", name="People")).to_be_visible()
    expect(page.get_by_role("group", name="Meetings")).to_be_visible()
    expect(page.get_by_role("option", name=re.compile("Solcellefabrikken Heia AS"))).to_be_visible()
    # The live region counts what is offered (other tests' records may be among them).
    offered = page.get_by_role("option").count()
    expect(page.get_by_role("status").filter(has_text=f"{offered} suggestions")).to_be_attached()
    check_accessibility(page)

    box.press("ArrowDown")
    first = page.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("ArrowUp")  # wraps round to the last
    expect(page.get_by_role("option").last).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/companies/{records['company_id']}$"))


def test_enter_without_a_suggestion_opens_the_results_page(page, records):
    sign_in_in_english(page, "reader")
    box = page.get_by_role("combobox", name=NAVBAR_BOX)
    box.fill("solveig")
    expect(page.get_by_role("option", name=re.compile("Solveig Solberg"))).to_be_visible()
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=solveig$"))
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    expect(page.get_by_role("link", name="Solveig Solberg")).to_be_visible()
    check_accessibility(page)

    # The search page's own box suggests too.
    page.get_by_role("combobox", name="Search term").fill("heia")
    expect(page.get_by_role("option", name=re.compile("Solcellefabrikken"))).to_be_visible()
    check_accessibility(page)


def test_strategy_page_is_accessible(page, records):
    sign_in_in_english(page, "admin")
    # Other journeys on this server may have made another period current; open this one.
    page.goto(f"/strategy/?period={records['period_id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("bærekraftig næringsutvikling")
    expect(page.get_by_text("UN sustainable development goals no. 3, 7, 13")).to_be_attached()
    check_accessibility(page)
    page.get_by_role("link", name="Edit focus area 1").click()
    expect(page.get_by_label("UN sustainable development goals (SDGs)")).to_have_value("3, 7, 13")
    check_accessibility(page)


def test_full_text_results_mark_inflected_hits(page, records):
    sign_in_in_english(page, "reader")
    page.goto("/search/?q=BYGG")
    meetings = page.get_by_role("region", name=re.compile("Meetings"))
    expect(meetings.get_by_role("link", name="Befaring Heia")).to_be_visible()
    expect(meetings.locator("mark")).to_have_text("byggene")
    expect(meetings).to_contain_text("<script>alert(1)</script>")  # shown as text, not run
    check_accessibility(page)
