"""The network map in a real browser: find an organisation, open it, and accessibility."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from crm.extensions import db
from crm.network import cache, services
from tests.browser.conftest import check_accessibility, sign_in
from tests.factories import make_cluster, make_company, make_membership


@pytest.fixture(scope="module")
def district(live_server, tmp_path_factory):
    """A small district seeded through the live server's app."""
    app = live_server.app
    app.config["NETWORK_CACHE_DIR"] = str(tmp_path_factory.mktemp("network-cache"))
    with app.app_context():
        types = {t.key: t for t in services.seed_link_types(db.session)}
        names = ["Nettverk Kjeller Innovasjon", "Nettverk IFE", "Nettverk NILU", "Nettverk Ahus"]
        orgs = [make_company(db.session, name=name) for name in names]
        for other in orgs[1:]:
            services.create_link(
                db.session,
                company_id=orgs[0].id,
                other_id=other.id,
                other_name=None,
                link_type_id=types["research_collaboration"].id,
                start_date=date(2022, 1, 1),
            )
        cluster = make_cluster(db.session, name="Nettverk H2Cluster")
        make_membership(db.session, cluster=cluster, company=orgs[2])
        make_membership(db.session, cluster=cluster, company=orgs[3])
        db.session.commit()
        ids = {org.name: org.id for org in orgs}
        ids[cluster.name] = cluster.id
    cache.memory.clear()
    return ids


def test_find_an_organisation_on_the_map_and_open_it(page, district):
    sign_in(page, "reader")
    page.goto("/network/")
    expect(page.locator("#network-map")).to_have_attribute("data-ready", "true")
    check_accessibility(page)
    page.locator("#network-search").fill("nettverk nilu")
    page.locator("#network-find").click()
    panel = page.locator("#network-panel")
    expect(panel.locator("h2")).to_have_text("Nettverk NILU")
    panel.locator("a.btn-primary").click()
    expect(page).to_have_url(re.compile(rf"/companies/{district['Nettverk NILU']}$"))


def test_layout_is_refined_in_a_web_worker(page, district):
    sign_in(page, "reader")
    page.goto("/network/")
    map_ = page.locator("#network-map")
    expect(map_).to_have_attribute("data-ready", "true")
    page.locator("#network-refine").click()
    expect(map_).to_have_attribute("data-layout", "refined")


def test_the_table_beside_the_map_links_to_the_organisation(page, district):
    sign_in(page, "reader")
    page.goto("/network/?sort=name")
    page.locator("#network-table").get_by_role("link", name="Nettverk IFE", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/companies/{district['Nettverk IFE']}$"))


def test_metrics_path_and_ego_pages_are_accessible(page, district):
    sign_in(page, "reader")
    page.goto("/network/metrics")
    expect(page.locator("h1")).to_be_visible()
    check_accessibility(page)
    start, end = district["Nettverk IFE"], district["Nettverk Ahus"]
    page.goto(f"/network/path?from={start}&to={end}")
    expect(page.get_by_text("Nettverk Kjeller Innovasjon").first).to_be_visible()
    check_accessibility(page)
    page.goto(f"/network/companies/{start}/ego?radius=2")
    expect(page.locator("#network-map")).to_have_attribute("data-ready", "true")
    check_accessibility(page)


def test_organisation_and_cluster_pages_show_their_network(page, district):
    sign_in(page, "reader")
    page.goto(f"/companies/{district['Nettverk Kjeller Innovasjon']}")
    expect(page.locator("#network-map")).to_have_attribute("data-ready", "true")
    table = page.locator(".network-panel-table")
    expect(table.get_by_role("link", name="Nettverk NILU", exact=True)).to_be_visible()
    check_accessibility(page)
    page.goto(f"/clusters/{district['Nettverk H2Cluster']}")
    # Fetched after the page loads (network.cluster_summary), built at once: no reload needed.
    expect(page.locator(".network-panel-table")).to_contain_text("Nettverk Ahus")
    expect(page.locator("#network-map")).to_have_attribute("data-ready", "true")
    check_accessibility(page)
    page.locator(".network-panel-table").get_by_role("link", name="Nettverk NILU").click()
    expect(page).to_have_url(re.compile(rf"/companies/{district['Nettverk NILU']}$"))


def test_legend_side_panel_and_table_name_communities_alike(page, district):
    sign_in(page, "reader")
    page.goto("/network/?sort=name")
    expect(page.locator("#network-map")).to_have_attribute("data-ready", "true")
    legend = page.locator("#network-legend li")
    expect(legend.first).not_to_have_text(re.compile("^Fellesskap"))
    row = page.locator("#network-table tbody tr", has_text="Nettverk NILU")
    in_table = row.locator("td").nth(7).inner_text().strip()
    assert in_table and not in_table.startswith("Fellesskap")
    page.locator("#network-search").fill("Nettverk NILU")
    page.locator("#network-find").click()
    panel = page.locator("#network-panel")
    expect(panel.locator("h2")).to_have_text("Nettverk NILU")
    term = panel.locator("dt", has_text="Fellesskap")
    expect(term.locator("xpath=following-sibling::dd[1]")).to_have_text(in_table)
    expect(legend.filter(has_text=re.compile(rf"^{re.escape(in_table)}$"))).to_have_count(1)
