"""Quick capture: a meeting and its follow-up tasks in one form, prefilled from where it opened,
working without JavaScript, refused whole when a task row is wrong."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from crm.common.errors import DomainError
from crm.meetings import queries, services
from crm.meetings.models import Meeting
from crm.tasks.models import Task
from tests.conftest import post_form
from tests.establishments.helpers import make_case, seed
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_strategy,
    make_user,
)

TEN = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- the service --------------------------------------------------------------------------


def test_a_meeting_and_its_follow_ups_are_logged_together(session):
    me = make_user(session)
    kjeller, ife = (
        make_company(session, name="Kjeller Innovasjon"),
        make_company(session, name="IFE"),
    )
    meeting = services.log_meeting(
        session,
        starts_at=TEN,
        title="",
        company_ids=[ife.id, kjeller.id],
        logged_from_id=kjeller.id,
        follow_ups=[
            services.FollowUp("Sende referat", due_on=date(2025, 3, 10), assignee_id=me.id),
            services.FollowUp("Ringe om lab", company_id=ife.id),
        ],
    )
    tasks = {t.title: t for t in session.scalars(select(Task).where(Task.meeting_id == meeting.id))}
    assert tasks["Sende referat"].company_id == kjeller.id  # where it was logged from
    assert tasks["Sende referat"].assignee_id == me.id
    assert tasks["Ringe om lab"].company_id == ife.id
    assert meeting.title == "Møte – IFE, Kjeller Innovasjon"  # no title given


@pytest.mark.parametrize(
    "row",
    [
        {"title": "   "},
        {"title": "Ring", "assignee_id": 987_654},
        {"title": "Ring", "company_id": -1},
        {"title": "x" * 301},
    ],
)
def test_one_wrong_task_row_refuses_the_meeting_and_every_task(session, row):
    company = make_company(session)
    session.commit()
    with pytest.raises(DomainError) as error:
        services.log_meeting(
            session,
            starts_at=TEN,
            title="Møte",
            company_ids=[company.id],
            follow_ups=[services.FollowUp("Grei oppgave"), services.FollowUp(**row)],
        )
    session.rollback()
    assert error.value.field == "tasks"
    assert "2" in str(error.value.message)  # the row's number
    assert _count(session, Meeting) == 0 and _count(session, Task) == 0


def test_the_strategies_of_earlier_meetings_come_most_used_first(session):
    infinitum, other = make_company(session), make_company(session)
    often, once, elsewhere = (make_strategy(session) for _ in range(3))
    for strategies in ([often, once], [often]):
        make_meeting(session, companies=[infinitum], strategies=strategies)
    make_meeting(session, companies=[other], strategies=[elsewhere])
    assert queries.earlier_strategies(session, [infinitum.id]) == [often, once]
    assert queries.earlier_strategies(session, []) == []


def test_names_typed_without_suggestions_are_matched_exactly_and_never_guessed(session):
    nilu = make_company(session, name="NILU", org_number="941705561")
    make_company(session, name="Twin AS")
    make_company(session, name="twin as")
    kari = make_contact(session, name="Kari Nordmann", email="kari@nilu.example")
    assert queries.resolve_typed(session, "companies", "941 705 561, nilu") == ([nilu.id], [])
    assert queries.resolve_typed(session, "companies", "Twin AS; Ukjent") == (
        [],
        ["Twin AS", "Ukjent"],
    )
    assert queries.resolve_typed(session, "contacts", "KARI@nilu.example") == ([kari.id], [])


# --- the page ---------------------------------------------------------------------------


def _capture(**overrides) -> dict:
    values = {"day": "2025-03-04", "kind": "visit", "notes": "Linje 1\nLinje 2\nLinje 3"}
    values.update(overrides)
    return values


def test_capture_without_a_time_with_two_task_rows_and_an_empty_one(client, login, session):
    me = login(role="editor")
    company = make_company(session, name="Infinitum")
    session.commit()
    response = post_form(
        client,
        "/meetings/new",
        _capture(
            company_ids=str(company.id),
            staff_ids=str(me.id),
            **{
                "tasks-0-title": "Sende tilbud",
                "tasks-0-assignee_id": str(me.id),
                "tasks-0-due_on": "2025-03-11",
                "tasks-1-title": "Invitere til klyngemøte",
                "tasks-2-title": "",
                "tasks-2-assignee_id": str(me.id),
            },
        ),
    )
    assert response.status_code == 302, response.text
    meeting = session.scalar(select(Meeting))
    assert not meeting.has_time and meeting.title == "Bedriftsbesøk – Infinitum"
    assert sorted(t.title for t in session.scalars(select(Task))) == [
        "Invitere til klyngemøte",
        "Sende tilbud",
    ]
    page = client.get(response.headers["Location"]).text
    assert "4. mars 2025</time>" in page  # no time given, none shown
    assert 'data-draft-saved="meeting-new"' in page  # the browser forgets the draft
    assert "meeting-new</div>" not in page  # a signal, not a message


def test_a_wrong_task_row_keeps_everything_typed_and_saves_nothing(client, login, session):
    login(role="editor")
    company = make_company(session)
    session.commit()
    response = post_form(
        client,
        "/meetings/new",
        _capture(
            company_ids=str(company.id),
            **{"tasks-0-title": "Ring Kari", "tasks-1-due_on": "2025-03-12"},
        ),
    )
    html = response.text
    assert response.status_code == 400
    assert "Oppfølgingsoppgave 2" in html and "Ingenting er lagret" in html
    assert 'value="Ring Kari"' in html and "Linje 3" in html
    assert _count(session, Meeting) == 0 and _count(session, Task) == 0


def test_without_javascript_organisations_people_and_staff_are_typed(client, login, session):
    me = login(role="editor", name="Rådgiver Rask")
    nilu = make_company(session, name="NILU", org_number="941705561")
    ife = make_company(session, name="Institutt for energiteknikk")
    kari = make_contact(session, name="Kari Nordmann", email="kari@nilu.example")
    session.commit()
    response = post_form(
        client,
        "/meetings/new",
        _capture(
            company_ids_text="941705561, institutt for energiteknikk",
            contact_ids_text="kari@nilu.example",
            staff_ids_text="Rådgiver Rask",
        ),
    )
    assert response.status_code == 302, response.text
    meeting = session.scalar(select(Meeting))
    assert {c.id for c in meeting.companies} == {nilu.id, ife.id}
    assert meeting.contacts == [kari] and [u.id for u in meeting.staff] == [me.id]


def test_a_typed_name_that_matches_no_one_is_refused_beside_its_box(client, login, session):
    login(role="editor")
    make_company(session, name="NILU")
    session.commit()
    response = post_form(client, "/meetings/new", _capture(company_ids_text="NILU, Nilufar AS"))
    assert response.status_code == 400
    error = re.search(r'id="company_ids-error".*?</div>', response.text, re.S)[0]
    assert "Nilufar AS" in error and "NILU," not in error
    assert 'value="NILU, Nilufar AS"' in response.text  # what was typed stays
    assert _count(session, Meeting) == 0


def test_the_form_is_prefilled_from_the_query_string(client, login, session):
    me = login(role="editor")
    seed(session)
    first, second = make_company(session, name="Akershus Energi"), make_company(session, name="Pon")
    host = make_company(session, name="Kunnskapsbyen Lillestrøm")
    case_company = make_company(session, name="Etablereren AS")
    case = make_case(session, company_id=case_company.id)
    cluster = make_cluster(session, name="Solenergiklyngen", facilitator=host)
    kari = make_contact(session, name="Kari Nordmann")
    employer = make_company(session, name="Arbeidsgiveren AS")
    make_affiliation(session, contact=kari, company=employer)
    strategy = make_strategy(session, number="2.3", name="Flere nettverk og klynger")
    session.commit()
    query = (
        f"company_id={first.id}&company_id={second.id}&contact_id={kari.id}"
        f"&strategy_id={strategy.id}&establishment_id={case.id}&cluster_id={cluster.id}"
        "&notes=Fra+e-posten%3A+hei"
    )
    html = client.get(f"/meetings/new?{query}").text
    companies = re.search(r'data-chosen-for="company_ids".*?</ul>', html, re.S)[0]
    names = re.findall(r"<span>([^<]+)</span>", companies)
    assert names == [
        "Akershus Energi",
        "Pon",
        "Etablereren AS",
        "Kunnskapsbyen Lillestrøm",
        "Arbeidsgiveren AS",
    ]
    assert "Kari Nordmann" in re.search(r'data-chosen-for="contact_ids".*?</ul>', html, re.S)[0]
    assert f'name="staff_ids" value="{me.id}"' in html
    assert re.search(rf'value="{strategy.id}" id="strategy-{strategy.id}" checked', html)
    assert f'name="establishment_id" type="hidden" value="{case.id}"' in html
    assert f'name="logged_from_id" type="hidden" value="{first.id}"' in html
    assert 'value="Solenergiklyngen"' in html  # the title
    assert "Fra e-posten: hei</textarea>" in html


def test_log_a_meeting_is_offered_where_advisers_are(client, login, session):
    login(role="editor")
    company, contact, cluster = make_company(session), make_contact(session), make_cluster(session)
    session.commit()
    home = client.get("/").text
    main = home[home.index("<main") :]
    assert main.index('href="/meetings/new"') < main.index('<h2 class="h4"')  # first
    assert 'data-shortcut="m"' in home  # the header's button, with its shortcut
    for page, link in [
        (f"/companies/{company.id}", f"/meetings/new?company_id={company.id}"),
        (f"/contacts/{contact.id}", f"/meetings/new?contact_id={contact.id}"),
        (f"/clusters/{cluster.id}", f"/meetings/new?cluster_id={cluster.id}"),
    ]:
        assert f'href="{link}"' in client.get(page).text, page


def test_readers_are_not_offered_the_capture(client, login):
    login(role="reader")
    assert 'data-shortcut="m"' not in client.get("/").text


def test_signing_out_tells_the_browser_to_forget_every_draft(client, login):
    login(role="editor")
    page = post_form(client, "/auth/logout", {}, form_page="/").headers["Location"]
    html = client.get(page).text
    assert "<body data-drafts-clear>" in html
    assert ">all</div>" not in html


def test_strategy_suggestions_answer_ids_for_the_organisations(client, login, session):
    login(role="reader")
    company = make_company(session)
    strategy = make_strategy(session)
    make_meeting(session, companies=[company], strategies=[strategy])
    session.commit()
    url = "/meetings/strategy-suggestions"
    assert client.get(f"{url}?company_id={company.id}").json == {"ids": [strategy.id]}
    assert client.get(f"{url}?company_id=x&company_id=987654").json == {"ids": []}
