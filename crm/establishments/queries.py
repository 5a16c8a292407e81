"""Reads about establishment cases, stages and early-warning flags."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import BindParameter, Select, bindparam, exists, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm.auth.models import User
from crm.common import reference
from crm.common.dates import local_today
from crm.common.forms import OptionBlock
from crm.common.models import utcnow
from crm.common.pagination import paginate
from crm.common.statements import built_once, read
from crm.companies import queries as company_queries
from crm.companies.models import Company, Place
from crm.establishments.models import (
    ChecklistAnswer,
    ChecklistItem,
    EstablishmentCase,
    FlagSeverity,
    Stage,
    StageChange,
    StageOutcome,
    WarningFlag,
    case_places,
)
from crm.meetings.models import Meeting, meeting_companies
from crm.tasks.models import Task

ACTIVE_OUTCOMES = (StageOutcome.OPEN.value, StageOutcome.ON_HOLD.value)
# Finished columns (established, lost) show the most recent cases; the list shows them all.
BOARD_FINISHED_SHOWN = 20
LINKABLE_MEETINGS = 50


def list_stages(session: Session) -> list[Stage]:
    """Every stage in board order."""
    return list(session.scalars(select(Stage).order_by(Stage.position, Stage.id)))


def stage_choices(session: Session) -> list[tuple[int, str]]:
    """Id and name of every stage in board order, for the list's filter."""
    return [
        (row.id, row.name)
        for row in session.execute(select(Stage.id, Stage.name).order_by(Stage.position, Stage.id))
    ]


@dataclass(frozen=True)
class CaseFilterOptions:
    """The case list filter's stages, advisers and places as option blocks."""

    stages: OptionBlock
    users: OptionBlock
    places: OptionBlock


def _filter_options(session: Session) -> CaseFilterOptions:
    common = company_queries.filter_options(session)
    return CaseFilterOptions(
        stages=OptionBlock(stage_choices(session)), users=common.users, places=common.places
    )


def filter_options(session: Session) -> CaseFilterOptions:
    """The case list filter's choices, made once per process and version of the reference data
    (crm.common.reference): one statement while they are unchanged."""
    return reference.cached(session, "establishments.filter_options", _filter_options)


def get_stage(session: Session, stage_id: int) -> Stage | None:
    """A stage, or None."""
    return session.get(Stage, stage_id)


def _case_options():
    return (
        joinedload(EstablishmentCase.company),
        joinedload(EstablishmentCase.stage),
        joinedload(EstablishmentCase.adviser),
    )


def get_case(session: Session, case_id: int) -> EstablishmentCase | None:
    """A case with its organisation, stage, adviser, places and strategies, or None."""
    return session.scalar(
        select(EstablishmentCase)
        .where(EstablishmentCase.id == case_id)
        .options(
            *_case_options(),
            joinedload(EstablishmentCase.established_place),
            selectinload(EstablishmentCase.wished_places),
            selectinload(EstablishmentCase.strategies),
        )
    )


@dataclass
class StageStay:
    """One stay of a case in a stage: entered when, by whom, for how many days."""

    change: StageChange
    entered_at: datetime
    left_at: datetime | None
    days: int


@dataclass
class CaseDetail:
    """Everything the case page shows."""

    case: EstablishmentCase
    history: list[StageStay]
    meetings: list[Meeting]
    tasks: list[Task]
    linkable_meetings: list[Meeting]


def stage_stays(changes: list[StageChange], now: datetime | None = None) -> list[StageStay]:
    """The stays between consecutive stage changes (the last one lasts until `now`)."""
    now = now or utcnow()
    ordered = sorted(changes, key=lambda c: (c.changed_at, c.id or 0))
    stays = []
    for index, change in enumerate(ordered):
        left = ordered[index + 1].changed_at if index + 1 < len(ordered) else None
        days = ((left or now) - change.changed_at).days
        stays.append(StageStay(change, change.changed_at, left, max(days, 0)))
    return stays


