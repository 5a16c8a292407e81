"""Reads about people: the list, one person's page and the meetings they attended."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from crm.common import folding
from crm.common import pagination as paging
from crm.common.dates import local_today
from crm.common.folding import fold
from crm.common.pagination import MAX_PER_PAGE, ResultPages, paginate
from crm.common.statements import built_once, in_text, values_in_text

# The modules, not the names: they import organisations and people (an import cycle).
from crm.companies.models import Company
from crm.contacts.models import Affiliation, Contact, ContactAccess
from crm.meetings import queries as meeting_queries
from crm.meetings.models import Meeting, meeting_contacts

SORT_KEYS = ("name", "last_contacted", "updated")
DEFAULT_SORT = "name"
MEETINGS_SHOWN = 100
_NOT_DIGITS = re.compile(r"\D+")


def current_clause(affiliation=Affiliation, today: date | None = None) -> ColumnElement[bool]:
    """SQL for "the affiliation has not ended" (the same rule as Affiliation.current)."""
    today = today or local_today()
    return or_(affiliation.end_date.is_(None), affiliation.end_date >= today)


def _attended(aggregate, when: ColumnElement[bool], contact):
    return (
        select(aggregate(Meeting.starts_at))
        .join(meeting_contacts, meeting_contacts.c.meeting_id == Meeting.id)
        .where(meeting_contacts.c.contact_id == contact.id, when)
        .correlate(contact)
        .scalar_subquery()
    )


def last_contacted_expression(contact=Contact, *, today: date):
    """The newest meeting the person attended that has happened: derived, never typed.

    The kept newest meeting (crm.contacts.last_met) is it unless it is still planned; only
    then are the person's meetings read (a busy person has hundreds).
    """
    newest = contact.last_meeting_at
    return case(
        (newest < meeting_queries.happened_before(today), newest),
        (newest.is_(None), None),
        else_=_attended(func.max, meeting_queries.has_happened(today), contact),
    )


def next_meeting_expression(contact=Contact, *, today: date):
    """The first planned meeting (after `today`) the person is to attend.

    Only a person whose kept newest meeting (crm.contacts.last_met) is still planned has one:
    for everyone else the meetings are not read (most of a page of people).
    """
    newest = contact.last_meeting_at
    return case(
        (
            newest >= meeting_queries.happened_before(today),
            _attended(func.min, ~meeting_queries.has_happened(today), contact),
        ),
        else_=None,
    )


# Made once: an alias sets up its column collections when first used, and the shown
# affiliation's subquery and joins, built on fresh aliases for every request, cost 8–25 ms of
# CPU per page (more than the page's SQL); statements built on these reuse them.
_INNER_AFFILIATION = aliased(Affiliation, name="other_affiliation")
_SHOWN_AFFILIATION = aliased(Affiliation, name="shown_affiliation")
_SHOWN_COMPANY = aliased(Company, name="shown_company")


def _shown_affiliation_id(today: date):
    """The affiliation shown beside the name: the current primary one, else the newest current."""
    inner = _INNER_AFFILIATION
    return (
        select(inner.id)
        .where(inner.contact_id == Contact.id, current_clause(inner, today))
        .order_by(
            inner.primary.desc(),
            case((inner.start_date.is_(None), 1), else_=0),
            inner.start_date.desc(),
            inner.id.desc(),
        )
        .limit(in_text(1))  # a generic plan must know it is one row (crm.common.statements)
        .correlate(Contact)
        .scalar_subquery()
    )


@dataclass(frozen=True, slots=True)
class ListedPerson:
    """The person's columns the list shows."""

    id: int
    name: str
    email: str | None
    phone: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ShownAffiliation:
    """The affiliation shown beside the person: its title."""

    id: int
    title: str | None


@dataclass(frozen=True, slots=True)
class ShownCompany:
    """The organisation shown beside the person."""

    id: int
    name: str


