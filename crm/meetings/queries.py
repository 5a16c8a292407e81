"""Reads about meetings: the list, one meeting with its tasks, the archive export."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from wtforms import SelectChoice

from crm.auth.models import User
from crm.clusters.models import Cluster
from crm.common import folding, reference
from crm.common import pagination as paging
from crm.common.dates import LOCAL_TIMEZONE, local_midnight, local_today
from crm.common.forms import OptionBlock, select_choices
from crm.common.models import utcnow
from crm.common.pagination import paginate
from crm.common.statements import built_once, read

# The module, not the name: organisations' queries import this module (an import cycle).
from crm.companies.models import Company
from crm.contacts.models import Affiliation, Contact
from crm.meetings.labels import EXEMPTION
from crm.meetings.models import (
    Meeting,
    meeting_companies,
    meeting_staff,
    meeting_strategies,
)
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod
from crm.tasks.models import Task

T = TypeVar("T")

# Ids per IN list when loading organisations (as selectinload's batches).
_CHUNK = 500


def happened_before(today: date) -> datetime:
    """When planned meetings begin (tomorrow's midnight in Oslo): earlier ones have happened."""
    return local_midnight(today + timedelta(days=1))


def has_happened(today: date) -> ColumnElement[bool]:
    """SQL for "the meeting has happened": it is dated `today` or earlier in Oslo.

    "Last contacted" counts these only; later ones are planned ("next meeting").
    """
    return Meeting.starts_at < happened_before(today)


@dataclass(frozen=True)
class MeetingFilters:
    """The list's filters (crm.common.filters); None means not filtered."""

    q: str | None = None
    kind: str | None = None
    company_id: int | None = None
    user_id: int | None = None
    strategy_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def meeting_list_query(filters: MeetingFilters) -> Select:
    """The meetings matching `filters`, newest first; dates are whole days in Oslo time."""
    query = select(Meeting).options(*_list_loads())
    return _filtered(query, filters).order_by(Meeting.starts_at.desc(), Meeting.id.desc())


def _list_loads() -> tuple:
    """What a row of the list shows besides the meeting: its organisations and staff."""
    return selectinload(Meeting.companies), selectinload(Meeting.staff)


def load_companies(session: Session, meetings: Sequence[Meeting]) -> None:
    """Give each meeting its organisations (by name, as the relationship orders them).

    `selectinload(Meeting.companies)` joins the links to the organisations in one statement,
    and PostgreSQL answers it by hashing all 11,000 organisations to keep the 100–250 that a
    page of meetings names (8 ms of the meetings list and of a person's page); the links read
    first and the organisations then read by primary key take under a millisecond.
    """
    by_meeting = _companies_by_meeting(
        session,
        [meeting.id for meeting in meetings],
        lambda wanted: {
            c.id: c for c in session.scalars(select(Company).where(Company.id.in_(wanted)))
        },
    )
    for meeting in meetings:
        set_committed_value(meeting, "companies", by_meeting.get(meeting.id, []))


def _companies_by_meeting(
    session: Session, meeting_ids: Sequence[int], load: Callable[[set[int]], dict[int, T]]
) -> dict[int, list[T]]:
    """Each meeting's organisations as `load` gives them by id, by name then id: the links
    first, then the organisations they name by primary key (see load_companies)."""
    by_meeting: dict[int, list[T]] = {}
    ids = list(meeting_ids)
    for start in range(0, len(ids), _CHUNK):
        links = read(session, _links_statement(), {"ids": ids[start : start + _CHUNK]}).all()
        wanted = {company_id for _meeting_id, company_id in links}
        found = load(wanted) if wanted else {}
        for meeting_id, company_id in links:
            if company_id in found:
                by_meeting.setdefault(meeting_id, []).append(found[company_id])
    for companies in by_meeting.values():
        companies.sort(key=lambda company: (company.name, company.id))
    return by_meeting


# The list's statements, built once (crm.common.statements): the pages' ids are parameters.
@built_once
def _links_statement() -> Select:
    return select(meeting_companies.c.meeting_id, meeting_companies.c.company_id).where(
        meeting_companies.c.meeting_id.in_(bindparam("ids", expanding=True))
    )


@built_once
def _rows_statement() -> Select:
    return (
        select(
            Meeting.id,
            Meeting.starts_at,
            Meeting.has_time,
            Meeting.title,
            Meeting.kind,
            User.id.label("user_id"),
            User.name.label("user_name"),
        )
        .outerjoin(meeting_staff, meeting_staff.c.meeting_id == Meeting.id)
        .outerjoin(User, User.id == meeting_staff.c.user_id)
        .where(Meeting.id.in_(bindparam("ids", expanding=True)))
        # The staff by name, as Meeting.staff orders them.
        .order_by(Meeting.id, User.name, User.id)
    )


@built_once
def _named_links_statement() -> Select:
    """The page's meetings' links with each organisation's name, in one statement: the name as
    a subquery per link (an index lookup each, for the 100–250 links of a page), not a join,
    which PostgreSQL answered by hashing every organisation (see load_companies). One
    statement, whose only list of values is the page's ids (the same length page after page,
    so psycopg keeps it prepared), where the organisations' ids read in a second statement
    were a list of a new length on every page."""
    links = meeting_companies.c
    name = select(Company.name).where(Company.id == links.company_id).scalar_subquery()
    return select(links.meeting_id, links.company_id, name).where(
        links.meeting_id.in_(bindparam("ids", expanding=True))
    )


@built_once
def _page_ids_statement(filters: MeetingFilters) -> Select:
    return _filtered(select(Meeting.id), filters).order_by(
        Meeting.starts_at.desc(), Meeting.id.desc()
    )


def _filtered(query: Select, filters: MeetingFilters) -> Select:
    if filters.q:
        query = query.where(
            or_(
                folding.contains(Meeting.title, filters.q),
                folding.contains(Meeting.notes, filters.q),
            )
        )
    if filters.kind:
        query = query.where(Meeting.kind == filters.kind)
    if filters.company_id:
        query = query.where(
            Meeting.id.in_(
                select(meeting_companies.c.meeting_id).where(
                    meeting_companies.c.company_id == filters.company_id
                )
            )
        )
    if filters.user_id:
        query = query.where(
            Meeting.id.in_(
                select(meeting_staff.c.meeting_id).where(meeting_staff.c.user_id == filters.user_id)
            )
        )
    if filters.strategy_id:
        query = query.where(
            Meeting.id.in_(
                select(meeting_strategies.c.meeting_id).where(
                    meeting_strategies.c.strategy_id == filters.strategy_id
                )
            )
        )
    if filters.date_from:
        query = query.where(Meeting.starts_at >= local_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(Meeting.starts_at < local_midnight(filters.date_to + timedelta(days=1)))
    return query


@dataclass(frozen=True, slots=True)
class Named:
    """An organisation or a staff member as a list row names it: id and name."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class MeetingRow:
    """A meeting as the list shows it: its columns, organisations and staff, not whole rows
    (whole meetings with their notes, users and organisations were two fifths of the page)."""

    id: int
    starts_at: datetime
    has_time: bool
    title: str
    kind: str
    companies: tuple[Named, ...]
    staff: tuple[Named, ...]


def list_meetings(
    session: Session, *, filters: MeetingFilters, page: int = 1, per_page: int = 50
) -> Pagination:
    """One page of the meetings matching `filters`, newest first (MeetingRow items).

    The page's ids are chosen and counted first on the narrow id column, then those meetings'
    shown columns with their staff (one statement), then their organisations: the links, then
    the organisations by primary key (see load_companies for why not joined). The total is
    counted up to the lists' LIST_COUNT_CAP: counting all 60,000 meetings read a whole index,
    4–9 ms of PostgreSQL's time per page.
    """
    pagination = paginate(
        session,
        _page_ids_statement(filters),
        page=page,
        per_page=per_page,
        count_cap=paging.LIST_COUNT_CAP,
    )
    page_ids = list(pagination.items)
    if not page_ids:
        pagination.items = []
        return pagination
    columns: dict[int, tuple] = {}
    staff: dict[int, list[Named]] = {meeting_id: [] for meeting_id in page_ids}
    rows = read(session, _rows_statement(), {"ids": page_ids})
    for meeting_id, starts_at, has_time, title, kind, user_id, user_name in rows:
        columns[meeting_id] = (starts_at, has_time, title, kind)
        if user_id is not None:
            staff[meeting_id].append(Named(user_id, user_name))
    companies = _company_names(session, page_ids)
    pagination.items = [
        MeetingRow(
            meeting_id,
            *columns[meeting_id],
            companies=tuple(companies.get(meeting_id, ())),
            staff=tuple(staff[meeting_id]),
        )
        for meeting_id in page_ids
        if meeting_id in columns
    ]
    return pagination


def _company_names(session: Session, meeting_ids: list[int]) -> dict[int, list[Named]]:
    """Each meeting's organisations as id and name (no ORM objects), by name then id."""
    by_meeting: dict[int, list[Named]] = {}
    for meeting_id, company_id, name in read(
        session, _named_links_statement(), {"ids": meeting_ids}
    ):
        by_meeting.setdefault(meeting_id, []).append(Named(company_id, name))
    for companies in by_meeting.values():
        companies.sort(key=lambda company: (company.name, company.id))
    return by_meeting


@dataclass
class MeetingDetail:
    """A meeting with everything its page shows."""

    meeting: Meeting
    tasks: list[Task]
    created_by: User | None
    updated_by: User | None


def get_meeting(session: Session, meeting_id: int) -> Meeting | None:
    """A meeting with its participants and strategies loaded (for the edit form)."""
    return session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            selectinload(Meeting.companies),
            selectinload(Meeting.contacts),
            selectinload(Meeting.staff),
            selectinload(Meeting.strategies).joinedload(Strategy.focus_area),
        )
    )


