"""Writes to the action plan: plans, their measures, and the evidence linked to a measure.

A new plan takes over the open measures of the previous one (planned or started), so the
work goes on under the new plan while the old plan keeps its history and its evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.common.dates import local_today
from crm.common.errors import DomainError
from crm.common.versioning import ensure_version
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
    measure_tasks,
)
from crm.strategy.models import Strategy
from crm.strategy.services import check_years
from crm.tasks.models import Task

# --- plans ----------------------------------------------------------------------------------


def _check_plan_name(session: Session, name: str, *, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("name", _l("Give the action plan a name."))
    query = select(ActionPlan.id).where(func.lower(ActionPlan.name) == name.lower())
    if exclude_id is not None:
        query = query.where(ActionPlan.id != exclude_id)
    if session.scalar(query.limit(1)) is not None:
        raise DomainError("name", _l("An action plan called %(name)s already exists.", name=name))
    return name


def previous_plan(session: Session, *, before_year: int) -> ActionPlan | None:
    """The latest plan that starts before `before_year`: the one a new plan continues."""
    return session.scalar(
        select(ActionPlan)
        .where(ActionPlan.start_year < before_year)
        .order_by(ActionPlan.start_year.desc(), ActionPlan.id.desc())
        .limit(1)
    )


def create_plan(
    session: Session,
    *,
    name: str,
    start_year: int,
    end_year: int,
    description: str = "",
    copy_open_measures: bool = True,
    is_demo: bool = False,
) -> ActionPlan:
    """Make a plan; with `copy_open_measures`, the previous plan's open measures come along."""
    name = _check_plan_name(session, name)
    check_years(start_year, end_year)
    plan = ActionPlan(
        name=name,
        start_year=start_year,
        end_year=end_year,
        description=(description or "").strip(),
        is_demo=is_demo,
    )
    session.add(plan)
    session.flush()
    if copy_open_measures:
        previous = previous_plan(session, before_year=start_year)
        if previous is not None:
            copy_open_measures_into(session, source=previous, target=plan)
    return plan


def copy_open_measures_into(session: Session, *, source: ActionPlan, target: ActionPlan) -> int:
    """Copy `source`'s planned and started measures into `target`; returns how many.

    The copy keeps the strategy, the responsible adviser, the partners, the status and the
    last progress note; a deadline before the new plan starts is dropped (it would be overdue
    on the first day). Evidence stays with the old measure, which the copy points back to.
    """
    first_day = date(target.start_year, 1, 1)
    measures = session.scalars(
        select(Measure)
        .where(Measure.plan_id == source.id, Measure.status.in_(OPEN_STATUSES))
        .order_by(Measure.id)
    ).all()
    for old in measures:
        session.add(
            Measure(
                plan=target,
                title=old.title,
                description=old.description,
                strategy_id=old.strategy_id,
                responsible_id=old.responsible_id,
                status=old.status,
                deadline=old.deadline if old.deadline and old.deadline >= first_day else None,
                progress_note=old.progress_note,
                progress_on=old.progress_on,
                copied_from_id=old.id,
                partners=list(old.partners),
                is_demo=old.is_demo and target.is_demo,
            )
        )
    session.flush()
    return len(measures)


def update_plan(
    session: Session,
    *,
    plan: ActionPlan,
    version: str | int | None,
    name: str,
    start_year: int,
    end_year: int,
    description: str = "",
) -> ActionPlan:
    """Rename a plan, change its years or description."""
    ensure_version(plan, version)
    name = _check_plan_name(session, name, exclude_id=plan.id)
    check_years(start_year, end_year)
    plan.name = name
    plan.start_year = start_year
    plan.end_year = end_year
    plan.description = (description or "").strip()
    session.flush()
    return plan


def delete_plan(session: Session, *, plan: ActionPlan) -> None:
    """Delete a plan made by mistake: only one without measures (a plan's history stays)."""
    if plan.measures:
        raise DomainError(
            None, _l("A plan with measures cannot be deleted. Delete or move its measures first.")
        )
    session.delete(plan)
    session.flush()


# --- measures -------------------------------------------------------------------------------


def _check_measure(
    session: Session,
    *,
    title: str,
    status: str,
    strategy_id: int | None,
    responsible_id: int | None,
    partner_ids: Sequence[int],
) -> tuple[str, list[Company]]:
    title = (title or "").strip()
    if not title:
        raise DomainError("title", _l("Give the measure a title."))
    if status not in {s.value for s in MeasureStatus}:
        raise DomainError("status", _l("Choose a status from the list."))
    if strategy_id is not None and session.get(Strategy, strategy_id) is None:
        raise DomainError("strategy_id", _l("Choose a strategy from the list."))
    if responsible_id is not None and session.get(User, responsible_id) is None:
        raise DomainError("responsible_id", _l("Choose an adviser from the list."))
    partners = []
    if partner_ids:
        partners = list(session.scalars(select(Company).where(Company.id.in_(partner_ids))))
        if len(partners) != len(set(partner_ids)):
            raise DomainError(
                "partner_ids", _l("One of the partner organisations no longer exists.")
            )
    return title, partners