@dataclass
class ContactRow:
    """One line of the list: the person, where they work now and when we last met them.

    `contact`, `affiliation` and `company` hold the columns the list shows (see _page_rows),
    read as the records' attributes are: `row.contact.name`, `row.company.id`.
    """

    contact: ListedPerson
    last_contacted: datetime | None
    next_meeting: datetime | None
    affiliation: ShownAffiliation | None
    company: ShownCompany | None


@dataclass(frozen=True)
class ContactFilters:
    """The list's filters (crm.common.filters); company_id 0 is an organisation not found."""

    q: str = ""
    company_id: int | None = None
    include_former: bool = False
    # The rows chosen on the list (an export of a selection); None is every row.
    ids: tuple[int, ...] | None = None


def _filtered(query: Select, filters: ContactFilters, *, today: date | None = None) -> Select:
    q = (filters.q or "").strip()
    if q:
        conditions = [
            folding.contains(Contact.name, q),
            folding.contains(Contact.email, q),
        ]
        digits = _NOT_DIGITS.sub("", q)
        # Phones are stored in E.164 (+4722222222); "22 22 22 22" must still find them.
        if len(digits) >= 3:
            conditions.append(Contact.phone.contains(digits, autoescape=True))
        query = query.where(or_(*conditions))
    if filters.company_id is not None:
        where = [Affiliation.company_id == filters.company_id]
        if not filters.include_former:
            where.append(current_clause(today=today))
        # IN, not a correlated EXISTS: SQLite ran EXISTS for each of the 25,000 people (48 ms
        # for an organisation's 1,040), and reads IN from the organisation's affiliations (2 ms).
        query = query.where(Contact.id.in_(select(Affiliation.contact_id).where(*where)))
    if filters.ids is not None:
        query = query.where(Contact.id.in_(filters.ids))
    return query


def resolve_sort(sort: str | None) -> str:
    """An allow-listed sort key (`-key` for descending), the default when unknown."""
    if sort and sort.lstrip("-") in SORT_KEYS:
        return sort
    return DEFAULT_SORT


def _sort_column(name: str, today: date) -> ColumnElement:
    """The column an allow-listed sort key (without its `-`) sorts by."""
    if name == "last_contacted":
        return last_contacted_expression(today=today)
    return fold(Contact.name) if name == "name" else Contact.updated_at


def _ordering(key: str, today: date) -> list[ColumnElement]:
    """ORDER BY for an allow-listed sort key; never contacted goes last in both directions.

    Name and updated are never NULL: without the NULLS LAST term the sort reads their indexes.
    """
    name = key.lstrip("-")
    column = _sort_column(name, today)
    # NULLS LAST written portably.
    ordering = [case((column.is_(None), 1), else_=0)] if name == "last_contacted" else []
    ordering.append(column.desc() if key.startswith("-") else column.asc())
    return [*ordering, Contact.id]


@functools.lru_cache(maxsize=2)
def _rows(today: date) -> Select:
    """Each person with last contact, next meeting and the organisation shown beside them.

    Kept for the day (a statement is immutable; `.where()` makes a new one): building it took
    more CPU than running it for a page of 50 people.
    """
    return _with_shown(
        today,
        Contact,
        last_contacted_expression(today=today).label("last_contacted"),
        next_meeting_expression(today=today).label("next_meeting"),
        _SHOWN_AFFILIATION,
        _SHOWN_COMPANY,
    )


@functools.lru_cache(maxsize=2)
def _page_rows(today: date) -> Select:
    """_rows with only the columns the list shows: whole records (the person's notes, the
    organisation's thirty columns) cost the ORM twice the CPU for 50 rows; and plain columns,
    not bundles of them (a bundle is a row made per row and bundle: 15 % of this read)."""
    shown, company = _SHOWN_AFFILIATION, _SHOWN_COMPANY
    return _with_shown(
        today,
        Contact.id,
        Contact.name,
        Contact.email,
        Contact.phone,
        Contact.updated_at,
        last_contacted_expression(today=today).label("last_contacted"),
        next_meeting_expression(today=today).label("next_meeting"),
        shown.id.label("affiliation_id"),
        shown.title,
        company.id.label("company_id"),
        company.name.label("company_name"),
    )


