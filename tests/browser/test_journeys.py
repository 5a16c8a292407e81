"""The adviser's day, end to end in a real browser, each step as a user does it (issue 4).

Sign in; find an organisation with the navbar search; register a new one (a wrong organisation
number first); log a meeting from its page with two people picked by the real type-ahead and a
strategy tag; add a follow-up task and find it in "Mine oppgaver"; open an establishment case and
move it on the board with the keyboard; find the organisation on the network map and follow its
link; download the organisation list as XLSX; switch the language; sign out.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from crm.auth.models import User
from crm.establishments import services as establishment_services
from crm.establishments.models import EstablishmentCase
from crm.extensions import db
from crm.meetings.models import Meeting
from crm.network import cache
from crm.network import services as network_services
from crm.strategy import services as strategy_services
from crm.tasks.models import Task
from tests.browser.conftest import SCREENSHOTS, check_accessibility, sign_in
from tests.factories import make_affiliation, make_company, make_contact

NEW_NAME = "Fjellbekk Hydrogen AS"
NEW_ORG_NUMBER = "974 760 673"  # a real, valid number (Brønnøysundregistrene)
WRONG_ORG_NUMBER = "974 760 674"  # the same with a wrong check digit


@pytest.fixture(scope="module")
def district(live_server, tmp_path_factory):
    """What an adviser's day needs, seeded once through the live server's app."""
    app = live_server.app
    app.config.setdefault("NETWORK_CACHE_DIR", str(tmp_path_factory.mktemp("network-cache")))
    with app.app_context():
        session = db.session
        establishment_services.seed_stages(session)
        network_services.seed_link_types(session)
        period = strategy_services.seed_strategy(session)
        strategy_services.make_period_current(session, period=period)
        known = make_company(session, name="Kjellerbekken Vindkraft AS", post_town="KJELLER")
        make_company(session, name="Kjellerbekken Bakeri AS")
        ragnhild = make_contact(session, name="Ragnhild Fjellbekk", email="ragnhild@example.no")
        rolf = make_contact(session, name="Rolf Fjellbekk", email="rolf@example.no")
        make_affiliation(session, contact=ragnhild, company=known, title="Daglig leder")
        make_affiliation(session, contact=rolf, company=known, title="Styreleder")
        editor = session.scalar(db.select(User).where(User.email == "editor@lillestrom.kommune.no"))
        session.commit()
        ids = {"known": known.id, "editor": editor.id, "people": {ragnhild.id, rolf.id}}
    cache.memory.clear()
    return ids


def snapshot(page, step: str) -> None:
    """Keep what the user saw at this step, for a person to look at after the run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"journey-{step}.png"), full_page=True)


def in_bokmal(page) -> None:
    """The default language; the choice is kept per user, so another test may have changed it."""
    if page.locator("html").get_attribute("lang") != "nb":
        page.get_by_role("button", name="Norsk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")


