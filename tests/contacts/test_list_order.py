"""The people list pages its ids first from indexes; every sort, filter and page must be what the
whole computation gives (every person's last contact computed, then sorted and cut).

`contacts.last_meeting_at` is kept by triggers (crm.contacts.last_met); whatever writes a
meeting or a participant, it must equal the newest meeting computed from the rows.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from crm.common.folding import fold_text
from crm.common.models import utcnow
from crm.contacts import last_met
from crm.contacts import queries as contact_queries
from crm.contacts.models import Contact
from crm.meetings.models import Meeting, meeting_contacts
from crm.meetings.queries import happened_before
from tests.factories import make_affiliation, make_company, make_contact, make_meeting

TODAY = date(2026, 12, 1)
NAMES = ["Åse", "Øystein", "ærlig Eva", "Anne", "anne", "Bjørn", "Ola", "Kari", "Ørjan", "Per"]


def _fixture(session):
    """34 people: ties in name and in meeting times, planned meetings, never met, one restricted."""
    rng = random.Random(7)
    ife, nilu = make_company(session, name="IFE"), make_company(session, name="NILU")
    people = []
    for n in range(34):
        person = make_contact(session, name=f"{NAMES[n % len(NAMES)]} {n % 5}")
        people.append(person)
        if n % 3 == 0:
            make_affiliation(session, contact=person, company=ife)
        if n % 4 == 1:
            make_affiliation(session, contact=person, company=nilu, end_date=date(2024, 1, 1))
        if n % 7 == 2:
            make_affiliation(session, contact=person, company=ife, end_date=date(2023, 5, 1))
    # Shared times make ties (several people met at once); some only in the future.
    times = [
        datetime(2026, 11, 20, 9, tzinfo=UTC) - timedelta(days=rng.randrange(900))
        for _ in range(12)
    ]
    times += [datetime(2026, 12, 5, 9, tzinfo=UTC), datetime(2027, 2, 1, 9, tzinfo=UTC)]
    for when in times:
        make_meeting(session, starts_at=when, contacts=rng.sample(people[:28], rng.randrange(1, 6)))
    make_meeting(session, starts_at=datetime(2027, 3, 1, tzinfo=UTC), contacts=[people[30]])
    people[5].restricted_at = utcnow()
    session.commit()
    return ife


def _reference(session, filters, sort) -> list[int]:
    """The whole computation in Python: every matching person's last contact from the rows."""
    matching = session.scalars(contact_queries._filtered(select(Contact.id), filters)).all()
    people = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(matching)))}
    boundary = happened_before(TODAY)
    last: dict[int, datetime] = {}
    for contact_id, starts_at in session.execute(
        select(meeting_contacts.c.contact_id, Meeting.starts_at).join(
            Meeting, Meeting.id == meeting_contacts.c.meeting_id
        )
    ):
        if starts_at < boundary and (contact_id not in last or starts_at > last[contact_id]):
            last[contact_id] = starts_at
    key, descending = sort.lstrip("-"), sort.startswith("-")

    def value(person):
        if key == "name":
            return fold_text(person.name)
        if key == "updated":
            return person.updated_at.timestamp()
        return last[person.id].timestamp() if person.id in last else None

    valued = [p for p in people.values() if value(p) is not None]
    never = sorted(p.id for p in people.values() if value(p) is None)
    valued.sort(key=lambda p: p.id)  # ties by id ascending, in both directions
    valued.sort(key=value, reverse=descending)
    return [p.id for p in valued] + never


