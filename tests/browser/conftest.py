"""Browser tests: the app as a real server on a loopback port, driven by Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import update
from werkzeug.serving import make_server

from config import TestingConfig
from crm import create_app
from crm.auth import services as auth_services
from crm.auth.models import User
from crm.common.dates import local_today
from crm.establishments import services as establishment_services
from crm.extensions import db
from crm.history.models import ChangeKind
from crm.history.tracking import tracked_execute
from crm.indicators import services as indicator_services
from crm.network import cache
from crm.network import services as network_services
from crm.plans import services as plan_services
from crm.register.services import ensure_flag_rules
from crm.strategy import services as strategy_services
from tests.conftest import require_service
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_membership,
    make_place,
    make_sector,
    make_task,
)
from tests.imports.brreg_fixtures import make_orgnr
from tests.register.helpers import import_units, in_oslo, main_unit

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-artifacts" / "screenshots"))
PASSWORD = "browser test password"

# Every browser test is marked, so `pytest -m "not browser"` runs the rest alone.
pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # When the browser abandons a request for a static file (it navigated on), the
            # development server's thread leaves that file for the garbage collector to close;
            # the ResourceWarning then lands in whichever test runs. It is not our code.
            item.add_marker(
                pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
            )


class LiveServer:
    """The app on a free loopback port, with its own SQLite database."""

    def __init__(self, app) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """A real server; users for each role are made once."""
    database = tmp_path_factory.mktemp("browser") / "browser.sqlite"
    # The network's cache of its own too: in the instance folder, a second run (CI runs the
    # suite twice) would read the figures of the first run's graph of the same version.
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        NETWORK_CACHE_DIR=str(tmp_path_factory.mktemp("network-cache")),
    )
    with app.app_context():
        upgrade()
        for role in ("admin", "editor", "reader"):
            auth_services.create_user(
                db.session,
                email=f"{role}@lillestrom.kommune.no",
                name=f"{role.capitalize()} Testesen",
                role=role,
                password=PASSWORD,
            )
        db.session.commit()
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def ids(live_server, tmp_path_factory) -> dict[str, int]:
    """One record of each kind the pages show, seeded once through the live server's app."""
    app = live_server.app
    with app.app_context():
        session = db.session
        stages = {s.key: s for s in establishment_services.seed_stages(session)}
        types = {t.key: t for t in network_services.seed_link_types(session)}
        period = strategy_services.seed_strategy(session)
        editor = session.scalar(db.select(User).where(User.email == "editor@lillestrom.kommune.no"))
        place = make_place(session, name="Universell Kjeller", growth_area=True)
        sector = make_sector(session, name="Universell energi")
        company = make_company(
            session,
            name="Universell Utforming AS",
            org_number="923609016",
            place=place,
            employees=40,
            post_town="KJELLER",
        )
        company.sectors.append(sector)
        partner = make_company(session, name="Universell Partner AS")
        make_company(session, name="Universell Partner A/S")  # a likely duplicate
        contact = make_contact(session, name="Ulrikke Universell")
        affiliation = make_affiliation(session, contact=contact, company=company)
        cluster = make_cluster(session, name="Universell klynge")
        make_membership(session, cluster=cluster, company=company)
        make_membership(session, cluster=cluster, company=partner)
        meeting = make_meeting(
            session,
            title="Universell befaring",
            companies=[company, partner],
            contacts=[contact],
            staff=[editor],
            strategies=period.focus_areas[0].strategies[:1],
        )
        task = make_task(
            session, assignee_id=editor.id, company_id=company.id, meeting_id=meeting.id
        )
        case = establishment_services.create_case(
            session,
            company_id=company.id,
            kind="expansion",
            opened_on=local_today() - timedelta(days=30),
            adviser_id=editor.id,
            next_follow_up_on=local_today() - timedelta(days=2),
            expected_jobs=20,
            actor_id=editor.id,
        )
        establishment_services.raise_flag(
            session,
            company_id=partner.id,
            severity="yellow",
            kind="labour_shortage",
            raised_on=local_today(),
            raised_by_id=editor.id,
        )
        network_services.create_link(
            session,
            company_id=company.id,
            other_id=partner.id,
            other_name=None,
            link_type_id=types["research_collaboration"].id,
            start_date=date(2023, 1, 1),
        )
        plan = plan_services.create_plan(
            session, name="Universell handlingsplan", start_year=2000, end_year=2100
        )
        measure = plan_services.create_measure(
            session,
            plan=plan,
            title="Universelt tiltak",
            strategy_id=period.focus_areas[0].strategies[0].id,
            responsible_id=editor.id,
            partner_ids=[partner.id],
            status="started",
            deadline=local_today() - timedelta(days=3),
            progress_note="Godt i gang",
        )
        plan_services.set_measures(
            session, kind="meeting", record_id=meeting.id, measure_ids=[measure.id]
        )
        value = indicator_services.record_value(
            session, indicator="value_per_employee", year=2020, value=650_000,
            national_value=692_000, source="Strategien",
        )  # fmt: skip
        session.commit()
        register_run = _register_runs(session, tmp_path_factory.mktemp("register"))
        result = {
            "plan": plan.id,
            "measure": measure.id,
            "indicator_value": value.id,
            "rule": ensure_flag_rules(session)[0].id,
            "register_run": register_run,
            "company": company.id,
            "partner": partner.id,
            "place": place.id,
            "sector": sector.id,
            "contact": contact.id,
            "affiliation": affiliation.id,
            "cluster": cluster.id,
            "meeting": meeting.id,
            "task": task.id,
            "period": period.id,
            "focus_area": period.focus_areas[0].id,
            "case": case.id,
            "stage": stages["first_contact"].id,
            "editor": editor.id,
        }
    cache.memory.clear()
    return result


