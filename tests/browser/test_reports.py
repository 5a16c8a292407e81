"""The reports in a real browser: every page draws its chart beside its table and passes axe, a
download holds the table, and the print view is an A4 PDF without the navigation."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in

# Pages whose shared test data (the `ids` fixture) gives a chart; results and indicators have
# no established case there and must say so instead.
WITH_CHART = ("/reports/strategy", "/reports/reach", "/reports/clusters", "/reports/pipeline")
WITHOUT_DATA = ("/reports/results", "/reports/indicators")

A4_POINTS = (595, 842)


def test_every_report_page_draws_its_chart_and_table_and_passes_axe(page, ids):
    sign_in(page, "admin")
    page.goto("/reports/")
    check_accessibility(page)
    for path in WITH_CHART:
        page.goto(path)
        chart = page.locator("svg[data-chart='bars']").first
        expect(chart).to_be_visible()
        assert chart.locator("rect.chart-bar").count() >= 1, path
        assert chart.get_attribute("role") == "img"
        expect(page.locator("table.report-table").first).to_be_visible()
        check_accessibility(page)
    for path in WITHOUT_DATA:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("main")).to_contain_text("Ingen")
        check_accessibility(page)


def test_bad_period_shows_a_message_on_the_field(page, ids):
    sign_in(page, "reader")
    # The browser's own check (min and max on the fields) stops the form; a link need not.
    page.goto("/reports/strategy")
    expect(page.get_by_label("Kvartal", exact=True)).to_have_attribute("max", "4")
    page.goto("/reports/strategy?year=10000&quarter=5")
    expect(page.locator("#year-error")).to_contain_text("Oppgi et år fra 1990 til 2100.")
    expect(page.locator("#quarter-error")).to_contain_text("Et kvartal er 1, 2, 3 eller 4.")
    expect(page.locator("#quarter")).to_have_attribute("aria-invalid", "true")


def test_a_download_holds_the_table_shown(page, ids):
    sign_in(page, "admin")
    page.goto("/reports/reach")
    table = page.locator("table[data-table='kinds']")
    shown = [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr, tfoot tr").all()
    ]
    with page.expect_download() as info:
        page.locator("a[href*='reach.csv'][href*='table=kinds']").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == table.locator("thead th").all_inner_texts()
    assert rows[1:] == shown


def test_the_print_view_is_an_a4_pdf_without_navigation(page, ids):
    sign_in(page, "admin")
    page.goto("/reports/strategy")
    page.emulate_media(media="print")
    expect(page.locator("header nav")).to_be_hidden()
    expect(page.locator("form.report-filter")).to_be_hidden()
    expect(page.locator(".report-period")).to_contain_text("Skrevet ut")
    # The chart fits the printable width of A4 (210 mm less 2 × 12 mm margins ≈ 703 CSS px).
    width = page.locator("svg[data-chart='bars']").first.bounding_box()["width"]
    assert width <= 703
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    boxes = [
        [float(n) for n in box.decode().split()[2:4]]
        for box in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf)
    ]
    assert boxes, "the PDF has no pages"
    # A4 is 595.3 × 841.9 points; Chromium rounds to whole CSS pixels.
    for width, height in boxes:
        assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 6
