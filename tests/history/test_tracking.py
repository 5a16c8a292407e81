"""The change log is written with the change, or not at all; secrets never; Core writes guarded."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from crm.companies.models import Company
from crm.contacts import services as contact_services
from crm.history import tracking
from crm.history.models import ChangeEntry, ChangeKind
from crm.history.tracking import HIDDEN, UnrecordedWrite, tracked_execute
from crm.meetings.models import meeting_contacts
from tests.conftest import post_form
from tests.factories import make_company, make_contact, make_meeting, make_user

ROOT = Path(__file__).resolve().parents[2]


def _entries(session, table_name: str, record_id: int) -> list[ChangeEntry]:
    return list(
        session.scalars(
            select(ChangeEntry)
            .where(ChangeEntry.table_name == table_name, ChangeEntry.record_id == record_id)
            .order_by(ChangeEntry.id)
        )
    )


def test_an_update_records_each_field_before_and_after_with_long_text_as_is(session):
    company = make_company(session, name="Kjeller Innovasjon", employees=40)
    notes = "Første linje.\n\nAndre linje med **Markdown** og æøå." * 20
    company.employees = 45
    company.description = notes
    session.flush()
    update_entry = _entries(session, "companies", company.id)[-1]
    assert update_entry.action == "update"
    assert update_entry.title == "Kjeller Innovasjon"
    assert update_entry.changes == {"employees": [40, 45], "description": ["", notes]}


def test_a_rolled_back_change_leaves_no_history(session):
    company = make_company(session, name="Før")
    session.commit()
    company.name = "Etter"
    session.flush()
    assert len(_entries(session, "companies", company.id)) == 2
    session.rollback()
    assert [e.action for e in _entries(session, "companies", company.id)] == ["create"]
    assert session.get(Company, company.id).name == "Før"


def test_a_history_write_that_fails_fails_the_change(session, monkeypatch):
    company = make_company(session, name="Før")
    session.commit()

    def broken(*_args, **_kwargs):
        raise RuntimeError("the log is full")

    monkeypatch.setattr(tracking, "write_entries", broken)
    company.name = "Etter"
    with pytest.raises(RuntimeError, match="the log is full"):
        session.commit()
    session.rollback()
    monkeypatch.undo()
    assert session.get(Company, company.id).name == "Før"


def test_password_hashes_and_tokens_never_reach_the_log(session):
    from crm.auth import services as auth_services

    user = make_user(session, name="Kari Rådgiver")
    old_hash = user.password_hash
    auth_services.set_password(session, user=user, password="another long passphrase 42")
    session.flush()
    entries = _entries(session, "users", user.id)
    text = repr([e.changes for e in entries])
    assert old_hash not in text and user.password_hash not in text
    assert entries[0].changes["password_hash"] == HIDDEN
    assert entries[-1].changes["password_hash"] == HIDDEN
    # Any column named like a secret is denied, on any table, also ones added later.
    for name in ("password_hash", "totp_secret", "recovery_codes", "api_token_hash"):
        assert tracking.is_denied("any_table", name)
    assert not tracking.is_denied("companies", "name")


def test_many_to_many_changes_are_members_added_and_removed_on_the_owner(session):
    meeting = make_meeting(session)
    kari, ola = make_contact(session, name="Kari"), make_contact(session, name="Ola")
    meeting.contacts.append(kari)
    session.flush()
    meeting.contacts.remove(kari)
    meeting.contacts.append(ola)
    session.flush()
    last = _entries(session, "meetings", meeting.id)[-1]
    assert last.changes["contacts"] == {
        "added": [{"table": "contacts", "id": ola.id, "title": "Ola"}],
        "removed": [{"table": "contacts", "id": kari.id, "title": "Kari"}],
    }


def test_a_core_write_outside_the_helper_is_refused(session):
    company = make_company(session, name="Før")
    with pytest.raises(UnrecordedWrite, match="companies"):
        session.execute(update(Company).where(Company.id == company.id).values(name="Etter"))
    session.rollback()


def test_a_core_write_through_the_helper_is_recorded_row_by_row(session):
    first, second = make_company(session, name="A"), make_company(session, name="B")
    tracked_execute(
        session,
        update(Company).where(Company.id.in_([first.id, second.id])).values(employees=7),
        action=ChangeKind.BULK,
    )
    for company in (first, second):
        entry = _entries(session, "companies", company.id)[-1]
        assert (entry.action, entry.changes) == ("bulk", {"employees": [None, 7]})
    meeting = make_meeting(session)
    contact = make_contact(session, name="Kari")
    meeting.contacts.append(contact)
    session.flush()
    tracked_execute(
        session,
        delete(meeting_contacts).where(meeting_contacts.c.contact_id == contact.id),
        action=ChangeKind.DELETE,
    )
    entry = _entries(session, "meetings", meeting.id)[-1]
    assert entry.changes["contacts"]["removed"][0]["id"] == contact.id


def _writes_through_a_connection(path: Path) -> list[str]:
    """Calls `<x>.connection().execute(insert|update|delete(...))` or `engine...execute`."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "execute" or not node.args:
            continue
        receiver = ast.unparse(node.func.value)
        if receiver.endswith("session") or receiver == "self.session":
            continue  # the do_orm_execute guard sees these
        statement = ast.unparse(node.args[0])
        if any(f"{verb}(" in statement for verb in ("insert", "update", "delete")):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_core_write_bypasses_the_session_guard():
    """Writes on a bare connection escape the guard: only the change log itself may do that,
    and a writer of an exempt table that must write outside the session's transaction."""
    allowed = {
        ROOT / "crm/history/tracking.py",
        # An import run's progress (import_runs is exempt: the import log), on a connection of
        # its own so that the page sees it while the import's own transaction is still open.
        ROOT / "crm/register/jobs.py",
    }
    offenders = [
        hit
        for path in sorted((ROOT / "crm").rglob("*.py"))
        if path not in allowed
        for hit in _writes_through_a_connection(path)
    ]
    assert offenders == []


