"""Follow-up tasks: my tasks in order, done and open again, editing, permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.common.dates import local_today
from crm.common.errors import DomainError, StaleObjectError
from crm.companies.page import company_page
from crm.meetings import services as meeting_services
from crm.tasks import queries, services
from crm.tasks.models import Task
from crm.tasks.queries import OPEN_SHOWN, OpenTask
from tests.conftest import csrf_token, post_form
from tests.factories import make_company, make_meeting, make_task, make_user

TODAY = local_today()


# --- services ---------------------------------------------------------------------------


def test_a_task_from_a_meeting_gets_its_first_organisation(session):
    later, first = (
        make_company(session, name="Ungt Entreprenørskap"),
        make_company(session, name="Business Lillestrøm"),
    )
    meeting = meeting_services.create_meeting(
        session,
        starts_at=datetime(2024, 1, 15, 9, tzinfo=UTC),
        title="Møte",
        company_ids=[later.id, first.id],
    )
    task = services.create_task(session, title="Sende invitasjon", meeting=meeting)
    assert task.company_id == first.id and task.meeting_id == meeting.id


def _meeting_logged_from_kjeller_innovasjon(session):
    """Logged from Kjeller Innovasjon's page; IFE (first by name) added as a second."""
    kjeller, ife = (
        make_company(session, name="Kjeller Innovasjon"),
        make_company(session, name="IFE"),
    )
    meeting = meeting_services.create_meeting(
        session,
        starts_at=datetime(2024, 1, 15, 9, tzinfo=UTC),
        title="Møte om radiofarmasi",
        company_ids=[kjeller.id, ife.id],
        logged_from_id=kjeller.id,
    )
    return meeting, kjeller, ife


def test_a_task_goes_to_the_organisation_the_meeting_was_logged_from(session):
    meeting, kjeller, _ = _meeting_logged_from_kjeller_innovasjon(session)
    task = services.create_task(session, title="Sende tilbud", meeting=meeting)
    assert task.company_id == kjeller.id


def test_a_task_goes_to_the_chosen_organisation_of_the_meeting_and_no_other(session):
    meeting, _, ife = _meeting_logged_from_kjeller_innovasjon(session)
    task = services.create_task(session, title="Ringe IFE", meeting=meeting, company_id=ife.id)
    assert task.company_id == ife.id
    outsider = make_company(session, name="Norsar")
    with pytest.raises(DomainError) as error:
        services.create_task(session, title="Feil", meeting=meeting, company_id=outsider.id)
    assert error.value.field == "company_id"


def test_a_removed_organisation_is_no_longer_where_the_meeting_was_logged_from(session):
    meeting, _, ife = _meeting_logged_from_kjeller_innovasjon(session)
    meeting_services.update_meeting(
        session, meeting=meeting, version=meeting.version, starts_at=meeting.starts_at,
        title=meeting.title, kind=meeting.kind, duration_minutes=None, location="",
        company_ids=[ife.id], contact_ids=[], staff_ids=[], strategy_ids=[], notes="",
    )  # fmt: skip
    assert meeting.logged_from_id is None
    assert services.create_task(session, title="Etterpå", meeting=meeting).company_id == ife.id


def test_changing_a_task_moves_it_to_another_of_the_meetings_organisations(session):
    meeting, _, ife = _meeting_logged_from_kjeller_innovasjon(session)
    task = services.create_task(session, title="Sende tilbud", meeting=meeting)
    services.update_task(
        session, task=task, version=task.version, title=task.title, description="",
        due_on=None, assignee_id=None, company_id=ife.id,
    )  # fmt: skip
    assert task.company_id == ife.id
    with pytest.raises(DomainError) as error:
        services.update_task(
            session, task=task, version=task.version, title=task.title, description="",
            due_on=None, assignee_id=None, company_id=make_company(session).id,
        )  # fmt: skip
    assert error.value.field == "company_id"


def test_a_due_date_before_the_meeting_is_allowed(session):
    meeting = make_meeting(session, starts_at=datetime(2024, 6, 1, 9, tzinfo=UTC))
    task = services.create_task(
        session, title="Forberede", meeting=meeting, due_on=date(2024, 5, 20)
    )
    assert task.due_on == date(2024, 5, 20)


@pytest.mark.parametrize("title", ["", "   "])
def test_an_empty_title_is_refused(session, title):
    with pytest.raises(DomainError) as error:
        services.create_task(session, title=title)
    assert error.value.field == "title"
    assert session.scalar(select(func.count()).select_from(Task)) == 0


