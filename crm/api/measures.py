"""/api/v1/measures: the action plans' measures (tiltak), with their evidence; change one.

The list takes the web list's filters (crm.plans.filters) with the same names; a change goes
through the plan's service under the web form's rules, guarded by If-Match like every write.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import selectinload

from crm.api import bp
from crm.api.common import (
    Listing,
    ListQuery,
    Strict,
    committing,
    if_match_version,
    list_response,
    not_found,
    sort_keys,
)
from crm.api.filters import filter_problem
from crm.api.spec import json_response, operation
from crm.api.types import Id, text
from crm.common.dates import local_today
from crm.extensions import db
from crm.plans import queries, services
from crm.plans.filters import measure_filter_form
from crm.plans.models import Measure, MeasureStatus

TAG = "measures"
Status = Literal[tuple(s.value for s in MeasureStatus)]  # type: ignore[valid-type]


# What measure_out reads of each measure, loaded for a whole page at once.
EVIDENCE = (
    selectinload(Measure.partners),
    selectinload(Measure.meetings),
    selectinload(Measure.cases),
    selectinload(Measure.tasks),
)


class MeasureQuery(ListQuery):
    """The measures list's filters, as on the web list (same names, same rules)."""

    plan: Id | None = None
    status: Status | None = None
    overdue: bool = False
    strategy: Id | None = None
    responsible: Id | None = None
    sort: sort_keys(("id",)) = "id"


class MeasureOut(BaseModel):
    """A measure of an action plan, with the ids of what is linked to it as evidence."""

    id: int
    plan_id: int
    plan: str
    title: str
    description: str
    strategy_id: int | None
    responsible_id: int | None
    partner_ids: list[int]
    status: str
    deadline: date | None
    progress_note: str
    progress_on: date | None
    meeting_ids: list[int]
    case_ids: list[int]
    task_ids: list[int]
    version: int
    updated_at: datetime


class MeasureChange(Strict):
    """The fields to change; those left out keep their values."""

    title: text(300) | None = None
    description: text(20_000) | None = None
    strategy_id: Id | None = None
    responsible_id: Id | None = None
    partner_ids: list[Id] | None = Field(default=None, max_length=100)
    status: Status | None = None
    deadline: date | None = None
    progress_note: text(20_000) | None = None
    progress_on: date | None = None


def measure_out(measure: Measure) -> MeasureOut:
    """The API's view of a measure."""
    return MeasureOut(
        id=measure.id,
        plan_id=measure.plan_id,
        plan=measure.plan.name,
        title=measure.title,
        description=measure.description,
        strategy_id=measure.strategy_id,
        responsible_id=measure.responsible_id,
        partner_ids=[c.id for c in measure.partners],
        status=measure.status,
        deadline=measure.deadline,
        progress_note=measure.progress_note,
        progress_on=measure.progress_on,
        meeting_ids=sorted(m.id for m in measure.meetings),
        case_ids=sorted(c.id for c in measure.cases),
        task_ids=sorted(t.id for t in measure.tasks),
        version=measure.version,
        updated_at=measure.updated_at,
    )


@operation(
    bp,
    "/measures",
    "GET",
    mirrors="plans.measures",
    summary="List measures",
    tag=TAG,
    query=MeasureQuery,
    response=Listing[MeasureOut],
)
def list_measures(query: MeasureQuery):
    """Measures across plans, filtered like the web list, a page at a time."""
    args = {
        name: str(value)
        for name in ("plan", "status", "strategy", "responsible")
        if (value := getattr(query, name)) is not None
    }
    if query.overdue:
        args["overdue"] = "y"
    form, filters = measure_filter_form(db.session, args)
    filter_problem(form)
    return list_response(
        query,
        queries.measure_list_query(filters, today=local_today()).options(*EVIDENCE),
        id_column=Measure.id,
        sorts={},
        item=measure_out,
        model=MeasureOut,
        filename="measures",
    )


@operation(
    bp,
    "/measures/<int:measure_id>",
    "GET",
    mirrors="plans.measure",
    summary="Read a measure",
    tag=TAG,
    response=MeasureOut,
    etag=True,
)
def get_measure(measure_id: int):
    """One measure with its evidence, its version as ETag."""
    measure = not_found(queries.get_measure(db.session, measure_id))
    return json_response(measure_out(measure), etag=measure.version)


@operation(
    bp,
    "/measures/<int:measure_id>",
    "PATCH",
    mirrors="plans.edit_measure",
    summary="Change a measure (status, progress note, deadline …)",
    tag=TAG,
    body=MeasureChange,
    response=MeasureOut,
    versioned=True,
    etag=True,
)
def update_measure(measure_id: int, body: MeasureChange):
    """Change the fields given; refused with 412 when the measure changed since If-Match."""
    measure = not_found(queries.get_measure(db.session, measure_id))
    version = if_match_version()
    values = {
        "title": measure.title,
        "description": measure.description,
        "strategy_id": measure.strategy_id,
        "responsible_id": measure.responsible_id,
        "partner_ids": [c.id for c in measure.partners],
        "status": measure.status,
        "deadline": measure.deadline,
        "progress_note": measure.progress_note,
        "progress_on": measure.progress_on,
    }
    values.update(body.model_dump(exclude_unset=True))
    with committing():
        services.update_measure(db.session, measure=measure, version=version, **values)
    return json_response(measure_out(measure), etag=measure.version)
