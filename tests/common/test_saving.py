"""Every save commits once; every refusal, a stale save above all, lands on the form, input kept."""

from __future__ import annotations

import ast
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm.common import versioning
from crm.common.errors import DomainError
from crm.common.saving import saving
from crm.companies.models import Company
from crm.contacts.models import Contact
from crm.extensions import db
from crm.meetings.models import Meeting
from crm.tasks import services as task_services
from crm.tasks.models import Task
from tests.conftest import csrf_token, post_form
from tests.factories import (
    DEFAULT_PASSWORD,
    make_company,
    make_contact,
    make_meeting,
    make_task,
    make_user,
)

ROOT = Path(__file__).resolve().parents[2]
STALE_NB = "Noen andre har lagret denne oppføringen etter at du åpnet den."


def _html(response) -> str:
    return response.get_data(as_text=True)


# --- the helper ---------------------------------------------------------------------------------


def test_a_refusal_is_rolled_back_and_shown_on_its_field(app, session):
    company = make_company(session, name="Før AS")
    session.commit()
    with app.test_request_context(method="POST"):
        form = FlaskForm(meta={"csrf": False})
        with saving(form) as saved:
            company.name = "Halvveis AS"
            session.flush()
            raise DomainError(None, "Nei.")
    assert not saved.ok and form.form_errors == ["Nei."]
    assert session.get(Company, company.id).name == "Før AS"


def test_a_stale_flush_gets_the_version_checks_message(app, session):
    with app.test_request_context(method="POST"):
        form = FlaskForm(meta={"csrf": False})
        with saving(form) as saved:
            raise StaleDataError("UPDATE statement on table 'companies' expected 1 row; 0 matched")
        assert form.form_errors == [str(versioning.STALE_MESSAGE)]
    assert not saved.ok


def test_what_the_block_did_is_committed_once(app, session):
    with app.test_request_context(method="POST"), saving() as saved:
        company = make_company(session, name="Lagret AS")
    assert saved.ok and saved.error is None
    company_id = company.id
    session.rollback()  # nothing left to roll back: it was committed
    assert session.get(Company, company_id).name == "Lagret AS"


# --- a save that races past the version check ----------------------------------------------------


def _meeting_form(meeting: Meeting) -> dict:
    return {
        "day": "2026-03-02",
        "time": "10:00",
        "duration_minutes": "60",
        "kind": "meeting",
        "title": "Min endring",
        "location": "Kjeller",
        "notes": "",
        "company_ids": str(meeting.companies[0].id),
    }


# feature: (model, the field a person changes, factory, the rest of the edit form)
EDITS = {
    "companies": (Company, "name", make_company, lambda record: {"kind": "company"}),
    "contacts": (Contact, "name", make_contact, lambda record: {"email": "", "phone": ""}),
    "meetings": (
        Meeting,
        "title",
        lambda session: make_meeting(session, companies=[make_company(session)]),
        _meeting_form,
    ),
}


@pytest.mark.parametrize("feature", EDITS)
def test_a_colleagues_save_after_the_version_check_is_refused_with_the_same_message(
    feature, client, login, session, monkeypatch
):
    """Two saves of the same version: the later UPDATE matches no row (StaleDataError)."""
    model, field, factory, rest = EDITS[feature]
    login(role="editor")
    record = factory(session)
    session.commit()
    record_id, loaded = record.id, record.version
    data = {**rest(record), field: "Min endring", "version": str(loaded)}
    real_check = versioning.ensure_version

    def colleague_saves_right_after_the_check(checked, submitted):
        real_check(checked, submitted)
        with Session(db.engine) as colleague:
            setattr(colleague.get(model, record_id), field, "Kollegas endring")
            colleague.commit()

    monkeypatch.setattr(
        f"crm.{feature}.services.ensure_version", colleague_saves_right_after_the_check
    )
    response = post_form(client, f"/{feature}/{record_id}/edit", data)
    assert response.status_code == 400
    assert STALE_NB in _html(response)
    assert 'value="Min endring"' in _html(response)  # the input is kept
    session.expire_all()
    assert getattr(session.get(model, record_id), field) == "Kollegas endring"