def get_meeting_detail(session: Session, meeting_id: int) -> MeetingDetail | None:
    """A meeting with participants, strategies, tasks, author and last editor; None if unknown."""
    meeting = get_meeting(session, meeting_id)
    if meeting is None:
        return None
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.meeting_id == meeting_id)
            .options(joinedload(Task.assignee), joinedload(Task.company))
            .order_by(Task.done, Task.due_on.is_(None), Task.due_on, Task.id)
        )
    )
    user_ids = {i for i in (meeting.created_by_id, meeting.updated_by_id) if i is not None}
    users = (
        {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    return MeetingDetail(
        meeting=meeting,
        tasks=tasks,
        created_by=users.get(meeting.created_by_id),
        updated_by=users.get(meeting.updated_by_id),
    )


@dataclass
class Chosen:
    """Organisations, people and staff already chosen on a meeting form, with their names."""

    companies: list[Company] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)


def chosen_participants(
    session: Session,
    *,
    company_ids: Sequence[int],
    contact_ids: Sequence[int],
    staff_ids: Sequence[int] = (),
) -> Chosen:
    """The known organisations, people and staff among the ids a form carries, in order."""
    chosen = Chosen()
    if staff_ids:
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(staff_ids)))}
        chosen.staff = [users[i] for i in staff_ids if i in users]
    if company_ids:
        found = {
            c.id: c for c in session.scalars(select(Company).where(Company.id.in_(company_ids)))
        }
        chosen.companies = [found[i] for i in company_ids if i in found]
    if contact_ids:
        found_contacts = {
            c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))
        }
        chosen.contacts = [found_contacts[i] for i in contact_ids if i in found_contacts]
    return chosen