def get_case_detail(session: Session, case_id: int) -> CaseDetail | None:
    """A case with its stage history, linked meetings and tasks, and meetings it could link."""
    case = get_case(session, case_id)
    if case is None:
        return None
    changes = list(
        session.scalars(
            select(StageChange)
            .where(StageChange.case_id == case.id)
            .options(joinedload(StageChange.to_stage), joinedload(StageChange.changed_by))
            .order_by(StageChange.changed_at, StageChange.id)
        )
    )
    meetings = list(
        session.scalars(
            select(Meeting)
            .where(Meeting.establishment_id == case.id)
            .options(selectinload(Meeting.staff))
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        )
    )
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.establishment_id == case.id)
            .options(joinedload(Task.assignee))
            .order_by(Task.done, Task.due_on.is_(None), Task.due_on, Task.id)
        )
    )
    linkable = list(
        session.scalars(
            select(Meeting)
            .join(meeting_companies, meeting_companies.c.meeting_id == Meeting.id)
            .where(
                meeting_companies.c.company_id == case.company_id,
                Meeting.establishment_id.is_(None),
            )
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(LINKABLE_MEETINGS)
        )
    )
    return CaseDetail(case, stage_stays(changes), meetings, tasks, linkable)


@dataclass(frozen=True)
class CaseFilters:
    """The list's filters (crm.common.filters); None means not filtered."""

    stage_id: int | None = None
    adviser_id: int | None = None
    place_id: int | None = None
    kind: str | None = None
    overdue: bool = False
    today: date | None = None
    # Opened, or established, between these days (both included).
    opened_from: date | None = None
    opened_to: date | None = None
    established_from: date | None = None
    established_to: date | None = None


def case_list_query(filters: CaseFilters) -> Select:
    """The cases matching `filters`, by next follow-up (undated last), then newest."""
    query = _filtered(select(EstablishmentCase).join(EstablishmentCase.stage), filters)
    return query.options(*_case_options(), selectinload(EstablishmentCase.wished_places)).order_by(
        *_LIST_ORDER
    )


# Next follow-up first, undated last, then the newest case.
_LIST_ORDER = (
    EstablishmentCase.next_follow_up_on.is_(None),
    EstablishmentCase.next_follow_up_on,
    EstablishmentCase.id.desc(),
)


def _filtered(query: Select, filters: CaseFilters) -> Select:
    """`query` (cases joined with their stage) with the filters' conditions."""
    if filters.stage_id is not None:
        query = query.where(EstablishmentCase.stage_id == filters.stage_id)
    if filters.adviser_id is not None:
        query = query.where(EstablishmentCase.adviser_id == filters.adviser_id)
    if filters.kind:
        query = query.where(EstablishmentCase.kind == filters.kind)
    if filters.place_id is not None:
        # A wished place or the place it established in.
        wished = exists().where(
            case_places.c.case_id == EstablishmentCase.id,
            case_places.c.place_id == filters.place_id,
        )
        query = query.where(wished | (EstablishmentCase.established_place_id == filters.place_id))
    if filters.overdue:
        query = query.where(
            Stage.outcome.in_(ACTIVE_OUTCOMES),
            EstablishmentCase.next_follow_up_on < (filters.today or local_today()),
        )
    if filters.opened_from:
        query = query.where(EstablishmentCase.opened_on >= filters.opened_from)
    if filters.opened_to:
        query = query.where(EstablishmentCase.opened_on <= filters.opened_to)
    if filters.established_from or filters.established_to:
        query = query.where(Stage.outcome == StageOutcome.ESTABLISHED.value)
    if filters.established_from:
        query = query.where(EstablishmentCase.established_on >= filters.established_from)
    if filters.established_to:
        query = query.where(EstablishmentCase.established_on <= filters.established_to)
    return query


@dataclass(frozen=True, slots=True)
class StageRef:
    """A case's stage as a list row shows it (establishments/_follow_up.html reads the outcome)."""

    name: str
    outcome: str


@dataclass(frozen=True, slots=True)
class CaseRow:
    """What the list shows of a case."""

    id: int
    company_name: str
    kind: str
    stage: StageRef
    adviser_name: str | None
    expected_jobs: int | None
    next_follow_up_on: date | None
    wished_places: tuple[str, ...]