def test_an_unknown_or_deactivated_assignee_is_refused(session):
    with pytest.raises(DomainError) as error:
        services.create_task(session, title="Ring", assignee_id=987_654)
    assert error.value.field == "assignee_id"
    former = make_user(session)
    former.active = False
    session.flush()
    with pytest.raises(DomainError) as error:
        services.create_task(session, title="Ring", assignee_id=former.id)
    assert error.value.field == "assignee_id"


def test_done_and_open_again(session):
    task = make_task(session)
    services.set_task_done(session, task=task, done=True)
    assert task.done and task.done_at is not None
    first_done_at = task.done_at
    services.set_task_done(session, task=task, done=True)  # twice changes nothing
    assert task.done_at == first_done_at
    services.set_task_done(session, task=task, done=False)
    assert not task.done and task.done_at is None


def test_update_task_refuses_a_stale_version_and_an_empty_title(session):
    task = make_task(session, title="Før")
    session.commit()
    loaded = task.version
    services.update_task(
        session, task=task, version=loaded, title="Etter", description="", due_on=None,
        assignee_id=None, company_id=None,
    )  # fmt: skip
    session.commit()
    with pytest.raises(StaleObjectError):
        services.update_task(
            session, task=task, version=loaded, title="Gammel", description="", due_on=None,
            assignee_id=None, company_id=None,
        )  # fmt: skip
    with pytest.raises(DomainError) as error:
        services.update_task(
            session, task=task, version=task.version, title=" ", description="", due_on=None,
            assignee_id=None, company_id=None,
        )  # fmt: skip
    assert error.value.field == "title"
    session.rollback()
    assert session.get(Task, task.id).title == "Etter"


def test_my_tasks_are_mine_open_overdue_first_then_by_date_then_undated(session):
    me, other = make_user(session), make_user(session)
    undated = make_task(session, title="Uten frist", assignee_id=me.id, due_on=None)
    next_week = make_task(
        session, title="Neste uke", assignee_id=me.id, due_on=TODAY + timedelta(7)
    )
    overdue = make_task(session, title="Forfalt", assignee_id=me.id, due_on=TODAY - timedelta(3))
    tomorrow = make_task(session, title="I morgen", assignee_id=me.id, due_on=TODAY + timedelta(1))
    make_task(session, title="Andres", assignee_id=other.id, due_on=TODAY - timedelta(10))
    make_task(session, title="Ingens", assignee_id=None, due_on=TODAY - timedelta(10))
    done = make_task(
        session, title="Ferdig", assignee_id=me.id, done=True, done_at=datetime.now(UTC)
    )
    session.commit()

    def ids(**options) -> list[int]:
        return [row.id for row in queries.my_tasks(session, me.id, today=TODAY, **options).rows]

    assert ids() == [overdue.id, tomorrow.id, next_week.id, undated.id]
    assert ids(include_done=True) == [overdue.id, tomorrow.id, next_week.id, undated.id, done.id]


def _tasks_in_every_group(session, user_id: int) -> dict[str, list[int]]:
    """Two tasks in each group, made out of order; the ids by group, in the list's order."""
    days = {
        "later": [30, 8],
        "undated": [None, None],
        "week": [7, 1],
        "today": [0, 0],
        "overdue": [-1, -40],
    }
    made: dict[str, list[Task]] = {}
    for group, offsets in days.items():
        for offset in offsets:
            due = None if offset is None else TODAY + timedelta(days=offset)
            made.setdefault(group, []).append(make_task(session, assignee_id=user_id, due_on=due))
    done_long_ago = make_task(
        session, assignee_id=user_id, done=True, done_at=datetime(2024, 1, 1, tzinfo=UTC)
    )
    done_now = make_task(session, assignee_id=user_id, done=True, done_at=datetime.now(UTC))
    session.commit()
    by_due = {
        group: [t.id for t in sorted(tasks, key=lambda t: (t.due_on is None, t.due_on, t.id))]
        for group, tasks in made.items()
    }
    order = ("overdue", "today", "week", "later", "undated")
    return {**{g: by_due[g] for g in order}, "done": [done_now.id, done_long_ago.id]}