@dataclass
class StrategyGroup:
    """A heading (focus area) and its strategies, for checkboxes in a fieldset."""

    label: str
    strategies: list[Strategy]


def strategy_groups(session: Session, *, include_ids: Sequence[int] = ()) -> list[StrategyGroup]:
    """The current period's strategies by focus area, plus any older ones in `include_ids`."""
    areas = session.scalars(
        select(FocusArea)
        .join(FocusArea.period)
        .where(StrategyPeriod.current.is_(True))
        .options(selectinload(FocusArea.strategies))
        .order_by(StrategyPeriod.start_year.desc(), FocusArea.position, FocusArea.number)
    ).all()
    groups = [StrategyGroup(f"{a.number} {a.name}", list(a.strategies)) for a in areas]
    shown = {s.id for g in groups for s in g.strategies}
    older_ids = [i for i in include_ids if i not in shown]
    if older_ids:
        older = list(
            session.scalars(
                select(Strategy).where(Strategy.id.in_(older_ids)).order_by(Strategy.number)
            )
        )
        if older:
            groups.append(StrategyGroup("", older))
    return groups


def strategy_choices(session: Session) -> list[tuple[str, list[tuple[int, str]]]]:
    """Every strategy grouped by focus area (current period first), for a filter select."""
    strategies = session.scalars(
        select(Strategy)
        .join(Strategy.focus_area)
        .join(FocusArea.period)
        .options(joinedload(Strategy.focus_area))
        .order_by(
            StrategyPeriod.current.desc(),
            StrategyPeriod.start_year.desc(),
            FocusArea.position,
            FocusArea.number,
            Strategy.position,
            Strategy.number,
        )
    ).all()
    groups: dict[str, list[tuple[int, str]]] = {}
    for strategy in strategies:
        area = strategy.focus_area
        groups.setdefault(f"{area.number} {area.name}", []).append((strategy.id, strategy.label))
    return list(groups.items())


