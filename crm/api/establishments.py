"""/api/v1/cases and /api/v1/flags: establishment cases with their stage history, warnings."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from crm.api import bp
from crm.api.common import (
    Listing,
    ListQuery,
    Strict,
    check_version,
    choices,
    committing,
    if_match_version,
    list_response,
    not_found,
    sort_keys,
)
from crm.api.filters import filter_problem
from crm.api.spec import json_response, operation
from crm.api.types import Count, Id, text
from crm.common.converters import MAX_DATE, MIN_DATE
from crm.common.dates import local_today
from crm.establishments import queries, services
from crm.establishments.filters import case_filter_form
from crm.establishments.models import (
    CaseKind,
    EstablishmentCase,
    FlagKind,
    FlagSeverity,
    LostReason,
    PremisesType,
    WarningFlag,
)
from crm.extensions import db

SORTS = {"opened_on": EstablishmentCase.opened_on, "updated": EstablishmentCase.updated_at}
Day = Field(default=None, ge=MIN_DATE, le=MAX_DATE)


class CaseQuery(ListQuery):
    """The case list's filters, as on the web list."""

    stage_id: Id | None = None
    adviser_id: Id | None = None
    place_id: Id | None = Field(default=None, description="Wished or established place.")
    kind: choices(CaseKind) | None = None
    overdue: bool = Field(default=False, description="Only open cases with a follow-up past.")
    sort: sort_keys(("id", *SORTS)) = "id"


class StageChangeOut(BaseModel):
    """One move of a case from a stage to another: who and when."""

    model_config = ConfigDict(from_attributes=True)

    from_stage_id: int | None
    to_stage_id: int
    changed_at: datetime
    changed_by_id: int | None


class CaseOut(BaseModel):
    """An establishment case with its stage history."""

    id: int
    company_id: int
    company: str
    kind: str
    stage_id: int
    stage: str
    outcome: str
    opened_on: date
    source: str
    premises_type: str | None
    area_m2: int | None
    expected_jobs: int | None
    expected_investment_nok: int | None
    expected_decision_on: date | None
    adviser_id: int | None
    next_follow_up_on: date | None
    notes: str
    place_ids: list[int]
    strategy_ids: list[int]
    lost_reason: str | None
    lost_to_municipality: str | None
    established_place_id: int | None
    established_on: date | None
    actual_jobs: int | None
    stage_history: list[StageChangeOut]
    version: int
    created_at: datetime
    updated_at: datetime


class NewCase(Strict):
    """A new case, as the web form opens it (the first open stage unless one is given)."""

    company_id: Id
    kind: choices(CaseKind) = CaseKind.NEW.value
    stage_id: Id | None = None
    opened_on: date | None = Field(default=None, ge=MIN_DATE, le=MAX_DATE)
    source: text(200) = ""
    premises_type: choices(PremisesType) | None = None
    area_m2: Count | None = None
    expected_jobs: Count | None = None
    expected_investment_nok: int | None = Field(default=None, ge=0, le=10**15)
    expected_decision_on: date | None = Day
    adviser_id: Id | None = None
    next_follow_up_on: date | None = Day
    place_ids: list[Id] = Field(default_factory=list, max_length=50)
    strategy_ids: list[Id] = Field(default_factory=list, max_length=50)
    notes: text(100_000) = ""


class StageMove(Strict):
    """Move a case to a stage; established needs place, date and jobs, lost a reason."""

    stage_id: Id
    established_place_id: Id | None = None
    established_on: date | None = Day
    actual_jobs: Count | None = None
    lost_reason: choices(LostReason) | None = None
    lost_to_municipality: text(100) | None = None


CASE_LOAD = (
    joinedload(EstablishmentCase.company),
    joinedload(EstablishmentCase.stage),
    selectinload(EstablishmentCase.wished_places),
    selectinload(EstablishmentCase.strategies),
    selectinload(EstablishmentCase.stage_changes),
)
PLAIN = tuple(
    name
    for name in CaseOut.model_fields
    if name not in ("company", "stage", "outcome", "place_ids", "strategy_ids", "stage_history")
)


