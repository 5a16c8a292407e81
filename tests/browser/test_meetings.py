"""The meeting form in a real browser: type-ahead with the keyboard only, and accessibility."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from crm.extensions import db
from crm.meetings.models import Meeting
from tests.browser.conftest import check_accessibility, sign_in
from tests.factories import make_company, make_contact, make_strategy

pytestmark = pytest.mark.browser


def _seed(server) -> dict[str, int]:
    with server.app.app_context():
        session = db.session
        host = make_company(session, name="Typeahead Vertskap AS")
        other = make_company(session, name="Typeahead Partner AS")
        kari = make_contact(session, name="Karianne Typeahead")
        karl = make_contact(session, name="Karl Typeahead")
        strategy = make_strategy(session, number="2.3", name="Flere tastaturnettverk")
        session.commit()
        return {
            "host": host.id,
            "other": other.id,
            "kari": kari.id,
            "karl": karl.id,
            "strategy": strategy.id,
        }


def _fake_suggest(ids: dict[str, int]):
    """Stand-in for /search/suggest, so the test checks this widget, not the search ranking."""
    results = {
        "companies": [
            {"id": ids["other"], "label": "Typeahead Partner AS", "detail": "", "url": ""},
            {"id": ids["host"], "label": "Typeahead Vertskap AS", "detail": "", "url": ""},
        ],
        "contacts": [
            {"id": ids["kari"], "label": "Karianne Typeahead", "detail": "Partner AS", "url": ""},
            {"id": ids["karl"], "label": "Karl Typeahead", "detail": "", "url": ""},
        ],
    }

    def handle(route):
        kind = re.search(r"type=(\w+)", route.request.url)[1]
        route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({"results": results.get(kind, [])}),
        )

    return handle


def test_log_a_meeting_with_the_keyboard_only(page, live_server):
    ids = _seed(live_server)
    page.route(re.compile(r".*/search/suggest\?.*"), _fake_suggest(ids))
    sign_in(page, "editor")
    page.goto(f"/meetings/new?company_id={ids['host']}")
    check_accessibility(page)

    chosen_companies = page.locator('ul[data-chosen-for="company_ids"] input[type="hidden"]')
    expect(chosen_companies).to_have_count(1)  # the prefilled organisation

    # Organisations: the one already chosen is not offered again.
    box = page.locator("#company_ids")
    expect(box).to_have_attribute("role", "combobox")
    box.focus()
    page.keyboard.type("Ty")
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(chosen_companies).to_have_count(2)
    expect(box).to_have_value("")
    expect(box).to_have_attribute("aria-expanded", "false")

    # People: Escape closes, arrows move, Enter picks; the live region counts the results.
    people = page.locator("#contact_ids")
    people.focus()
    page.keyboard.type("Kar")
    expect(page.get_by_role("status").filter(has_text=re.compile("2"))).to_have_count(1)
    page.keyboard.press("Escape")
    expect(people).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    chosen_people = page.locator('ul[data-chosen-for="contact_ids"] li')
    expect(chosen_people).to_have_count(1)
    expect(chosen_people).to_contain_text("Karl Typeahead")
    # Pick Karianne too, then remove Karl with the keyboard.
    page.keyboard.type("Kar")
    expect(
        page.locator("#" + people.get_attribute("aria-controls")).get_by_role("option")
    ).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(chosen_people).to_have_count(2)
    chosen_people.filter(has_text="Karl").get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(chosen_people).to_have_count(1)
    expect(chosen_people).to_contain_text("Karianne")

    page.locator("#time").fill("10:00")
    # The strategy by its finder, with the keyboard (the focus areas are collapsed).
    page.locator("#strategy-finder").focus()
    page.keyboard.type("2.3 tastatur")
    expect(
        page.get_by_role("option", name=re.compile("2.3 Flere tastaturnettverk"))
    ).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator(f"#strategy-{ids['strategy']}")).to_be_checked()
    page.locator("#notes").fill("**Avtalt** oppfølging.")
    page.locator("#time").press("Enter")  # submits: Enter outside an open list is not caught
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    check_accessibility(page)

    meeting_id = int(page.url.rsplit("/", 1)[1])
    with live_server.app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert sorted(c.id for c in meeting.companies) == sorted([ids["host"], ids["other"]])
        assert [c.id for c in meeting.contacts] == [ids["kari"]]
        assert [s.id for s in meeting.strategies] == [ids["strategy"]]

    page.goto("/meetings/")
    check_accessibility(page)
    page.goto("/tasks/")
    check_accessibility(page)


def test_single_choice_filter_keeps_the_id_until_the_text_changes(page, live_server):
    ids = _seed(live_server)
    page.route(re.compile(r".*/search/suggest\?.*"), _fake_suggest(ids))
    sign_in(page, "reader")
    page.goto("/meetings/")
    box = page.locator("#company-filter")
    box.focus()
    page.keyboard.type("Ty")
    expect(
        page.locator("#" + box.get_attribute("aria-controls")).get_by_role("option")
    ).to_have_count(2)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_have_value("Typeahead Partner AS")
    expect(page.locator("#company_id")).to_have_value(str(ids["other"]))
    page.keyboard.type("x")
    expect(page.locator("#company_id")).to_have_value("")