def _progress_date(note: str, progress_on: date | None, old_note: str = "") -> date | None:
    """A progress note carries its date: today's when the note changed and none was given."""
    if not note:
        return None
    if progress_on is None and note != old_note:
        return local_today()
    return progress_on


def create_measure(
    session: Session,
    *,
    plan: ActionPlan,
    title: str,
    description: str = "",
    strategy_id: int | None = None,
    responsible_id: int | None = None,
    partner_ids: Sequence[int] = (),
    status: str = MeasureStatus.PLANNED.value,
    deadline: date | None = None,
    progress_note: str = "",
    progress_on: date | None = None,
    is_demo: bool = False,
) -> Measure:
    """Add a measure to a plan."""
    title, partners = _check_measure(
        session,
        title=title,
        status=status,
        strategy_id=strategy_id,
        responsible_id=responsible_id,
        partner_ids=partner_ids,
    )
    note = (progress_note or "").strip()
    measure = Measure(
        plan=plan,
        title=title,
        description=(description or "").strip(),
        strategy_id=strategy_id,
        responsible_id=responsible_id,
        status=status,
        deadline=deadline,
        progress_note=note,
        progress_on=_progress_date(note, progress_on),
        partners=partners,
        is_demo=is_demo,
    )
    session.add(measure)
    session.flush()
    return measure


def update_measure(
    session: Session,
    *,
    measure: Measure,
    version: str | int | None,
    title: str,
    description: str = "",
    strategy_id: int | None = None,
    responsible_id: int | None = None,
    partner_ids: Sequence[int] = (),
    status: str = MeasureStatus.PLANNED.value,
    deadline: date | None = None,
    progress_note: str = "",
    progress_on: date | None = None,
) -> Measure:
    """Change a measure: its facts, status, deadline or progress note."""
    ensure_version(measure, version)
    title, partners = _check_measure(
        session,
        title=title,
        status=status,
        strategy_id=strategy_id,
        responsible_id=responsible_id,
        partner_ids=partner_ids,
    )
    note = (progress_note or "").strip()
    measure.progress_on = _progress_date(note, progress_on, measure.progress_note)
    measure.title = title
    measure.description = (description or "").strip()
    measure.strategy_id = strategy_id
    measure.responsible_id = responsible_id
    measure.partners = partners
    measure.status = status
    measure.deadline = deadline
    measure.progress_note = note
    session.flush()
    return measure


def delete_measure(session: Session, *, measure: Measure) -> None:
    """Delete a measure entered by mistake; the meetings, cases and tasks linked stay."""
    session.delete(measure)
    session.flush()


# --- evidence: meetings, cases and tasks linked to measures ---------------------------------

_EVIDENCE = {
    "meeting": (measure_meetings, measure_meetings.c.meeting_id, Meeting),
    "case": (measure_cases, measure_cases.c.case_id, EstablishmentCase),
    "task": (measure_tasks, measure_tasks.c.task_id, Task),
}


def set_measures(
    session: Session, *, kind: str, record_id: int, measure_ids: Sequence[int]
) -> None:
    """Link a meeting, case or task (`kind`) to exactly these measures, replacing earlier links.

    An id of a measure that no longer exists is refused with a message on the form's field.
    """
    table, column, _model = _EVIDENCE[kind]
    wanted = list(dict.fromkeys(measure_ids))
    if wanted:
        found = set(session.scalars(select(Measure.id).where(Measure.id.in_(wanted))))
        if len(found) != len(wanted):
            raise DomainError("measure_ids", _l("One of the measures chosen no longer exists."))
    session.execute(delete(table).where(column == record_id))
    if wanted:
        session.execute(insert(table), [{"measure_id": m, column.name: record_id} for m in wanted])
    session.flush()


def link_evidence(session: Session, *, measure: Measure, kind: str, record_id: int) -> None:
    """Link one meeting, case or task to a measure (from the measure's page); twice is once."""
    table, column, model = _EVIDENCE[kind]
    if session.get(model, record_id) is None:
        raise DomainError("record_id", _l("That record was not found."))
    exists = session.scalar(
        select(func.count())
        .select_from(table)
        .where(table.c.measure_id == measure.id, column == record_id)
    )
    if not exists:
        session.execute(insert(table).values(measure_id=measure.id, **{column.name: record_id}))
    session.flush()


def unlink_evidence(session: Session, *, measure: Measure, kind: str, record_id: int) -> None:
    """Remove one meeting, case or task from a measure's evidence."""
    table, column, _model = _EVIDENCE[kind]
    session.execute(delete(table).where(table.c.measure_id == measure.id, column == record_id))
    session.flush()