def test_a_button_pressed_on_a_record_changed_meanwhile_is_refused_with_a_message(
    client, login, session, monkeypatch
):
    """An action without a form (mark a task done) says why it did nothing, and no 500."""
    editor = login(role="editor")
    task = make_task(session, title="Ring Kari", assignee_id=editor.id)
    session.commit()
    task_id = task.id
    real_set_done = task_services.set_task_done

    def colleague_edits_first(session_, *, task, done):
        with Session(db.engine) as colleague:
            colleague.get(Task, task_id).title = "Ring Kari og Ola"
            colleague.commit()
        return real_set_done(session_, task=task, done=done)

    monkeypatch.setattr(task_services, "set_task_done", colleague_edits_first)
    token = csrf_token(client, "/tasks/")
    response = client.post(
        f"/tasks/{task_id}/done", data={"done": "1", "csrf_token": token}, follow_redirects=True
    )
    assert response.status_code == 200
    assert STALE_NB in _html(response)
    session.expire_all()
    saved = session.get(Task, task_id)
    assert (saved.title, saved.done) == ("Ring Kari og Ola", False)


# --- ten editors at the same instant ------------------------------------------------------------


def test_ten_editors_saving_the_same_version_at_once_get_one_save_and_nine_refusals(app, session):
    company = make_company(session, name="Samtidig AS")
    editors = [make_user(session, role="editor") for _ in range(10)]
    session.commit()
    path = f"/companies/{company.id}/edit"
    clients = []
    for editor in editors:
        client = app.test_client()
        response = post_form(
            client, "/auth/login", {"email": editor.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
        clients.append((client, csrf_token(client, path)))
    start = threading.Barrier(len(clients))

    def save(number: int):
        client, token = clients[number]
        data = {"name": f"Endring {number}", "kind": "company", "version": str(company.version)}
        start.wait()
        return client.post(path, data={**data, "csrf_token": token})

    with ThreadPoolExecutor(len(clients)) as pool:
        responses = list(pool.map(save, range(len(clients))))
    assert Counter(r.status_code for r in responses) == {302: 1, 400: 9}
    for number, response in enumerate(responses):
        if response.status_code == 400:
            assert STALE_NB in _html(response)
            assert f'value="Endring {number}"' in _html(response)
    winner = next(n for n, r in enumerate(responses) if r.status_code == 302)
    session.expire_all()
    assert session.get(Company, company.id).name == f"Endring {winner}"


# --- the rule, everywhere ----------------------------------------------------------------------


def _route_modules() -> list:
    """Every module that registers views (routes.py, and e.g. network/links.py)."""
    return [path for path in sorted(ROOT.glob("crm/**/*.py")) if "@bp.route(" in path.read_text()]


def _commits(node: ast.AST) -> bool:
    return any(
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in ("commit", "rollback")
        for call in ast.walk(node)
    )


def test_no_route_handles_a_refusal_by_hand():
    """A save that catches DomainError by hand would miss the stale flush again.

    A route may still catch a refusal where it only reads (the "who can introduce us" form
    resolving two names): such a `try` neither commits nor rolls back.
    """
    modules = _route_modules()
    assert len(modules) > 10, "the walk found too few route modules: it is not looking"
    offenders = []
    for path in modules:
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Try):
                continue
            for handler in node.handlers:
                caught = ast.unparse(handler.type) if handler.type is not None else ""
                if ("DomainError" in caught or "Stale" in caught) and _commits(node):
                    offenders.append(f"{relative}:{handler.lineno} except {caught}")
    assert offenders == [], "save through crm.common.saving.saving instead:\n" + "\n".join(
        offenders
    )