@functools.lru_cache(maxsize=2)
def _page_rows_of(today: date) -> Select:
    """_page_rows of the people whose ids are given (parameter `ids`): built once for the day,
    not once per page (a `.where()` is a new statement, whose cache key SQLAlchemy works out
    again: a walk of these subqueries, as long as running them for 50 people)."""
    return values_in_text(_page_rows(today).where(Contact.id.in_(bindparam("ids", expanding=True))))


@built_once
def _ids_statement(filters: ContactFilters, key: str, today: date) -> Select:
    """The matching people's ids in the list's order (crm.common.statements)."""
    return _filtered(select(Contact.id), filters, today=today).order_by(*_ordering(key, today))


def _with_shown(today: date, *columns) -> Select:
    """`columns` of each person, joined to the affiliation and organisation shown beside them."""
    shown, shown_company = _SHOWN_AFFILIATION, _SHOWN_COMPANY
    return (
        select(*columns)
        .select_from(Contact)
        .outerjoin(shown, shown.id == _shown_affiliation_id(today))
        .outerjoin(shown_company, shown_company.id == shown.company_id)
    )


def contact_list_query(
    filters: ContactFilters, *, sort: str | None, today: date | None = None
) -> tuple[Select, Select, str]:
    """All the list's rows (sorted), the matching people's ids (to count) and the sort key.

    For exports, which read every row. `today` (Oslo's by default) divides past meetings
    ("last contacted") from planned ones.
    """
    today = today or local_today()
    key = resolve_sort(sort)
    rows = _filtered(_rows(today), filters).order_by(*_ordering(key, today))
    return rows, _filtered(select(Contact.id), filters), key


def _by_last_contacted(
    session: Session,
    filters: ContactFilters,
    *,
    descending: bool,
    offset: int,
    limit: int,
    today: date,
) -> list[int]:
    """The ids at [offset, offset + limit) of the list sorted by last contacted, from indexes.

    The same order as _ordering's (never contacted last, ties by id), in three reads instead
    of computing every person's last meeting: `contacts.last_meeting_at` (crm.contacts.last_met)
    is the last contact of everyone whose newest meeting has happened, read in index order;
    the few with a planned meeting get theirs computed; the never contacted follow by id.
    """
    wanted = offset + limit
    boundary = meeting_queries.happened_before(today)
    newest = Contact.last_meeting_at
    held = session.execute(
        _filtered(select(Contact.id, newest), filters)
        .where(newest < boundary)
        .order_by(newest.desc() if descending else newest.asc(), Contact.id)
        .limit(wanted)
    ).all()
    planned = session.execute(
        _filtered(select(Contact.id, last_contacted_expression(today=today)), filters).where(
            newest >= boundary
        )
    ).all()
    dated = [(contact_id, last) for contact_id, last in [*held, *planned] if last is not None]
    # Ties by id ascending in both directions, as in SQL.
    if descending:
        dated.sort(key=lambda row: (-row[1].timestamp(), row[0]))
    else:
        dated.sort(key=lambda row: (row[1].timestamp(), row[0]))
    ids = [contact_id for contact_id, _last in dated]
    # `held` is complete unless it filled its limit; then the page lies among the dated rows.
    if len(held) < wanted and len(ids) < wanted:
        missing = wanted - len(ids)
        never = session.scalars(
            _filtered(select(Contact.id), filters)
            .where(newest.is_(None))
            .order_by(Contact.id)
            .limit(missing)
        ).all()
        undated = [contact_id for contact_id, last in planned if last is None]
        ids += sorted([*never, *undated])[:missing]
    return ids[offset:wanted]


