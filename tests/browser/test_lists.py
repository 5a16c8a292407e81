"""Lists that remember, in a real browser: choose rows, bulk action, confirm; save and reopen."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import expect

from crm.extensions import db
from tests.browser.conftest import check_accessibility, sign_in
from tests.factories import make_cluster, make_company

_n = itertools.count(1)


def test_add_chosen_organisations_to_a_cluster_then_save_and_reopen_the_filter(page, live_server):
    n = next(_n)
    with live_server.app.app_context():
        cluster = make_cluster(db.session, name=f"Listeklyngen {n}")
        for k in range(3):
            make_company(db.session, name=f"Listebedrift {n}-{k} AS")
        db.session.commit()
        cluster_name = cluster.name
    sign_in(page, "editor")
    page.goto(f"/companies/?q=Listebedrift+{n}-")
    rows = page.locator('input[name="ids"][form="bulk-form"]')
    expect(rows).to_have_count(3)
    page.get_by_label("Velg alle på siden").check()
    for index in range(3):
        expect(rows.nth(index)).to_be_checked()
    check_accessibility(page)

    page.get_by_label("Med radene du har valgt").select_option(label="Legg til i en klynge")
    page.get_by_role("button", name="Fortsett").click()
    page.get_by_label("Klynge").select_option(label=cluster_name)
    page.get_by_role("button", name="Fortsett").click()
    expect(page.locator(".bulk-question")).to_have_text(
        f"Legg 3 organisasjoner til i {cluster_name}?"
    )
    check_accessibility(page)
    page.get_by_role("button", name="Ja, gjør det").click()
    # Back on the list, with the filter it had.
    expect(page.locator(".flashes")).to_contain_text(
        f"3 organisasjoner er lagt til i {cluster_name}."
    )
    expect(page).to_have_url(re.compile(rf"q=Listebedrift\+{n}-"))

    page.get_by_text("Lagre dette filteret").click()
    page.get_by_label("Navn på filteret").fill(f"Listebedriftene {n}")
    page.get_by_label("Del med avdelingen").check()
    page.get_by_role("button", name="Lagre filter").click()
    saved = page.get_by_role("link", name=f"Listebedriftene {n}")
    expect(saved).to_be_visible()
    expect(page.locator(".saved-filters")).to_contain_text("Delt")

    page.get_by_role("link", name="Nullstill filter").click()
    expect(page).to_have_url(re.compile(r"/companies/$"))
    page.get_by_role("link", name=f"Listebedriftene {n}").click()
    expect(page).to_have_url(re.compile(rf"q=Listebedrift\+{n}-"))
    expect(rows).to_have_count(3)
    expect(page.locator(".invalid-feedback")).to_have_count(0)
    check_accessibility(page)
