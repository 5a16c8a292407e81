"""The meeting's start kept on its links to organisations (crm.meetings.company_starts).

An organisation's timeline reads its page of meetings from `meeting_companies.starts_at`: a
link that disagrees with its meeting would put the meeting in the wrong place or on the wrong
page. These tests write links through the paths a user's action takes (the meeting's form
through the ORM, a merge, the trash) and check the stored start against the meeting's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from crm.companies import queries
from crm.meetings import company_starts
from crm.meetings.models import Meeting, meeting_companies
from crm.search import index
from crm.trash import services as trash
from crm.trash.models import TrashItem
from tests.factories import make_company, make_meeting, merge_into
from tests.search.test_search_index import _triggers

SPRING = datetime(2025, 3, 10, 10, tzinfo=UTC)


def _starts(session, meeting_id: int) -> dict[int, datetime]:
    """Each organisation's stored start of the meeting."""
    session.flush()
    rows = session.execute(
        select(meeting_companies.c.company_id, meeting_companies.c.starts_at).where(
            meeting_companies.c.meeting_id == meeting_id
        )
    )
    return dict(rows.all())


def test_the_triggers_are_in_place_and_come_back_with_the_search_indexs(session):
    """A later SQLite batch migration calls crm.search.index.create_triggers: it brings these
    back too."""
    assert company_starts.TRIGGERS.names() <= _triggers(session)
    company_starts.TRIGGERS.drop(session.connection())
    assert not company_starts.TRIGGERS.names() & _triggers(session)
    index.create_triggers(session.connection())
    assert company_starts.TRIGGERS.names() <= _triggers(session)


def test_a_link_takes_its_meetings_start_and_follows_it(session):
    first, second = make_company(session), make_company(session)
    meeting = make_meeting(session, starts_at=SPRING, companies=[first])
    assert _starts(session, meeting.id) == {first.id: SPRING}

    meeting.companies.append(second)  # an organisation added on the meeting's form
    assert _starts(session, meeting.id) == {first.id: SPRING, second.id: SPRING}

    later = SPRING + timedelta(days=3, hours=2)
    meeting.starts_at = later  # the meeting moved
    assert _starts(session, meeting.id) == {first.id: later, second.id: later}


def test_a_start_written_by_hand_is_put_right(session):
    company = make_company(session)
    meeting = make_meeting(session, starts_at=SPRING, companies=[company])
    other = make_meeting(session, starts_at=SPRING + timedelta(days=9))
    session.flush()
    links = meeting_companies.c
    # A wrong start inserted (an old trash snapshot, a script) and one written over: both
    # take their meeting's start. Plain SQL, as a script would write.
    connection = session.connection()
    connection.execute(
        meeting_companies.insert().values(
            meeting_id=other.id, company_id=company.id, starts_at=SPRING
        )
    )
    assert _starts(session, other.id) == {company.id: other.starts_at}
    connection.execute(
        meeting_companies.update()
        .where(links.meeting_id == meeting.id)
        .values(starts_at=SPRING - timedelta(days=400))
    )
    assert _starts(session, meeting.id) == {company.id: SPRING}


def test_links_moved_by_a_merge_keep_their_start(session):
    kept, other = make_company(session), make_company(session)
    shared = make_meeting(session, starts_at=SPRING, companies=[kept, other])
    moved = make_meeting(session, starts_at=SPRING + timedelta(days=1), companies=[other])
    session.commit()
    merge_into(session, kept, other)
    assert _starts(session, shared.id) == {kept.id: SPRING}
    assert _starts(session, moved.id) == {kept.id: SPRING + timedelta(days=1)}


def test_a_meeting_and_an_organisation_restored_from_the_trash_keep_their_starts(session):
    company, partner = make_company(session), make_company(session)
    meeting = make_meeting(session, starts_at=SPRING, companies=[company, partner])
    session.commit()
    meeting_id = meeting.id
    item = trash.move_to_trash(
        session, table_name="meetings", record_id=meeting_id, version=meeting.version, user_id=None
    )
    session.commit()
    assert _starts(session, meeting_id) == {}
    trash.restore(session, item=session.get(TrashItem, item.id))
    session.commit()
    assert _starts(session, meeting_id) == {company.id: SPRING, partner.id: SPRING}

    partner_id = partner.id
    item = trash.move_to_trash(
        session, table_name="companies", record_id=partner_id, version=partner.version, user_id=None
    )
    session.commit()
    assert _starts(session, meeting_id) == {company.id: SPRING}
    # The meeting moved while the organisation was in the trash: its restored link takes the
    # start the meeting has now, not the one in the snapshot. A snapshot made before the
    # column existed (no starts_at) is restored the same way.
    moved = SPRING + timedelta(days=5)
    session.get(Meeting, meeting_id).starts_at = moved
    session.commit()
    item = session.get(TrashItem, item.id)
    rows = [dict(row) for row in item.rows]
    for row in rows:
        if row["table"] == "meeting_companies":
            row["values"] = {k: v for k, v in row["values"].items() if k != "starts_at"}
    item.rows = rows
    session.commit()
    trash.restore(session, item=session.get(TrashItem, item.id))
    session.commit()
    assert _starts(session, meeting_id) == {company.id: moved, partner_id: moved}


def test_the_timeline_reads_its_page_of_meetings_from_the_links_index(session):
    company = make_company(session)
    for day in range(3):
        make_meeting(session, starts_at=SPRING + timedelta(days=day), companies=[company])
    session.flush()
    statement = queries.meeting_page_ids(before=True).params(
        company_id=company.id, before=SPRING + timedelta(days=1), limit=201
    )
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "sqlite":
        plan = " ".join(
            str(row[-1]) for row in connection.execute(text("EXPLAIN QUERY PLAN " + sql))
        )
        assert "ix_meeting_companies_company_starts" in plan
        assert "TEMP B-TREE" not in plan  # no sort: the index gives the order
    else:
        # Three rows would be read by a scan; the point is that the index serves the whole
        # statement, in its order, reading no table.
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        connection.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = " ".join(row[0] for row in connection.execute(text("EXPLAIN " + sql)))
        assert "Index Only Scan Backward using ix_meeting_companies_company_starts" in plan
        assert "Sort" not in plan
    assert list(session.scalars(statement)) == [
        meeting_id
        for (meeting_id,) in session.execute(
            select(Meeting.id)
            .where(
                Meeting.companies.contains(company), Meeting.starts_at <= SPRING + timedelta(days=1)
            )
            .order_by(Meeting.starts_at.desc())
        )
    ]
