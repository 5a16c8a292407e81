"""Every list pages on the session it is given, with bounded page numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from crm.common.converters import MAX_PAGE
from crm.common.pagination import MAX_PER_PAGE, PER_PAGE, page_args
from crm.companies.queries import CompanyFilters, list_companies
from crm.contacts.queries import ContactFilters, list_contacts
from crm.establishments.queries import CaseFilters, list_cases
from crm.establishments.services import create_case, seed_stages
from crm.extensions import db
from crm.imports.models import ImportRun
from crm.imports.queries import list_runs
from crm.meetings.queries import MeetingFilters, list_meetings
from tests.factories import make_company, make_contact, make_meeting


def _company(session: Session) -> str:
    return make_company(session, name="Only in this session").name


def _contact(session: Session) -> str:
    return make_contact(session, name="Only in this session").name


def _meeting(session: Session) -> str:
    return make_meeting(session, title="Only in this session").title


def _case(session: Session) -> str:
    seed_stages(session)
    return create_case(
        session, prospect_name="Only in this session", opened_on=date(2024, 5, 1)
    ).company.name


def _run(session: Session) -> str:
    run = ImportRun(kind="organisations", filename="Only in this session", status="finished")
    session.add(run)
    session.flush()
    return run.filename


LISTS: dict[str, tuple[Callable, Callable, Callable]] = {
    "companies": (
        _company,
        lambda s, **kw: list_companies(s, filters=CompanyFilters(), **kw)[0],
        lambda c: c.name,
    ),
    "contacts": (
        _contact,
        lambda s, **kw: list_contacts(s, filters=ContactFilters(), **kw)[0],
        lambda r: r.contact.name,
    ),
    "meetings": (
        _meeting,
        lambda s, **kw: list_meetings(s, filters=MeetingFilters(), **kw),
        lambda m: m.title,
    ),
    "cases": (_case, lambda s, **kw: list_cases(s, CaseFilters(), **kw), lambda c: c.company_name),
    "runs": (_run, list_runs, lambda r: r.filename),
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_list_pages_on_the_callers_session(session, name):
    """A script or service with a session of its own sees what it has flushed, not db.session's."""
    make, list_page, label = LISTS[name]
    own = Session(db.engine)
    try:
        made = make(own)
        pagination = list_page(own, page=1, per_page=PER_PAGE)
        assert made in [label(item) for item in pagination.items]
        assert pagination.total == len(pagination.items) >= 1
    finally:
        own.rollback()
        own.close()


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_page_beyond_any_offset_is_empty_not_an_error(session, name):
    make, list_page, _label = LISTS[name]
    make(session)
    pagination = list_page(session, page=10**19, per_page=PER_PAGE)
    assert pagination.page == MAX_PAGE
    assert pagination.items == [] and pagination.total >= 1


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", (1, PER_PAGE)),
        ("?page=3&per_page=20", (3, 20)),
        ("?page=10000000000000000000&per_page=10000000000000000000", (MAX_PAGE, MAX_PER_PAGE)),
        ("?page=-1&per_page=0", (1, PER_PAGE)),
        ("?page=²&per_page=x", (1, PER_PAGE)),
    ],
)
def test_page_args_are_bounded(app, query, expected):
    with app.test_request_context("/companies/" + query):
        assert page_args() == expected


def test_a_huge_page_number_shows_an_empty_page_of_the_list(client, login, session):
    login(role="reader")
    make_company(session, name="Kjeller Innovasjon")
    session.commit()
    response = client.get("/companies/?page=10000000000000000000")
    assert response.status_code == 200
    assert "Kjeller Innovasjon" not in response.get_data(as_text=True)
    assert "Kjeller Innovasjon" in client.get("/companies/?page=1").get_data(as_text=True)


def test_the_count_reads_one_column_and_counts_what_the_page_would_show(session):
    """count_statement counts the rows of the query as it is, through its first column only
    (an outer join's columns, a scalar subquery, are not computed per counted row), except
    where the columns decide the rows: DISTINCT and GROUP BY are counted as they are."""
    from sqlalchemy import func, select

    from crm.common.pagination import count_statement
    from crm.companies.models import Company, Place
    from tests.factories import make_place

    kjeller = make_place(session, name="Kjeller")
    for n in range(5):
        make_company(session, name=f"Firma {n}", place=kjeller if n % 2 else None)
    session.flush()
    with_place = select(Company.id, Company.name, Place.name).outerjoin(Company.place)
    implicit = select(Company.name, Place.name).where(Company.place_id == Place.id)
    distinct = select(Company.place_id).distinct()
    grouped = select(Company.place_id, func.count()).group_by(Company.place_id)
    for query, rows in ((with_place, 5), (implicit, 2), (distinct, 2), (grouped, 2)):
        assert len(session.execute(query).all()) == rows
        assert session.execute(count_statement(query)).scalar_one() == rows
        assert session.execute(count_statement(query, cap=1)).scalar_one() == 2
    sql = str(count_statement(with_place.order_by(Company.name)))
    assert "places.name" not in sql and "ORDER BY" not in sql
