"""Pages: status codes, redirects, messages beside fields, permissions and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.common.dates import local_today
from crm.establishments import services
from crm.establishments.models import EstablishmentCase, Stage, StageChange, WarningFlag
from crm.meetings.models import Meeting
from crm.tasks.models import Task
from tests.conftest import csrf_token, post_form
from tests.establishments.helpers import make_case, seed
from tests.factories import make_company, make_meeting, make_place, make_user


@pytest.fixture
def editor(login):
    return login(role="editor", locale="en")


@pytest.fixture
def reader(login):
    return login(role="reader", locale="en")


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _case(session, **values):
    case = make_case(session, **values)
    session.commit()
    return case


# --- board and moving ---------------------------------------------------------------------


def test_board_shows_cases_and_move_forms_to_editors(client, session, editor):
    seed(session)
    case = _case(session, prospect_name="Solcelle AS")
    html = client.get("/establishments/board").get_data(as_text=True)
    assert "Solcelle AS" in html
    assert f'action="/establishments/{case.id}/stage"' in html
    assert "js/establishments.js" in html
    assert "Første kontakt" in html and "På vent" in html


def test_readers_see_the_board_without_move_controls_and_cannot_move(client, session, reader):
    stages = seed(session)
    case = _case(session, prospect_name="Solcelle AS")
    html = client.get("/establishments/board").get_data(as_text=True)
    assert "Solcelle AS" in html
    assert "/stage" not in html and "establishments.js" not in html
    token = csrf_token(client, "/account/password")
    response = client.post(
        f"/establishments/{case.id}/stage",
        data={
            "csrf_token": token,
            "stage_id": stages["needs_clarified"].id,
            "quick": "1",
            "confirmed": "y",
        },
    )
    assert response.status_code == 403
    assert _count(session, StageChange) == 1


def test_moving_a_card_with_the_plain_form_returns_to_the_board(client, session, editor):
    stages = seed(session)
    case = _case(session)
    response = post_form(
        client,
        f"/establishments/{case.id}/stage",
        {
            "stage_id": stages["site_search"].id,
            "quick": "1",
            "confirmed": "y",
            "next": "/establishments/board",
        },
        form_page="/establishments/board",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/establishments/board"
    session.expire_all()
    assert session.get(EstablishmentCase, case.id).stage_id == stages["site_search"].id
    change = session.scalars(select(StageChange).order_by(StageChange.id.desc())).first()
    assert change.changed_by_id == editor.id


def test_moving_by_fetch_answers_json(client, session, editor):
    stages = seed(session)
    case = _case(session)
    token = csrf_token(client, "/establishments/board")
    response = client.post(
        f"/establishments/{case.id}/stage",
        data={
            "csrf_token": token,
            "stage_id": stages["needs_clarified"].id,
            "quick": "1",
            "confirmed": "y",
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json["ok"] is True
    assert response.json["stage_id"] == stages["needs_clarified"].id


def test_moving_to_established_without_details_is_refused_in_json(client, session, editor):
    stages = seed(session)
    case = _case(session)
    token = csrf_token(client, "/establishments/board")
    response = client.post(
        f"/establishments/{case.id}/stage",
        data={
            "csrf_token": token,
            "stage_id": stages["established"].id,
            "quick": "1",
            "confirmed": "y",
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200  # answered; the page shows the refusal
    assert response.json["ok"] is False
    assert "place" in response.json["message"]
    assert response.json["form_url"] == (
        f"/establishments/{case.id}/stage?stage_id={stages['established'].id}"
    )
    assert _count(session, StageChange) == 1


def test_moving_to_established_without_javascript_leads_to_the_details_form(
    client, session, editor
):
    stages = seed(session)
    case = _case(session)
    place = make_place(session, name="Kjeller")
    session.commit()
    response = post_form(
        client,
        f"/establishments/{case.id}/stage",
        {
            "stage_id": stages["established"].id,
            "quick": "1",
            "confirmed": "y",
            "next": "/establishments/board",
        },
        form_page="/establishments/board",
    )
    assert response.status_code == 302
    form_url = response.headers["Location"]
    assert form_url == f"/establishments/{case.id}/stage?stage_id={stages['established'].id}"
    page = client.get(form_url).get_data(as_text=True)
    assert "An established case needs the place" in page
    # On the form, a missing date is shown beside its field.
    refused = post_form(
        client,
        f"/establishments/{case.id}/stage",
        {"stage_id": stages["established"].id, "established_place_id": place.id},
        form_page=form_url,
    )
    assert refused.status_code == 400
    assert 'id="established_on-error"' in refused.get_data(as_text=True)
    done = post_form(
        client,
        f"/establishments/{case.id}/stage",
        {
            "stage_id": stages["established"].id,
            "established_place_id": place.id,
            "established_on": "2025-09-01",
            "actual_jobs": "25",
            "confirmed": "y",  # the first stage's questions are unanswered
        },
        form_page=form_url,
    )
    assert done.status_code == 302
    assert done.headers["Location"] == f"/establishments/{case.id}"
    session.expire_all()
    saved = session.get(EstablishmentCase, case.id)
    assert (saved.stage_id, saved.actual_jobs) == (stages["established"].id, 25)


def test_moving_to_lost_for_another_municipality_asks_which(client, session, editor):
    stages = seed(session)
    case = _case(session)
    response = post_form(
        client,
        f"/establishments/{case.id}/stage",
        {"stage_id": stages["lost"].id, "lost_reason": "other_municipality"},
    )
    assert response.status_code == 400
    assert 'id="lost_to_municipality-error"' in response.get_data(as_text=True)


def test_move_of_an_unknown_case_is_404(client, session, editor):
    seed(session)
    assert client.get("/establishments/999999/stage").status_code == 404


# --- case pages ---------------------------------------------------------------------------


def test_case_page_shows_facts_history_meetings_and_tasks(client, session, editor):
    seed(session)
    case = _case(session, prospect_name="Infinitum", expected_jobs=30, adviser_id=editor.id)
    meeting = make_meeting(session, companies=[case.company], establishment_id=case.id)
    session.commit()
    html = client.get(f"/establishments/{case.id}").get_data(as_text=True)
    assert "Infinitum" in html and "Første kontakt" in html
    assert f"/meetings/{meeting.id}" in html
    assert f"/meetings/new?company_id={case.company_id}&amp;establishment_id={case.id}" in html
    assert editor.name in html


def test_case_page_of_an_unknown_case_is_404(client, session, reader):
    assert client.get("/establishments/999999").status_code == 404


def test_readers_see_the_case_without_edit_forms(client, session, reader):
    seed(session)
    case = _case(session)
    html = client.get(f"/establishments/{case.id}").get_data(as_text=True)
    assert "Change case" not in html and f"/establishments/{case.id}/tasks" not in html


def test_create_a_case_for_a_prospect(client, session, editor):
    stages = seed(session)
    place = make_place(session, name="Heia")
    session.commit()
    page = client.get("/establishments/new").get_data(as_text=True)
    assert 'data-typeahead="companies" data-target="company_id"' in page
    response = post_form(
        client,
        "/establishments/new",
        {
            "prospect_name": "Nytt Batteri AS",
            "kind": "new",
            "stage_id": stages["first_contact"].id,
            "opened_on": "2025-03-01",
            "adviser_id": editor.id,
            "expected_jobs": "50",
            "place_ids": [place.id],
        },
    )
    assert response.status_code == 302
    case = session.scalar(select(EstablishmentCase))
    assert response.headers["Location"] == f"/establishments/{case.id}"
    assert case.company.name == "Nytt Batteri AS"
    assert [p.name for p in case.wished_places] == ["Heia"]


def test_create_for_an_organisation_from_the_query_string(client, session, editor):
    seed(session)
    company = make_company(session, name="Pon Equipment")
    session.commit()
    page = client.get(f"/establishments/new?company_id={company.id}&kind=retention")
    html = page.get_data(as_text=True)
    assert 'value="Pon Equipment"' in html
    assert '<option selected value="retention">' in html


def test_create_with_negative_jobs_is_refused_beside_the_field(client, session, editor):
    seed(session)
    session.commit()
    response = post_form(
        client,
        "/establishments/new",
        {
            "prospect_name": "Minus AS",
            "kind": "new",
            "opened_on": "2025-03-01",
            "expected_jobs": "-4",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="expected_jobs-error"' in html and "Jobs cannot be negative." in html
    assert 'value="Minus AS"' in html  # the input is kept
    assert _count(session, EstablishmentCase) == 0


def test_create_with_a_decision_date_before_opening_is_refused(client, session, editor):
    seed(session)
    session.commit()
    response = post_form(
        client,
        "/establishments/new",
        {
            "prospect_name": "Tidlig AS",
            "kind": "new",
            "opened_on": "2025-03-01",
            "expected_decision_on": "2025-01-01",
        },
    )
    assert response.status_code == 400
    assert 'id="expected_decision_on-error"' in response.get_data(as_text=True)


def test_create_by_org_number_without_javascript(client, session, editor):
    seed(session)
    company = make_company(session, org_number="923609016")
    session.commit()
    response = post_form(
        client,
        "/establishments/new",
        {"company_search": "923609016", "kind": "new", "opened_on": "2025-03-01"},
    )
    assert response.status_code == 302
    assert session.scalar(select(EstablishmentCase.company_id)) == company.id


def test_readers_may_not_open_cases(client, session, reader):
    assert client.get("/establishments/new").status_code == 403


def test_edit_refuses_a_stale_save_and_keeps_the_input(client, session, editor):
    seed(session)
    case = _case(session)
    page = f"/establishments/{case.id}/edit"
    assert client.get(page).status_code == 200
    token = csrf_token(client, page)
    data = {
        "csrf_token": token,
        "version": case.version,
        "kind": "new",
        "opened_on": "2025-03-01",
        "source": "Messe",
    }
    case.source = "Someone else"
    session.commit()
    response = client.post(page, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Someone else saved this record" in html and 'value="Messe"' in html


def test_edit_saves(client, session, editor):
    seed(session)
    case = _case(session)
    response = post_form(
        client,
        f"/establishments/{case.id}/edit",
        {"version": case.version, "kind": "expansion", "opened_on": "2025-03-01", "area_m2": "900"},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(EstablishmentCase, case.id).area_m2 == 900


def test_link_a_meeting_and_add_a_task(client, session, editor):
    seed(session)
    case = _case(session)
    meeting = make_meeting(session, companies=[case.company])
    session.commit()
    page = f"/establishments/{case.id}"
    linked = post_form(
        client, f"/establishments/{case.id}/meetings", {"meeting_id": meeting.id}, form_page=page
    )
    assert linked.status_code == 302
    session.expire_all()
    assert session.get(Meeting, meeting.id).establishment_id == case.id
    added = post_form(
        client,
        f"/establishments/{case.id}/tasks",
        {"title": "Ring tilbake", "due_on": "2025-04-01", "assignee_id": editor.id},
        form_page=page,
    )
    assert added.status_code == 302
    task = session.scalar(select(Task))
    assert (task.establishment_id, task.company_id) == (case.id, case.company_id)
    refused = post_form(client, f"/establishments/{case.id}/tasks", {"title": ""}, form_page=page)
    assert refused.status_code == 400
    assert 'id="title-error"' in refused.get_data(as_text=True)


# --- the list -----------------------------------------------------------------------------


def test_list_filters_and_marks_overdue(client, session, editor):
    seed(session)
    late = _case(
        session, prospect_name="Sen AS", next_follow_up_on=local_today() - timedelta(days=3)
    )
    _case(session, prospect_name="Tidsnok AS", next_follow_up_on=local_today() + timedelta(days=3))
    html = client.get("/establishments/").get_data(as_text=True)
    assert "Sen AS" in html and "Tidsnok AS" in html and "Overdue" in html
    html = client.get("/establishments/?overdue=y").get_data(as_text=True)
    assert "Sen AS" in html and "Tidsnok AS" not in html
    assert f"/establishments/{late.id}" in html


def test_list_query_count_does_not_grow_with_rows(client, session, editor, count_queries):
    seed(session)
    place = make_place(session)
    for _ in range(3):
        make_case(session, adviser_id=editor.id, place_ids=[place.id])
    session.commit()

    def statements() -> int:
        with count_queries() as run:
            assert client.get("/establishments/").status_code == 200
            assert client.get("/establishments/board").status_code == 200
        return len(run)

    statements()  # the first request after a change fills the reference cache (one more)
    few = statements()
    for _ in range(27):
        make_case(session, adviser_id=editor.id, place_ids=[place.id])
    session.commit()
    assert statements() == few


def test_list_rows_show_organisation_stage_adviser_places_and_jobs_in_a_fixed_handful(
    client, session, editor, count_queries
):
    """Session and user, last filter, saved filters, the reference data's version (places,
    users and stages cached by it), rows, count, wished places: seven statements for 5 rows
    as for 50."""
    stages = seed(session)
    kjeller, berger = make_place(session, name="Kjeller"), make_place(session, name="Berger")
    adviser = make_user(session, name="Rita Rådgiver")
    for n in range(50):
        make_case(session, prospect_name=f"Firma {n:02}", expected_jobs=n)
    _case(
        session,
        prospect_name="Aaa Først AS",
        adviser_id=adviser.id,
        place_ids=[kjeller.id, berger.id],
        expected_jobs=1200,
        next_follow_up_on=local_today() - timedelta(days=1),
    )
    for per_page in (5, 50):
        path = f"/establishments/?page=1&per_page={per_page}"
        client.get(path)  # stores the user's last filter
        with count_queries() as statements:
            html = client.get(path).get_data(as_text=True)
        assert html.count('<th scope="row">') == per_page
        assert len(statements) <= 7, [s.split("\n")[0][:60] for s in statements]
    row = html[html.index("Aaa Først AS") : html.index("</tr>", html.index("Aaa Først AS"))]
    # In the admins' order of places (Kjeller was made first), the stage, the overdue mark.
    assert "Rita Rådgiver" in row and "Kjeller, Berger" in row and "1,200" in row
    assert stages["first_contact"].name in row and "Overdue" in row


# --- stages -------------------------------------------------------------------------------


def test_admin_renames_and_reorders_stages(client, session, login):
    login(role="admin", locale="en")
    stages = seed(session)
    session.commit()
    stage = stages["site_search"]
    response = post_form(
        client,
        f"/establishments/stages/{stage.id}",
        {f"stage{stage.id}-name": "Tomtesøk", f"stage{stage.id}-version": stage.version},
        form_page="/establishments/stages",
    )
    assert response.status_code == 302
    response = post_form(
        client,
        f"/establishments/stages/{stage.id}/move",
        {"direction": "up"},
        form_page="/establishments/stages",
    )
    assert response.status_code == 302
    session.expire_all()
    order = [s.key for s in session.scalars(select(Stage).order_by(Stage.position))]
    assert order[:3] == ["first_contact", "site_search", "needs_clarified"]
    assert session.get(Stage, stage.id).name == "Tomtesøk"


def test_renaming_a_stage_to_nothing_is_refused(client, session, login):
    login(role="admin", locale="en")
    stage = seed(session)["lost"]
    session.commit()
    response = post_form(
        client,
        f"/establishments/stages/{stage.id}",
        {f"stage{stage.id}-name": "", f"stage{stage.id}-version": stage.version},
        form_page="/establishments/stages",
    )
    assert response.status_code == 400


def test_editors_may_not_change_stages(client, session, editor):
    assert client.get("/establishments/stages").status_code == 403


# --- flags --------------------------------------------------------------------------------


def test_raise_a_flag_then_see_the_retention_offer_and_resolve(client, session, editor):
    seed(session)
    company = make_company(session, name="Flytter AS")
    meeting = make_meeting(session, companies=[company])
    session.commit()
    page = f"/establishments/flags/new?company_id={company.id}"
    html = client.get(page).get_data(as_text=True)
    assert meeting.title in html
    response = post_form(
        client,
        "/establishments/flags/new",
        {
            "company_id": company.id,
            "severity": "red",
            "kind": "moving_or_closing",
            "note": "Vurderer Gardermoen",
            "meeting_id": meeting.id,
        },
        form_page=page,
    )
    assert response.status_code == 302
    flag = session.scalar(select(WarningFlag))
    assert (flag.raised_by_id, flag.meeting_id) == (editor.id, meeting.id)
    listing = client.get("/establishments/flags").get_data(as_text=True)
    assert "Flytter AS" in listing and "Open a retention case" in listing
    assert f"/establishments/new?company_id={company.id}&amp;kind=retention" in listing

    resolve = f"/establishments/flags/{flag.id}/resolve"
    refused = post_form(
        client, resolve, {"version": flag.version, "resolved_on": "2000-01-01", "resolution": "x"}
    )
    assert refused.status_code == 400
    assert 'id="resolved_on-error"' in refused.get_data(as_text=True)
    done = post_form(
        client,
        resolve,
        {"version": flag.version, "resolved_on": local_today().isoformat(), "resolution": "Ble"},
    )
    assert done.status_code == 302
    assert "No open warnings." in client.get("/establishments/flags").get_data(as_text=True)


def test_no_retention_offer_when_a_case_is_open(client, session, editor):
    seed(session)
    company = make_company(session, name="Fulgt AS")
    make_case(session, company_id=company.id)
    services.raise_flag(
        session, company_id=company.id, severity="red", kind="other", raised_on=local_today()
    )
    session.commit()
    listing = client.get("/establishments/flags").get_data(as_text=True)
    assert "Fulgt AS" in listing and "Open a retention case" not in listing


def test_flag_for_an_unknown_company_is_404(client, session, editor):
    assert client.get("/establishments/flags/new?company_id=999999").status_code == 404


def test_readers_see_flags_but_may_not_raise(client, session, reader):
    assert client.get("/establishments/flags").status_code == 200
    company = make_company(session)
    session.commit()
    assert client.get(f"/establishments/flags/new?company_id={company.id}").status_code == 403


def test_company_panel_partial_renders(app, session, editor):
    from flask import render_template_string
    from flask_login import login_user

    from crm.companies.page import company_page

    seed(session)
    company = make_company(session, name="Panel AS")
    case = make_case(session, company_id=company.id)
    services.raise_flag(
        session, company_id=company.id, severity="yellow", kind="premises", raised_on=local_today()
    )
    session.commit()
    with app.test_request_context("/"):
        login_user(make_user(session, role="editor", locale="en"))
        html = render_template_string(
            '{% include "establishments/_company_panel.html" %}',
            company=company,
            panel=company_page(session, company.id).panel,
        )
    assert f"/establishments/{case.id}" in html
    assert "Raise a warning" in html and "Premises" in html
