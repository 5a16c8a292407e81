"""Reads about organisations: the list, one organisation's page and its timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased, contains_eager, selectinload

from crm.auth.models import User
from crm.clusters.models import Cluster, Membership
from crm.common import folding, reference
from crm.common import pagination as paging
from crm.common.charts import LineChart, line_chart
from crm.common.database import without_parallel_workers
from crm.common.dates import local_midnight, local_today
from crm.common.folding import fold
from crm.common.forms import OptionBlock
from crm.common.pagination import PER_PAGE, apply_sort, paginate
from crm.common.statements import built_once, keep, read
from crm.common.urls import safe_link
from crm.companies.models import Company, Place, RegisterPoint, Sector, company_sectors
from crm.contacts.models import Affiliation, Contact

# The module, not the name: meetings' queries import organisations and people (an import cycle).
from crm.meetings import queries as meeting_queries
from crm.meetings.models import Meeting, meeting_companies, meeting_contacts, meeting_staff
from crm.tasks.models import Task

# Dates without a time (memberships) are placed at the start of the day where the users are.
LOCAL_ZONE = ZoneInfo("Europe/Oslo")
# The timeline's first page: the newest fifty entries answer "what happened last and what is
# next" (years of meetings for most organisations; "Show older" pages back through
# `next_before`). Two hundred made the page four times the work on the server and, on a phone,
# put the people, clusters and links under two hundred entries.
TIMELINE_LIMIT = 50
SUB_UNIT_LIMIT = 100

SORT_COLUMNS = {
    "name": fold(Company.name),
    "org_number": func.coalesce(Company.org_number, ""),
    # "Not reported" sorts below zero on every database (NULL order differs between them).
    "employees": func.coalesce(Company.employees, -1),
    "place": func.coalesce(Place.name, ""),
    "updated": Company.updated_at,
}
DEFAULT_SORT = "name"

_ORGNR_QUERY = re.compile(r"^[0-9]{9}$")


# The organisations' ids in chunks of 2**18 (262,144), each with a trigram index of its own on
# PostgreSQL (ix_companies_name_trgm_<n>, migration 9d4b2f7a1c63: `(id >> 18) = n`, the last
# `(id >> 18) >= n`): the capped count of a search reads them in order and stops in the first
# chunks for a common word (see _chunked_count). Both numbers are the migration's.
NAME_CHUNK_SHIFT = 18
NAME_CHUNKS = 8


def _search_filter(q: str):
    """The organisations whose name holds `q` (case-insensitively), or with the organisation
    number `q` (nine digits, spaces allowed).

    A phrase of several words is said twice: each word of three letters or more on its own
    (the folded name LIKE '%word%', which the trigram index serves), and the whole phrase on an
    expression no index is on (`name || ''`), checked on the rows those find. The same rows
    (each word is part of the phrase), but the trigram index reads the words' inner trigrams
    only: the phrase's own trigrams include those of a word's first and last letters ('  e',
    ' en', 'is '), each in hundreds of thousands of the country's names, and reading them was
    most of the search for a rare pair of common words ('havbris energi').
    """
    compact = re.sub(r"\s+", "", q)
    if _ORGNR_QUERY.match(compact):
        return Company.org_number == compact
    words = [word for word in q.split() if len(folding.fold_text(word)) >= 3]
    if len(q.split()) < 2 or not words:
        return folding.contains(Company.name, q)
    return and_(
        *(folding.contains(Company.name, word) for word in words),
        folding.contains(Company.name.concat(""), q),
    )


def _current_member_of(cluster_id: int, today: date):
    return exists(
        select(Membership.id).where(
            Membership.company_id == Company.id,
            Membership.cluster_id == cluster_id,
            or_(Membership.left_on.is_(None), Membership.left_on > today),
        )
    )


@dataclass(frozen=True)
class CompanyFilters:
    """The list's filters (crm.common.filters); None means not filtered."""

    q: str | None = None
    kind: str | None = None
    place_id: int | None = None
    sector_id: int | None = None
    cluster_id: int | None = None
    status: str | None = None
    responsible_id: int | None = None
    # Met in a meeting between these days (both included): the organisations reached.
    met_from: date | None = None
    met_to: date | None = None
    # The rows chosen on the list (an export of a selection); None is every row.
    ids: tuple[int, ...] | None = None


