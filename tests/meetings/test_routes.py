"""The meeting pages: log, read, change, follow-up tasks, archive export, permissions."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from crm.common import pagination as paging
from crm.meetings import services
from crm.meetings.models import Meeting
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod
from crm.tasks.models import Task
from tests.conftest import csrf_token, post_form
from tests.factories import (
    make_company,
    make_contact,
    make_meeting,
    make_strategy,
    make_task,
    make_user,
)


def _form(**overrides) -> dict:
    values = {
        "day": "2024-01-15",
        "time": "10:00",
        "duration_minutes": "60",
        "kind": "meeting",
        "title": "Møte om solenergi",
        "location": "Kjeller",
        "notes": "",
    }
    values.update(overrides)
    return values


def _meeting_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Meeting))


def _current_period(session) -> tuple[Strategy, Strategy]:
    period = StrategyPeriod(name="Strategi 2022–2030", start_year=2022, end_year=2030, current=True)
    area1 = FocusArea(period=period, number="1", name="Fremtidsrettede virksomheter", position=1)
    area2 = FocusArea(period=period, number="2", name="Innovasjon og klynger", position=2)
    s11 = Strategy(focus_area=area1, number="1.1", name="Innovasjonsdistrikt", position=1)
    s23 = Strategy(focus_area=area2, number="2.3", name="Flere nettverk og klynger", position=3)
    session.add_all([period, area1, area2, s11, s23])
    session.flush()
    return s11, s23


# --- creating ---------------------------------------------------------------------------


def test_editor_logs_a_meeting_and_is_sent_to_its_page(client, login, session):
    me = login(role="editor")
    ife, nilu = make_company(session, name="IFE"), make_company(session, name="NILU")
    kari, ola = make_contact(session, name="Kari"), make_contact(session, name="Ola")
    s11, _ = _current_period(session)
    session.commit()
    data = _form(
        company_ids=[str(ife.id), str(nilu.id)],
        contact_ids=[str(kari.id), str(ola.id)],
        staff_ids=[str(me.id)],
        strategy_ids=[str(s11.id)],
        notes="# Referat\n\nHei <script>alert(1)</script>",
    )
    response = post_form(client, "/meetings/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = session.scalar(select(Meeting))
    assert response.headers["Location"] == f"/meetings/{meeting.id}"
    assert meeting.starts_at == datetime(2024, 1, 15, 9, 0, tzinfo=UTC)  # 10:00 in Oslo, winter
    assert [c.name for c in meeting.companies] == ["IFE", "NILU"]
    assert [c.name for c in meeting.contacts] == ["Kari", "Ola"]
    assert meeting.staff == [me] and meeting.strategies == [s11]
    assert meeting.created_by_id == me.id

    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'href="/companies/{ife.id}"' in html and f'href="/contacts/{kari.id}"' in html
    assert "1.1 Innovasjonsdistrikt" in html
    assert "<h3>Referat</h3>" in html and "<script>alert" not in html
    assert "10:00" in html  # shown in Oslo time, not 09:00 UTC
    assert me.name in html


def test_summer_time_is_stored_two_hours_behind(client, login, session):
    login(role="editor")
    company = make_company(session)
    session.commit()
    response = post_form(
        client, "/meetings/new", _form(day="2024-07-01", time="10.30", company_ids=str(company.id))
    )
    assert response.status_code == 302
    assert session.scalar(select(Meeting.starts_at)) == datetime(2024, 7, 1, 8, 30, tzinfo=UTC)


def test_new_meeting_form_is_prefilled_from_company_id(client, login, session):
    me = login(role="editor")
    company = make_company(session, name="Kjeller Innovasjon")
    _current_period(session)
    session.commit()
    html = client.get(f"/meetings/new?company_id={company.id}").get_data(as_text=True)
    assert f'<input type="hidden" name="company_ids" value="{company.id}">' in html
    assert "Kjeller Innovasjon" in html
    assert f'name="logged_from_id" type="hidden" value="{company.id}"' in html
    # The current user is preselected staff, as a chosen record (a chip), not a select.
    staff = re.search(r'<ul[^>]*data-chosen-for="staff_ids".*?</ul>', html, re.S)[0]
    assert f'name="staff_ids" value="{me.id}"' in staff and me.name in staff
    # Strategies grouped by focus area, collapsed.
    assert "<details" in html and "1 Fremtidsrettede virksomheter" in html
    assert 'data-typeahead="companies" data-multiple="company_ids"' in html
    assert 'data-chosen-for="company_ids"' in html


def test_unknown_prefill_company_is_ignored(client, login):
    login(role="editor")
    response = client.get("/meetings/new?company_id=987654")
    assert response.status_code == 200
    assert 'name="company_ids"' not in response.get_data(as_text=True)


def test_the_prefilled_organisation_is_saved_without_javascript(client, login, session):
    login(role="editor")
    company = make_company(session, name="Nitja")
    session.commit()
    page = client.get(f"/meetings/new?company_id={company.id}").get_data(as_text=True)
    assert f'name="company_ids" value="{company.id}"' in page
    response = post_form(
        client,
        "/meetings/new",
        _form(title="Møte med Nitja", company_ids=str(company.id)),
        form_page=f"/meetings/new?company_id={company.id}",
    )
    assert response.status_code == 302
    assert session.scalar(select(Meeting)).companies == [company]


@pytest.mark.parametrize(
    "overrides,error_id",
    [
        ({"company_ids": "987654"}, "company_ids-error"),
        ({"contact_ids": "987654"}, "contact_ids-error"),
        ({"staff_ids": "987654"}, "staff_ids-error"),
        ({"strategy_ids": "987654"}, "strategy_ids-error"),
        ({"company_ids": "abc"}, "company_ids-error"),
        ({"company_ids": ""}, "company_ids-error"),  # no organisation and no person
        ({"title": "x" * 301}, "title-error"),
        ({"time": "25:00"}, "time-error"),
        ({"day": "15.01.2024x"}, "day-error"),
        ({"notes": "x" * 50_001}, "notes-error"),
        ({"kind": "party"}, "kind-error"),
    ],
)
def test_invalid_input_is_refused_beside_the_field_and_nothing_is_saved(
    client, login, session, overrides, error_id
):
    login(role="editor")
    company = make_company(session)
    session.commit()
    data = _form(**{"company_ids": str(company.id), **overrides})
    response = post_form(client, "/meetings/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{error_id}"' in html
    assert _meeting_count(session) == 0


def test_the_same_form_with_a_known_organisation_is_accepted(client, login, session):
    """The counterpart of the refusals above: they fail for their one reason only."""
    login(role="editor")
    company = make_company(session)
    session.commit()
    response = post_form(client, "/meetings/new", _form(company_ids=str(company.id)))
    assert response.status_code == 302
    assert _meeting_count(session) == 1


def test_what_the_user_typed_is_kept_after_a_refusal(client, login, session):
    login(role="editor")
    company = make_company(session, name="Blaker Skanse")
    session.commit()
    response = post_form(
        client,
        "/meetings/new",
        _form(
            title="Omvisning",
            notes="Mine notater",
            contact_ids="987654",
            company_ids=str(company.id),
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Omvisning"' in html and "Mine notater" in html
    assert f'name="company_ids" value="{company.id}"' in html and "Blaker Skanse" in html
    assert "987654" in html  # named in the message beside the field


# --- reading ----------------------------------------------------------------------------


def test_detail_shows_author_tasks_and_dates_in_oslo_time(client, login, session):
    login(role="reader")
    author = make_user(session, name="Forfatter Fjeld")
    meeting = make_meeting(
        session,
        title="Besøk hos Infinitum",
        starts_at=datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
        kind="visit",
        created_by_id=author.id,
        notes="Avtalt: [nettside](https://infinitum.no)",
    )
    make_task(session, title="Sende tilbud", meeting_id=meeting.id)
    session.commit()
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Besøk hos Infinitum" in html and "10:00" in html
    assert "Forfatter Fjeld" in html and "Sende tilbud" in html
    assert '<a href="https://infinitum.no" rel="noopener noreferrer">nettside</a>' in html
    assert html.count("<h1") == 1
    # Readers see no write controls.
    assert "Add task" not in html and "Legg til oppgave" not in html
    assert f"/meetings/{meeting.id}/edit" not in html


def test_unknown_meeting_is_404(client, login):
    login(role="reader")
    assert client.get("/meetings/987654").status_code == 404
    assert client.get("/meetings/987654/edit").status_code in (403, 404)
    assert client.get("/meetings/987654/export").status_code == 404


# --- editing ----------------------------------------------------------------------------


def _meeting_with_company(session) -> Meeting:
    company = make_company(session)
    return services.create_meeting(
        session,
        starts_at=datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
        title="Før",
        company_ids=[company.id],
    )


def test_edit_form_shows_the_local_time_and_saves(client, login, session):
    login(role="editor")
    meeting = _meeting_with_company(session)
    session.commit()
    page = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="10:00"' in page and 'value="2024-01-15"' in page
    assert f'name="version" type="hidden" value="{meeting.version}"' in page
    response = post_form(
        client,
        f"/meetings/{meeting.id}/edit",
        _form(
            title="Etter", version=str(meeting.version), company_ids=str(meeting.companies[0].id)
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/meetings/{meeting.id}"
    session.refresh(meeting)
    assert meeting.title == "Etter"


def test_saving_over_a_newer_version_is_refused_and_the_input_kept(client, login, session):
    login(role="editor")
    meeting = _meeting_with_company(session)
    session.commit()
    stale = meeting.version
    meeting.title = "Noen andre lagret"
    session.commit()
    response = post_form(
        client,
        f"/meetings/{meeting.id}/edit",
        _form(title="Min endring", version=str(stale), company_ids=str(meeting.companies[0].id)),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Min endring"' in html
    assert "alert-danger" in html
    session.refresh(meeting)
    assert meeting.title == "Noen andre lagret"


# --- follow-up tasks from the meeting page ---------------------------------------------


def test_a_follow_up_task_gets_the_meetings_first_organisation(client, login, session):
    me = login(role="editor")
    first, second = make_company(session, name="Akershus Energi"), make_company(session, name="Pon")
    meeting = services.create_meeting(
        session,
        starts_at=datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
        title="Møte",
        company_ids=[second.id, first.id],
    )
    session.commit()
    response = post_form(
        client,
        f"/tasks/meeting/{meeting.id}/new",
        {"title": "Sende referat", "due_on": "2024-01-01", "assignee_id": str(me.id)},
        form_page=f"/tasks/meeting/{meeting.id}/new",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/meetings/{meeting.id}#tasks"
    task = session.scalar(select(Task))
    assert task.company_id == first.id  # the first by name
    assert task.meeting_id == meeting.id and task.assignee_id == me.id
    assert task.due_on == date(2024, 1, 1)  # before the meeting: a reminder, allowed


def _timeline(client, company_id: int) -> str:
    html = client.get(f"/companies/{company_id}").text
    return re.search(r'<section aria-labelledby="timeline-heading">.*?</section>', html, re.S)[0]


def _task_row(html: str, title: str) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, flags=re.S) if title in row]
    assert len(rows) == 1, f"one row for {title!r} expected"
    return rows[0]


def test_a_follow_up_task_goes_to_the_organisation_the_adviser_chooses(client, login, session):
    """Logged from Kjeller Innovasjon's page with IFE added: the task stays with Kjeller."""
    me = login(role="editor")
    kjeller, ife = (
        make_company(session, name="Kjeller Innovasjon"),
        make_company(session, name="IFE"),
    )
    session.commit()
    new_page = f"/meetings/new?company_id={kjeller.id}"
    response = post_form(
        client,
        new_page,
        _form(
            company_ids=[str(kjeller.id), str(ife.id)],
            staff_ids=[str(me.id)],
            logged_from_id=re.search(
                r'name="logged_from_id"[^>]*value="(\d+)"', client.get(new_page).text
            )[1],
        ),
    )
    assert response.status_code == 302, response.text
    meeting = session.scalar(select(Meeting))
    page = client.get(f"/tasks/meeting/{meeting.id}/new").text
    # The organisation field offers the meeting's two, the one it was logged from chosen.
    options = re.search(r'<select[^>]*name="company_id".*?</select>', page, flags=re.S)[0]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", options) == ["IFE", "Kjeller Innovasjon"]
    assert re.search(rf'<option selected value="{kjeller.id}">', options)

    for title, company in (("Sende tilbud", kjeller), ("Ringe om lab", ife)):
        response = post_form(
            client,
            f"/tasks/meeting/{meeting.id}/new",
            {"title": title, "assignee_id": str(me.id), "company_id": str(company.id)},
            form_page=f"/tasks/meeting/{meeting.id}/new",
        )
        assert response.status_code == 302, response.text

    kjeller_timeline, ife_timeline = (_timeline(client, c.id) for c in (kjeller, ife))
    assert "Sende tilbud" in kjeller_timeline and "Sende tilbud" not in ife_timeline
    assert "Ringe om lab" in ife_timeline and "Ringe om lab" not in kjeller_timeline
    my_tasks = client.get("/tasks/").text
    assert "Kjeller Innovasjon" in _task_row(my_tasks, "Sende tilbud")
    assert "IFE" in _task_row(my_tasks, "Ringe om lab")


