"""A merge reaches the trash: snapshots that named the removed record name the kept one.

Before, a trashed meeting with the removed person among its participants (or a trashed
organisation with a link to the removed organisation) could never be restored again: the
restore was refused for want of a record the merge had deleted.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.companies.models import Company
from crm.contacts.models import Affiliation, Contact
from crm.extensions import db
from crm.meetings.models import Meeting
from crm.network.models import CollaborationLink, LinkType
from crm.trash import services
from crm.trash.models import TrashItem, TrashPerson
from tests.factories import (
    make_affiliation,
    make_company,
    make_contact,
    make_meeting,
    merge_into,
)
from tests.trash.test_erasure import _trash


def _merge(session, model, kept_id: int, other_id: int) -> None:
    merge_into(session, session.get(model, kept_id), session.get(model, other_id))


def _restore(session, item_id: int) -> None:
    services.restore(session, item=session.get(TrashItem, item_id))
    session.commit()
    session.expire_all()


def test_a_trashed_meeting_comes_back_with_the_kept_person_and_organisation(session):
    kari, kari_again, ola = (
        make_contact(session, name=name) for name in ("Kari Nordmann", "Kari Nordmann", "Ola")
    )
    kept_org, other_org = make_company(session, name="Solkraft AS"), make_company(session)
    meeting = make_meeting(session, title="Oppstart", companies=[kept_org, other_org])
    meeting.contacts.extend([kari, kari_again, ola])
    session.commit()
    ids = (meeting.id, kari.id, kari_again.id, ola.id, kept_org.id, other_org.id)
    meeting_id, kari_id, again_id, ola_id, kept_org_id, other_org_id = ids
    item_id = _trash(session, meeting).id
    session.commit()

    _merge(session, Contact, kari_id, again_id)
    _merge(session, Company, kept_org_id, other_org_id)

    people = session.scalars(select(TrashPerson.contact_id).where(TrashPerson.trash_id == item_id))
    assert sorted(people) == sorted([kari_id, ola_id])
    _restore(session, item_id)
    restored = session.get(Meeting, meeting_id)
    # Both Karis were there: the kept one once, not twice; the organisations likewise.
    assert sorted(c.id for c in restored.contacts) == sorted([kari_id, ola_id])
    assert [c.id for c in restored.companies] == [kept_org_id]


def test_a_trashed_organisation_comes_back_linked_to_the_kept_records(session):
    trashed = make_company(session, name="Nedlagt AS")
    partner, partner_again = make_company(session, name="IFE"), make_company(session, name="IFE")
    person, person_again = make_contact(session, name="Per"), make_contact(session, name="Per")
    make_affiliation(session, contact=person_again, company=trashed, title="Daglig leder")
    link_type = LinkType(key="project", name="Prosjekt")
    session.add(link_type)
    session.flush()
    # Undirected links are stored lower id first: after the merge the pair may turn around.
    low, high = sorted((trashed.id, partner_again.id))
    session.add(CollaborationLink(source_id=low, target_id=high, link_type=link_type))
    session.commit()
    trashed_id, partner_id, person_id = trashed.id, partner.id, person.id
    other_ids = (partner_again.id, person_again.id)
    item_id = _trash(session, trashed).id
    session.commit()

    # The kept partner has the higher id here, so the stored pair turns around.
    _merge(session, Company, partner_id, other_ids[0])
    _merge(session, Contact, person_id, other_ids[1])

    _restore(session, item_id)
    [affiliation] = session.scalars(select(Affiliation).where(Affiliation.company_id == trashed_id))
    assert (affiliation.contact_id, affiliation.title) == (person_id, "Daglig leder")
    [link] = session.scalars(select(CollaborationLink))
    assert {link.source_id, link.target_id} == {trashed_id, partner_id}
    assert link.source_id < link.target_id


@pytest.mark.parametrize("target", ["companies", "contacts"])
def test_every_key_to_a_merged_record_in_a_snapshot_is_moved(app, target):
    """Walks the schema: whatever table a snapshot row comes from, a key naming the removed
    record names the kept one after the merge (a new table needs no new code)."""
    keys = [
        (table, key.parent.name)
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name == target
    ]
    assert len(keys) >= 2
    columns = {table.name: [] for table, _column in keys}
    for table, column in keys:
        columns[table.name].append(column)
    for table, column in keys:
        values = {c.name: 10_000 + i for i, c in enumerate(table.c)}
        values[column] = 7
        rows = [{"table": table.name, "values": values}]
        [moved] = services._repointed(rows, columns, kept_id=3, other_id=7)
        assert moved["values"][column] == 3, f"{table.name}.{column}"