def test_my_tasks_pages_run_through_the_groups_in_order_and_count_each_group(session):
    me = make_user(session)
    make_task(session, assignee_id=make_user(session).id, due_on=TODAY)  # someone else's
    expected = _tasks_in_every_group(session, me.id)
    open_ids = [i for g, ids in expected.items() if g != "done" for i in ids]

    pages = [
        queries.my_tasks(session, me.id, today=TODAY, page=n, per_page=3) for n in (1, 2, 3, 4)
    ]
    assert [row.id for page in pages for row in page.rows] == open_ids
    assert [[row.group for row in page.rows] for page in pages] == [
        ["overdue", "overdue", "today"],
        ["today", "week", "week"],
        ["later", "later", "undated"],
        ["undated"],
    ]
    # A page that starts inside a group says so above its first row; a fresh group does not.
    assert [page.continues for page in pages] == [False, True, False, True]
    assert pages[0].groups == {"overdue": 2, "today": 2, "week": 2, "later": 2, "undated": 2}
    assert pages[0].pagination.total == 10 and pages[0].pagination.pages == 4

    with_done = queries.my_tasks(session, me.id, today=TODAY, include_done=True, per_page=50)
    assert [row.id for row in with_done.rows] == [*open_ids, *expected["done"]]
    assert with_done.groups["done"] == 2 and with_done.pagination.total == 12


def test_an_organisations_open_tasks_come_by_due_date_without_done_or_other_organisations(
    session,
):
    ife, nilu = make_company(session, name="IFE"), make_company(session, name="NILU")
    undated = make_task(session, title="Uten frist", company_id=ife.id, due_on=None)
    later = make_task(session, title="Senere", company_id=ife.id, due_on=TODAY + timedelta(9))
    overdue = make_task(session, title="Forfalt", company_id=ife.id, due_on=TODAY - timedelta(2))
    make_task(session, title="Ferdig", company_id=ife.id, done=True, done_at=datetime.now(UTC))
    make_task(session, title="Hos NILU", company_id=nilu.id, due_on=TODAY - timedelta(5))
    session.commit()

    adviser = make_user(session, name="Kari Rådgiver")
    later.assignee_id = adviser.id
    session.commit()

    assert company_page(session, ife.id).open_tasks == [
        OpenTask(overdue.id, "Forfalt", TODAY - timedelta(2), False, None),
        OpenTask(later.id, "Senere", TODAY + timedelta(9), False, "Kari Rådgiver"),
        OpenTask(undated.id, "Uten frist", None, False, None),
    ]
    # At most OPEN_SHOWN, the first by due date.
    for n in range(OPEN_SHOWN):
        make_task(session, title=f"Mer {n}", company_id=ife.id, due_on=TODAY + timedelta(20 + n))
    session.commit()
    shown = company_page(session, ife.id).open_tasks
    assert len(shown) == OPEN_SHOWN and [task.id for task in shown[:2]] == [overdue.id, later.id]


# --- pages ------------------------------------------------------------------------------


def test_my_tasks_page_marks_overdue_in_words_and_links_meeting_and_organisation(
    client, login, session
):
    me = login(role="reader")
    company = make_company(session, name="Romerike Helsehub")
    meeting = make_meeting(session, title="Helsemøte")
    make_task(
        session, title="Sende avtale", assignee_id=me.id, due_on=TODAY - timedelta(2),
        meeting_id=meeting.id, company_id=company.id,
    )  # fmt: skip
    make_task(session, title="Ikke min", assignee_id=make_user(session).id)
    make_task(session, title="Allerede gjort", assignee_id=me.id, done=True)
    session.commit()
    html = client.get("/tasks/").get_data(as_text=True)
    assert "Sende avtale" in html and "Ikke min" not in html and "Allerede gjort" not in html
    assert "Overdue" in html or "Forfalt" in html
    assert f'href="/meetings/{meeting.id}"' in html
    assert f'href="/companies/{company.id}"' in html
    assert "Allerede gjort" in client.get("/tasks/?show_done=1").get_data(as_text=True)


def test_my_tasks_second_page_keeps_the_group_heading_and_counts(client, login, session):
    me = login(role="editor")
    for n in range(3):
        make_task(session, title=f"Ringe {n}", assignee_id=me.id, due_on=TODAY - timedelta(n + 1))
    make_task(session, title="Snart", assignee_id=me.id, due_on=TODAY + timedelta(2))
    session.commit()
    first = client.get("/tasks/?page=1&per_page=2").get_data(as_text=True)
    # The oldest promise first.
    assert "Ringe 2" in first and "Ringe 1" in first and "Ringe 0" not in first
    assert "Forfalt: <strong>3</strong> · Forfaller innen en uke: <strong>1</strong>" in first
    assert 'href="/tasks/?page=2' in first  # the pager
    assert "fortsatt" not in first
    second = client.get("/tasks/?page=2&per_page=2").get_data(as_text=True)
    headings = [part.split("</th>")[0] for part in second.split('scope="rowgroup"')[1:]]
    # The overdue group goes on from the first page, with its whole size; then the next one.
    assert "Forfalt (3) – fortsatt fra forrige side" in headings[0]
    assert "Forfaller innen en uke (1)" in headings[1] and len(headings) == 2
    assert "Ringe 0" in second and "Snart" in second and "Ringe 2" not in second
    past_the_end = client.get("/tasks/?page=9&per_page=2").get_data(as_text=True)
    assert "Det er ingen oppgaver på denne siden." in past_the_end
    assert "Du har ingen åpne oppgaver" not in past_the_end