def _capped_count(session: Session, filters: ContactFilters) -> tuple[int, bool]:
    """The matching people counted up to the cap, and whether there are more."""
    cap = paging.LIST_COUNT_CAP
    limited = _filtered(select(Contact.id), filters).limit(cap + 1).subquery()
    found = session.scalar(select(func.count()).select_from(limited)) or 0
    return min(found, cap), found > cap


def _pages(page: int, per_page: int, total: int, capped: bool) -> Pagination:
    pagination = ResultPages(page=page, per_page=per_page, total=total)
    # The pager says "more than" a capped total (as CappedPagination's `capped`).
    pagination.capped = capped
    return pagination


def _searched_page(
    session: Session, filters: ContactFilters, key: str, *, page: int, per_page: int, today: date
) -> tuple[list[int], Pagination]:
    """A page of a searched or filtered list and its total in one statement, when it can.

    A search term or an organisation reads every matching row whatever the sort (no index
    gives `%term%` in name order), and counting read them all once more: 25 ms of SQLite's
    50 for `?q=haugen`. Here the matches, at most the cap + 1 of them, are counted by a window
    and sorted once; only when there are more (a term of one letter) is the page read again in
    index order from all of them, with the total shown as "more than" the cap.
    """
    cap = paging.LIST_COUNT_CAP
    name = key.lstrip("-")
    matches = (
        _filtered(select(Contact.id, _sort_column(name, today).label("sort_key")), filters)
        .limit(cap + 1)
        .subquery()
    )
    sort_key = matches.c.sort_key.desc() if key.startswith("-") else matches.c.sort_key.asc()
    pagination = ResultPages(page=page, per_page=per_page, total=0)
    offset = (pagination.page - 1) * per_page
    rows = session.execute(
        select(matches.c.id, func.count().over())
        .order_by(sort_key, matches.c.id)
        .limit(per_page)
        .offset(offset)
    ).all()
    if not rows:
        # Past the last page: nothing to count the matches with.
        total, capped = _capped_count(session, filters) if offset else (0, False)
        return [], _pages(page, per_page, total, capped)
    if rows[0][1] <= cap:
        return [row[0] for row in rows], _pages(page, per_page, rows[0][1], False)
    ids = _filtered(select(Contact.id), filters).order_by(*_ordering(key, today))
    page_ids = list(session.scalars(ids.limit(per_page).offset(offset)))
    return page_ids, _pages(page, per_page, cap, True)


def list_contacts(
    session: Session,
    *,
    filters: ContactFilters,
    sort: str | None = None,
    page: int = 1,
    per_page: int = 50,
    today: date | None = None,
) -> tuple[Pagination, str]:
    """One page of people (ContactRow items) with shown organisation, last and next meeting.

    The page's ids are chosen first (sorted, counted) from narrow columns and indexes, then the
    per-person columns are computed for those ids only: the "shown affiliation" subquery and
    the meeting dates cost per row, and computing them for all 25,000 people to keep 50 took
    186 ms on PostgreSQL (2 s sorted by last contacted). The total is counted up to the
    lists' LIST_COUNT_CAP: counting all 25,000 people read every row, 3–8 ms a page.
    """
    today = today or local_today()
    key = resolve_sort(sort)
    per_page = min(per_page, MAX_PER_PAGE)
    narrowed = bool((filters.q or "").strip()) or filters.company_id is not None
    if key.lstrip("-") == "last_contacted":
        total, capped = _capped_count(session, filters)
        pagination = _pages(page, per_page, total, capped)
        page_ids = _by_last_contacted(
            session,
            filters,
            descending=key.startswith("-"),
            offset=(pagination.page - 1) * per_page,
            limit=per_page,
            today=today,
        )
    elif narrowed:
        page_ids, pagination = _searched_page(
            session, filters, key, page=page, per_page=per_page, today=today
        )
    else:
        pagination = paginate(
            session,
            _ids_statement(filters, key, today),
            page=page,
            per_page=per_page,
            count_cap=paging.LIST_COUNT_CAP,
        )
        page_ids = list(pagination.items)
    by_id = {}
    if page_ids:
        rows = session.execute(_page_rows_of(today), {"ids": page_ids})
        by_id = {
            row[0]: ContactRow(
                ListedPerson(*row[:5]),
                row.last_contacted,
                row.next_meeting,
                ShownAffiliation(row.affiliation_id, row.title)
                if row.affiliation_id is not None
                else None,
                ShownCompany(row.company_id, row.company_name)
                if row.company_id is not None
                else None,
            )
            for row in rows
        }
    # In the page's order; a person deleted between the two queries is simply not shown.
    pagination.items = [by_id[contact_id] for contact_id in page_ids if contact_id in by_id]
    return pagination, key


