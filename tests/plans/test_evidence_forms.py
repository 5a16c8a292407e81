"""Meetings, cases and tasks are linked to measures on their own forms, and show as evidence."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.meetings.models import Meeting
from crm.plans.queries import linked_measure_ids, measure_evidence
from tests.conftest import post_form
from tests.establishments.helpers import make_case, seed
from tests.factories import make_company, make_measure, make_plan, make_task


@pytest.fixture
def editor(login):
    return login(role="editor", locale="en")


@pytest.fixture
def measure(session):
    plan = make_plan(session, name="Handlingsplan nå", start_year=2000, end_year=2100)
    return make_measure(session, plan=plan, title="Flere nettverk og klynger")


def test_the_capture_form_offers_current_measures_and_links_the_meeting(
    client, editor, session, measure
):
    company = make_company(session, name="H2Cluster")
    old = make_plan(session, name="Gammel plan", start_year=2001, end_year=2002)
    make_measure(session, plan=old, title="Gammelt tiltak")
    session.commit()
    page = client.get(f"/meetings/new?measure_id={measure.id}").get_data(as_text=True)
    assert "Flere nettverk og klynger" in page and "Gammelt tiltak" not in page
    assert f'value="{measure.id}" id="measure_ids-{measure.id}" checked' in page
    response = post_form(
        client,
        "/meetings/new",
        {
            "day": "2025-03-04",
            "kind": "meeting",
            "company_ids": str(company.id),
            "measure_ids": str(measure.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = session.scalar(select(Meeting))
    assert [m.id for m in measure_evidence(session, measure.id).meetings] == [meeting.id]
    html = client.get(f"/plans/measures/{measure.id}").get_data(as_text=True)
    assert meeting.title in html
    # The meeting's edit form shows the link ticked, and unticking it removes it.
    edit = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert f'id="measure_ids-{measure.id}" checked' in edit
    response = post_form(
        client,
        f"/meetings/{meeting.id}/edit",
        {
            "version": str(meeting.version),
            "day": "2025-03-04",
            "kind": "meeting",
            "company_ids": str(company.id),
        },
    )
    assert response.status_code == 302
    assert linked_measure_ids(session, kind="meeting", record_id=meeting.id) == []


def test_a_removed_measure_is_refused_on_the_meeting_form(client, editor, session, measure):
    company = make_company(session, name="NILU")
    session.commit()
    response = post_form(
        client,
        "/meetings/new",
        {
            "day": "2025-03-04",
            "kind": "meeting",
            "company_ids": str(company.id),
            "measure_ids": "999999",
        },
    )
    assert response.status_code == 400
    assert "One of the measures chosen no longer exists." in response.get_data(as_text=True)
    assert session.scalar(select(Meeting)) is None  # nothing half-saved


def test_a_case_and_a_task_are_linked_on_their_edit_forms(client, editor, session, measure):
    seed(session)
    case = make_case(session)
    task = make_task(session, title="Ring tilbake")
    session.commit()
    response = post_form(
        client,
        f"/establishments/{case.id}/edit",
        {
            "version": case.version,
            "kind": "new",
            "opened_on": "2025-03-01",
            "measure_ids": str(measure.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response = post_form(
        client,
        f"/tasks/{task.id}/edit",
        {"version": task.version, "title": "Ring tilbake", "measure_ids": str(measure.id)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    evidence = measure_evidence(session, measure.id)
    assert [c.id for c in evidence.cases] == [case.id]
    assert [t.id for t in evidence.tasks] == [task.id]
