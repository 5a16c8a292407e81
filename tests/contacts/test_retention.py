"""GDPR art. 5(1)(e): people past the retention period come up for review, and go or stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.cli import crm_cli
from crm.common.dates import local_today
from crm.contacts import retention
from crm.contacts.models import Affiliation, Contact, ContactAccess
from crm.history.models import ChangeKind
from crm.history.tracking import tracked_execute
from tests.conftest import csrf_token
from tests.factories import make_company, make_meeting

LONG_AGO = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 2)


def _person(session, name: str, **values) -> Contact:
    person = Contact(name=name, created_at=LONG_AGO, updated_at=LONG_AGO, **values)
    session.add(person)
    session.flush()
    return person


def _aged(session, *people: Contact) -> None:
    """Changes made by the test itself moved updated_at; put it back in the past."""
    for person in people:
        tracked_execute(
            session,
            Contact.__table__.update()
            .where(Contact.id == person.id)
            .values(updated_at=LONG_AGO, created_at=LONG_AGO),
            action=ChangeKind.UPDATE,
        )
    session.expire_all()


@pytest.fixture
def people(session):
    company = make_company(session)
    idle = _person(session, "Ingrid Inaktiv")
    met = _person(session, "Mona Møtt")
    working = _person(session, "Arne Ansatt")
    former = _person(session, "Frida Før")
    session.add_all(
        [
            Affiliation(contact_id=working.id, company_id=company.id),
            Affiliation(contact_id=former.id, company_id=company.id, end_date=date(2020, 1, 1)),
        ]
    )
    recent = make_meeting(session, starts_at=datetime(2025, 5, 5, 9, tzinfo=UTC))
    recent.contacts = [met]
    old = make_meeting(session, starts_at=datetime(2020, 5, 5, 9, tzinfo=UTC))
    old.contacts = [idle]
    session.flush()
    _aged(session, idle, met, working, former)
    return {"idle": idle.id, "met": met.id, "working": working.id, "former": former.id}


def _due(session, today=TODAY, years=3) -> set[str]:
    return {c.name for c in session.scalars(retention.due_query(today=today, years=years))}


def test_only_people_without_recent_meetings_or_current_affiliations_are_due(session, people):
    assert _due(session) == {"Ingrid Inaktiv", "Frida Før"}
    # With a ten-year period nobody is due yet.
    assert _due(session, years=10) == set()


def test_a_person_created_or_changed_within_the_period_is_not_due(session, people):
    session.get(Contact, people["idle"]).notes = "Ringte i dag"
    session.flush()
    assert _due(session, today=local_today()) == {"Frida Før"}


def test_keeping_needs_a_reason_and_holds_for_a_period(session, people):
    with pytest.raises(retention.DomainError):
        retention.keep_due(session, [people["idle"]], reason=" ", today=TODAY, years=3)
    retention.keep_due(session, [people["idle"]], reason="Etableringssak", today=TODAY, years=3)
    _aged(session, session.get(Contact, people["idle"]))
    assert "Ingrid Inaktiv" not in _due(session)
    # Kept in 2026, due again three years later.
    assert "Ingrid Inaktiv" in _due(session, today=date(2029, 12, 3))


def test_erasing_refuses_the_whole_choice_when_one_is_no_longer_due(session, people):
    with pytest.raises(retention.DomainError):
        retention.erase_due(
            session, [people["idle"], people["met"]], today=TODAY, years=3, user_id=None
        )
    assert session.get(Contact, people["idle"]) is not None
    assert retention.erase_due(session, [people["idle"]], today=TODAY, years=3, user_id=None) == 1
    assert session.get(Contact, people["idle"]) is None
    logged = session.scalars(select(ContactAccess).where(ContactAccess.action == "erased")).one()
    assert logged.contact_id == people["idle"] and logged.detail == "retention review"


def test_the_review_page_erases_the_chosen_people(client, login, session, people, app):
    login(role="admin")
    years = app.config["RETENTION_YEARS"]
    assert years == 3
    page = client.get("/contacts/retention")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ingrid Inaktiv" in html and "Mona Møtt" not in html
    token = csrf_token(client, "/contacts/retention")
    unconfirmed = client.post(
        "/contacts/retention",
        data={"csrf_token": token, "contact_ids": [people["idle"]], "erase": "1"},
    )
    assert unconfirmed.status_code == 400
    assert session.get(Contact, people["idle"]) is not None
    done = client.post(
        "/contacts/retention",
        data={
            "csrf_token": token,
            "contact_ids": [people["idle"]],
            "erase": "1",
            "confirm": "y",
        },
    )
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Contact, people["idle"]) is None
    assert session.get(Contact, people["former"]) is not None


def test_the_review_page_is_for_admins(client, login):
    login(role="editor")
    assert client.get("/contacts/retention").status_code == 403


def test_the_command_lists_on_a_dry_run_and_erases_with_the_access_log_pruned(app, session, people):
    session.add(ContactAccess(contact_id=1, action="viewed", at=LONG_AGO - timedelta(days=3000)))
    session.add(ContactAccess(contact_id=1, action="viewed"))
    session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(crm_cli, ["retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Ingrid Inaktiv" in dry.output and "2 would be erased" in dry.output
    assert "1 would be deleted" in dry.output
    assert session.scalar(select(func.count()).select_from(Contact)) == 4
    erased = runner.invoke(crm_cli, ["retention", "--erase"])
    assert erased.exit_code == 0, erased.output
    session.expire_all()
    names = set(session.scalars(select(Contact.name)))
    assert names == {"Mona Møtt", "Arne Ansatt"}
    # The old view is pruned; the new one and the two erasures stay.
    assert session.scalar(select(func.count()).select_from(ContactAccess)) == 3


def test_the_command_needs_a_mode(app):
    result = app.test_cli_runner().invoke(crm_cli, ["retention"])
    assert result.exit_code != 0
    assert "--dry-run" in result.output