def list_cases(
    session: Session, filters: CaseFilters, *, page: int, per_page: int
) -> SelectPagination:
    """One page of cases (CaseRow items), in the list's order.

    Three statements whatever the page size: the count, the page's columns (the list shows
    seven of a case's twenty-five), the page's wished places.
    """
    pagination = paginate(
        session,
        _list_statement(filters, filters.today or local_today()),
        page=page,
        per_page=per_page,
        rows=True,
    )
    places = _wished_place_names(session, [row.id for row in pagination.items])
    pagination.items = [
        CaseRow(
            id=row.id,
            company_name=row.company_name,
            kind=row.kind,
            stage=StageRef(row.stage_name, row.outcome),
            adviser_name=row.adviser_name,
            expected_jobs=row.expected_jobs,
            next_follow_up_on=row.next_follow_up_on,
            wished_places=places.get(row.id, ()),
        )
        for row in pagination.items
    ]
    return pagination


@built_once
def _list_statement(filters: CaseFilters, today: date) -> Select:
    """The list's columns of the matching cases, in its order (crm.common.statements); `today`
    is the day the overdue filter compares with."""
    # The organisation's and the adviser's names as subqueries, not joins: PostgreSQL then
    # looks them up for the page's 50 rows after its top-N sort, where a join read every case's
    # organisation first (15 ms against 1 ms for a thousand cases).
    company_name = (
        select(Company.name).where(Company.id == EstablishmentCase.company_id).scalar_subquery()
    )
    adviser_name = (
        select(User.name).where(User.id == EstablishmentCase.adviser_id).scalar_subquery()
    )
    query = select(
        EstablishmentCase.id,
        company_name.label("company_name"),
        EstablishmentCase.kind,
        Stage.name.label("stage_name"),
        Stage.outcome,
        adviser_name.label("adviser_name"),
        EstablishmentCase.expected_jobs,
        EstablishmentCase.next_follow_up_on,
    ).join(EstablishmentCase.stage)
    return _filtered(query, replace(filters, today=today)).order_by(*_LIST_ORDER)


