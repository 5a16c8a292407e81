"""The network map people read: the page's answer in a sentence, named communities, names on
the map that stay inside it, filters as chips that fold away on a phone, introductions ranked
by the strength of their ties, and a cluster's members' network that follows a new member."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from crm.extensions import db
from crm.network import cache, services
from tests.browser.conftest import SCREENSHOTS, check_accessibility, sign_in
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_membership,
)


@pytest.fixture(scope="module")
def map_district(live_server, tmp_path_factory):
    """Two groups and a bridge, a cluster most of one group shares, a loner, and two ways from
    "Kart Start" to "Kart Mål": two weak cluster ties, or three registered links."""
    app = live_server.app
    app.config["NETWORK_CACHE_DIR"] = str(tmp_path_factory.mktemp("network-map-cache"))
    with app.app_context():
        types = {t.key: t for t in services.seed_link_types(db.session)}
        names = ["Kart Start", "Kart IFE", "Kart Kjeller Innovasjon", "Kart Mål", "Kart Svak"]
        names += ["Kart Ensom AS", "Kart Ny Medlem AS"]
        orgs = {name: make_company(db.session, name=name) for name in names}

        def link(a, b):
            services.create_link(
                db.session,
                company_id=orgs[a].id,
                other_id=orgs[b].id,
                other_name=None,
                link_type_id=types["project"].id,
            )

        link("Kart Start", "Kart IFE")
        link("Kart IFE", "Kart Kjeller Innovasjon")
        link("Kart Kjeller Innovasjon", "Kart Mål")
        # The weak short way: members of one cluster for a few months (0.5 each).
        weak = make_cluster(db.session, name="Kart Løs Klynge")
        for name in ("Kart Start", "Kart Svak"):
            make_membership(
                db.session, cluster=weak, company=orgs[name], joined_on=date(2026, 5, 1)
            )
        other = make_cluster(db.session, name="Kart Andre Klynge")
        for name in ("Kart Svak", "Kart Mål"):
            make_membership(
                db.session, cluster=other, company=orgs[name], joined_on=date(2026, 5, 1)
            )
        # Who to call on the first step: Lars from IFE met Kart Start on 12 May 2026.
        lars = make_contact(db.session, name="Lars Haugen")
        make_affiliation(db.session, contact=lars, company=orgs["Kart IFE"])
        met = make_meeting(
            db.session, title="Kartmøte", starts_at=datetime(2026, 5, 12, 8, 0, tzinfo=UTC)
        )
        met.companies = [orgs["Kart Start"], orgs["Kart IFE"]]
        met.contacts = [lars]
        h2 = make_cluster(db.session, name="Kart H2Cluster")
        for name in ("Kart IFE", "Kart Kjeller Innovasjon", "Kart Mål"):
            make_membership(db.session, cluster=h2, company=orgs[name])
        db.session.commit()
        ids = {name: org.id for name, org in orgs.items()}
        ids["Kart H2Cluster"] = h2.id
    cache.memory.clear()
    return ids


def _label_boxes(page) -> dict:
    return page.evaluate(
        """() => {
            const map = document.getElementById("network-map");
            const shown = window.networkMap.renderer.getNodeDisplayedLabels();
            const graph = window.networkMap.graph;
            const boxes = {};
            shown.forEach((node) => {
                const label = graph.getNodeAttribute(node, "label");
                boxes[label] = map.labelBoxes[label];
            });
            return {boxes, width: map.clientWidth, height: map.clientHeight};
        }"""
    )


def test_the_map_answers_in_words_names_its_groups_and_folds_its_filters_on_a_phone(
    page, map_district
):
    sign_in(page, "reader")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/network/")
    canvas = page.locator("#network-map")
    expect(canvas).to_have_attribute("data-ready", "true")
    summary = page.locator("#network-summary")
    expect(summary).to_contain_text("binder nettverket sammen")
    expect(summary).to_contain_text("fellesskap")
    expect(summary).to_contain_text("står alene")
    # The map uses the page.
    assert canvas.bounding_box()["height"] >= 0.7 * 800
    # Communities by name: the cluster most of a group shares, or "Rundt …"; never numbers.
    legend = page.locator("#network-legend li")
    texts = legend.all_inner_texts()
    assert texts and not [text for text in texts if text.startswith("Fellesskap")]
    assert "Kart H2Cluster" in texts or any(text.startswith("Rundt ") for text in texts)
    # Every drawn name lies inside the canvas; the most influential are among them.
    drawn = _label_boxes(page)
    assert len(drawn["boxes"]) >= 5
    for label, box in drawn["boxes"].items():
        assert box is not None, label
        assert box["x"] >= 0 and box["x"] + box["width"] <= drawn["width"] + 1, label
        assert 0 < box["y"] <= drawn["height"], label
    # Figures in plain words, rounded for people.
    help_ = page.locator("#network-figures-help")
    expect(help_).to_contain_text("Innflytelse (PageRank)")
    expect(help_).to_contain_text("Brobygging (mellomsentralitet)")
    first_row = page.locator("#network-table tbody tr").first
    expect(first_row.locator("td").nth(5)).to_have_text(re.compile(r"^\d+(,\d)?\s%$"))
    check_accessibility(page)
    page.screenshot(path=str(SCREENSHOTS / "network-map-desktop.png"), full_page=False)

    # A filter as a chip: type, pick, show.
    page.locator("#cluster-typeahead").fill("Kart H2")
    page.get_by_role("option", name="Kart H2Cluster").click()
    chips = page.locator("ul.combobox-chips li")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Kart H2Cluster")
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile(rf"cluster={map_district['Kart H2Cluster']}"))
    expect(page.locator("ul.combobox-chips li")).to_have_count(1)

    # On a phone the map comes first, the filters fold away, and nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/network/")
    expect(canvas).to_have_attribute("data-ready", "true")
    toggle = page.get_by_role("button", name="Filtre")
    expect(page.locator("#network-filter-panel")).to_be_hidden()
    assert canvas.bounding_box()["y"] < toggle.bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    drawn = _label_boxes(page)
    for label, box in drawn["boxes"].items():
        assert box["x"] + box["width"] <= drawn["width"] + 1, label
    page.screenshot(path=str(SCREENSHOTS / "network-map-390.png"), full_page=False)
    toggle.click()
    expect(page.locator("#network-filter-panel")).to_be_visible()
    check_accessibility(page)


def test_introductions_are_ranked_by_strength_and_say_whom_to_call(page, map_district):
    sign_in(page, "reader")
    start, end = map_district["Kart Start"], map_district["Kart Mål"]
    page.goto(f"/network/path?from={start}&to={end}")
    chains = page.locator("section.introduction-chain")
    expect(chains.first.locator("h3")).to_contain_text("3 steg")
    headings = chains.locator("h3").all_inner_texts()
    # Three registered links beat two weak cluster ties (strength 0,5), which come last.
    assert headings[0].startswith("Kjede 1: 3 steg, svakeste bånd "), headings
    assert headings[-1].endswith("2 steg, svakeste bånd 0,5"), headings
    expect(chains.first.locator(".introduction-caller").first).to_have_text(
        "Ring Lars Haugen (Kart IFE): møtte begge 12. mai 2026."
    )
    check_accessibility(page)


def test_the_cluster_page_shows_a_new_member_at_once(page, map_district):
    sign_in(page, "editor")
    cluster = map_district["Kart H2Cluster"]
    page.goto(f"/clusters/{cluster}")
    canvas = page.locator("#network-map")
    expect(canvas).to_have_attribute("data-ready", "true")
    assert page.evaluate("window.networkMap.graph.order") == 3
    # Every member is named on the small map, and no two dots overlap.
    drawn = _label_boxes(page)
    assert set(drawn["boxes"]) == {"Kart IFE", "Kart Kjeller Innovasjon", "Kart Mål"}
    page.goto(f"/clusters/{cluster}/members/new")
    page.get_by_label("Organisasjon", exact=True).fill("Kart Ny Medlem")
    page.get_by_role("option", name=re.compile("Kart Ny Medlem AS")).click()
    page.get_by_role("button", name="Legg til medlem").click()
    expect(page).to_have_url(re.compile(rf"/clusters/{cluster}$"))
    table = page.locator(".network-panel-table")
    expect(table).to_contain_text("Kart Ny Medlem AS")
    expect(canvas).to_have_attribute("data-ready", "true")
    assert page.evaluate("window.networkMap.graph.order") == 4
    # "Felles klynger" counts clusters: one here, whatever the number of members.
    row = table.locator("tr", has_text="Kart IFE")
    expect(row.locator("td").nth(2)).to_have_text("1")
    check_accessibility(page)