def test_a_task_for_an_organisation_outside_the_meeting_is_refused(client, login, session):
    login(role="editor")
    meeting = _meeting_with_company(session)
    outsider = make_company(session, name="Norsar")
    session.commit()
    response = post_form(
        client,
        f"/tasks/meeting/{meeting.id}/new",
        {"title": "Ring", "company_id": str(outsider.id)},
        form_page=f"/tasks/meeting/{meeting.id}/new",
    )
    assert response.status_code == 400
    assert 'id="company_id-error"' in response.text
    assert session.scalar(select(func.count()).select_from(Task)) == 0


def test_a_task_without_title_is_refused_on_the_meeting_page(client, login, session):
    login(role="editor")
    meeting = _meeting_with_company(session)
    session.commit()
    response = post_form(
        client,
        f"/tasks/meeting/{meeting.id}/new",
        {"title": "", "description": "Husk dette"},
        form_page=f"/tasks/meeting/{meeting.id}/new",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="title-error"' in html and "Husk dette" in html
    assert session.scalar(select(func.count()).select_from(Task)) == 0


def test_a_task_for_an_unknown_assignee_is_refused(client, login, session):
    login(role="editor")
    meeting = _meeting_with_company(session)
    session.commit()
    response = post_form(
        client,
        f"/tasks/meeting/{meeting.id}/new",
        {"title": "Ring", "assignee_id": "987654"},
        form_page=f"/tasks/meeting/{meeting.id}/new",
    )
    assert response.status_code == 400
    assert 'id="assignee_id-error"' in response.get_data(as_text=True)


# --- archive export ---------------------------------------------------------------------


def test_archive_export_holds_date_participants_author_strategies_and_full_notes(
    client, login, session
):
    login(role="reader")
    author = make_user(session, name="Rådgiver Rønning")
    colleague = make_user(session, name="Kollega Kvam")
    company = make_company(session, name="Thermo Fisher", org_number="923609016")
    person = make_contact(session, name="Per Persen")
    strategy = make_strategy(session, number="1.2", name="Innovasjon og industrielle satsinger")
    notes = "# Referat\n\n<script>ikke kjør</script>\n\n" + "lang tekst " * 2000
    meeting = services.create_meeting(
        session,
        starts_at=datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
        title="Møte om radiofarmasi",
        company_ids=[company.id],
        contact_ids=[person.id],
        staff_ids=[author.id, colleague.id],
        strategy_ids=[strategy.id],
        notes=notes,
    )
    meeting.created_by_id = author.id
    session.commit()

    response = client.get(f"/meetings/{meeting.id}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    package = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(package.read(f"meeting-{meeting.id}.json"))
    assert data["title"] == "Møte om radiofarmasi"
    assert data["starts_at"] == "2024-01-15T09:00:00+00:00"
    assert data["starts_at_local"] == "2024-01-15T10:00:00+01:00"
    assert data["participants"]["organisations"] == [
        {"id": company.id, "name": "Thermo Fisher", "org_number": "923609016"}
    ]
    assert data["participants"]["people"] == [{"id": person.id, "name": "Per Persen"}]
    assert [s["name"] for s in data["participants"]["staff"]] == [
        "Kollega Kvam",
        "Rådgiver Rønning",
    ]
    assert data["author"]["name"] == "Rådgiver Rønning"
    assert data["strategies"][0]["number"] == "1.2"
    assert data["notes"] == notes  # the Markdown source in full, not rendered or cut


def test_the_meeting_page_links_to_the_export(client, login, session):
    login(role="reader")
    meeting = make_meeting(session)
    session.commit()
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/export"' in html


# --- permissions ------------------------------------------------------------------------


def test_readers_cannot_write(client, login, session):
    login(role="reader")
    meeting = _meeting_with_company(session)
    company_id = meeting.companies[0].id
    session.commit()
    token = csrf_token(client, "/account/password")
    assert client.get("/meetings/new").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    for path, data in [
        ("/meetings/new", _form(company_ids=str(company_id))),
        (f"/meetings/{meeting.id}/edit", _form(company_ids=str(company_id))),
        (f"/tasks/meeting/{meeting.id}/new", {"title": "x"}),
    ]:
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
    assert _meeting_count(session) == 1
    assert session.scalar(select(func.count()).select_from(Task)) == 0


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/meetings/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- the list ---------------------------------------------------------------------------


def _add_meetings(session, n: int) -> None:
    for _ in range(n):
        meeting = make_meeting(session)
        meeting.companies = [make_company(session), make_company(session)]
        meeting.staff = [make_user(session, password="x" * 12)]
    session.commit()


def test_the_list_uses_the_same_number_of_queries_for_3_and_30_meetings(
    client, login, session, count_queries
):
    login(role="reader")
    _add_meetings(session, 3)
    with count_queries() as few:
        client.get("/meetings/")
    _add_meetings(session, 27)
    with count_queries() as many:
        client.get("/meetings/")
    html = client.get("/meetings/").get_data(as_text=True)
    assert html.count('href="/meetings/') >= 30
    assert len(many) == len(few)


def test_the_list_reads_columns_in_eight_statements_with_staff_and_organisations(
    client, login, session, count_queries
):
    """Session and user, saved filters, the reference data's version (the filter's staff and
    strategies cached by it), the page's ids, their count, the meetings' columns with their
    staff, the organisation links, the organisations' names."""
    login(role="reader")
    _add_meetings(session, 30)
    meeting = make_meeting(
        session, title="Styremøte", starts_at=datetime(2030, 1, 2, 9, tzinfo=UTC)
    )
    meeting.companies = [make_company(session, name="Øst AS"), make_company(session, name="Ask AS")]
    meeting.staff = [make_user(session, name="Kari"), make_user(session, name="Bent")]
    session.commit()
    client.get("/meetings/?page=1")  # fills the reference cache after the new users
    with count_queries() as statements:
        html = client.get("/meetings/?page=1").get_data(as_text=True)
    statements = [s for s in statements if not s.startswith("SET LOCAL")]
    assert len(statements) <= 8, [s.split("\n")[0][:60] for s in statements]
    row = html[html.index("Styremøte") : html.index("</tr>", html.index("Styremøte"))]
    # Organisations and staff by name, as on the meeting's own page.
    assert row.index("Ask AS") < row.index("Øst AS")
    assert "Bent, Kari" in row


def test_the_list_filters_and_searches(client, login, session):
    login(role="reader")
    staff = make_user(session, name="Rådgiver Rud")
    company = make_company(session, name="Solenergiklyngen")
    strategy = make_strategy(session)
    hit = make_meeting(
        session,
        title="Klyngemøte",
        kind="workshop",
        notes="om solceller",
        starts_at=datetime(2024, 3, 1, 12, tzinfo=UTC),
    )
    hit.companies, hit.staff, hit.strategies = [company], [staff], [strategy]
    miss = make_meeting(session, title="Annet møte", starts_at=datetime(2024, 5, 1, 12, tzinfo=UTC))
    session.commit()

    def titles(query: str) -> tuple[bool, bool]:
        html = client.get(f"/meetings/?{query}").get_data(as_text=True)
        return "Klyngemøte" in html, "Annet møte" in html

    assert titles("") == (True, True)
    assert titles("q=SOLCELLER") == (True, False)
    assert titles("q=100%25") == (False, False)  # % is a literal, not a wildcard
    assert titles("kind=workshop") == (True, False)
    assert titles(f"company_id={company.id}") == (True, False)
    assert titles(f"user_id={staff.id}") == (True, False)
    assert titles(f"strategy_id={strategy.id}") == (True, False)
    assert titles("date_from=2024-04-01") == (False, True)
    assert titles("date_to=2024-03-01") == (True, False)
    assert titles("date_from=2024-03-01&date_to=2024-03-01") == (True, False)
    assert titles("date_from=not-a-date") == (True, True)
    assert miss.id


def test_the_list_is_newest_first_and_paginated(client, login, session):
    login(role="reader")
    make_meeting(session, title="Eldste", starts_at=datetime(2023, 1, 1, 9, tzinfo=UTC))
    make_meeting(session, title="Nyeste", starts_at=datetime(2024, 1, 1, 9, tzinfo=UTC))
    make_meeting(session, title="Midterste", starts_at=datetime(2023, 6, 1, 9, tzinfo=UTC))
    session.commit()
    html = client.get("/meetings/").get_data(as_text=True)
    assert html.index("Nyeste") < html.index("Midterste") < html.index("Eldste")
    page2 = client.get("/meetings/?per_page=2&page=2").get_data(as_text=True)
    assert "Eldste" in page2 and "Nyeste" not in page2


def test_the_unfiltered_list_shows_no_filter_errors(client, login):
    login(role="reader")
    html = client.get("/meetings/").get_data(as_text=True)
    assert "invalid-feedback" not in html and "is-invalid" not in html


def test_the_list_links_to_the_file_export_with_the_same_filters(client, login, session):
    login(role="reader")
    make_meeting(session, title="Klyngemøte", kind="workshop")
    session.commit()
    html = client.get("/meetings/?kind=workshop&page=1").get_data(as_text=True)
    assert "meetings.csv?kind=workshop" in html and "meetings.xlsx?kind=workshop" in html


def test_meeting_page_offers_an_early_warning_per_organisation_to_editors(client, login, session):
    user = login(role="editor")
    company = make_company(session, name="Varsel AS")
    meeting = make_meeting(session, companies=[company], staff=[user])
    session.commit()
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    expected = f"/establishments/flags/new?company_id={company.id}&amp;meeting_id={meeting.id}"
    assert expected in html


def test_readers_are_not_offered_the_early_warning(client, login, session):
    login(role="reader")
    company = make_company(session)
    meeting = make_meeting(session, companies=[company])
    session.commit()
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "/establishments/flags/new" not in html


def test_the_list_and_a_persons_page_name_each_meetings_organisations_by_name(session):
    """The organisations are loaded apart from the meetings (crm.meetings.queries.load_companies):
    each meeting gets its own, in name order, and one without any gets none."""
    from crm.contacts.queries import contact_meetings
    from crm.meetings.queries import MeetingFilters, list_meetings

    kari = make_contact(session)
    beta, alfa, gamma = (make_company(session, name=n) for n in ("Beta", "Alfa", "Gamma"))
    both = make_meeting(
        session, title="Both", contacts=[kari], starts_at=datetime(2024, 1, 2, tzinfo=UTC)
    )
    both.companies = [beta, alfa]
    other = make_meeting(
        session, title="Other", contacts=[kari], starts_at=datetime(2024, 1, 1, tzinfo=UTC)
    )
    other.companies = [gamma]
    make_meeting(session, title="None", contacts=[kari], starts_at=datetime(2023, 1, 1, tzinfo=UTC))
    session.commit()
    kari_id = kari.id
    session.expunge_all()
    expected = {"Both": ["Alfa", "Beta"], "Other": ["Gamma"], "None": []}
    listed = list_meetings(session, filters=MeetingFilters()).items
    assert {m.title: [c.name for c in m.companies] for m in listed} == expected
    session.expunge_all()
    attended = contact_meetings(session, kari_id)
    assert {m.title: [c.name for c in m.companies] for m in attended} == expected


def test_the_list_counts_up_to_the_cap(client, login, session, monkeypatch):

    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 2)
    login(role="reader")
    for _ in range(3):
        make_meeting(session)
    session.commit()
    html = client.get("/meetings/").get_data(as_text=True)
    assert "Over 2 totalt" in html