def contact_meetings(
    session: Session, contact_id: int, *, limit: int | None = MEETINGS_SHOWN
) -> list[Meeting]:
    """The meetings the person attended, newest first, with their organisations."""
    query = (
        select(Meeting)
        .join(meeting_contacts, meeting_contacts.c.meeting_id == Meeting.id)
        .where(meeting_contacts.c.contact_id == contact_id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    meetings = list(session.scalars(query))
    meeting_queries.load_companies(session, meetings)
    return meetings


@dataclass
class ContactDetail:
    """What the person's page shows."""

    contact: Contact
    last_contacted: datetime | None
    next_meeting: datetime | None
    meetings: list[Meeting]
    meeting_count: int
    current: list[Affiliation] = field(default_factory=list)
    former: list[Affiliation] = field(default_factory=list)


def get_contact(session: Session, contact_id: int) -> Contact | None:
    """The person with this id, if any."""
    return session.get(Contact, contact_id)


def get_contact_detail(
    session: Session, contact_id: int, *, today: date | None = None
) -> ContactDetail | None:
    """The person, their affiliations (current, then former) and their meetings."""
    today = today or local_today()
    row = session.execute(
        select(
            Contact,
            last_contacted_expression(today=today),
            next_meeting_expression(today=today),
        )
        .where(Contact.id == contact_id)
        .options(selectinload(Contact.affiliations).joinedload(Affiliation.company))
    ).first()
    if row is None:
        return None
    contact, last_contacted, next_meeting = row
    meeting_count = session.scalar(
        select(func.count()).where(meeting_contacts.c.contact_id == contact_id)
    )
    current = [a for a in contact.affiliations if a.current]
    current.sort(key=lambda a: (not a.primary, -(a.start_date or date.min).toordinal()))
    former = [a for a in contact.affiliations if not a.current]
    former.sort(key=lambda a: a.end_date or date.min, reverse=True)
    return ContactDetail(
        contact=contact,
        last_contacted=last_contacted,
        next_meeting=next_meeting,
        meetings=contact_meetings(session, contact_id),
        meeting_count=meeting_count or 0,
        current=current,
        former=former,
    )


def contact_with_email(
    session: Session, email: str, *, excluding_id: int | None = None
) -> Contact | None:
    """Another person already holding this email address (compared without case).

    Restricted people count too: an address stays taken while its holder is out of sight.
    """
    query = select(Contact).where(folding.equals(Contact.email, email))
    if excluding_id is not None:
        query = query.where(Contact.id != excluding_id)
    query = query.order_by(Contact.id).limit(1).execution_options(include_restricted=True)
    return session.scalars(query).first()


def access_log(session: Session, contact_id: int, *, limit: int = 500) -> list[ContactAccess]:
    """Who saw, exported or erased this person's data, newest first."""
    return list(
        session.scalars(
            select(ContactAccess)
            .where(ContactAccess.contact_id == contact_id)
            .options(joinedload(ContactAccess.user))
            .order_by(ContactAccess.at.desc(), ContactAccess.id.desc())
            .limit(limit)
        )
    )