@dataclass(frozen=True)
class MeetingFilterOptions:
    """The meetings list filter's staff, and its strategies grouped by focus area."""

    users: OptionBlock
    strategies: OptionBlock


def _filter_options(session: Session) -> MeetingFilterOptions:
    strategies: list[SelectChoice] = []
    for area, group in strategy_choices(session):
        strategies += select_choices(group, optgroup=area)
    return MeetingFilterOptions(
        users=OptionBlock(user_choices(session, active_only=False)),
        strategies=OptionBlock(strategies),
    )


def filter_options(session: Session) -> MeetingFilterOptions:
    """The meetings list filter's choices, made once per process and version of the reference
    data (crm.common.reference): one statement while they are unchanged, not two."""
    return reference.cached(session, "meetings.filter_options", _filter_options)


def current_organisation_by_contact(
    session: Session, contact_ids: Sequence[int]
) -> dict[int, Company]:
    """Each person's organisation now (no end date, or one in the future).

    The primary affiliation first, else the latest begun; people with none are left out.
    """
    if not contact_ids:
        return {}
    today = local_today()
    rows = session.execute(
        select(Affiliation.contact_id, Company)
        .join(Affiliation.company)
        .where(
            Affiliation.contact_id.in_(contact_ids),
            or_(Affiliation.end_date.is_(None), Affiliation.end_date >= today),
        )
        .order_by(
            Affiliation.primary.desc(),
            Affiliation.start_date.desc().nulls_last(),
            Affiliation.id.desc(),
        )
    )
    first: dict[int, Company] = {}
    for contact_id, company in rows:
        first.setdefault(contact_id, company)
    return first


def current_organisations(session: Session, contact_ids: Sequence[int]) -> list[Company]:
    """The people's organisations now, one each, in the people's order, without repeats."""
    first = current_organisation_by_contact(session, contact_ids)
    companies = [first[i] for i in contact_ids if i in first]
    return list({c.id: c for c in companies}.values())


def earlier_strategies(
    session: Session, company_ids: Sequence[int], *, limit: int = 6
) -> list[Strategy]:
    """The strategies earlier meetings with these organisations served, most used first."""
    if not company_ids:
        return []
    used = func.count(func.distinct(meeting_strategies.c.meeting_id))
    rows = session.execute(
        select(Strategy, used)
        .join(meeting_strategies, meeting_strategies.c.strategy_id == Strategy.id)
        .join(
            meeting_companies,
            meeting_companies.c.meeting_id == meeting_strategies.c.meeting_id,
        )
        .where(meeting_companies.c.company_id.in_(company_ids))
        .group_by(Strategy.id)
        .order_by(used.desc(), Strategy.number)
        .limit(limit)
    )
    return [strategy for strategy, _count in rows]


def _tokens(text: str | None) -> list[str]:
    parts = (text or "").replace(";", ",").replace("\n", ",").split(",")
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


