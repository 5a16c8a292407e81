"""The trash: a deletion keeps every row, a restore brings back exactly what was, or nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.common.errors import DomainError
from crm.common.models import utcnow
from crm.companies.models import Company
from crm.contacts.models import Affiliation
from crm.establishments.models import WarningFlag
from crm.extensions import db
from crm.history.models import ChangeEntry
from crm.meetings.models import Meeting
from crm.network.models import CollaborationLink, LinkType
from crm.trash import services
from crm.trash.models import TrashItem
from tests.conftest import csrf_token, post_form
from tests.establishments.helpers import make_case, seed
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_membership,
    make_sector,
    make_strategy,
    make_task,
    make_user,
)

# The log and the trash change with every move; everything else must come back as it was.
NOT_COMPARED = {"changes", "change_records", "trash", "trash_people", "contact_access_log"}


def _everything(session) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    session.expire_all()
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name in NOT_COMPARED:
            continue
        rows = session.execute(select(table)).all()
        found[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return found


def _rich_company(session):
    """An organisation with something of every kind hanging on it or pointing to it."""
    user = make_user(session)
    company = make_company(
        session, name="Infinitum", org_number="974760673", responsible_id=user.id
    )
    other = make_company(session, name="Akershus Energi")
    company.sectors.append(make_sector(session, name="Energi"))
    make_affiliation(session, company=company, contact=make_contact(session, name="Kari"))
    cluster = make_cluster(session, name="Solenergiklyngen", facilitator_id=company.id)
    make_membership(session, company=company, cluster=cluster, joined_on=date(2022, 1, 1))
    make_company(session, name="Infinitum Fetsund", parent_id=company.id)
    meeting = make_meeting(session, title="Besøk", logged_from_id=company.id)
    meeting.companies.extend([company, other])
    meeting.strategies.append(make_strategy(session))
    meeting.staff.append(user)
    make_task(session, company_id=company.id, meeting_id=meeting.id, assignee_id=user.id)
    link_type = LinkType(key="project", name="Prosjekt")
    session.add(link_type)
    session.flush()
    source, target = sorted([company.id, other.id])
    session.add(CollaborationLink(source_id=source, target_id=target, link_type_id=link_type.id))
    session.add(WarningFlag(company_id=company.id, severity="red", kind="premises", note="Trangt"))
    session.flush()
    return company


def test_trash_then_restore_gives_back_every_row_as_it_was(session):
    company = _rich_company(session)
    session.commit()
    company_id = company.id
    before = _everything(session)

    item = services.move_to_trash(
        session, table_name="companies", record_id=company_id, version=company.version, user_id=None
    )
    session.commit()
    assert session.get(Company, company_id) is None
    assert (
        session.scalars(select(Affiliation).where(Affiliation.company_id == company_id)).all() == []
    )
    assert session.scalar(select(Meeting.logged_from_id)) is None
    middle = _everything(session)
    assert middle != before
    assert len(item.rows) == 7 and len(item.pointers) == 4

    services.restore(session, item=session.get(TrashItem, item.id))
    session.commit()
    assert _everything(session) == before
    assert session.scalars(select(TrashItem)).all() == []
    actions = set(
        session.scalars(
            select(ChangeEntry.action).where(
                ChangeEntry.table_name == "companies", ChangeEntry.record_id == company_id
            )
        )
    )
    assert {"trash", "restore"} <= actions


def test_an_organisation_with_an_establishment_case_is_not_deleted(session):
    seed(session)
    case = make_case(session)
    session.commit()
    company = session.get(Company, case.company_id)
    with pytest.raises(DomainError, match="Etableringssak"):
        services.move_to_trash(
            session,
            table_name="companies",
            record_id=company.id,
            version=company.version,
            user_id=None,
        )
    session.rollback()
    assert session.get(Company, case.company_id) is not None


def test_restore_is_refused_and_changes_nothing_when_something_it_refers_to_is_gone(session):
    company = make_company(session, name="Borealis AS")
    meeting = make_meeting(session, title="Lunsj")
    meeting.companies.append(company)
    session.commit()
    meeting_id, company_id = meeting.id, company.id
    item = services.move_to_trash(
        session, table_name="meetings", record_id=meeting_id, version=meeting.version, user_id=None
    )
    services.move_to_trash(
        session, table_name="companies", record_id=company_id, version=company.version, user_id=None
    )
    session.commit()
    # The organisation goes for good: the meeting's participant can no longer come back.
    trashed = session.scalars(
        select(TrashItem).where(
            TrashItem.table_name == "companies", TrashItem.record_id == company_id
        )
    ).one()
    services.purge(session, item=trashed)
    session.commit()
    before = _everything(session)
    with pytest.raises(DomainError, match=f"nr. {company_id}|no. {company_id}"):
        services.restore(session, item=session.get(TrashItem, item.id))
    session.rollback()
    assert _everything(session) == before
    assert session.get(TrashItem, item.id) is not None


def test_empty_trash_deletes_what_is_older_than_asked(runner, session):
    old, new = make_meeting(session, title="Gammelt"), make_meeting(session, title="Nytt")
    # A restricted participant hides the entry from editors, not from the scheduled run.
    old.contacts.append(make_contact(session, name="Sperret", restricted_at=utcnow()))
    session.commit()
    for meeting in (old, new):
        services.move_to_trash(
            session, table_name="meetings", record_id=meeting.id, version=1, user_id=None
        )
    session.commit()
    aged = session.scalars(
        select(TrashItem)
        .where(TrashItem.title == "Gammelt")
        .execution_options(include_restricted=True)
    ).one()
    aged.deleted_at = utcnow() - timedelta(days=91)
    session.commit()
    result = runner.invoke(args=["crm", "empty-trash", "--older-than", "90d"])
    assert result.exit_code == 0, result.output
    assert "Deleted for good: 1" in result.output
    everything = select(TrashItem).execution_options(include_restricted=True)
    assert [item.title for item in session.scalars(everything)] == ["Nytt"]
    purged = session.scalars(select(ChangeEntry).where(ChangeEntry.action == "purge")).one()
    # Who, without a signed-in user: the command.
    assert (purged.title, purged.user_id) == ("Gammelt", None)
    assert purged.actor.endswith("crm empty-trash")
    bad = runner.invoke(args=["crm", "empty-trash", "--older-than", "soon"])
    assert bad.exit_code != 0 and "90d" in bad.output


def test_editors_move_to_the_trash_and_see_it_admins_restore(client, login, session):
    editor = login(role="editor")
    meeting = make_meeting(session, title="Møte om Heia")
    meeting.contacts.append(make_contact(session, name="Kari"))
    session.commit()
    path = f"/trash/delete/meetings/{meeting.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Slett Møte om Heia" in page and "Person: 1" not in page  # a link row, on the meeting
    # A stale version is refused and nothing is deleted.
    stale = post_form(client, path, {"version": "0"})
    assert stale.status_code == 400 and session.get(Meeting, meeting.id) is not None
    response = post_form(client, path, {"version": meeting.version})
    assert response.status_code == 302 and response.headers["Location"].endswith("/meetings/")
    listing = client.get("/trash/").get_data(as_text=True)
    assert "Møte om Heia" in listing and "Gjenopprett" not in listing
    item = session.scalars(select(TrashItem)).one()
    token = csrf_token(client, "/trash/")
    assert client.post(f"/trash/{item.id}/restore", data={"csrf_token": token}).status_code == 403
    assert item.deleted_by_id == editor.id

    post_form(client, "/auth/logout", {}, form_page="/trash/")
    login(role="admin")
    token = csrf_token(client, "/trash/")
    response = client.post(f"/trash/{item.id}/restore", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")
    session.expire_all()
    restored = session.get(Meeting, meeting.id)
    assert [c.name for c in restored.contacts] == ["Kari"]


def test_readers_see_no_trash(client, login):
    login(role="reader")
    assert client.get("/trash/").status_code == 403
