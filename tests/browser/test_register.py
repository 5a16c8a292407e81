"""An admin starts a register import from the web, follows it, and reads its changes."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.imports.brreg_fixtures import make_orgnr
from tests.register.helpers import main_unit


def test_an_admin_imports_a_register_file_and_reads_the_changes(page, ids, tmp_path):
    units = [
        # Active in the previous import (the `ids` fixture), bankrupt now.
        main_unit(make_orgnr(603), "UNIVERSELL VEKST OG HANDEL AS", antallAnsatte=12, konkurs=True),
        main_unit(make_orgnr(610), "UNIVERSELL LABORATORIUM AS"),
    ]
    upload = tmp_path / "enheter-lillestrom.json"
    upload.write_text(json.dumps(units, ensure_ascii=False), encoding="utf-8")

    sign_in(page, "admin")
    page.goto("/imports/")
    page.get_by_role("link", name="Importer fra Enhetsregisteret").click()
    check_accessibility(page)
    page.get_by_label("Fil fra Enhetsregisteret (last opp)").set_input_files(upload)
    expect(page.get_by_label("Kommunenumre")).to_have_value("3205")
    page.get_by_role("button", name="Start importen").click()

    # The page reloads itself (no script) until the import has finished.
    expect(page.locator("#import-progress")).to_contain_text("Fullført", timeout=20_000)
    check_accessibility(page)
    page.get_by_role("main").get_by_role("link", name="Endringer i registeret").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Endringer i registeret")
    check_accessibility(page)
    table = page.get_by_role("region", name="Endringer i registeret")
    expect(table).to_contain_text("UNIVERSELL LABORATORIUM AS")
    expect(table).to_contain_text("Konkurs")

    # Filter to what closed, and follow the link to the organisation.
    page.get_by_label("Type endring").select_option(label="Avviklet")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"category=closed"))
    expect(table).not_to_contain_text("UNIVERSELL LABORATORIUM AS")
    table.get_by_role("link", name="UNIVERSELL VEKST OG HANDEL AS").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("UNIVERSELL VEKST OG HANDEL AS")
