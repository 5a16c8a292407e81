"""The action plan in a real browser: create a plan, add a measure, log a meeting for it, see the
meeting as its evidence; then the department's page. axe-clean on the way."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in


def test_a_plan_a_measure_a_meeting_as_its_evidence_and_the_dashboard(page, ids):
    sign_in(page, "editor")
    page.goto("/plans/")
    check_accessibility(page)
    page.get_by_role("link", name="Ny handlingsplan").click()
    page.get_by_label("Navn").fill("Handlingsplan 2098–2100")
    page.get_by_label("Startår").fill("2100")
    page.get_by_label("Sluttår").fill("2098")  # the end before the start: refused, kept
    page.get_by_role("button", name="Opprett plan").click()
    expect(page.get_by_text("Sluttåret kan ikke være før startåret.")).to_be_visible()
    check_accessibility(page)
    expect(page.get_by_label("Navn")).to_have_value("Handlingsplan 2098–2100")
    page.get_by_label("Startår").fill("2098")
    page.get_by_label("Sluttår").fill("2100")
    page.get_by_role("button", name="Opprett plan").click()
    # The open measure of the plan before it is taken over.
    expect(page.get_by_text("1 tiltak er overført")).to_be_visible()
    expect(page.get_by_role("link", name="Universelt tiltak")).to_be_visible()

    page.get_by_role("link", name="Nytt tiltak").click()
    page.get_by_label("Tiltak", exact=True).fill("Klyngeløft for hydrogen")
    page.get_by_label("Strategien tiltaket bidrar til").select_option(index=1)
    page.get_by_label("Status").select_option(label="Startet")
    check_accessibility(page)
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Klyngeløft for hydrogen")
    expect(page.get_by_text("Ingenting er koblet til tiltaket ennå.")).to_be_visible()
    measure_url = page.url

    # Log a meeting from the measure's page: the measure comes ticked.
    page.get_by_role("main").get_by_role("link", name="Logg et møte").click()
    measure_box = page.get_by_label("Klyngeløft for hydrogen")
    expect(measure_box).to_be_checked()
    page.get_by_role("combobox", name="Organisasjoner", exact=True).fill("Universell Utf")
    page.get_by_role("option", name=re.compile("Universell Utforming AS")).click()
    page.get_by_text("Tittel, sted og varighet").click()
    page.get_by_label("Tittel").fill("Hydrogenmøte på Kjeller")
    page.get_by_role("button", name="Lagre møtet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hydrogenmøte på Kjeller")

    page.goto(measure_url)
    evidence = page.get_by_role("region", name=re.compile("Møter"))
    expect(evidence.get_by_role("link", name="Hydrogenmøte på Kjeller")).to_be_visible()
    check_accessibility(page)

    # The department's page, from the menu.
    page.goto("/")
    page.get_by_role("link", name="Avdelingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avdelingen")
    expect(page.get_by_role("link", name=re.compile("tiltak i handlingsplanen"))).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name=re.compile("tiltak i handlingsplanen")).click()
    expect(page.get_by_role("link", name="Universelt tiltak").first).to_be_visible()
