"""Reads about the action plan: plans with their measures, status counts, overdue measures,
a measure's evidence, and measure counts per strategy for the reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm.common.dates import local_today
from crm.companies.models import Company
from crm.establishments.models import EstablishmentCase
from crm.meetings.models import Meeting
from crm.plans.models import (
    OPEN_STATUSES,
    ActionPlan,
    Measure,
    MeasureStatus,
    measure_cases,
    measure_meetings,
    measure_partners,
    measure_tasks,
)
from crm.strategy.models import FocusArea, Strategy
from crm.tasks.models import Task


def list_plans(session: Session) -> list[ActionPlan]:
    """Every plan, the latest first."""
    return list(
        session.scalars(
            select(ActionPlan).order_by(ActionPlan.start_year.desc(), ActionPlan.id.desc())
        )
    )


def status_counts_by_plan(session: Session) -> dict[int, dict[str, int]]:
    """{plan id: {status: number of measures}} for every plan, in one grouped query."""
    rows = session.execute(
        select(Measure.plan_id, Measure.status, func.count()).group_by(
            Measure.plan_id, Measure.status
        )
    )
    counts: dict[int, dict[str, int]] = {}
    for plan_id, status, count in rows:
        counts.setdefault(plan_id, {})[status] = count
    return counts


def get_plan(session: Session, plan_id: int) -> ActionPlan | None:
    """A plan by id, or None."""
    return session.get(ActionPlan, plan_id)


def current_plan(session: Session, *, today: date | None = None) -> ActionPlan | None:
    """The plan whose years hold today (the latest starting one if several), else None."""
    year = (today or local_today()).year
    return session.scalar(
        select(ActionPlan)
        .where(ActionPlan.start_year <= year, ActionPlan.end_year >= year)
        .order_by(ActionPlan.start_year.desc(), ActionPlan.id.desc())
        .limit(1)
    )


def plan_measures(session: Session, plan_id: int) -> list[Measure]:
    """A plan's measures with strategy, focus area and responsible adviser loaded, in the order
    of the strategy document (measures without a strategy last)."""
    return list(
        session.scalars(
            select(Measure)
            .outerjoin(Measure.strategy)
            .outerjoin(Strategy.focus_area)
            .where(Measure.plan_id == plan_id)
            .options(
                joinedload(Measure.strategy).joinedload(Strategy.focus_area),
                joinedload(Measure.responsible),
                joinedload(Measure.plan),
            )
            .order_by(
                FocusArea.id.is_(None),
                FocusArea.position,
                FocusArea.number,
                Strategy.position,
                Strategy.number,
                Measure.id,
            )
        ).unique()
    )


@dataclass
class StrategyGroup:
    """A strategy's measures in a plan."""

    strategy: Strategy | None
    measures: list[Measure] = field(default_factory=list)


@dataclass
class FocusAreaGroup:
    """A focus area's strategies with measures in a plan (None: measures without a strategy)."""

    focus_area: FocusArea | None
    strategies: list[StrategyGroup] = field(default_factory=list)


def group_measures(measures: Sequence[Measure]) -> list[FocusAreaGroup]:
    """Measures (in plan_measures' order) grouped by focus area, then strategy."""
    areas: list[FocusAreaGroup] = []
    for measure in measures:
        area = measure.strategy.focus_area if measure.strategy else None
        if not areas or areas[-1].focus_area is not area:
            areas.append(FocusAreaGroup(area))
        strategies = areas[-1].strategies
        if not strategies or strategies[-1].strategy is not measure.strategy:
            strategies.append(StrategyGroup(measure.strategy))
        strategies[-1].measures.append(measure)
    return areas


def status_counts(session: Session, plan_id: int) -> dict[str, int]:
    """{status: number of measures} in a plan, every status present (0 if none)."""
    rows = session.execute(
        select(Measure.status, func.count())
        .where(Measure.plan_id == plan_id)
        .group_by(Measure.status)
    )
    counts = {status.value: 0 for status in MeasureStatus}
    counts.update({status: count for status, count in rows})
    return counts


def overdue_condition(today: date):
    """The SQL condition of an overdue measure: open and its deadline before today."""
    return Measure.status.in_(OPEN_STATUSES) & (Measure.deadline < today)


def overdue_count(session: Session, *, today: date, plan_id: int | None = None) -> int:
    """How many measures are overdue (in one plan, or in all)."""
    query = select(func.count()).select_from(Measure).where(overdue_condition(today))
    if plan_id is not None:
        query = query.where(Measure.plan_id == plan_id)
    return session.scalar(query) or 0


def get_measure(session: Session, measure_id: int) -> Measure | None:
    """A measure with its plan, strategy, adviser, partners and the measure it continues."""
    return session.scalar(
        select(Measure)
        .where(Measure.id == measure_id)
        .options(
            joinedload(Measure.plan),
            joinedload(Measure.strategy).joinedload(Strategy.focus_area),
            joinedload(Measure.responsible),
            joinedload(Measure.copied_from).joinedload(Measure.plan),
            selectinload(Measure.partners),
        )
    )


@dataclass
class Evidence:
    """What a measure has to show for itself."""

    meetings: list[Meeting]
    cases: list[EstablishmentCase]
    tasks: list[Task]

    @property
    def empty(self) -> bool:
        """Nothing linked yet."""
        return not (self.meetings or self.cases or self.tasks)