def _register_runs(session, folder) -> int:
    """Two register imports (a baseline, then a night with changes); the second one's id."""
    before = [
        main_unit(),
        main_unit(make_orgnr(602), "UNIVERSELL FLYTTING AS"),
        main_unit(make_orgnr(603), "UNIVERSELL VEKST AS", antallAnsatte=30),
    ]
    after = [
        main_unit(konkurs=True),
        main_unit(make_orgnr(602), "UNIVERSELL FLYTTING AS", forretningsadresse=in_oslo()),
        main_unit(make_orgnr(603), "UNIVERSELL VEKST OG HANDEL AS", antallAnsatte=12),
        main_unit(make_orgnr(604), "UNIVERSELL NYSTART AS"),
    ]
    run_id = 0
    for name, units in (("before", before), ("after", after)):
        run_id = import_units(session, folder, name, units).id
    return run_id


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; Playwright's own browser download is never used."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extras install it
        require_service(False, "playwright is not installed (pip install -e '.[test]')")
    require_service(
        Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is not None,
        f"Chromium not found at {CHROMIUM} (apt-get install chromium)",
    )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context per test; a screenshot of the last page is kept."""
    # The server and its users are shared by every browser test: a test that switched a user to
    # English (or failed before switching back) must not choose the next test's language.
    with live_server.app.app_context():
        tracked_execute(db.session, update(User).values(locale=None), action=ChangeKind.BULK)
        db.session.commit()
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(f"script error: {error}"))

    def on_response(response) -> None:
        # A page may answer 403 or 404 on purpose; a missing script, style or API call is a bug.
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} {response.url}")

    tab.on("response", on_response)
    yield tab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()
    assert errors == [], f"the page had errors: {errors}"


def sign_in(page, role: str = "editor") -> None:
    """Sign in through the form, with the keyboard as a user would."""
    page.goto("/auth/login")
    page.get_by_label("E-post").fill(f"{role}@lillestrom.kommune.no")
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_label("Passord").press("Enter")
    page.wait_for_url(re.compile(r"/$"))


def check_accessibility(page) -> None:
    """axe-core (WCAG 2.1 A and AA): nothing serious or critical; one h1; a working skip link."""
    # Bootstrap's transitions stop for reduced motion: axe must not judge a button's colours
    # halfway through its hover fade (a just-clicked button measured 2.27:1 mid-fade).
    page.emulate_media(reduced_motion="reduce")
    # evaluate() runs through the DevTools protocol, so the page's CSP (no inline script) holds.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations']
        })"""
    )
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{page.url}: " + "; ".join(serious)
    assert page.locator("h1").count() == 1, f"{page.url} must have exactly one h1"
    skip = page.locator("a.skip-link")
    assert skip.count() == 1 and skip.get_attribute("href") == "#main"
    assert page.locator("main#main").count() == 1
