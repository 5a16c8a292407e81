"""Quick capture in a real browser: the canonical capture counted, and nothing typed is lost."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from crm.auth.models import User, UserSession
from crm.extensions import db
from crm.meetings.models import Meeting
from crm.tasks.models import Task
from tests.browser.conftest import SCREENSHOTS, check_accessibility, sign_in
from tests.factories import (
    make_affiliation,
    make_company,
    make_contact,
    make_meeting,
    make_strategy,
)

pytestmark = pytest.mark.browser

NOTES = "Kari viste fram batterilaben.\nOla vil ha lokaler på Heia.\nVi sender tilbud i uke 2."


def _seed(server, tag: str = "Kapture") -> dict[str, int]:
    """Two organisations with a person each; Infinitum met before about 1.1. The names carry
    `tag`, so each test finds its own in the server's shared database."""
    with server.app.app_context():
        session = db.session
        infinitum = make_company(session, name=f"Infinitum {tag} AS")
        rainpower = make_company(session, name=f"RainPower {tag} AS")
        kari = make_contact(session, name=f"Kari {tag}sen", email="kari@infinitum.example")
        ola = make_contact(session, name=f"Ola {tag}sen", email="ola@rainpower.example")
        make_affiliation(session, contact=kari, company=infinitum, primary=True)
        make_affiliation(session, contact=ola, company=rainpower)
        strategy = make_strategy(session, number="1.1", name=f"Innovasjonsdistrikt {tag}")
        earlier = make_meeting(session, title=f"Tidligere møte {tag}")
        earlier.companies = [infinitum]
        earlier.strategies = [strategy]
        rainpowers = make_strategy(session, number="2.2", name=f"Innovasjonstakt {tag}")
        make_meeting(session, companies=[rainpower], strategies=[rainpowers])
        session.commit()
        return {
            "infinitum": infinitum.id,
            "rainpower": rainpower.id,
            "kari": kari.id,
            "ola": ola.id,
            "strategy": strategy.id,
        }


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"capture-{name}.png"), full_page=True)


def test_the_canonical_capture_from_the_home_page(page, live_server):
    """Two organisations, two people, one strategy, three lines of notes and one follow-up
    task: at most 8 interactions and 2 page loads from the home page."""
    ids = _seed(live_server)
    sign_in(page, "editor")
    expect(page.get_by_role("link", name="Logg et møte").first).to_be_visible()
    check_accessibility(page)
    _screenshot(page, "home-desktop")

    interactions = 0
    loads: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame == page.main_frame else None,
    )

    def act(action, *args, **kwargs):
        nonlocal interactions
        interactions += 1
        return action(*args, **kwargs)

    # From the home page: start with who you met. Kari brings Infinitum along.
    act(page.get_by_label("Eller begynn med hvem du møtte").fill, "Kari Kapt")
    act(page.get_by_role("option", name=re.compile("Kari Kapturesen")).click)
    page.wait_for_url(re.compile(r"/meetings/new\?contact_id="))
    chosen_companies = page.locator('ul[data-chosen-for="company_ids"] li')
    expect(chosen_companies).to_have_text([re.compile("Infinitum Kapture AS")])
    expect(page.locator('ul[data-chosen-for="staff_ids"] li')).to_have_text(
        [re.compile("Editor Testesen")]
    )
    check_accessibility(page)
    _screenshot(page, "form-desktop")

    # The second person, and their organisation with them.
    act(page.get_by_role("combobox", name="Eksterne deltakere").fill, "Ola Kapt")
    act(page.get_by_role("option", name=re.compile("Ola Kapturesen")).click)
    expect(chosen_companies).to_have_count(2)
    expect(page.locator('ul[data-chosen-for="contact_ids"] li')).to_have_count(2)
    # RainPower's earlier strategy moves up among the suggestions, out of its focus area.
    suggested = page.locator("[data-suggested-strategies]")
    expect(suggested.get_by_label("2.2 Innovasjonstakt Kapture")).to_be_visible()

    # The strategy Infinitum's earlier meeting served is offered first.
    act(page.get_by_label("1.1 Innovasjonsdistrikt Kapture").first.check)
    act(page.get_by_label("Notater").fill, NOTES)
    act(page.locator("#tasks-0-title").fill, "Sende tilbud om lokaler")
    act(page.get_by_role("button", name="Lagre møtet").click)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Infinitum Kapture AS")
    expect(page.get_by_role("link", name="Sende tilbud om lokaler")).to_be_visible()

    assert interactions <= 8, interactions
    assert len(loads) <= 2, loads

    with live_server.app.app_context():
        meeting = db.session.scalar(select(Meeting).order_by(Meeting.id.desc()))
        assert {c.id for c in meeting.companies} == {ids["infinitum"], ids["rainpower"]}
        assert {c.id for c in meeting.contacts} == {ids["kari"], ids["ola"]}
        assert [s.id for s in meeting.strategies] == [ids["strategy"]]
        assert meeting.notes.replace("\r\n", "\n") == NOTES
        assert [u.email for u in meeting.staff] == ["editor@lillestrom.kommune.no"]
        assert not meeting.has_time  # no time given: the date alone
        task = db.session.scalar(select(Task).where(Task.meeting_id == meeting.id))
        assert task.title == "Sende tilbud om lokaler"
        assert task.company_id == ids["infinitum"]  # where it was started from
        assert task.assignee.email == "editor@lillestrom.kommune.no"

    # The saved draft is gone; the phone layout of both pages for the record.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('kb-draft:'))") == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    _screenshot(page, "home-390")
    page.goto(f"/meetings/new?contact_id={ids['kari']}")
    _screenshot(page, "form-390")