def case_out(case: EstablishmentCase) -> CaseOut:
    """The API's view of a case."""
    history = sorted(case.stage_changes, key=lambda c: (c.changed_at, c.id))
    return CaseOut(
        **{name: getattr(case, name) for name in PLAIN},
        company=case.company.name,
        stage=case.stage.name,
        outcome=case.stage.outcome,
        place_ids=[p.id for p in case.wished_places],
        strategy_ids=[s.id for s in case.strategies],
        stage_history=[StageChangeOut.model_validate(c) for c in history],
    )


def _case(case_id: int) -> EstablishmentCase:
    return not_found(
        db.session.scalar(
            select(EstablishmentCase).where(EstablishmentCase.id == case_id).options(*CASE_LOAD)
        )
    )


@operation(
    bp,
    "/cases",
    "GET",
    mirrors="establishments.index",
    summary="List establishment cases",
    tag="cases",
    query=CaseQuery,
    response=Listing[CaseOut],
)
def list_cases(query: CaseQuery):
    """Cases matching the filters, with their stage history."""
    args = {
        name: str(value)
        for name in ("stage_id", "adviser_id", "place_id", "kind")
        if (value := getattr(query, name)) is not None
    }
    if query.overdue:
        args["overdue"] = "y"
    form, filters = case_filter_form(db.session, args, today=local_today())
    filter_problem(form)
    return list_response(
        query,
        queries.case_list_query(filters).options(*CASE_LOAD),
        id_column=EstablishmentCase.id,
        sorts=SORTS,
        item=case_out,
        model=CaseOut,
        filename="cases",
    )


@operation(
    bp,
    "/cases/<int:case_id>",
    "GET",
    mirrors="establishments.detail",
    summary="Read an establishment case",
    tag="cases",
    response=CaseOut,
    etag=True,
)
def get_case(case_id: int):
    """One case with its stage history."""
    case = _case(case_id)
    return json_response(case_out(case), etag=case.version)


@operation(
    bp,
    "/cases",
    "POST",
    mirrors="establishments.create",
    summary="Open an establishment case",
    tag="cases",
    body=NewCase,
    response=CaseOut,
    status=201,
    etag=True,
)
def create_case(body: NewCase):
    """Open a case for an organisation under the web form's rules."""
    values = body.model_dump()
    values["opened_on"] = values["opened_on"] or local_today()
    with committing():
        case = services.create_case(db.session, actor_id=current_user.id, **values)
    case = _case(case.id)
    return json_response(case_out(case), 201, etag=case.version)


class CaseChange(Strict):
    """The fields to change (not the stage: POST …/stage); those left out keep their values."""

    kind: choices(CaseKind) | None = None
    opened_on: date | None = Day
    source: text(200) | None = None
    premises_type: choices(PremisesType) | None = None
    area_m2: Count | None = None
    expected_jobs: Count | None = None
    expected_investment_nok: int | None = Field(default=None, ge=0, le=10**15)
    expected_decision_on: date | None = Day
    adviser_id: Id | None = None
    next_follow_up_on: date | None = Day
    place_ids: list[Id] | None = Field(default=None, max_length=50)
    strategy_ids: list[Id] | None = Field(default=None, max_length=50)
    notes: text(100_000) | None = None
    established_place_id: Id | None = None
    established_on: date | None = Day
    actual_jobs: Count | None = None
    lost_reason: choices(LostReason) | None = None
    lost_to_municipality: text(100) | None = None


@operation(
    bp,
    "/cases/<int:case_id>",
    "PATCH",
    mirrors="establishments.edit",
    summary="Change an establishment case",
    tag="cases",
    body=CaseChange,
    response=CaseOut,
    versioned=True,
    etag=True,
)
def update_case(case_id: int, body: CaseChange):
    """Change the fields given; 412 when the case changed since If-Match."""
    case = _case(case_id)
    version = if_match_version()
    current = case_out(case)
    values = {name: getattr(current, name) for name in CaseChange.model_fields}
    values.update(body.model_dump(exclude_unset=True))
    for name in ("kind", "opened_on"):
        values[name] = values[name] or getattr(current, name)
    for name in ("source", "notes"):
        values[name] = values[name] or ""
    for name in ("place_ids", "strategy_ids"):
        values[name] = values[name] or []
    with committing():
        services.update_case(db.session, case=case, version=version, **values)
    db.session.expire_all()
    case = _case(case_id)
    return json_response(case_out(case), etag=case.version)