def company_list_query(filters: CompanyFilters, *, sort: str | None = None) -> tuple[Select, str]:
    """The filtered, sorted select behind the export and the API, and the sort key in effect."""
    query = (
        select(Company)
        .outerjoin(Company.place)
        .options(
            contains_eager(Company.place),
            selectinload(Company.sectors),
            selectinload(Company.responsible),
        )
    )
    return apply_sort(_filtered(query, filters), sort, SORT_COLUMNS, DEFAULT_SORT, Company.id)


def _filtered(query: Select, filters: CompanyFilters, *, today: date | None = None) -> Select:
    """The query with the filters' conditions (the list page, the export and the API);
    `today` (Oslo's by default) is the day the cluster filter's memberships hold on."""
    if filters.q and filters.q.strip():
        query = query.where(_search_filter(filters.q.strip()))
    if filters.kind:
        query = query.where(Company.kind == filters.kind)
    if filters.place_id:
        query = query.where(Company.place_id == filters.place_id)
    if filters.sector_id:
        query = query.where(Company.sectors.any(Sector.id == filters.sector_id))
    if filters.cluster_id:
        query = query.where(_current_member_of(filters.cluster_id, today or local_today()))
    if filters.status:
        query = query.where(Company.register_status == filters.status)
    if filters.responsible_id:
        query = query.where(Company.responsible_id == filters.responsible_id)
    if filters.met_from or filters.met_to:
        query = query.where(_met_between(filters.met_from, filters.met_to))
    if filters.ids is not None:
        query = query.where(Company.id.in_(filters.ids))
    return query


def _met_between(first: date | None, last: date | None):
    """The organisation took part in a meeting between these local days (both included)."""
    condition = exists().where(
        meeting_companies.c.company_id == Company.id,
        meeting_companies.c.meeting_id == Meeting.id,
    )
    if first:
        condition = condition.where(Meeting.starts_at >= local_midnight(first))
    if last:
        condition = condition.where(Meeting.starts_at < local_midnight(last + timedelta(days=1)))
    return condition


@dataclass(frozen=True, slots=True)
class CompanyRow:
    """What the list shows of an organisation."""

    id: int
    name: str
    org_number: str | None
    kind: str
    employees: int | None
    place_name: str | None
    register_status: str
    updated_at: datetime
    sectors: tuple[str, ...]