def resolve_typed(session: Session, kind: str, text: str | None) -> tuple[list[int], list[str]]:
    """Names typed without the suggestions (no JavaScript) as ids, and what matched no one.

    `kind` is "companies" (organisation number or exact name), "contacts" (exact name or
    email) or "users" (active staff, exact name or email). A name two records share is not
    guessed: it is returned as unmatched.
    """
    ids: list[int] = []
    unmatched: list[str] = []
    for token in _tokens(text):
        digits = token.replace(" ", "")
        if kind == "companies":
            condition = (
                Company.org_number == digits
                if digits.isdigit() and len(digits) == 9
                else folding.equals(Company.name, token)
            )
            query = select(Company.id).where(condition)
        elif kind == "contacts":
            query = select(Contact.id).where(
                or_(
                    folding.equals(Contact.name, token),
                    folding.equals(Contact.email, token),
                )
            )
        else:
            query = select(User.id).where(
                User.active.is_(True),
                or_(folding.equals(User.name, token), folding.equals(User.email, token)),
            )
        found = list(session.scalars(query.limit(2)))
        if len(found) == 1:
            ids.append(found[0])
        else:
            unmatched.append(token)
    return list(dict.fromkeys(ids)), unmatched


def user_choices(session: Session, *, active_only: bool, include_ids: Sequence[int] = ()):
    """Users as (id, name), by name: active ones, plus any in `include_ids`."""
    query = select(User.id, User.name).order_by(User.name, User.id)
    if active_only:
        query = query.where(
            or_(User.active.is_(True), User.id.in_(list(include_ids)))
            if include_ids
            else User.active.is_(True)
        )
    return [(row.id, row.name) for row in session.execute(query)]


def get_cluster(session: Session, cluster_id: int | None) -> Cluster | None:
    """A cluster by id, or None."""
    return session.get(Cluster, cluster_id) if cluster_id else None


def get_company(session: Session, company_id: int | None) -> Company | None:
    """An organisation by id, or None."""
    return session.get(Company, company_id) if company_id else None


def _person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.id, "name": user.name, "email": user.email} if user else None


def export_meeting_for_archive(session: Session, meeting_id: int) -> dict[str, Any] | None:
    """Everything an archive (Noark 5) or a public-access request needs about one meeting."""
    records = archive_records(session, [meeting_id])
    return records[0] if records else None


def archive_records(session: Session, meeting_ids: Sequence[int]) -> list[dict[str, Any]]:
    """`export_meeting_for_archive` for many meetings, oldest first, in a few queries."""
    meetings = list(
        session.scalars(
            select(Meeting)
            .where(Meeting.id.in_(meeting_ids))
            .options(
                selectinload(Meeting.companies),
                selectinload(Meeting.contacts),
                selectinload(Meeting.staff),
                selectinload(Meeting.strategies).joinedload(Strategy.focus_area),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    user_ids = {i for m in meetings for i in (m.created_by_id, m.updated_by_id) if i is not None}
    users = (
        {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    return [_archive_record(m, users) for m in meetings]


def _archive_record(meeting: Meeting, users: dict[int, User]) -> dict[str, Any]:
    local = ZoneInfo(LOCAL_TIMEZONE)
    return {
        "id": meeting.id,
        "title": meeting.title,
        "kind": meeting.kind,
        "starts_at": meeting.starts_at.isoformat(),
        "starts_at_local": meeting.starts_at.astimezone(local).isoformat(),
        "time_zone": LOCAL_TIMEZONE,
        "has_time": meeting.has_time,
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
        "participants": {
            "organisations": [
                {"id": c.id, "name": c.name, "org_number": c.org_number} for c in meeting.companies
            ],
            "people": [{"id": c.id, "name": c.name} for c in meeting.contacts],
            "staff": [{"id": u.id, "name": u.name, "email": u.email} for u in meeting.staff],
        },
        "strategies": [
            {
                "number": s.number,
                "name": s.name,
                "focus_area": f"{s.focus_area.number} {s.focus_area.name}",
            }
            for s in meeting.strategies
        ],
        "author": _person(users.get(meeting.created_by_id)),
        "created_at": meeting.created_at.isoformat(),
        "last_changed_by": _person(users.get(meeting.updated_by_id)),
        "updated_at": meeting.updated_at.isoformat(),
        "version": meeting.version,
        # The code (stable for machines) and the legal ground in words (for the archivist).
        "exemption": meeting.exemption,
        "exemption_ground": EXEMPTION.label(meeting.exemption) or None,
        "notes_format": "text/markdown",
        "notes": meeting.notes,
        "exported_at": utcnow().isoformat(),
    }