@operation(
    bp,
    "/cases/<int:case_id>/stage",
    "POST",
    mirrors="establishments.move",
    summary="Move a case to another stage",
    tag="cases",
    body=StageMove,
    response=CaseOut,
    versioned=True,
    etag=True,
)
def move_case(case_id: int, body: StageMove):
    """Move a case on (kept in its stage history); 412 when it changed since If-Match."""
    case = _case(case_id)
    check_version(case, if_match_version())
    with committing():
        services.move_case(db.session, case=case, actor_id=current_user.id, **body.model_dump())
    db.session.expire_all()
    case = _case(case_id)
    return json_response(case_out(case), etag=case.version)


# --- warnings ---------------------------------------------------------------------------------


class FlagQuery(ListQuery):
    """Open warnings, red first as on the web list; or every warning."""

    include_resolved: bool = False
    severity: choices(FlagSeverity) | None = None
    company_id: Id | None = None
    sort: sort_keys(("id",)) = "id"


class FlagOut(BaseModel):
    """A red or yellow early warning on an organisation."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    company_id: int
    severity: str
    kind: str
    note: str
    meeting_id: int | None
    raised_by_id: int | None
    raised_on: date
    resolved_on: date | None
    resolution: str
    version: int


class NewFlag(Strict):
    """A warning raised on an organisation."""

    company_id: Id
    severity: choices(FlagSeverity)
    kind: choices(FlagKind) = FlagKind.OTHER.value
    note: text(20_000) = ""
    meeting_id: Id | None = None
    raised_on: date | None = Day


class FlagResolution(Strict):
    """Mark a warning as resolved."""

    resolved_on: date | None = Day
    resolution: text(20_000) = ""


@operation(
    bp,
    "/flags",
    "GET",
    mirrors="establishments.flags",
    summary="List warnings",
    tag="flags",
    query=FlagQuery,
    response=Listing[FlagOut],
)
def list_flags(query: FlagQuery):
    """Warnings (open ones unless asked otherwise)."""
    select_ = select(WarningFlag)
    if not query.include_resolved:
        select_ = select_.where(WarningFlag.resolved_on.is_(None))
    if query.severity:
        select_ = select_.where(WarningFlag.severity == query.severity)
    if query.company_id:
        select_ = select_.where(WarningFlag.company_id == query.company_id)
    return list_response(
        query,
        select_,
        id_column=WarningFlag.id,
        sorts={},
        item=FlagOut.model_validate,
        model=FlagOut,
        filename="flags",
    )


@operation(
    bp,
    "/flags",
    "POST",
    mirrors="establishments.new_flag",
    summary="Raise a warning",
    tag="flags",
    body=NewFlag,
    response=FlagOut,
    status=201,
    etag=True,
)
def raise_flag(body: NewFlag):
    """Raise a red or yellow warning on an organisation."""
    values = body.model_dump()
    values["raised_on"] = values["raised_on"] or local_today()
    with committing():
        flag = services.raise_flag(db.session, raised_by_id=current_user.id, **values)
    return json_response(FlagOut.model_validate(flag), 201, etag=flag.version)


@operation(
    bp,
    "/flags/<int:flag_id>/resolve",
    "POST",
    mirrors="establishments.resolve_flag",
    summary="Mark a warning as resolved",
    tag="flags",
    body=FlagResolution,
    response=FlagOut,
    versioned=True,
    etag=True,
)
def resolve_flag(flag_id: int, body: FlagResolution):
    """Mark as resolved; 412 when the warning changed since If-Match."""
    flag = not_found(queries.get_flag(db.session, flag_id))
    version = if_match_version()
    values = body.model_dump()
    values["resolved_on"] = values["resolved_on"] or local_today()
    with committing():
        services.resolve_flag(db.session, flag=flag, version=version, **values)
    return json_response(FlagOut.model_validate(flag), etag=flag.version)