def test_each_request_has_an_id_in_the_header_and_in_its_changes(client, login, session):
    user = login(role="editor")
    company = make_company(session, name="Nitja")
    session.commit()
    response = post_form(
        client,
        f"/companies/{company.id}/edit",
        {"name": "Nitja senter for samtidskunst", "kind": "venue", "version": company.version},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    request_id = response.headers["X-Request-Id"]
    entry = _entries(session, "companies", company.id)[-1]
    assert (entry.user_id, entry.request_id) == (user.id, request_id)
    assert entry.changes["name"] == ["Nitja", "Nitja senter for samtidskunst"]


def test_erasing_a_person_erases_the_values_in_their_history_and_keeps_the_entries(session):
    person = make_contact(session, name="Kari Nordmann", email="kari@example.no")
    meeting = make_meeting(session, title="Besøk hos Ahus")
    meeting.contacts.append(person)
    person.phone = "+4791234567"
    session.flush()
    person_id = person.id
    before = session.scalar(select(func.count()).select_from(ChangeEntry))
    contact_services.erase_contact(session, contact=person, version=person.version)
    session.flush()
    entries = _entries(session, "contacts", person_id)
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all(e.erased and e.title == "" and e.changes == {} for e in entries)
    text = repr([(e.title, e.changes) for e in session.scalars(select(ChangeEntry))])
    assert "Kari" not in text and "kari@example.no" not in text and "91234567" not in text
    # The meeting keeps its history: the person is a member with no name.
    meeting_entries = _entries(session, "meetings", meeting.id)
    added = [m for e in meeting_entries for m in e.changes.get("contacts", {}).get("added", [])]
    assert added == [{"table": "contacts", "id": person_id, "title": ""}]
    assert meeting_entries[0].title == "Besøk hos Ahus"
    assert session.scalar(select(func.count()).select_from(ChangeEntry)) > before


def test_a_bulk_action_is_recorded_as_one_for_each_row(session):
    from crm.lists import bulk
    from crm.lists.models import ListName
    from tests.factories import make_task

    first, second = make_user(session, name="Først"), make_user(session, name="Andre")
    tasks = [make_task(session, assignee_id=first.id, title=f"Ring {n}") for n in range(2)]
    action = bulk.ACTIONS[ListName.TASKS]["reassign"]
    bulk.run_action(session, action, tasks, second.id)
    for task in tasks:
        entry = _entries(session, "tasks", task.id)[-1]
        assert (entry.action, entry.changes) == ("bulk", {"assignee_id": [first.id, second.id]})


def test_deleting_a_record_loaded_long_ago_keeps_its_values(session):
    company = make_company(session, name="Blaker Skanse", employees=3)
    session.commit()  # every attribute expires
    session.delete(company)
    session.flush()
    entry = _entries(session, "companies", company.id)[-1]
    assert entry.action == "delete" and entry.title == "Blaker Skanse"
    assert entry.changes["employees"] == [3, None]