def list_companies(
    session: Session,
    *,
    filters: CompanyFilters,
    sort: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> tuple[Pagination, str]:
    """One page of organisations (CompanyRow items) and the sort key in effect; the total is
    counted up to paging.LIST_COUNT_CAP.

    Three statements whatever the page size: the count, the page's columns (not whole
    organisations: the list shows eight of their thirty columns), the page's sectors.
    """
    dialect = session.get_bind().dialect.name
    query, ordered, sort_key, count_query = _list_statements(filters, sort, dialect, local_today())
    without_parallel_workers(session)
    pagination = None
    if filters.q and len(filters.q.split()) > 1:
        pagination = _counted_page(session, query, ordered, sort_key, page=page, per_page=per_page)
    if pagination is None:
        pagination = paginate(
            session,
            ordered,
            page=page,
            per_page=per_page,
            rows=True,
            count_cap=paging.LIST_COUNT_CAP,
            count_query=count_query,
        )
    sectors = _sector_names(session, [row.id for row in pagination.items])
    pagination.items = [
        CompanyRow(*row, sectors=sectors.get(row.id, ())) for row in pagination.items
    ]
    return pagination, sort_key


@built_once
def _list_statements(
    filters: CompanyFilters, sort: str | None, dialect: str, today: date
) -> tuple[Select, Select, str, Select | None]:
    """The list's filtered select, the same sorted, the sort key in effect, and what its capped
    count counts (_count_query); `today` is the day the cluster filter's memberships hold on."""
    query = select(
        Company.id,
        Company.name,
        Company.org_number,
        Company.kind,
        Company.employees,
        Place.name.label("place_name"),
        Company.register_status,
        Company.updated_at,
    ).outerjoin(Company.place)
    base, query = query, _filtered(query, filters, today=today)
    ordered, sort_key = apply_sort(query, sort, SORT_COLUMNS, DEFAULT_SORT, Company.id)
    return query, ordered, sort_key, _count_query(dialect, base, filters, today=today)


def _count_query(
    dialect: str, base: Select, filters: CompanyFilters, *, today: date
) -> Select | None:
    """What the capped count counts when it differs from the page's query (None: the page's).

    - A sector alone: its rows of company_sectors (one per organisation: the key is
      (company_id, sector_id), and each row's organisation exists), read from the index on
      sector_id up to the cap, both databases; no organisation is read.
    - PostgreSQL, a search by name: the chunks of ids one after the other (_chunked_count).
    - PostgreSQL, a sector with other filters: the sector's organisations looked up by their
      ids (company_sectors by sector, then the organisations' primary key), never by a scan of
      organisations. For a sector of 30,000 of the 1.8 million organisations the planner
      hashed the sector's ids and scanned organisations until cap + 1 matched: 30 ms when the
      (synchronised) scan started near them, 400–700 ms when it started past them. The page
      itself keeps the EXISTS: it walks the name's index and stops after a page (1–3 ms),
      where looking up the ids first would sort all 30,000 (60 ms).
    """
    alone = replace(filters, sector_id=None, q=(filters.q or "").strip() or None)
    if filters.sector_id and alone == CompanyFilters():
        return select(company_sectors.c.company_id).where(
            company_sectors.c.sector_id == filters.sector_id
        )
    if dialect != "postgresql":
        return None
    q = (filters.q or "").strip()
    if q and not _ORGNR_QUERY.match(re.sub(r"\s+", "", q)):
        return _chunked_count(filters, today=today)
    if not filters.sector_id:
        return None
    in_sector = select(company_sectors.c.company_id).where(
        company_sectors.c.sector_id == filters.sector_id
    )
    others = _filtered(base, replace(filters, sector_id=None), today=today)
    return others.where(Company.id == func.any(func.array(in_sector.scalar_subquery())))


def _chunked_count(filters: CompanyFilters, *, today: date) -> Select:
    """The organisations of a name search, chunk of ids by chunk (NAME_CHUNKS branches of a
    UNION ALL, in order), for the capped count (PostgreSQL).

    A GIN index has no order to stop in: for a common word it builds the bitmap of every match
    ('bygg': 107,000 of the country's 1.8 million names) before the count stops at cap + 1.
    Each branch here is served by its chunk's own trigram index (its condition is the index's
    predicate, written the same: `(id >> 18) = n`, which no btree serves, so the planner
    cannot walk the primary key instead), and PostgreSQL runs a UNION ALL's branches one
    after the other, lazily: the count stops in the chunk where the cap is reached, and a
    rare word reads every chunk's small index, about as much as the one index of the table.
    No join: the filters are on organisations only, and the count needs no place.
    """
    query = _filtered(select(Company.id), filters, today=today)
    chunk = Company.id.op(">>")(literal_column(str(NAME_CHUNK_SHIFT)))
    branches = [
        query.where(
            chunk == literal_column(str(n))
            if n < NAME_CHUNKS - 1
            else chunk >= literal_column(str(n))
        )
        for n in range(NAME_CHUNKS)
    ]
    chunks = union_all(*branches).subquery()
    return select(chunks.c.id)


def _counted_page(
    session: Session,
    query: Select,
    ordered: Select,
    sort_key: str,
    *,
    page: int,
    per_page: int,
) -> paging.ResultPages | None:
    """The count and the page's ids in one statement, then the page's columns by id (past
    paging.LIST_COUNT_CAP, the page read on its own); None for a page past the last, for the
    caller to page the usual way.

    For a search of two words or more only (a phrase: rare, a few thousand matches among the
    country's 1.8 million): its capped count reads every match from the trigram index's bitmap
    anyway, so sorting their ids there gives the page, and the trigram index (most of the
    page's time, ~30 ms) is scanned once, not twice. A single word is often common (past the
    cap): sorting its 10,001 names cost 8 ms more than counting them, while its page walks the
    name's index in 0.5 ms; without a search the count stops after cap + 1 rows of an index.
    """
    cap = paging.LIST_COUNT_CAP
    page = min(max(page, 1), paging.MAX_PAGE)
    column = SORT_COLUMNS[sort_key.lstrip("-")]
    hits = query.with_only_columns(Company.id, column.label("sort_key")).limit(cap + 1).subquery()
    ordering = hits.c.sort_key.desc() if sort_key.startswith("-") else hits.c.sort_key.asc()
    found = session.execute(
        select(hits.c.id, func.count().over())
        .order_by(ordering, hits.c.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    total = found[0][1] if found else 0
    if not found and page > 1:
        return None
    pagination = paging.ResultPages(page=page, per_page=per_page, total=min(total, cap))
    pagination.capped = total > cap
    if pagination.capped:
        # Counted already: only the page, by the sort's index.
        offset = (page - 1) * per_page
        pagination.items = list(session.execute(ordered.limit(per_page).offset(offset)))
        return pagination
    ids = [row.id for row in found]
    rows = {row.id: row for row in session.execute(query.where(Company.id.in_(ids)))} if ids else {}
    pagination.items = [rows[id_] for id_ in ids]
    return pagination


def _sector_names(session: Session, company_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Each organisation's sector names, in the admins' order."""
    if not company_ids:
        return {}
    return names_by_id(session, _sector_names_statement(), {"ids": company_ids})


@built_once
def _sector_names_statement() -> Select:
    # Every list page runs it: built once, the page's ids a parameter (crm.common.statements).
    return (
        select(company_sectors.c.company_id, Sector.name)
        .join(Sector, Sector.id == company_sectors.c.sector_id)
        .where(company_sectors.c.company_id.in_(bindparam("ids", expanding=True)))
        .order_by(Sector.position, Sector.id)
    )


def names_by_id(
    session: Session, query: Select, parameters: dict | None = None
) -> dict[int, tuple[str, ...]]:
    """The names of `query`'s (id, name) rows grouped by id, in the query's order (a list
    page's many-to-many column for its rows, in one statement)."""
    names: dict[int, list[str]] = {}
    for row_id, name in read(session, query, parameters):
        names.setdefault(row_id, []).append(name)
    return {row_id: tuple(values) for row_id, values in names.items()}


def list_places(session: Session) -> list[Place]:
    """Every place, in the admins' order."""
    return list(session.scalars(select(Place).order_by(Place.position, Place.name)))


def list_sectors(session: Session) -> list[Sector]:
    """Every sector, in the admins' order."""
    return list(session.scalars(select(Sector).order_by(Sector.position, Sector.name)))


@dataclass(frozen=True)
class FilterChoices:
    """The list filter's choices as (id, name): places, sectors, clusters, users."""

    places: list[tuple[int, str]] = field(default_factory=list)
    sectors: list[tuple[int, str]] = field(default_factory=list)
    clusters: list[tuple[int, str]] = field(default_factory=list)
    users: list[tuple[int, str]] = field(default_factory=list)


def filter_choices(session: Session) -> FilterChoices:
    """Every place, sector, cluster and user for the list's filters, in one statement.

    The same orders as list_places, list_sectors, cluster_choices and
    meetings.queries.user_choices; one round trip of plain columns on every list request
    instead of four (two of them building ORM objects).
    """
    # Constants written into the SQL: PostgreSQL cannot type a bound parameter in a UNION.
    parts = [
        select(literal_column("'places'").label("part"), Place.position, Place.name, Place.id),
        select(literal_column("'sectors'"), Sector.position, Sector.name, Sector.id),
        select(literal_column("'clusters'"), literal_column("0"), Cluster.name, Cluster.id),
        select(literal_column("'users'"), literal_column("0"), User.name, User.id),
    ]
    union = union_all(*parts).subquery()
    choices = FilterChoices()
    rows = session.execute(
        select(union.c.part, union.c.id, union.c.name).order_by(
            union.c.part, union.c.position, union.c.name, union.c.id
        )
    )
    for part, row_id, name in rows:
        getattr(choices, part).append((row_id, name))
    return choices


@dataclass(frozen=True)
class FilterOptions:
    """filter_choices as option blocks for the filter forms' selects, made once per process
    and version of the reference data (crm.common.reference)."""

    places: OptionBlock
    sectors: OptionBlock
    clusters: OptionBlock
    users: OptionBlock


def _filter_options(session: Session) -> FilterOptions:
    choices = filter_choices(session)
    return FilterOptions(
        places=OptionBlock(choices.places),
        sectors=OptionBlock(choices.sectors),
        clusters=OptionBlock(choices.clusters),
        users=OptionBlock(choices.users),
    )


def filter_options(session: Session) -> FilterOptions:
    """The filter forms' places, sectors, clusters and users: one statement (the reference
    data's version) while they are unchanged, two when they changed."""
    return reference.cached(session, "companies.filter_options", _filter_options)


def cluster_choices(session: Session) -> list[tuple[int, str]]:
    """Id and name of every cluster, for the list filter."""
    return list(session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.name)))


def get_company(session: Session, company_id: int) -> Company | None:
    """One organisation with its sectors, for the edit form."""
    return session.scalar(
        select(Company).where(Company.id == company_id).options(selectinload(Company.sectors))
    )


def get_company_name(session: Session, company_id: int | None) -> str | None:
    """The name of an organisation, or None when there is none with that id."""
    if company_id is None:
        return None
    return session.scalar(select(Company.name).where(Company.id == company_id))


@dataclass(frozen=True, slots=True)
class SubUnit:
    """A sub-unit as the page lists it: a link with the name."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class MembershipRow:
    """A membership as the page's table and timeline show it (columns, not whole rows)."""

    id: int
    cluster_id: int
    cluster_name: str
    role: str
    joined_on: date | None
    left_on: date | None
    current: bool  # still a member today (Membership.current)


@dataclass(frozen=True, slots=True)
class PersonRow:
    """A current contact person of the organisation: a link with the name and the title."""

    contact_id: int
    name: str
    title: str | None


@dataclass
class CompanyDetail:
    """What an organisation's page shows: facts, sub-units, memberships, people, timeline."""

    company: CompanyFacts
    sectors: list[str]
    sub_units: list[SubUnit]
    more_sub_units: bool
    current_memberships: list[MembershipRow]
    former_memberships: list[MembershipRow]
    people: list[PersonRow]
    timeline: Timeline
    last_contacted: datetime | None = None
    next_meeting: datetime | None = None


def contact_dates(
    session: Session, company_id: int, *, today: date
) -> tuple[datetime | None, datetime | None]:
    """The organisation's newest meeting that has happened and its first planned one.

    From the starts kept on its links (crm.meetings.company_starts): each is one end of a range
    of ix_meeting_companies_company_starts, where joining the meetings read all of a hub's.
    """
    links = meeting_companies.c
    planned_from = meeting_queries.happened_before(today)
    mine = links.company_id == company_id
    return session.execute(
        select(
            select(func.max(links.starts_at))
            .where(mine, links.starts_at < planned_from)
            .scalar_subquery(),
            select(func.min(links.starts_at))
            .where(mine, links.starts_at >= planned_from)
            .scalar_subquery(),
        )
    ).one()


# An organisation's memberships newest first, and its register points oldest first: its page
# (crm.companies.page) and the statements below.
MEMBERSHIP_ORDER = (Membership.joined_on.desc(), Cluster.name, Membership.id)
HISTORY_ORDER = (RegisterPoint.observed_on, RegisterPoint.id)

_MEMBERSHIPS = keep(
    select(
        Membership.id,
        Membership.cluster_id,
        Cluster.name,
        Membership.role,
        Membership.joined_on,
        Membership.left_on,
    )
    .join(Membership.cluster)
    .where(Membership.company_id == bindparam("company_id"))
    .order_by(*MEMBERSHIP_ORDER)
)


def _memberships(session: Session, company_id: int, *, today: date) -> list[MembershipRow]:
    """The organisation's memberships, newest first (an organisation has a handful)."""
    rows = read(session, _MEMBERSHIPS, {"company_id": company_id})
    return [MembershipRow(*row, current=row.left_on is None or row.left_on > today) for row in rows]


# The page's statements are built once with their ids as parameters. Building a select with
# its options costs some 600 Python calls on every request, which SQLAlchemy's compiled cache
# does not save (it is looked up by the built statement's key; a statement built once keeps its
# key, so a request pays for neither).
@dataclass(frozen=True, slots=True)
class CompanyFacts:
    """What the organisation's page shows of the organisation itself, its place, parent and
    relationship manager (columns: the ORM's loading of the organisation with those three
    cost about as much as the page's other reads together)."""

    id: int
    name: str
    kind: str
    register_status: str
    org_number: str | None
    org_form: str | None
    industry_code: str | None
    industry_standard: str | None
    industry_description: str | None
    employees: int | None
    address: str | None
    postcode: str | None
    post_town: str | None
    municipality_number: str | None
    website: str | None
    description: str | None
    place_name: str | None
    place_growth_area: bool | None
    parent_id: int | None
    parent_name: str | None
    responsible_name: str | None

    @property
    def website_link(self) -> str | None:
        """As Company.website_link: the website as a link target when it is plain http(s)."""
        return safe_link(self.website)


def _company_page() -> Select:
    parent = aliased(Company)
    return keep(
        select(
            Company.id,
            Company.name,
            Company.kind,
            Company.register_status,
            Company.org_number,
            Company.org_form,
            Company.industry_code,
            Company.industry_standard,
            Company.industry_description,
            Company.employees,
            Company.address,
            Company.postcode,
            Company.post_town,
            Company.municipality_number,
            Company.website,
            Company.description,
            Place.name,
            Place.growth_area,
            parent.id,
            parent.name,
            User.name,
        )
        .outerjoin(Place, Place.id == Company.place_id)
        .outerjoin(parent, parent.id == Company.parent_id)
        .outerjoin(User, User.id == Company.responsible_id)
        .where(Company.id == bindparam("company_id"))
    )


# The organisation page's facts (crm.companies.page).
COMPANY_FACTS = _company_page()
# The people working there now (crm.companies.page); restricted people are left out by the
# restriction's hook (crm.contacts.restriction), which adds its criteria to this statement as
# to any other.
PEOPLE = (
    select(Affiliation.contact_id, Contact.name, Affiliation.title)
    .join(Affiliation.contact)
    .where(
        Affiliation.company_id == bindparam("company_id"),
        # The day in the SQL's text, so PostgreSQL keeps a generic plan for the statement
        # (crm.common.statements.values_in_text).
        or_(
            Affiliation.end_date.is_(None),
            Affiliation.end_date >= bindparam("today", type_=Date, literal_execute=True),
        ),
    )
    .order_by(fold(Contact.name), Affiliation.id)
)


@dataclass
class TimelineEntry:
    """One event on an organisation's timeline."""

    when: datetime  # timezone-aware; the sort key
    kind: str  # "meeting", "task", "joined", "left", or "leaves" (a leaving date ahead)
    record_id: int
    title: str
    day: date | None = None  # set for events that have a date but no time
    meeting_kind: str | None = None
    participants: int = 0
    cluster_id: int | None = None
    role: str | None = None
    due_on: date | None = None
    done: bool = False


@dataclass
class Timeline:
    """Newest entries first; `next_before` asks for the older ones, None when there are none."""

    entries: list[TimelineEntry] = field(default_factory=list)
    next_before: datetime | None = None
    # The start of every meeting read for the page, newest first, and whether those are all of
    # the organisation's meetings at or before the page's cut-off (see contact_dates).
    meeting_starts: list[datetime] = field(default_factory=list, repr=False)
    all_meetings: bool = True
    from_newest: bool = True  # the first page (no cut-off)

    def contact_dates(self, today: date) -> tuple[datetime | None, datetime | None] | None:
        """The newest meeting that has happened and the first planned one, when the meetings
        read tell them; None when only a statement of its own can (contact_dates).

        The meetings are read newest first, so once one of them has happened every planned
        meeting is among them: the first page knows both dates unless every meeting read
        is planned and there are more.
        """
        if not self.from_newest:
            return None
        planned_from = meeting_queries.happened_before(today)
        happened = [when for when in self.meeting_starts if when < planned_from]
        if not happened and not self.all_meetings:
            return None
        planned = [when for when in self.meeting_starts if when >= planned_from]
        return (happened[0] if happened else None, planned[-1] if planned else None)


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_ZONE)


def meeting_page_ids(*, before: bool) -> Select:
    """The ids of the organisation's newest `:limit` meetings (at or before `:before` if
    `before`), newest first, from its links alone; parameters company_id, limit, before.

    Along ix_meeting_companies_company_starts (the meeting's start is kept on its links by
    triggers, crm.meetings.company_starts): `limit` index entries for any organisation, where
    ordering by the meeting's own start walked every meeting newest first until the page was
    full (25,000 index entries for a mid-size organisation at national scale).
    """
    links = meeting_companies.c
    ids = (
        select(links.meeting_id.label("id"))
        .where(links.company_id == bindparam("company_id"))
        .order_by(links.starts_at.desc(), links.meeting_id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
    if before:
        ids = ids.where(links.starts_at <= bindparam("before"))
    return ids


@built_once
def _meetings_page(*, before: bool) -> Select:
    """The page's meetings with their participants counted (built once per shape: see
    COMPANY_FACTS). The page of ids first, then their rows and the counts for those only
    (SQLite works out a select's columns before it sorts)."""
    ids = meeting_page_ids(before=before).subquery()
    page = (
        select(Meeting.id, Meeting.starts_at, Meeting.kind, Meeting.title)
        .join(ids, ids.c.id == Meeting.id)
        .subquery()
    )
    contacts = (
        select(func.count())
        .select_from(meeting_contacts)
        .where(meeting_contacts.c.meeting_id == page.c.id)
        .scalar_subquery()
    )
    staff = (
        select(func.count())
        .select_from(meeting_staff)
        .where(meeting_staff.c.meeting_id == page.c.id)
        .scalar_subquery()
    )
    return select(page, contacts, staff).order_by(page.c.starts_at.desc(), page.c.id.desc())


def _meeting_entries(
    session: Session, company_id: int, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    # No SET LOCAL for parallel workers (crm.common.database.without_parallel_workers) any
    # more: read from the links' index, the page is a LIMIT over an index-only scan, which
    # PostgreSQL does not plan with a Gather even for the national hub.
    query = _meetings_page(before=before is not None)
    values = {"company_id": company_id, "limit": limit, "before": before}
    return [
        TimelineEntry(
            when=starts_at,
            kind="meeting",
            record_id=meeting_id,
            title=title,
            meeting_kind=kind,
            participants=(n_contacts or 0) + (n_staff or 0),
        )
        for meeting_id, starts_at, kind, title, n_contacts, n_staff in read(session, query, values)
    ]


def _membership_entries(
    memberships: list[MembershipRow], before: datetime | None, today: date
) -> list[TimelineEntry]:
    entries = []
    for membership in memberships:
        for kind, day in (("joined", membership.joined_on), ("left", membership.left_on)):
            if day is None:
                continue
            when = _start_of_day(day)
            if before is not None and when > before:
                continue
            if kind == "left" and day > today:
                kind = "leaves"
            entries.append(
                TimelineEntry(
                    when=when,
                    kind=kind,
                    record_id=membership.id,
                    title=membership.cluster_name,
                    day=day,
                    cluster_id=membership.cluster_id,
                    role=membership.role,
                )
            )
    return entries


@built_once
def _tasks_page(*, before: bool) -> Select:
    """The organisation's newest `:limit` tasks (at or before `:before`), built once per shape."""
    query = (
        select(Task.id, Task.created_at, Task.title, Task.due_on, Task.done)
        .where(Task.company_id == bindparam("company_id"))
        .order_by(Task.created_at.desc(), Task.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
    if before:
        query = query.where(Task.created_at <= bindparam("before"))
    return query


def _task_entries(
    session: Session, company_id: int, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    values = {"company_id": company_id, "limit": limit, "before": before}
    return [
        TimelineEntry(
            when=created_at,
            kind="task",
            record_id=task_id,
            title=title,
            due_on=due_on,
            done=done,
        )
        for task_id, created_at, title, due_on, done in read(
            session, _tasks_page(before=before is not None), values
        )
    ]


_KIND_ORDER = {"meeting": 4, "task": 3, "joined": 2, "left": 1, "leaves": 0}


def company_timeline(
    session: Session,
    company_id: int,
    *,
    before: datetime | None = None,
    limit: int = TIMELINE_LIMIT,
    memberships: list[MembershipRow] | None = None,
) -> Timeline:
    """Meetings, membership events and tasks at or before `before`, newest first, at most `limit`.

    One query per kind, merged here (the memberships are read unless the caller has them).
    Entries at the cut-off instant move to the next page whole, so asking for `next_before`
    neither repeats nor skips any.
    """
    if before is not None and before.tzinfo is None:
        before = before.replace(tzinfo=LOCAL_ZONE)
    today = local_today()
    if memberships is None:
        memberships = _memberships(session, company_id, today=today)
    meetings = _meeting_entries(session, company_id, before, limit + 1)
    entries = [
        *meetings,
        *_membership_entries(memberships, before, today),
        *_task_entries(session, company_id, before, limit + 1),
    ]
    entries.sort(key=lambda e: (e.when, _KIND_ORDER[e.kind], e.record_id), reverse=True)
    timeline = Timeline(
        meeting_starts=[entry.when for entry in meetings],
        all_meetings=len(meetings) <= limit,
        from_newest=before is None,
    )
    if len(entries) <= limit:
        timeline.entries = entries
        return timeline
    boundary = entries[limit].when
    shown = [entry for entry in entries[:limit] if entry.when > boundary]
    if not shown:
        # More than `limit` events at one instant: show them and step past that instant.
        timeline.entries = entries[:limit]
        timeline.next_before = boundary - timedelta(microseconds=1)
        return timeline
    timeline.entries = shown
    timeline.next_before = boundary
    return timeline


@dataclass(frozen=True, slots=True)
class RegisterLine:
    """A register point as the organisation's page and the visit brief show it."""

    observed_on: date
    employees: int | None
    register_status: str | None
    industry_code: str | None
    address: str | None


def register_history(session: Session, company_id: int) -> list[RegisterLine]:
    """The organisation's register points, oldest first."""
    return [
        RegisterLine(*row) for row in read(session, _register_history(), {"company_id": company_id})
    ]


@built_once
def _register_history() -> Select:
    # The organisation's page runs it: built once, the id a parameter (crm.common.statements);
    # the columns shown, not mapped points (the ORM's loading was most of the read's time).
    return (
        select(
            RegisterPoint.observed_on,
            RegisterPoint.employees,
            RegisterPoint.register_status,
            RegisterPoint.industry_code,
            RegisterPoint.address,
        )
        .where(RegisterPoint.company_id == bindparam("company_id"))
        .order_by(*HISTORY_ORDER)
    )


def employee_chart(points: list[RegisterLine]) -> LineChart | None:
    """The employees over the register points, as a small chart."""
    return line_chart([(point.observed_on, point.employees) for point in points])
