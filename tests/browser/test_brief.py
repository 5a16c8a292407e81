"""The visit brief in Chromium: from its three starting points, axe clean, no sideways scroll at
390 px, and its print view on one or two A4 pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import expect

from crm.companies.models import RegisterPoint
from crm.establishments import services
from crm.extensions import db
from tests.browser.conftest import check_accessibility, sign_in
from tests.factories import make_affiliation, make_company, make_contact, make_meeting, make_task


def _seed(live_server) -> dict:
    with live_server.app.app_context():
        session = db.session
        stages = {s.key: s.id for s in services.seed_stages(session)}
        company = make_company(session, name="Brief Hydrogen AS", employees=40)
        case = services.create_case(
            session, company_id=company.id, opened_on=date(2025, 1, 6), area_m2=2000
        )
        services.move_case(session, case=case, stage_id=stages["needs_clarified"])
        for n in range(4):
            person = make_contact(session, name=f"Person Brief {n}")
            make_affiliation(session, contact=person, company=company, title="Leder")
            met = make_meeting(
                session,
                title=f"Besøk {n}",
                companies=[company],
                contacts=[person],
                notes="Vi lovet å finne tomt. " * 8,
                starts_at=datetime.now(UTC) - timedelta(days=200 * (n + 1)),
            )
            make_task(session, title=f"Løfte {n}", company_id=company.id, meeting_id=met.id)
        planned = make_meeting(
            session,
            title="Neste besøk",
            companies=[company],
            starts_at=datetime.now(UTC) + timedelta(days=2),
        )
        for year, employees in ((2021, 22), (2023, 31), (2025, 40)):
            session.add(
                RegisterPoint(company=company, observed_on=date(year, 1, 10), employees=employees)
            )
        session.commit()
        return {"company": company.id, "case": case.id, "meeting": planned.id}


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_the_brief_from_each_starting_point_prints_on_one_or_two_pages(page, live_server):
    data = _seed(live_server)
    sign_in(page, "editor")
    starts = [
        (f"/companies/{data['company']}", f"/briefs/{data['company']}"),
        (f"/establishments/{data['case']}", f"/briefs/{data['company']}?case_id={data['case']}"),
        (
            f"/meetings/{data['meeting']}",
            f"/briefs/{data['company']}?meeting_id={data['meeting']}",
        ),
    ]
    for start, brief_url in starts:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(start)
        page.locator(f"a[href='{brief_url}']").first.click()
        expect(page.locator("h1")).to_have_text("Brief Hydrogen AS")
        expect(page.locator("#questions-heading")).to_have_text("Spørsmål til dette besøket")
        expect(page.locator("[data-brief-tasks]")).to_contain_text("Løfte 3")
        expect(page.locator(".register-chart circle")).to_have_count(3)
        ties = page.locator("[data-brief-ties-url]")
        expect(ties).to_have_attribute("data-ready", "true")
        check_accessibility(page)
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        pages = _pdf_pages(page.pdf(format="A4"))
        assert 1 <= pages <= 2, f"{brief_url}: {pages} pages"