def _wished_place_names(session: Session, case_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Each case's wished places by name, in the admins' order of places."""
    if not case_ids:
        return {}
    return company_queries.names_by_id(session, _wished_places_statement(), {"ids": case_ids})


@built_once
def _wished_places_statement() -> Select:
    # Built once, the page's cases a parameter (crm.common.statements).
    return (
        select(case_places.c.case_id, Place.name)
        .join(Place, Place.id == case_places.c.place_id)
        .where(case_places.c.case_id.in_(bindparam("ids", expanding=True)))
        .order_by(Place.position, Place.name)
    )


@dataclass
class BoardColumn:
    """A stage and the cases in it (finished columns show the most recent ones)."""

    stage: Stage
    cases: list[EstablishmentCase] = field(default_factory=list)
    total: int = 0


def board(session: Session) -> list[BoardColumn]:
    """One column per stage in board order: active stages whole, finished ones the latest."""
    stages = list_stages(session)
    columns = {s.id: BoardColumn(s) for s in stages}
    active_ids = [s.id for s in stages if s.outcome in ACTIVE_OUTCOMES]
    finished_ids = [s.id for s in stages if s.outcome not in ACTIVE_OUTCOMES]
    base = select(EstablishmentCase).options(
        joinedload(EstablishmentCase.company), joinedload(EstablishmentCase.adviser)
    )
    if active_ids:
        for case in session.scalars(
            base.where(EstablishmentCase.stage_id.in_(active_ids)).order_by(
                EstablishmentCase.next_follow_up_on.is_(None),
                EstablishmentCase.next_follow_up_on,
                EstablishmentCase.id,
            )
        ):
            columns[case.stage_id].cases.append(case)
    for stage_id in finished_ids:
        columns[stage_id].cases = list(
            session.scalars(
                base.where(EstablishmentCase.stage_id == stage_id)
                .order_by(EstablishmentCase.updated_at.desc(), EstablishmentCase.id.desc())
                .limit(BOARD_FINISHED_SHOWN)
            )
        )
    counts = _counts_by_stage(session)
    for column in columns.values():
        column.total = counts.get(column.stage.id, 0)
    return [columns[s.id] for s in stages]


def _counts_by_stage(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(EstablishmentCase.stage_id, func.count()).group_by(EstablishmentCase.stage_id)
    )
    return {stage_id: count for stage_id, count in rows}


def place_choices(session: Session) -> list[Place]:
    """Places in their admin-set order."""
    return list(session.scalars(select(Place).order_by(Place.position, Place.name)))


def user_choices(session: Session, *, include_ids: list[int] | tuple = ()) -> list[tuple[int, str]]:
    """Active users (plus any in `include_ids`) as (id, name), by name."""
    query = select(User.id, User.name).order_by(User.name, User.id)
    condition = User.active.is_(True)
    if include_ids:
        condition = condition | User.id.in_(list(include_ids))
    return [(row.id, row.name) for row in session.execute(query.where(condition))]


def get_company(session: Session, company_id: int | None) -> Company | None:
    """An organisation by id, or None."""
    return session.get(Company, company_id) if company_id else None


def company_meetings(session: Session, company_id: int, *, limit: int = 50) -> list[Meeting]:
    """The organisation's latest meetings, for choosing the one a flag was raised from."""
    return list(
        session.scalars(
            select(Meeting)
            .join(meeting_companies, meeting_companies.c.meeting_id == Meeting.id)
            .where(meeting_companies.c.company_id == company_id)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(limit)
        )
    )


# --- flags ------------------------------------------------------------------------------------


def get_flag(session: Session, flag_id: int) -> WarningFlag | None:
    """A flag with its organisation and who raised it, or None."""
    return session.scalar(
        select(WarningFlag)
        .where(WarningFlag.id == flag_id)
        .options(joinedload(WarningFlag.company), joinedload(WarningFlag.raised_by))
    )


def _has_active_case(company_id_column):
    return (
        select(EstablishmentCase.id)
        .join(EstablishmentCase.stage)
        .where(
            EstablishmentCase.company_id == company_id_column,
            Stage.outcome.in_(ACTIVE_OUTCOMES),
        )
        .exists()
    )


@dataclass
class FlagRow:
    """An open flag and whether its organisation has an open case."""

    flag: WarningFlag | OpenFlag
    has_open_case: bool

    @property
    def offers_retention_case(self) -> bool:
        """A red flag on an organisation that nobody follows up in a case yet."""
        return self.flag.severity == FlagSeverity.RED and not self.has_open_case


# Open flags red first (alphabetical order happens to agree, but say it outright), then
# newest: the department's list, the organisation's page and the visit brief.
FLAG_ORDER = (
    WarningFlag.severity != FlagSeverity.RED.value,
    WarningFlag.raised_on.desc(),
    WarningFlag.id.desc(),
)


def _open_flags_query(
    *, red_only: bool = False, company_id: int | BindParameter[int] | None = None
) -> Select:
    query = (
        select(WarningFlag, _has_active_case(WarningFlag.company_id).label("has_open_case"))
        .where(WarningFlag.resolved_on.is_(None))
        .options(joinedload(WarningFlag.company), joinedload(WarningFlag.raised_by))
    )
    if red_only:
        query = query.where(WarningFlag.severity == FlagSeverity.RED.value)
    if company_id is not None:
        query = query.where(WarningFlag.company_id == company_id)
    return query.order_by(*FLAG_ORDER)


def open_flags(
    session: Session, *, red_only: bool = False, limit: int | None = None
) -> list[FlagRow]:
    """Open flags of the department, red first, then newest first."""
    query = _open_flags_query(red_only=red_only)
    if limit is not None:
        query = query.limit(limit)
    return [FlagRow(flag, bool(has_case)) for flag, has_case in session.execute(query)]


@dataclass(frozen=True, slots=True)
class CaseLine:
    """An active case as the organisation's page lists it."""

    id: int
    kind: str
    stage_name: str
    adviser_name: str | None


@dataclass(frozen=True, slots=True)
class OpenFlag:
    """An open flag as the organisation's page and the visit brief show it."""

    id: int
    severity: str
    kind: str
    raised_on: date
    note: str


@dataclass
class CompanyPanel:
    """An organisation's open cases and open flags, for its page."""

    cases: list[CaseLine]
    flags: list[FlagRow]


# The organisation page reads its cases and flags with its other lists (crm.companies.page);
# the visit brief reads the flags here.
@built_once
def _company_flags() -> Select:
    return (
        select(
            WarningFlag.id,
            WarningFlag.severity,
            WarningFlag.kind,
            WarningFlag.raised_on,
            WarningFlag.note,
        )
        .where(
            WarningFlag.company_id == bindparam("company_id"),
            WarningFlag.resolved_on.is_(None),
        )
        .order_by(*FLAG_ORDER)
    )


def company_flags(
    session: Session, company_id: int, *, has_open_case: bool = False
) -> list[FlagRow]:
    """The organisation's open (unresolved) flags, red first, then newest."""
    return [
        FlagRow(OpenFlag(*row), has_open_case)
        for row in read(session, _company_flags(), {"company_id": company_id})
    ]


def has_active_case(session: Session, company_id: int) -> bool:
    """Whether the organisation has a case that is open or on hold."""
    return bool(session.scalar(select(_has_active_case(company_id))))


# --- checklists -------------------------------------------------------------------------------


@dataclass
class ChecklistRow:
    """A question of a stage's checklist and, when the case has answered it, the answer."""

    item: ChecklistItem
    answer: ChecklistAnswer | None


def case_checklist(session: Session, case: EstablishmentCase) -> list[ChecklistRow]:
    """The questions of the case's current stage in order, each with its answer or None."""
    items = list(
        session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.stage_id == case.stage_id)
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )
    answers = {
        answer.item_id: answer
        for answer in session.scalars(
            select(ChecklistAnswer)
            .where(
                ChecklistAnswer.case_id == case.id,
                ChecklistAnswer.item_id.in_([item.id for item in items]),
            )
            .options(joinedload(ChecklistAnswer.answered_by))
        )
    }
    return [ChecklistRow(item, answers.get(item.id)) for item in items]


