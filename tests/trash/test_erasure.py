"""GDPR art. 17 to the end: an erased person is erased from the trash too.

The trash keeps deleted records as snapshots; a trashed meeting the person attended, a trashed
organisation they worked at and their own trashed record would otherwise keep them, and a
restore would bring them back (or be refused for want of them).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from crm.contacts import retention
from crm.contacts import services as contacts
from crm.contacts.models import Affiliation, Contact
from crm.history.models import ChangeEntry
from crm.meetings.models import Meeting
from crm.trash import services
from crm.trash.models import TrashItem, TrashPerson
from tests.contacts.test_retention import _aged, _person
from tests.factories import make_affiliation, make_company, make_contact, make_meeting

NAME, EMAIL, PHONE = "Eva Slettesen", "eva.slettesen@eksempel.no", "+47 912 34 567"


def _trash(session, record) -> TrashItem:
    return services.move_to_trash(
        session,
        table_name=record.__tablename__,
        record_id=record.id,
        version=record.version,
        user_id=None,
    )


def _trace(session, contact_id: int) -> list[str]:
    """Where the trash still holds the person: their data, or a row that points to them."""
    found = []
    columns = services._person_columns()
    session.expire_all()
    for item in session.scalars(select(TrashItem).execution_options(include_restricted=True)):
        text = json.dumps([item.title, item.rows, item.pointers], ensure_ascii=False)
        found += [f"{item.title}: {value}" for value in (NAME, EMAIL, PHONE) if value in text]
        for row in item.rows:
            for column in columns.get(row["table"], []):
                if row["values"].get(column) == contact_id:
                    found.append(f"{item.title}: {row['table']}.{column}")
    people = select(TrashPerson).where(TrashPerson.contact_id == contact_id)
    found += [f"trash_people {p.trash_id}" for p in session.scalars(people)]
    return found


def _people_of_meeting(session, meeting_id: int) -> list[str]:
    return [c.name for c in session.get(Meeting, meeting_id).contacts]


def test_erasing_a_person_erases_them_from_trashed_meetings_and_organisations(session):
    person = make_contact(session, name=NAME, email=EMAIL, phone=PHONE)
    colleague = make_contact(session, name="Kollega Kari")
    company = make_company(session, name="Slettet AS")
    make_affiliation(session, contact=person, company=company, title="Daglig leder")
    make_affiliation(session, contact=colleague, company=company)
    meeting = make_meeting(session, title="Oppstart")
    meeting.contacts.extend([person, colleague])
    session.commit()
    person_id, company_id, meeting_id = person.id, company.id, meeting.id
    meeting_item, company_item = _trash(session, meeting), _trash(session, company)
    session.commit()
    assert _trace(session, person_id), "the snapshots hold the person before the erasure"

    erased = session.get(Contact, person_id)
    contacts.erase_contact(session, contact=erased, version=erased.version)
    session.commit()

    assert _trace(session, person_id) == []
    # A restore brings back the records as the erasure left them: without the person.
    services.restore(session, item=session.get(TrashItem, meeting_item.id))
    services.restore(session, item=session.get(TrashItem, company_item.id))
    session.commit()
    assert _people_of_meeting(session, meeting_id) == ["Kollega Kari"]
    affiliated = session.scalars(
        select(Affiliation.contact_id).where(Affiliation.company_id == company_id)
    ).all()
    assert affiliated == [colleague.id]
    assert session.get(Contact, person_id) is None


def test_retentions_bulk_erasure_erases_from_the_trash_too(session):
    company = make_company(session, name="Gammel AS")
    person = _person(session, NAME, email=EMAIL, phone=PHONE)
    session.add(Affiliation(contact_id=person.id, company_id=company.id, end_date=date(2020, 1, 1)))
    old = make_meeting(session, starts_at=datetime(2020, 5, 5, 9, tzinfo=UTC))
    old.contacts = [person]
    session.flush()
    _trash(session, old)
    _trash(session, company)
    _aged(session, person)
    session.commit()
    assert _trace(session, person.id)

    erased = retention.erase_due(
        session, [person.id], today=date(2026, 12, 2), years=3, user_id=None
    )
    session.commit()

    assert erased == 1 and _trace(session, person.id) == []


def test_a_trashed_person_deleted_for_good_goes_from_every_snapshot(session):
    person = make_contact(session, name=NAME, email=EMAIL, phone=PHONE)
    meeting = make_meeting(session, title="Lunsj")
    meeting.contacts.append(person)
    session.commit()
    person_id, meeting_id = person.id, meeting.id
    meeting_item = _trash(session, meeting)
    own = _trash(session, person)
    session.commit()

    services.purge(session, item=own)
    session.commit()

    assert _trace(session, person_id) == []
    # Deleted for good is erased: the person's name is gone from every entry about them.
    about_person = session.scalars(
        select(ChangeEntry).where(
            ChangeEntry.table_name == "contacts", ChangeEntry.record_id == person_id
        )
    ).all()
    assert about_person and all(e.erased and NAME not in repr(e.changes) for e in about_person)
    # The meeting comes back without them, where before it could not come back at all.
    services.restore(session, item=session.get(TrashItem, meeting_item.id))
    session.commit()
    assert _people_of_meeting(session, meeting_id) == []
