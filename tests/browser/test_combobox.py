"""The one combobox in a real browser: its documented keys, the cluster member form, the map.

Keys (static/js/combobox.js): ArrowDown/ArrowUp move and wrap round, Enter picks, Escape
closes the list, and with the list closed empties the box and the chosen id.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.clusters.models import Membership
from crm.extensions import db
from crm.network import cache, services
from tests.browser.conftest import check_accessibility, sign_in
from tests.factories import make_cluster, make_company

pytestmark = pytest.mark.browser

NAMES = ["Kombiboks Energi AS", "Kombiboks Helse AS", "Kombiboks Vindkraft AS"]


@pytest.fixture(scope="module")
def records(live_server, tmp_path_factory):
    """Three organisations that find each other by "kombiboks", linked so the map shows them."""
    app = live_server.app
    app.config["NETWORK_CACHE_DIR"] = str(tmp_path_factory.mktemp("combobox-network-cache"))
    with app.app_context():
        companies = [make_company(db.session, name=name) for name in NAMES]
        types = {t.key: t for t in services.seed_link_types(db.session)}
        for other in companies[1:]:
            services.create_link(
                db.session,
                company_id=companies[0].id,
                other_id=other.id,
                other_name=None,
                link_type_id=types["partnership"].id,
                start_date=date(2023, 1, 1),
            )
        cluster = make_cluster(db.session, name="Kombiboksklyngen")
        db.session.commit()
        ids = {company.name: company.id for company in companies}
        ids["cluster"] = cluster.id
    cache.memory.clear()
    return ids


def _options(page, box):
    return page.locator("#" + box.get_attribute("aria-controls")).get_by_role("option")


def _active_text(page, box) -> str:
    return page.locator("#" + box.get_attribute("aria-activedescendant")).inner_text()


def test_add_a_cluster_member_with_the_type_ahead_and_its_keys(page, live_server, records):
    sign_in(page, "editor")
    page.goto(f"/clusters/{records['cluster']}/members/new")
    box = page.get_by_role("combobox", name="Organisasjon", exact=True)
    hidden = page.locator("#company_id")
    box.press_sequentially("kombiboks", delay=20)
    options = _options(page, box)
    expect(options).to_have_count(3)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="3 treff")).to_be_attached()
    check_accessibility(page)

    # ArrowDown starts at the first and wraps from the last to the first; ArrowUp wraps back.
    labels = [text.strip() for text in options.all_inner_texts()]
    box.press("ArrowDown")
    assert _active_text(page, box) == labels[0]
    box.press("ArrowDown")
    box.press("ArrowDown")
    assert _active_text(page, box) == labels[2]
    box.press("ArrowDown")
    assert _active_text(page, box) == labels[0]
    box.press("ArrowUp")
    assert _active_text(page, box) == labels[2]
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")

    # Escape with the list open closes it and keeps what was typed.
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("kombiboks")

    # Enter picks: the name in the box, the id in the hidden field, the list closed.
    box.press("ArrowDown")  # opens on the first again
    box.press("Enter")
    expect(box).to_have_value(labels[0])
    expect(hidden).to_have_value(str(records[labels[0]]))
    expect(box).to_have_attribute("aria-expanded", "false")

    # Escape with the list closed empties the box and forgets the id.
    box.press("Escape")
    expect(box).to_have_value("")
    expect(hidden).to_have_value("")

    box.press_sequentially("kombiboks vind", delay=20)
    expect(_options(page, box)).to_have_count(1)
    box.press("ArrowDown")
    box.press("Enter")
    expect(hidden).to_have_value(str(records["Kombiboks Vindkraft AS"]))
    page.get_by_role("button", name="Legg til medlem").click()
    expect(page).to_have_url(re.compile(rf"/clusters/{records['cluster']}$"))
    with live_server.app.app_context():
        members = db.session.scalars(
            select(Membership.company_id).where(Membership.cluster_id == records["cluster"])
        ).all()
    assert members == [records["Kombiboks Vindkraft AS"]]

    # The same organisation again: the refusal sits on the organisation field.
    page.goto(f"/clusters/{records['cluster']}/members/new")
    box = page.get_by_role("combobox", name="Organisasjon", exact=True)
    box.press_sequentially("kombiboks vind", delay=20)
    expect(_options(page, box)).to_have_count(1)
    box.press("ArrowDown")
    box.press("Enter")
    page.get_by_role("button", name="Legg til medlem").click()
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#company_name-error")).to_contain_text("har allerede et medlemskap")
    check_accessibility(page)


def test_find_an_organisation_on_the_map_with_the_combobox(page, records):
    sign_in(page, "reader")
    page.goto("/network/")
    expect(page.locator("#network-map")).to_have_attribute("data-ready", "true")
    box = page.get_by_role("combobox", name="Finn en organisasjon på kartet")
    expect(page.locator("datalist")).to_have_count(0)
    box.press_sequentially("kombiboks he", delay=20)
    expect(_options(page, box)).to_have_count(1)
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.locator("#network-panel h2")).to_have_text("Kombiboks Helse AS")
    check_accessibility(page)