def _drafts(page) -> dict:
    return page.evaluate(
        "Object.fromEntries(Object.keys(localStorage)"
        ".filter(k => k.startsWith('kb-draft:')).map(k => [k, localStorage.getItem(k)]))"
    )


def _type_notes(page, company_id: int, notes: str) -> None:
    page.goto(f"/meetings/new?company_id={company_id}")
    page.get_by_label("Notater").fill(notes)
    page.wait_for_function(
        "t => Object.keys(localStorage).some(k => (localStorage.getItem(k) || '').includes(t))",
        arg=notes.splitlines()[0],
    )


def _restored_and_saved(page, live_server, notes: str) -> None:
    expect(page.get_by_text("er hentet tilbake")).to_be_visible()
    expect(page.get_by_label("Notater")).to_have_value(notes)
    page.get_by_role("button", name="Lagre møtet").click()
    expect(page.locator(".meeting-notes")).to_contain_text(notes.splitlines()[-1])
    with live_server.app.app_context():
        saved = db.session.scalar(select(Meeting).order_by(Meeting.id.desc()))
        assert saved.notes.replace("\r\n", "\n") == notes
    page.wait_for_function("!Object.keys(localStorage).some(k => k.startsWith('kb-draft:'))")


def test_notes_survive_an_expired_session_and_sign_out_clears_drafts(page, live_server):
    ids = _seed(live_server, "Utløpt")
    sign_in(page, "editor")
    notes = "Lange notater etter besøket.\nUtløpt økt underveis."
    _type_notes(page, ids["rainpower"], notes)

    # 31 minutes idle, on the server.
    with live_server.app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@lillestrom.kommune.no"))
        db.session.execute(
            update(UserSession)
            .where(UserSession.user_id == editor.id)
            .values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31))
        )
        db.session.commit()
    page.get_by_role("button", name="Lagre møtet").click()
    page.wait_for_url(re.compile(r"/auth/login\?next="))
    page.get_by_label("E-post").fill("editor@lillestrom.kommune.no")
    page.get_by_label("Passord").fill("browser test password")
    page.get_by_label("Passord").press("Enter")
    page.wait_for_url(re.compile(r"/meetings/new"))
    _restored_and_saved(page, live_server, notes)

    # A draft left behind is gone after signing out, so a shared computer keeps nothing.
    _type_notes(page, ids["rainpower"], "Halvferdig utkast")
    assert _drafts(page) != {}
    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(re.compile(r"/auth/login"))
    assert _drafts(page) == {}


def test_notes_survive_the_server_being_unreachable(page, live_server):
    ids = _seed(live_server, "Frakoblet")
    sign_in(page, "editor")
    notes = "Notater på toget.\nNettet forsvant."
    page.goto(f"/meetings/new?company_id={ids['infinitum']}")
    # The network goes while the adviser types: no request reaches the server.
    page.route("**/*", lambda route: route.abort("internetdisconnected"))
    page.get_by_label("Notater").fill(notes)
    page.get_by_role("button", name="Lagre møtet").click(no_wait_after=True)
    page.wait_for_function("() => document.location.href.startsWith('chrome-error')")
    page.unroute("**/*")
    # Back online, the adviser opens the form again (or the browser reloads it): all there.
    page.goto(f"/meetings/new?company_id={ids['infinitum']}")
    _restored_and_saved(page, live_server, notes)

    # "Forkast utkast" drops a draft and shows the form as it was.
    _type_notes(page, ids["infinitum"], "Skal forkastes")
    page.goto(f"/meetings/new?company_id={ids['infinitum']}")
    page.get_by_role("button", name="Forkast utkast").click()
    page.wait_for_load_state()
    expect(page.get_by_label("Notater")).to_have_value("")
    assert _drafts(page) == {}
