"""Reads for search: suggestions as one types, and the grouped results of the search page.

Every query limits in SQL and reads only the columns it shows, so a suggestion costs one small
query whatever the size of the tables (11,000 organisations, tens of thousands of contacts and
meetings). Search terms are matched with LIKE wildcards escaped (autoescape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import Session, selectinload

from crm.auth.models import User
from crm.common.formats import date as format_date
from crm.companies.models import Company
from crm.contacts.models import Contact
from crm.meetings import queries as meeting_queries
from crm.meetings.models import Meeting

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
SUGGEST_LIMIT = 10
SECTION_LIMIT = 20

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


@dataclass(frozen=True)
class Suggestion:
    """One suggestion: what to show and where it leads (url None: nothing to open)."""

    id: int
    label: str
    detail: str
    url: str | None
    # A person's current organisation: the meeting form adds it along with the person.
    company: tuple[int, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the suggest API."""
        shape = {"id": self.id, "label": self.label, "detail": self.detail, "url": self.url}
        if self.company is not None:
            shape["company"] = {"id": self.company[0], "label": self.company[1]}
        return shape


@dataclass
class Section:
    """One group of results on the search page; `more` says the list was cut at the limit."""

    rows: list = field(default_factory=list)
    more: bool = False


@dataclass
class SearchResults:
    """The search page's sections."""

    companies: Section
    contacts: Section
    meetings: Section

    @property
    def empty(self) -> bool:
        """Whether nothing at all was found."""
        return not (self.companies.rows or self.contacts.rows or self.meetings.rows)


def clean_query(q: str | None) -> str:
    """The search term as typed, trimmed; empty when too short to search for."""
    q = _SPACES.sub(" ", (q or "").strip())[:MAX_QUERY_LENGTH]
    return q if len(q) >= MIN_QUERY_LENGTH else ""


def format_org_number(org_number: str | None) -> str:
    """An organisation number as Norwegians write it: 923 609 016."""
    if org_number and len(org_number) == 9 and org_number.isdigit():
        return f"{org_number[:3]} {org_number[3:6]} {org_number[6:]}"
    return org_number or ""


def _digits(q: str) -> str | None:
    """The digits of a term made only of digits and spaces, else None."""
    compact = _SPACES.sub("", q)
    return compact if compact.isascii() and compact.isdigit() else None


def _company_match(q: str) -> tuple[ColumnElement[bool], ColumnElement[int]]:
    """The filter and the ranking for organisations: an exact organisation number when the term
    is 9 digits; else name prefix before name contains (shorter digit runs also match the start
    of an organisation number)."""
    digits = _digits(q)
    if digits is not None and len(digits) == 9:
        return Company.org_number == digits, case((Company.org_number == digits, 0), else_=1)
    by_name = Company.name.icontains(q, autoescape=True)
    prefix = Company.name.istartswith(q, autoescape=True)
    if digits is not None:
        by_number = Company.org_number.startswith(digits, autoescape=True)
        return or_(by_name, by_number), case((by_number, 0), (prefix, 0), else_=1)
    return by_name, case((prefix, 0), else_=1)


def _contact_match(q: str) -> tuple[ColumnElement[bool], ColumnElement[int]]:
    condition = or_(
        Contact.name.icontains(q, autoescape=True), Contact.email.icontains(q, autoescape=True)
    )
    return condition, case((Contact.name.istartswith(q, autoescape=True), 0), else_=1)


def _meeting_title_match(q: str) -> ColumnElement[bool]:
    return Meeting.title.icontains(q, autoescape=True)


# --- suggestions ------------------------------------------------------------------------------


def suggest_companies(session: Session, q: str, *, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Organisations by organisation number or name; detail: number and post town."""
    condition, rank = _company_match(q)
    rows = session.execute(
        select(Company.id, Company.name, Company.org_number, Company.post_town)
        .where(condition)
        .order_by(rank, Company.name, Company.id)
        .limit(limit)
    )
    return [
        Suggestion(
            id=id_,
            label=name,
            detail=" · ".join(p for p in (format_org_number(org_number), post_town or "") if p),
            url=f"/companies/{id_}",
        )
        for id_, name, org_number, post_town in rows
    ]


def suggest_contacts(session: Session, q: str, *, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """People by name or email; detail: their current organisation and email."""
    condition, rank = _contact_match(q)
    rows = session.execute(
        select(Contact.id, Contact.name, Contact.email)
        .where(condition)
        .order_by(rank, Contact.name, Contact.id)
        .limit(limit)
    ).all()
    # One query for every person's organisation (meetings' queries, through the module).
    companies = meeting_queries.current_organisation_by_contact(session, [row[0] for row in rows])
    suggestions = []
    for id_, name, email in rows:
        company = companies.get(id_)
        detail = " · ".join(p for p in (company.name if company else "", email or "") if p)
        suggestions.append(
            Suggestion(
                id=id_,
                label=name,
                detail=detail,
                url=f"/contacts/{id_}",
                company=(company.id, company.name) if company else None,
            )
        )
    return suggestions


def suggest_users(session: Session, q: str, *, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Active users by name or email (to pick staff); they have no page to open."""
    rows = session.execute(
        select(User.id, User.name, User.email)
        .where(
            User.active.is_(True),
            or_(User.name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True)),
        )
        .order_by(case((User.name.istartswith(q, autoescape=True), 0), else_=1), User.name)
        .limit(limit)
    )
    return [Suggestion(id=id_, label=name, detail=email, url=None) for id_, name, email in rows]


def suggest_meetings(session: Session, q: str, *, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Meetings by title, latest first; detail: the date."""
    rows = session.execute(
        select(Meeting.id, Meeting.title, Meeting.starts_at)
        .where(_meeting_title_match(q))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(limit)
    )
    return [
        Suggestion(id=id_, label=title, detail=format_date(starts_at), url=f"/meetings/{id_}")
        for id_, title, starts_at in rows
    ]


SUGGESTERS = {
    "companies": suggest_companies,
    "contacts": suggest_contacts,
    "users": suggest_users,
    "meetings": suggest_meetings,
}


# --- the search page --------------------------------------------------------------------------


def _section(rows: list, limit: int) -> Section:
    return Section(rows=rows[:limit], more=len(rows) > limit)


def search_everything(session: Session, q: str, *, limit: int = SECTION_LIMIT) -> SearchResults:
    """Organisations, people and meetings (by title or notes) matching `q`, `limit` of each;
    one query per section plus one for the organisations of the meetings shown."""
    condition, rank = _company_match(q)
    companies = session.scalars(
        select(Company).where(condition).order_by(rank, Company.name, Company.id).limit(limit + 1)
    ).all()
    condition, rank = _contact_match(q)
    contacts = session.scalars(
        select(Contact).where(condition).order_by(rank, Contact.name, Contact.id).limit(limit + 1)
    ).all()
    meetings = session.scalars(
        select(Meeting)
        .where(or_(_meeting_title_match(q), Meeting.notes.icontains(q, autoescape=True)))
        .options(selectinload(Meeting.companies).load_only(Company.id, Company.name))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(limit + 1)
    ).all()
    return SearchResults(
        companies=_section(list(companies), limit),
        contacts=_section(list(contacts), limit),
        meetings=_section(list(meetings), limit),
    )
