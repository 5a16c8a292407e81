"""The brief's content on hand-made data, its three starting points, its capture link and its
query count."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from crm.briefs import queries
from crm.briefs.routes import capture_href
from crm.common.dates import local_today
from crm.companies.models import RegisterPoint
from crm.establishments import services as establishment_services
from crm.establishments.models import WarningFlag
from tests.establishments.helpers import make_case, seed
from tests.factories import (
    make_affiliation,
    make_company,
    make_contact,
    make_meeting,
    make_strategy,
    make_task,
)


def _world(session, user):
    """An organisation with a case, meetings two years back and today, tasks, flags, history."""
    today = local_today()
    stages = seed(session)
    company = make_company(session, name="Hydrogen Lillestrøm AS", employees=19)
    person = make_contact(session, name="Kari Nordmann")
    make_affiliation(session, contact=person, company=company, title="Daglig leder")
    strategy = make_strategy(session)
    case = make_case(session, company_id=company.id, strategy_ids=[strategy.id])
    establishment_services.move_case(session, case=case, stage_id=stages["needs_clarified"].id)
    old = make_meeting(
        session,
        title="Besøk for to år siden",
        starts_at=datetime.now(UTC) - timedelta(days=730),
        notes="Vi lovet å **finne tomt** på Berger.",
    )
    old.companies.append(company)
    old.contacts.append(person)
    promise = make_task(
        session,
        title="Finne tomt på Berger",
        company_id=company.id,
        meeting_id=old.id,
        due_on=today - timedelta(days=700),
        assignee_id=user.id,
    )
    make_task(session, title="Ferdig oppgave", company_id=company.id, done=True)
    later = make_task(session, title="Sende tilbud", company_id=company.id, due_on=today)
    planned = make_meeting(
        session, title="Neste besøk", starts_at=datetime.now(UTC) + timedelta(days=3)
    )
    planned.companies.append(company)
    planned.contacts.append(person)
    session.add_all(
        [
            WarningFlag(company=company, severity="red", kind="premises", note="Mangler lokaler"),
            WarningFlag(
                company=company,
                severity="yellow",
                kind="downsizing",
                note="Løst for lengst",
                resolved_on=today,
                resolution="Ordnet",
            ),
            RegisterPoint(company=company, observed_on=date(2022, 1, 3), employees=12),
            RegisterPoint(company=company, observed_on=date(2024, 1, 8), employees=19),
        ]
    )
    session.flush()
    return company, case, planned, promise, later, person, strategy


def test_the_brief_holds_old_open_promises_open_flags_history_and_questions(session, login):
    user = login("editor")
    company, case, planned, promise, later, _person, strategy = _world(session, user)
    brief = queries.get_brief(session, company.id, today=local_today())
    # A promise made two years ago and still open is there, overdue first; a done task is not.
    assert [task.title for task in brief.tasks] == [promise.title, later.title]
    # The open red flag is there; the resolved one is not.
    assert [flag.note for flag in brief.flags] == ["Mangler lokaler"]
    assert [m.title for m in brief.meetings] == ["Besøk for to år siden"]
    assert brief.case.id == case.id and brief.days_in_stage == 0
    assert brief.planned_meeting.id == planned.id
    assert [(d.day, d.value) for d in brief.chart.dots] == [
        (date(2022, 1, 3), 12),
        (date(2024, 1, 8), 19),
    ]
    assert [row.affiliation.contact.name for row in brief.people] == ["Kari Nordmann"]
    assert brief.people[0].last_contacted is not None
    assert not hasattr(brief, "ties")  # they load after the page
    assert [s.id for s in brief.strategies] == [strategy.id]
    # "Behov avklart" has six default questions; answered ones go last.
    establishment_services.answer_checklist(
        session, case=case, answered_ids=[brief.checklist[0].item.id], actor_id=user.id
    )
    brief = queries.get_brief(session, company.id, today=local_today())
    assert len(brief.checklist) == 6
    assert [row.answer is not None for row in brief.checklist] == [False] * 5 + [True]


def test_log_the_meeting_carries_organisation_people_case_strategies_and_questions(
    session, login, app
):
    user = login("editor")
    company, case, planned, *_rest, person, strategy = _world(session, user)
    brief = queries.get_brief(session, company.id, today=local_today(), meeting_id=planned.id)
    with app.test_request_context():
        href = capture_href(brief)
    url = urlsplit(href)
    args = parse_qs(url.query)
    assert url.path == "/meetings/new"
    assert args["company_id"] == [str(company.id)]
    assert args["contact_id"] == [str(person.id)]
    assert args["establishment_id"] == [str(case.id)]
    assert args["strategy_id"] == [str(strategy.id)]
    notes = args["notes"][0]
    assert notes.startswith("## Arealbehov i m²\n\n")
    assert notes.count("## ") == 6


def test_log_the_meeting_opens_the_capture_form_filled_in(session, login, client, app):
    user = login("editor")
    company, case, planned, *_rest, person, strategy = _world(session, user)
    session.commit()
    brief = queries.get_brief(session, company.id, today=local_today(), meeting_id=planned.id)
    with app.test_request_context():
        href = capture_href(brief)
    html = client.get(href).get_data(as_text=True)
    # The organisation and the invited person are chosen, the case and the strategy carried,
    # and the notes start with the stage's questions as headings.
    assert f'name="company_ids" value="{company.id}"' in html
    assert f'name="contact_ids" value="{person.id}"' in html
    assert f'name="establishment_id" type="hidden" value="{case.id}"' in html
    assert re.search(rf'name="strategy_ids" value="{strategy.id}"[^>]*checked', html)
    assert "## Arealbehov i m²" in html


def test_the_brief_opens_from_organisation_case_and_meeting(session, login, client):
    user = login("reader")
    company, case, planned, *_ = _world(session, user)
    other = make_company(session, name="Annen AS")
    session.commit()
    for path in (
        f"/briefs/{company.id}",
        f"/briefs/{company.id}?case_id={case.id}",
        f"/briefs/{company.id}?meeting_id={planned.id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert "Finne tomt på Berger" in page
        assert "Mangler lokaler" in page and "Løst for lengst" not in page
        assert "Arealbehov i m²" in page
    # A case or meeting of another organisation is not this organisation's brief.
    assert client.get(f"/briefs/{other.id}?case_id={case.id}").status_code == 404
    assert client.get(f"/briefs/{other.id}?meeting_id={planned.id}").status_code == 404
    # The three pages link to it.
    assert f"/briefs/{company.id}" in client.get(f"/companies/{company.id}").get_data(as_text=True)
    case_page = client.get(f"/establishments/{case.id}").get_data(as_text=True)
    assert f"/briefs/{company.id}?case_id={case.id}" in case_page
    meeting_page = client.get(f"/meetings/{planned.id}").get_data(as_text=True)
    assert f"/briefs/{company.id}?meeting_id={planned.id}" in meeting_page


def test_the_brief_reads_in_the_same_number_of_queries_for_more_records(
    session, login, client, count_queries
):
    user = login("editor")
    company, *_ = _world(session, user)
    session.commit()

    def statements() -> int:
        with count_queries() as seen:
            assert client.get(f"/briefs/{company.id}").status_code == 200
        return len(seen)

    few = statements()
    for n in range(6):
        meeting = make_meeting(session, title=f"Møte {n}")
        meeting.companies.append(company)
        contact = make_contact(session, name=f"Person {n}")
        make_affiliation(session, contact=contact, company=company)
        meeting.contacts.append(contact)
        make_task(session, title=f"Oppgave {n}", company_id=company.id)
        session.add(RegisterPoint(company=company, observed_on=date(2020, 1, n + 1), employees=n))
    session.commit()
    assert statements() == few


def test_the_ties_fragment_names_the_person_to_call(session, login, client):
    user = login("reader")
    company, *_rest = _world(session, user)
    neighbour = make_company(session, name="Nabo Energi AS")
    colleague = make_contact(session, name="Ola Introdusent")
    make_affiliation(session, contact=colleague, company=neighbour)
    shared = make_meeting(session, title="Felles møte", companies=[company, neighbour])
    shared.contacts.append(colleague)
    session.commit()
    ties = queries.strongest_ties(session, company.id, local_today())
    assert [(t.name, t.contact_name) for t in ties] == [("Nabo Energi AS", "Ola Introdusent")]
    page = client.get(f"/briefs/{company.id}/ties").get_data(as_text=True)
    assert "Be Ola Introdusent om en introduksjon" in page
    assert client.get("/briefs/999999/ties").status_code == 404