def test_editor_marks_done_and_open_again_and_returns_to_the_page(client, login, session):
    me = login(role="editor")
    task = make_task(session, assignee_id=me.id)
    session.commit()
    response = post_form(
        client, f"/tasks/{task.id}/done", {"done": "1", "next": "/tasks/"}, form_page="/tasks/"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/tasks/"
    session.refresh(task)
    assert task.done
    response = post_form(
        client,
        f"/tasks/{task.id}/done",
        {"done": "0", "next": "https://evil.example/"},
        form_page="/tasks/",
    )
    assert response.headers["Location"] == "/tasks/"  # no open redirect
    session.refresh(task)
    assert not task.done


def test_edit_task_saves_and_refuses_stale_and_empty(client, login, session):
    me = login(role="editor")
    meeting = make_meeting(session)
    task = make_task(session, title="Før", meeting_id=meeting.id, assignee_id=me.id)
    session.commit()
    page = client.get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    assert 'value="Før"' in page
    data = {"title": "Etter", "due_on": "2030-01-01", "assignee_id": str(me.id), "version": "1"}
    response = post_form(client, f"/tasks/{task.id}/edit", {**data, "version": str(task.version)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/meetings/{meeting.id}#tasks"
    session.refresh(task)
    assert task.title == "Etter" and task.due_on == date(2030, 1, 1)

    stale = post_form(client, f"/tasks/{task.id}/edit", {**data, "title": "Gammel", "version": "1"})
    assert stale.status_code == 400 and 'value="Gammel"' in stale.get_data(as_text=True)
    empty = post_form(
        client, f"/tasks/{task.id}/edit", {**data, "title": "", "version": str(task.version)}
    )
    assert empty.status_code == 400 and 'id="title-error"' in empty.get_data(as_text=True)
    session.refresh(task)
    assert task.title == "Etter"


def test_readers_cannot_write_tasks(client, login, session):
    me = login(role="reader")
    task = make_task(session, assignee_id=me.id)
    session.commit()
    token = csrf_token(client, "/account/password")
    assert (
        client.post(f"/tasks/{task.id}/done", data={"csrf_token": token, "done": "1"}).status_code
        == 403
    )
    assert client.get(f"/tasks/{task.id}/edit").status_code == 403
    response = client.post(
        f"/tasks/{task.id}/edit", data={"csrf_token": token, "title": "x", "version": "1"}
    )
    assert response.status_code == 403
    session.refresh(task)
    assert not task.done
    assert "Mark done" not in client.get("/tasks/").get_data(as_text=True)


def test_unknown_task_is_404(client, login):
    login(role="editor")
    assert client.get("/tasks/987654/edit").status_code == 404
    response = post_form(client, "/tasks/987654/done", {"done": "1"}, form_page="/tasks/")
    assert response.status_code == 404


def _add_tasks(session, user_id: int, n: int) -> None:
    for i in range(n):
        meeting = make_meeting(session)
        make_task(
            session, assignee_id=user_id, meeting_id=meeting.id,
            company_id=make_company(session).id, due_on=TODAY + timedelta(days=i - 2),
        )  # fmt: skip
    session.commit()


def test_my_tasks_uses_the_same_number_of_queries_for_3_and_60_tasks(
    client, login, session, count_queries
):
    me = login(role="editor")
    _add_tasks(session, me.id, 3)
    client.get("/tasks/?show_done=1")  # the first visit keeps the filter
    with count_queries() as few:
        client.get("/tasks/?show_done=1")
    _add_tasks(session, me.id, 57)
    with count_queries() as many:
        client.get("/tasks/?show_done=1")
    # One link to /companies/ is the menu's; the other 50 are the first page's organisations
    # (of 60). The bare list reopens with the last filter (done tasks shown).
    page = client.get("/tasks/", follow_redirects=True).get_data(as_text=True)
    assert page.count('href="/companies/') - 1 == 50
    assert "60 totalt" in page  # the pager's count: the groups' sizes summed
    assert len(many) == len(few)
