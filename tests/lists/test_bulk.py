"""Bulk actions: a confirmation that counts, one transaction, refused whole, edit access only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.clusters.models import Membership
from crm.companies.models import Company
from crm.tasks.models import Task
from tests.conftest import post_form
from tests.factories import make_cluster, make_company, make_membership, make_task, make_user
from tests.lists.test_saved_filters import login_as


def _html(response) -> str:
    return response.get_data(as_text=True)


def _post(client, name: str, data: dict):
    return post_form(client, f"/lists/{name}/bulk", data, form_page="/companies/?q=")


def test_add_organisations_to_a_cluster_after_a_confirmation_that_counts(client, login, session):
    cluster = make_cluster(session, name="H2Cluster")
    companies = [make_company(session, name=f"Hydrogen {n} AS") for n in range(3)]
    session.commit()
    login(role="editor")
    ids = [str(c.id) for c in companies]
    asked = _post(client, "companies", {"ids": ids, "action": "add_to_cluster"})
    assert asked.status_code == 200 and 'name="cluster"' in _html(asked)
    reviewed = _post(
        client,
        "companies",
        {"ids": ids, "action": "add_to_cluster", "cluster": str(cluster.id), "review": "1"},
    )
    assert "Legg 3 organisasjoner til i H2Cluster?" in _html(reviewed)
    assert session.scalar(select(func.count(Membership.id))) == 0  # nothing before the yes
    done = _post(
        client,
        "companies",
        {
            "ids": ids,
            "action": "add_to_cluster",
            "cluster": str(cluster.id),
            "confirmed": "1",
            "submit": "1",
        },
    )
    assert done.status_code == 302
    assert session.scalar(select(func.count(Membership.id))) == 3
    assert "3 organisasjoner er lagt til i H2Cluster." in _html(client.get("/companies/?q="))


def test_one_member_already_refuses_the_whole_action(client, login, session):
    cluster = make_cluster(session, name="Solenergiklyngen")
    fresh, member = make_company(session, name="Ny AS"), make_company(session, name="Medlem AS")
    make_membership(session, cluster=cluster, company=member, joined_on=date(2020, 1, 1))
    session.commit()
    login(role="editor")
    data = {
        "ids": [str(fresh.id), str(member.id)],
        "action": "add_to_cluster",
        "cluster": str(cluster.id),
        "confirmed": "1",
        "submit": "1",
    }
    html = _html(_post(client, "companies", data))
    assert "Medlem AS:" in html and "Ingenting er endret" in html
    assert session.scalar(select(func.count(Membership.id))) == 1


def test_empty_selection_deleted_row_and_reader_are_refused(app, client, login, session):
    gone = make_company(session, name="Borte AS")
    kept = make_company(session, name="Her AS")
    adviser = make_user(session, name="Rådgiver")
    session.commit()
    gone_id = gone.id
    reader = make_user(session, role="reader")
    session.commit()
    other = app.test_client()
    login_as(other, reader)
    refused = _post(other, "companies", {"ids": [str(kept.id)], "action": "export"})
    assert refused.status_code == 403
    login(role="editor")
    empty = _post(client, "companies", {"action": "set_responsible"})
    assert empty.status_code == 302
    assert "Velg minst én rad først." in _html(client.get("/companies/?q="))
    session.delete(gone)
    session.commit()
    data = {
        "ids": [str(kept.id), str(gone_id)],
        "action": "set_responsible",
        "user": str(adviser.id),
        "confirmed": "1",
        "submit": "1",
    }
    assert _post(client, "companies", data).status_code == 302
    assert "slettet i mellomtiden" in _html(client.get("/companies/?q="))
    session.expire_all()
    assert session.get(Company, kept.id).responsible_id is None
    assert client.post("/lists/companies/bulk", data=data).status_code == 400  # no CSRF token


def test_tasks_done_reassigned_and_moved_in_one_go(client, login, session):
    me = login(role="editor")
    other = make_user(session, name="Kollega")
    tasks = [make_task(session, assignee_id=me.id, title=f"Ring {n}") for n in range(2)]
    session.commit()
    ids = [str(t.id) for t in tasks]
    html = _html(client.get("/tasks/"))
    assert 'form="bulk-form"' in html and "Velg alle på siden" in html
    moved = {"ids": ids, "action": "move_due", "due_date": "2027-01-15", "review": "1"}
    assert "Flytt fristen for 2 oppgaver til 15. januar 2027?" in _html(
        _post(client, "tasks", moved)
    )
    _post(client, "tasks", {**moved, "confirmed": "1", "submit": "1", "review": ""})
    _post(client, "tasks", {"ids": ids, "action": "mark_done", "confirmed": "1", "submit": "1"})
    data = {
        "ids": ids,
        "action": "reassign",
        "user": str(other.id),
        "confirmed": "1",
        "submit": "1",
    }
    _post(client, "tasks", data)
    session.expire_all()
    rows = session.scalars(select(Task).order_by(Task.id)).all()
    assert [(t.due_on, t.done, t.assignee_id) for t in rows] == [
        (date(2027, 1, 15), True, other.id)
    ] * 2


def test_export_of_chosen_people_and_organisations(client, login, session):
    from tests.factories import make_contact

    chosen, skipped = (
        make_contact(session, name="Kari Valgt"),
        make_contact(session, name="Ola Ikke"),
    )
    org = make_company(session, name="Eksport AS")
    session.commit()
    login(role="editor")
    data = {
        "ids": [str(chosen.id)],
        "action": "export",
        "format": "csv",
        "confirmed": "1",
        "submit": "1",
    }
    text = _html(_post(client, "contacts", data))
    assert "Kari Valgt" in text and "Ola Ikke" not in text
    data["ids"] = [str(org.id)]
    assert "Eksport AS" in _html(_post(client, "companies", data))
    assert skipped.id


def test_each_rows_checkbox_is_labelled_with_its_escaped_name_in_the_users_language(
    client, login, session
):
    # crm.lists.pick writes the cell: a screen reader hears "Velg <the row's name>"; a name
    # with markup characters is text, not markup.
    company = make_company(session, name="<b>Bygg & Anlegg</b>")
    session.commit()
    login(role="editor")
    html = _html(client.get("/companies/?q=Bygg"))
    assert (
        f'<input class="form-check-input" type="checkbox" name="ids" value="{company.id}"'
        f' form="bulk-form" id="pick-{company.id}">'
        f'<label for="pick-{company.id}" class="visually-hidden">'
        "Velg &lt;b&gt;Bygg &amp; Anlegg&lt;/b&gt;</label>"
    ) in html
    assert "<b>Bygg" not in html
