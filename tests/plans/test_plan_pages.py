"""Action plan pages: roles, bad input, the plan page, evidence, downloads, the measures list."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.common.dates import local_today
from crm.plans.models import ActionPlan, Measure
from crm.plans.services import set_measures
from tests.conftest import csrf_token, post_form
from tests.factories import (
    make_company,
    make_measure,
    make_meeting,
    make_plan,
    make_strategy,
    make_task,
)


@pytest.fixture
def editor(login):
    return login(role="editor", locale="en")


@pytest.fixture
def reader(login):
    return login(role="reader", locale="en")


def _plan_data(**overrides) -> dict:
    data = {
        "name": "Handlingsplan 2025–2027",
        "start_year": "2025",
        "end_year": "2027",
        "description": "",
        "copy_open_measures": "y",
    }
    data.update(overrides)
    return data


def test_a_reader_reads_but_cannot_create_or_edit(client, reader, session):
    plan = make_plan(session, name="Handlingsplan 2022–2024")
    measure = make_measure(session, plan=plan, title="Kjeller innovasjonsdistrikt")
    session.commit()
    html = client.get("/plans/").get_data(as_text=True)
    assert "Handlingsplan 2022–2024" in html and "/plans/new" not in html
    html = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Kjeller innovasjonsdistrikt" in html and "New measure" not in html
    assert client.get(f"/plans/measures/{measure.id}").status_code == 200
    assert client.get("/plans/new").status_code == 403
    assert client.get(f"/plans/measures/{measure.id}/edit").status_code == 403


def test_an_end_year_before_the_start_is_refused_beside_the_field(client, editor, session):
    response = post_form(client, "/plans/new", _plan_data(start_year="2027", end_year="2025"))
    assert response.status_code == 400
    assert "The end year cannot be before the start year." in response.get_data(as_text=True)
    response = post_form(client, "/plans/new", _plan_data(start_year="10000", end_year="10002"))
    assert response.status_code == 400
    assert "Give a year from 2000 to 2100." in response.get_data(as_text=True)
    assert session.scalars(select(ActionPlan)).all() == []


def test_creating_a_plan_takes_over_the_open_measures(client, editor, session):
    old = make_plan(session, name="Handlingsplan 2022–2024")
    make_measure(session, plan=old, title="Åpent tiltak", status="started")
    make_measure(session, plan=old, title="Ferdig tiltak", status="done")
    session.commit()
    response = post_form(client, "/plans/new", _plan_data())
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "with 1 measures taken over" in html or "1 measures taken over" in html
    assert "Åpent tiltak" in html and "Ferdig tiltak" not in html


def test_the_plan_page_groups_counts_and_marks_overdue(client, reader, session):
    strategy = make_strategy(session, number="2.3", name="Flere nettverk og klynger")
    plan = make_plan(session, start_year=2020, end_year=2030)
    yesterday = local_today() - timedelta(days=1)
    make_measure(
        session, plan=plan, title="Klyngeløft", strategy_id=strategy.id, deadline=yesterday
    )
    make_measure(session, plan=plan, title="Uten strategi", status="done", deadline=yesterday)
    session.commit()
    html = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "2.3 Flere nettverk og klynger" in html
    assert "Measures without a strategy" in html
    assert "Planned: 1" in html and "Done: 1" in html and "Dropped: 0" in html
    assert "1 measure is overdue." in html
    assert html.count(">Overdue<") == 1  # the done one is not overdue


def test_measure_form_saves_and_refuses_a_stale_edit(client, editor, session):
    plan = make_plan(session)
    partner = make_company(session, name="Kjeller Innovasjon", org_number=None)
    session.commit()
    data = {
        "title": "Innovasjonsdistrikt",
        "status": "started",
        "strategy_id": "",
        "responsible_id": str(editor.id),
        "partner_ids": str(partner.id),
        "deadline": "2024-06-30",
        "progress_note": "Forprosjekt startet",
    }
    response = post_form(client, f"/plans/{plan.id}/measures/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    measure = session.scalars(select(Measure)).one()
    assert [p.name for p in measure.partners] == ["Kjeller Innovasjon"]
    assert measure.progress_on == local_today()
    edit = f"/plans/measures/{measure.id}/edit"
    stale = {**data, "version": str(measure.version - 1 or 0), "title": "Gammel"}
    response = post_form(client, edit, stale)
    assert response.status_code == 400
    assert "Someone else saved this record" in response.get_data(as_text=True)
    response = post_form(client, edit, {**data, "version": str(measure.version), "title": ""})
    assert response.status_code == 400


def test_a_measures_page_lists_its_evidence_and_an_editor_unlinks(client, editor, session):
    measure = make_measure(session, title="Tiltak med bevis")
    meeting = make_meeting(session, title="Møte med H2Cluster")
    task = make_task(session, title="Send referat")
    set_measures(session, kind="meeting", record_id=meeting.id, measure_ids=[measure.id])
    set_measures(session, kind="task", record_id=task.id, measure_ids=[measure.id])
    session.commit()
    html = client.get(f"/plans/measures/{measure.id}").get_data(as_text=True)
    assert "Møte med H2Cluster" in html and "Send referat" in html
    token = csrf_token(client, f"/plans/measures/{measure.id}")
    response = client.post(
        f"/plans/measures/{measure.id}/unlink",
        data={"csrf_token": token, "unlink-kind": "meeting", "unlink-record_id": str(meeting.id)},
    )
    assert response.status_code == 302
    html = client.get(f"/plans/measures/{measure.id}").get_data(as_text=True)
    assert "Møte med H2Cluster" not in html and "Send referat" in html


def test_the_plans_measures_download_as_csv_and_xlsx(client, reader, session):
    plan = make_plan(session, name="Handlingsplan 2022–2024")
    partner = make_company(session, name="NILU")
    make_measure(session, plan=plan, title="=Formel", partner_ids=[partner.id], status="done")
    session.commit()
    response = client.get(f"/plans/{plan.id}/measures.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][2] == "Measure" and rows[1][2] == "'=Formel"
    assert rows[1][4] == "Done" and rows[1][6] == "NILU"
    response = client.get(f"/plans/{plan.id}/measures.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(row=2, column=5).value == "Done"


def test_the_measures_list_filters_overdue_and_status(client, reader, session):
    plan = make_plan(session, start_year=2020, end_year=2030)
    yesterday = local_today() - timedelta(days=1)
    make_measure(session, plan=plan, title="Forfalt tiltak", deadline=yesterday)
    make_measure(session, plan=plan, title="Skrinlagt tiltak", status="dropped")
    session.commit()
    html = client.get("/plans/measures?overdue=y").get_data(as_text=True)
    assert "Forfalt tiltak" in html and "Skrinlagt tiltak" not in html
    html = client.get("/plans/measures?status=dropped").get_data(as_text=True)
    assert "Skrinlagt tiltak" in html and "Forfalt tiltak" not in html
    assert client.get("/plans/measures?status=nonsense&plan=x").status_code == 200


def test_the_plan_page_runs_the_same_queries_for_3_or_30_measures(
    client, reader, session, count_queries
):
    strategy = make_strategy(session)
    plan = make_plan(session)
    for n in range(3):
        make_measure(session, plan=plan, title=f"T{n}", strategy_id=strategy.id)
    session.commit()
    with count_queries() as few:
        client.get(f"/plans/{plan.id}")
    for n in range(27):
        make_measure(session, plan=plan, title=f"U{n}", strategy_id=strategy.id)
    session.commit()
    with count_queries() as many:
        client.get(f"/plans/{plan.id}")
    assert len(many) == len(few)
