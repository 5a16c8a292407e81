"""crm.common.statements.read: plain columns without the ORM's steps, and what must keep them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from crm.common.models import utcnow
from crm.common.pagination import count_statement, page_statement
from crm.common.statements import (
    ORM_READ_TABLES,
    built_once,
    is_kept,
    keep,
    read,
    values_in_text,
)
from crm.companies.models import Company
from crm.contacts import restriction
from crm.contacts.models import Affiliation, Contact
from crm.meetings.models import Meeting
from crm.trash.models import TrashItem
from tests.factories import make_affiliation, make_company, make_contact, make_meeting


def test_read_sees_the_sessions_changes_not_yet_written(session):
    # As Session.execute's autoflush: a list read in the same unit of work counts the new row,
    # whether the statement skips the ORM (kept) or not.
    for counted in (keep(select(func.count(Company.id))), select(func.count(Company.id))):
        before = read(session, counted).scalar_one()
        session.add(Company(name="Ny AS", kind="company"))
        assert read(session, counted).scalar_one() == before + 1


def test_read_keeps_a_restricted_person_out_as_the_session_does(session):
    # The people's tables go through the session, whose hook leaves restricted people out for
    # anyone but an admin: read gives what the session gives, not what the table holds.
    seen = make_contact(session, name="Synlig")
    hidden = make_contact(session, name="Sperret", restricted_at=utcnow())
    ids = keep(select(Contact.id).where(Contact.id.in_([seen.id, hidden.id])))
    assert [row.id for row in read(session, ids)] == [seen.id]
    # The table itself holds both: the guard, not the statement, keeps the second one out.
    assert len(session.connection().execute(ids).all()) == 2


def test_read_gives_mapped_objects_through_the_session(session):
    company = make_company(session, name="Objekt AS")
    found = read(session, keep(select(Company).where(Company.id == company.id))).scalar_one()
    assert found is company


def test_the_restrictions_tables_are_read_through_the_session(app):
    # Every entity the restriction's criteria name has its table among those read through
    # the session (crm.contacts.restriction registers them with its hook).
    criteria = {option.entity.local_table.name for option in restriction._criteria()}
    assert criteria == {Contact.__table__.name, TrashItem.__table__.name}
    assert criteria == restriction.RESTRICTED_TABLES
    assert criteria <= ORM_READ_TABLES


def test_only_statements_that_live_on_skip_the_orm():
    # A statement built per request is checked and read through the session; what built_once
    # makes, and the count and page statements made from it, are kept.
    @built_once
    def names(kind: str):
        return select(Company.id, Company.name).where(Company.kind == kind)

    kept = names("company")
    assert names("company") is kept and is_kept(kept)
    assert is_kept(count_statement(kept, cap=10)) and is_kept(page_statement(kept, 50, 0))
    fresh = select(Company.id, Company.name)
    assert not is_kept(fresh) and not is_kept(count_statement(fresh))


def test_values_in_text_writes_days_and_times_into_the_sql_and_finds_the_same_rows(session):
    """Each side of a day's and a moment's boundary, on both databases: the statement with its
    values in the text finds the same rows as with them as parameters (SQLite compares text)."""
    boundary = datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
    for moment in (boundary - timedelta(microseconds=1), boundary, boundary + timedelta(seconds=1)):
        make_meeting(session, title=moment.isoformat(), starts_at=moment)
    for end in (date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4), None):
        make_affiliation(session, end_date=end)
    session.commit()
    checks = [
        select(Meeting.title).where(Meeting.starts_at < boundary),
        select(Meeting.title).where(Meeting.starts_at >= boundary),
        select(Affiliation.id).where(Affiliation.end_date >= date(2026, 12, 3)),
        select(Affiliation.id).where(Affiliation.end_date < date(2026, 12, 3), Affiliation.id > 0),
    ]
    for statement in checks:
        written = values_in_text(statement)
        sql = str(written.compile(session.get_bind(), compile_kwargs={"render_postcompile": True}))
        assert "2026-12-0" in sql, sql  # the value is in the text …
        assert sorted(session.scalars(written)) == sorted(session.scalars(statement))
    assert len(session.scalars(values_in_text(checks[0])).all()) == 1
    assert len(session.scalars(values_in_text(checks[2])).all()) == 2
    # … and an integer stays a parameter (a new text per id would never be prepared).
    by_id = values_in_text(checks[3])
    assert by_id.compile(session.get_bind()).construct_params() == {
        "end_date_1": date(2026, 12, 3),
        "id_1": 0,
    }
    assert "id > 0" not in str(
        by_id.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    )


def test_a_page_statement_has_its_size_and_start_in_the_text(session):
    for number in range(5):
        make_company(session, name=f"Side {number}")
    session.commit()
    query = keep(select(Company.name).order_by(Company.name))
    page = page_statement(query, 2, 2)
    sql = str(page.compile(session.get_bind(), compile_kwargs={"render_postcompile": True}))
    assert "LIMIT 2 OFFSET 2" in sql, sql
    assert session.scalars(page).all() == ["Side 2", "Side 3"]


def test_a_filtered_page_keeps_its_size_and_start_as_parameters(session):
    """A generic plan cannot tell a rare filter value from a common one: a filtered list is
    planned per request, for its values (crm.common.pagination.page_statement)."""
    for number in range(5):
        make_company(session, name=f"Side {number}", kind="research" if number % 2 else "company")
    session.commit()
    query = keep(select(Company.name).where(Company.kind == "research").order_by(Company.name))
    page = page_statement(query, 1, 1)
    sql = str(page.compile(session.get_bind(), compile_kwargs={"render_postcompile": True}))
    assert "LIMIT 1" not in sql and "OFFSET 1" not in sql, sql
    assert session.scalars(page).all() == ["Side 3"]