@pytest.mark.parametrize("sort", ["name", "-name", "last_contacted", "-last_contacted", "-updated"])
def test_every_page_of_every_sort_and_filter_is_what_the_whole_computation_gives(session, sort):
    ife = _fixture(session)
    for filters in (
        contact_queries.ContactFilters(),
        contact_queries.ContactFilters(q="ANNE"),
        contact_queries.ContactFilters(q="ø"),
        contact_queries.ContactFilters(company_id=ife.id),
        contact_queries.ContactFilters(company_id=ife.id, include_former=True),
    ):
        expected = _reference(session, filters, sort)
        assert expected, filters
        for per_page in (4, 7, 50):
            shown = []
            for page in range(1, len(expected) // per_page + 3):
                pagination, key = contact_queries.list_contacts(
                    session, filters=filters, sort=sort, page=page, per_page=per_page, today=TODAY
                )
                assert key == sort
                assert pagination.total == len(expected)
                shown += [row.contact.id for row in pagination.items]
            assert shown == expected, (filters, per_page)


def test_the_list_hides_restricted_people_in_every_sort(session):
    _fixture(session)
    hidden = session.scalar(
        select(Contact.id)
        .where(Contact.restricted_at.is_not(None))
        .execution_options(include_restricted=True)
    )
    for sort in ("name", "last_contacted", "-last_contacted"):
        pagination, _ = contact_queries.list_contacts(
            session, filters=contact_queries.ContactFilters(), sort=sort, per_page=200, today=TODAY
        )
        assert hidden not in [row.contact.id for row in pagination.items]
        assert pagination.total == 33


def _stale(session) -> list:
    """People whose kept value differs from the newest meeting computed from the rows."""
    newest = (
        select(func.max(Meeting.starts_at))
        .join(meeting_contacts, meeting_contacts.c.meeting_id == Meeting.id)
        .where(meeting_contacts.c.contact_id == Contact.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Contact.id, Contact.last_meeting_at, newest).execution_options(
            include_restricted=True
        )
    ).all()
    return [row for row in rows if row[1] != row[2]]


def test_last_meeting_at_follows_every_write_to_meetings_and_participants(session):
    kari, ola = make_contact(session, name="Kari"), make_contact(session, name="Ola")
    old = make_meeting(session, starts_at=datetime(2025, 1, 1, tzinfo=UTC), contacts=[kari])
    new = make_meeting(session, starts_at=datetime(2026, 1, 1, tzinfo=UTC), contacts=[kari, ola])
    session.commit()
    session.refresh(kari)
    assert kari.last_meeting_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert _stale(session) == []

    new.starts_at = datetime(2024, 6, 1, tzinfo=UTC)  # moved back: the older one is newest
    session.commit()
    assert _stale(session) == []
    new.contacts.remove(kari)  # a participant removed through the ORM
    session.commit()
    assert _stale(session) == []
    # A merge moves participants; plain SQL (not the ORM) must keep the column too.
    session.execute(
        text("UPDATE meeting_contacts SET contact_id = :to WHERE contact_id = :source"),
        {"to": kari.id, "source": ola.id},
    )
    assert _stale(session) == []
    session.delete(old)  # the ORM deletes the participants first, then the meeting
    session.commit()
    assert _stale(session) == []
    session.refresh(ola)
    assert ola.last_meeting_at is None


def test_the_migration_leaves_the_triggers_in_place(session):
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        found = {
            row[0]
            for row in connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            )
        }
    else:
        found = {
            row[0]
            for row in connection.execute(
                text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            )
        }
    assert last_met.TRIGGERS.names() <= found


def test_every_sort_runs_a_bounded_number_of_statements_whatever_the_page_size(
    client, login, session, count_queries
):
    login(role="reader")
    _fixture(session)
    counts = {}
    for sort in ("name", "-name", "last_contacted", "-last_contacted", "-updated"):
        for per_page in (5, 200):
            path = f"/contacts/?sort={sort}&per_page={per_page}"
            client.get(path)  # the first visit keeps the filter (a write of its own)
            with count_queries() as statements:
                assert client.get(path).status_code == 200
            counts[sort, per_page] = len(statements)
    # Sorting by last contacted reads at most two more (planned, never contacted), no more.
    assert max(counts.values()) <= counts["name", 200] + 2, counts
    assert counts["name", 5] == counts["name", 200], counts