def test_an_advisers_day(page, live_server, district):
    app = live_server.app
    sign_in(page, "editor")
    in_bokmal(page)

    # Find a known organisation with the navbar search: type, arrow down to it, Enter.
    box = page.get_by_role("combobox", name="Søk i organisasjoner, personer og møter")
    box.press_sequentially("kjellerbekken", delay=20)
    option = page.get_by_role("option", name=re.compile("Kjellerbekken Vindkraft AS"))
    expect(option).to_be_visible()
    for _ in range(page.get_by_role("option").count()):
        box.press("ArrowDown")
        if option.get_attribute("aria-selected") == "true":
            break
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/companies/{district['known']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kjellerbekken Vindkraft AS")

    # Register a new organisation: a wrong number is refused beside the field, input kept.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role(
        "link", name="Organisasjoner"
    ).click()
    page.get_by_role("link", name="Ny organisasjon").click()
    page.get_by_label("Navn", exact=True).fill(NEW_NAME)
    page.get_by_label("Organisasjonsnummer").fill(WRONG_ORG_NUMBER)
    page.get_by_label("Ansatte", exact=True).fill("12")
    page.get_by_role("button", name="Opprett organisasjon").click()
    number = page.get_by_label("Organisasjonsnummer")
    expect(number).to_have_attribute("aria-invalid", "true")
    error = page.locator("#" + number.get_attribute("aria-describedby").split()[-1])
    expect(error).to_contain_text("Kontrollsifferet i organisasjonsnummeret er feil")
    expect(page.get_by_label("Navn", exact=True)).to_have_value(NEW_NAME)
    expect(page.get_by_label("Ansatte", exact=True)).to_have_value("12")
    check_accessibility(page)  # the form with its errors
    snapshot(page, "1-wrong-organisation-number")
    number.fill(NEW_ORG_NUMBER)
    number.press("Enter")
    expect(page).to_have_url(re.compile(r"/companies/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_NAME)
    company_id = int(page.url.rsplit("/", 1)[1])

    # Log a meeting from its page: the organisation is filled in; two people by type-ahead.
    page.locator("#main").get_by_role("link", name="Logg et møte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg et møte")
    chosen = page.get_by_role("list", name="Valgt: Organisasjoner")
    expect(chosen).to_contain_text(NEW_NAME)
    page.get_by_text("Tittel, sted og varighet").click()
    page.get_by_label("Tittel").fill("Oppstartsmøte om hydrogenlager")
    page.get_by_label("Klokkeslett").fill("10:00")
    people = page.get_by_role("combobox", name="Eksterne deltakere")
    chosen_people = page.get_by_role("list", name="Valgt: Eksterne deltakere").get_by_role(
        "listitem"
    )
    for count in (1, 2):
        people.press_sequentially("fjellbekk", delay=20)
        expect(page.get_by_role("option", name=re.compile("Fjellbekk")).first).to_be_visible()
        people.press("ArrowDown")
        people.press("Enter")
        expect(chosen_people).to_have_count(count)
    snapshot(page, "2-meeting-form")
    expect(chosen_people.filter(has_text="Ragnhild Fjellbekk")).to_have_count(1)
    expect(chosen_people.filter(has_text="Rolf Fjellbekk")).to_have_count(1)
    # The strategy by its finder (the focus areas are collapsed).
    page.get_by_label("Finn en strategi").fill("1.1 innov")
    page.get_by_role("option", name=re.compile("1.1 Innovasjonsdistrikt")).click()
    expect(page.get_by_label("1.1 Innovasjonsdistrikt")).to_be_checked()
    page.get_by_label("Notater").fill("Vil etablere et **hydrogenlager** på Kjeller.")
    # A follow-up task for myself in the same form, found under "Mine oppgaver".
    page.get_by_label("Oppgave", exact=True).fill("Send tilbud om tomt på Kjeller")
    page.get_by_label("Ansvarlig").select_option(str(district["editor"]))
    page.get_by_role("button", name="Lagre møtet").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    meeting_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        # The people's organisation came along with them.
        assert {c.id for c in meeting.companies} == {company_id, district["known"]}
        assert {c.id for c in meeting.contacts} == district["people"]
        assert [s.number for s in meeting.strategies] == ["1.1"]

    tasks = page.get_by_role("table", name="Oppfølgingsoppgaver")
    expect(tasks).to_contain_text("Send tilbud om tomt på Kjeller")
    page.get_by_role("link", name="Mine oppgaver").click()
    expect(page.get_by_role("link", name="Send tilbud om tomt på Kjeller")).to_be_visible()
    with app.app_context():
        task = db.session.scalar(db.select(Task).where(Task.meeting_id == meeting_id))
        assert task.assignee_id == district["editor"]

    # The meeting is on the organisation's timeline.
    page.goto(f"/companies/{company_id}")
    timeline = page.get_by_role("region", name="Tidslinje")
    expect(timeline.get_by_role("link", name="Oppstartsmøte om hydrogenlager")).to_be_visible()
    expect(timeline).to_contain_text("Deltakere: 3")  # the two people and the adviser herself
    expect(timeline).to_contain_text("Send tilbud om tomt på Kjeller")
    snapshot(page, "3-organisation-timeline")

    # Open an establishment case from its page and move it on the board with the keyboard.
    page.get_by_role("link", name="Opprett en sak").click()
    expect(page.get_by_text(f"Valgt: {NEW_NAME}")).to_be_visible()
    page.get_by_label("Forventede arbeidsplasser").fill("30")
    page.get_by_role("button", name="Opprett sak").click()
    expect(page).to_have_url(re.compile(r"/establishments/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("[data-case-stage]")).to_have_text("Første kontakt")
    page.get_by_role("navigation", name="Hovedmeny").get_by_role(
        "link", name="Etableringer"
    ).click()
    card = page.locator(f"li[data-case-id='{case_id}']")
    next_stage = card.get_by_role("button", name=re.compile("Neste fase"))
    next_stage.focus()
    # The stage's questions are not answered yet: the board asks, the adviser moves on anyway.
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    expect(page.locator("#board-status")).to_contain_text(NEW_NAME)
    expect(next_stage).to_be_focused()
    snapshot(page, "4-board")
    with app.app_context():
        case = db.session.get(EstablishmentCase, case_id)
        assert case.company_id == company_id
        assert case.stage.key == "needs_clarified"

    # The network map: find the organisation by name, choose it, follow its link.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Nettverk").click()
    expect(page.locator("#network-map")).to_have_attribute("data-ready", "true")
    search = page.get_by_label("Finn en organisasjon på kartet")
    search.fill("fjellbekk hydrogen")
    search.press("Enter")
    panel = page.get_by_role("complementary", name="Valgt organisasjon")
    expect(panel.get_by_role("heading", level=2)).to_have_text(NEW_NAME)
    snapshot(page, "5-network-map")
    panel.get_by_role("link", name="Åpne organisasjonen").click()
    expect(page).to_have_url(re.compile(rf"/companies/{company_id}$"))

    # The organisation list as a spreadsheet, filtered to the new one.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role(
        "link", name="Organisasjoner"
    ).click()
    page.get_by_label("Navn eller organisasjonsnummer").fill("fjellbekk")
    page.get_by_label("Navn eller organisasjonsnummer").press("Enter")
    expect(page.get_by_role("link", name=NEW_NAME)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as f:
        workbook = load_workbook(BytesIO(f.read()), read_only=True)
    cells = [c for row in workbook.active.iter_rows(values_only=True) for c in row]
    assert NEW_NAME in cells
    assert "Kjellerbekken Vindkraft AS" not in cells  # the list's filter holds

    # English and back, then sign out.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    expect(page.get_by_role("link", name=NEW_NAME)).to_be_visible()  # the filter is kept
    snapshot(page, "6-in-english")
    page.get_by_role("button", name="Norsk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisasjoner")
    page.get_by_role("button", name="Logg ut").click()
    expect(page.get_by_text("Du er logget ut.")).to_be_visible()
    page.goto(f"/companies/{company_id}")
    expect(page).to_have_url(re.compile(r"/auth/login"))