def checklist_progress(
    session: Session, cases: list[EstablishmentCase]
) -> dict[int, tuple[int, int]]:
    """(answered, total) questions of each case's current stage, by case id: two SELECTs."""
    if not cases:
        return {}
    totals = checklist_sizes(session)
    answered = dict(
        session.execute(
            select(ChecklistAnswer.case_id, func.count())
            .join(ChecklistItem, ChecklistItem.id == ChecklistAnswer.item_id)
            .join(EstablishmentCase, EstablishmentCase.id == ChecklistAnswer.case_id)
            .where(
                ChecklistItem.stage_id == EstablishmentCase.stage_id,
                ChecklistAnswer.case_id.in_([case.id for case in cases]),
            )
            .group_by(ChecklistAnswer.case_id)
        ).all()
    )
    return {
        case.id: (answered.get(case.id, 0), totals[case.stage_id])
        for case in cases
        if totals.get(case.stage_id)
    }


def checklist_sizes(session: Session) -> dict[int, int]:
    """How many questions each stage's checklist has, by stage id (stages without: absent)."""
    return dict(
        session.execute(
            select(ChecklistItem.stage_id, func.count()).group_by(ChecklistItem.stage_id)
        ).all()
    )


def get_checklist_item(session: Session, item_id: int) -> ChecklistItem | None:
    """A checklist question with its stage, or None."""
    return session.scalar(
        select(ChecklistItem)
        .where(ChecklistItem.id == item_id)
        .options(joinedload(ChecklistItem.stage))
    )


def stage_checklist(session: Session, stage_id: int) -> list[ChecklistItem]:
    """The stage's questions in order."""
    return list(
        session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.stage_id == stage_id)
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )


def establishment_exists(session: Session, establishment_id: int) -> bool:
    """Whether an establishment case with this id exists."""
    return session.get(EstablishmentCase, establishment_id) is not None