def measure_evidence(session: Session, measure_id: int) -> Evidence:
    """The meetings (latest first), establishment cases and tasks linked to a measure."""
    meetings = session.scalars(
        select(Meeting)
        .join(measure_meetings, measure_meetings.c.meeting_id == Meeting.id)
        .where(measure_meetings.c.measure_id == measure_id)
        .options(selectinload(Meeting.companies))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    ).all()
    cases = session.scalars(
        select(EstablishmentCase)
        .join(measure_cases, measure_cases.c.case_id == EstablishmentCase.id)
        .where(measure_cases.c.measure_id == measure_id)
        .options(joinedload(EstablishmentCase.company), joinedload(EstablishmentCase.stage))
        .order_by(EstablishmentCase.opened_on.desc(), EstablishmentCase.id.desc())
    ).all()
    tasks = session.scalars(
        select(Task)
        .join(measure_tasks, measure_tasks.c.task_id == Task.id)
        .where(measure_tasks.c.measure_id == measure_id)
        .options(joinedload(Task.assignee))
        .order_by(Task.done, Task.due_on.is_(None), Task.due_on, Task.id)
    ).all()
    return Evidence(list(meetings), list(cases), list(tasks))


def evidence_counts(session: Session, plan_id: int) -> dict[int, int]:
    """{measure id: meetings + cases + tasks linked} for a plan's measures with any."""
    counts: dict[int, int] = {}
    for table in (measure_meetings, measure_cases, measure_tasks):
        rows = session.execute(
            select(table.c.measure_id, func.count())
            .join(Measure, Measure.id == table.c.measure_id)
            .where(Measure.plan_id == plan_id)
            .group_by(table.c.measure_id)
        )
        for measure_id, count in rows:
            counts[measure_id] = counts.get(measure_id, 0) + count
    return counts


def linked_measure_ids(session: Session, *, kind: str, record_id: int) -> list[int]:
    """The measures a meeting, case or task (`kind`) is linked to."""
    table, column = {
        "meeting": (measure_meetings, measure_meetings.c.meeting_id),
        "case": (measure_cases, measure_cases.c.case_id),
        "task": (measure_tasks, measure_tasks.c.task_id),
    }[kind]
    return list(session.scalars(select(table.c.measure_id).where(column == record_id)))


def measure_choices(
    session: Session, *, include_ids: Sequence[int] = (), today: date | None = None
) -> list[tuple[str, list[tuple[int, str]]]]:
    """Measures to link a record to, grouped by plan: the open measures of the plans that hold
    today, plus any in `include_ids` (already linked), for a select."""
    year = (today or local_today()).year
    current = (
        Measure.status.in_(OPEN_STATUSES)
        & (ActionPlan.start_year <= year)
        & (ActionPlan.end_year >= year)
    )
    condition = current | Measure.id.in_(list(include_ids)) if include_ids else current
    rows = session.execute(
        select(Measure.id, Measure.title, ActionPlan.name)
        .join(Measure.plan)
        .where(condition)
        .order_by(ActionPlan.start_year.desc(), ActionPlan.id, Measure.title, Measure.id)
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for measure_id, title, plan_name in rows:
        groups.setdefault(plan_name, []).append((measure_id, title))
    return list(groups.items())


def measure_counts_by_strategy(
    session: Session, *, plan_id: int | None = None
) -> dict[int, dict[str, int]]:
    """{strategy id: {status: number of measures}} (of one plan, or all plans), one query.

    For the strategy report: measures without a strategy are left out.
    """
    query = (
        select(Measure.strategy_id, Measure.status, func.count())
        .where(Measure.strategy_id.is_not(None))
        .group_by(Measure.strategy_id, Measure.status)
    )
    if plan_id is not None:
        query = query.where(Measure.plan_id == plan_id)
    counts: dict[int, dict[str, int]] = {}
    for strategy_id, status, count in session.execute(query):
        counts.setdefault(strategy_id, {})[status] = count
    return counts


@dataclass(frozen=True)
class MeasureFilters:
    """The measures list's filters; None filters nothing."""

    plan_id: int | None = None
    status: str | None = None
    overdue: bool = False
    strategy_id: int | None = None
    responsible_id: int | None = None


def measure_list_query(filters: MeasureFilters, *, today: date):
    """The measures these filters give, latest plan first, then by deadline."""
    query = (
        select(Measure)
        .join(Measure.plan)
        .options(
            joinedload(Measure.plan),
            joinedload(Measure.strategy),
            joinedload(Measure.responsible),
        )
        .order_by(
            ActionPlan.start_year.desc(),
            Measure.deadline.is_(None),
            Measure.deadline,
            Measure.id,
        )
    )
    if filters.plan_id is not None:
        query = query.where(Measure.plan_id == filters.plan_id)
    if filters.status:
        query = query.where(Measure.status == filters.status)
    if filters.overdue:
        query = query.where(overdue_condition(today))
    if filters.strategy_id is not None:
        query = query.where(Measure.strategy_id == filters.strategy_id)
    if filters.responsible_id is not None:
        query = query.where(Measure.responsible_id == filters.responsible_id)
    return query


def plan_choices(session: Session) -> list[tuple[int, str]]:
    """Every plan as (id, name), the latest first, for a filter."""
    return [(p.id, p.name) for p in list_plans(session)]


def partner_names(session: Session, measure_ids: Sequence[int]) -> dict[int, list[str]]:
    """{measure id: its partner organisations' names, by name}, in one query."""
    if not measure_ids:
        return {}
    rows = session.execute(
        select(measure_partners.c.measure_id, Company.name)
        .join(Company, Company.id == measure_partners.c.company_id)
        .where(measure_partners.c.measure_id.in_(list(measure_ids)))
        .order_by(Company.name)
    )
    names: dict[int, list[str]] = {}
    for measure_id, name in rows:
        names.setdefault(measure_id, []).append(name)
    return names
