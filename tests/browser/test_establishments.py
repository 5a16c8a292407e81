"""Establishment follow-up in a real browser: open a case, move it on the board by keyboard."""

from __future__ import annotations

import itertools
from datetime import timedelta

from playwright.sync_api import expect

from crm.auth.models import User
from crm.common.dates import local_today
from crm.establishments import services
from crm.extensions import db
from tests.browser.conftest import check_accessibility, sign_in
from tests.factories import make_company, make_meeting, make_task

_n = itertools.count(1)


def _seed(live_server) -> dict:
    """A case of the editor's with a meeting and a task, and a red flag without a case."""
    n = next(_n)
    with live_server.app.app_context():
        session = db.session
        stages = {s.key: s.id for s in services.seed_stages(session)}
        editor = session.scalar(db.select(User).where(User.email == "editor@lillestrom.kommune.no"))
        company = make_company(session, name=f"Nettleser Batteri {n} AS")
        case = services.create_case(
            session,
            company_id=company.id,
            kind="new",
            opened_on=local_today() - timedelta(days=5),
            adviser_id=editor.id,
            next_follow_up_on=local_today() - timedelta(days=1),
            expected_jobs=25,
            actor_id=editor.id,
        )
        make_meeting(session, staff=[editor], companies=[company], establishment_id=case.id)
        make_task(session, assignee_id=editor.id, company_id=company.id, establishment_id=case.id)
        flagged = make_company(session, name=f"Kanskje Flytter {n} AS")
        services.raise_flag(
            session,
            company_id=flagged.id,
            severity="red",
            kind="moving_or_closing",
            raised_on=local_today(),
            raised_by_id=editor.id,
        )
        session.commit()
        return {"case": case.id, "stages": stages, "name": company.name}


def test_open_a_case_and_move_it_on_the_board_with_the_keyboard(page, live_server):
    data = _seed(live_server)
    case_id, stages = data["case"], data["stages"]
    sign_in(page, "editor")
    check_accessibility(page)  # the home page

    page.goto(f"/establishments/{case_id}")
    expect(page.locator("h1")).to_have_text(data["name"])
    expect(page.locator("[data-case-stage]")).to_have_text("Første kontakt")
    check_accessibility(page)

    page.goto("/establishments/board")
    card = page.locator(f"li[data-case-id='{case_id}']")
    expect(card.locator("[data-move=next]")).to_be_visible()
    check_accessibility(page)
    card.locator("[data-move=next]").focus()
    page.keyboard.press("Enter")
    column = page.locator(f"[data-stage-column='{stages['needs_clarified']}']")
    expect(column.locator(f"li[data-case-id='{case_id}']")).to_be_visible()
    expect(card.locator("[data-move=next]")).to_be_focused()
    expect(page.locator("#board-status")).to_contain_text(data["name"])

    page.goto(f"/establishments/{case_id}")
    expect(page.locator("[data-case-stage]")).to_have_text("Behov avklart")
    expect(page.locator("#history + .table-responsive tbody tr")).to_have_count(2)


def test_moving_to_established_by_keyboard_asks_for_the_details(page, live_server):
    data = _seed(live_server)
    case_id, stages = data["case"], data["stages"]
    sign_in(page, "editor")
    page.goto("/establishments/board")
    card = page.locator(f"li[data-case-id='{case_id}']")
    card.locator("select[name=stage_id]").select_option(str(stages["established"]))
    card.locator("button[type=submit]").click()
    alert = page.locator("#board-error")
    expect(alert).to_be_visible()
    expect(alert.locator("a")).to_have_attribute(
        "href", f"/establishments/{case_id}/stage?stage_id={stages['established']}"
    )
    # The card stayed where it was.
    first = page.locator(f"[data-stage-column='{stages['first_contact']}']")
    expect(first.locator(f"li[data-case-id='{case_id}']")).to_be_visible()


def test_readers_see_the_board_without_move_controls(page, live_server):
    data = _seed(live_server)
    sign_in(page, "reader")
    page.goto("/establishments/board")
    card = page.locator(f"li[data-case-id='{data['case']}']")
    expect(card).to_be_visible()
    expect(card.locator("select")).to_have_count(0)
    expect(card.locator("[data-move]")).to_have_count(0)
    check_accessibility(page)


def test_the_other_pages_are_accessible(page, live_server):
    _seed(live_server)
    sign_in(page, "admin")
    for path in (
        "/establishments/",
        "/establishments/flags",
        "/establishments/new",
        "/establishments/stages",
        "/reports/pipeline",
        "/reports/results",
        "/calendar/",
    ):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        check_accessibility(page)
