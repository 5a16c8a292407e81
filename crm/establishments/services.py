"""Writes about establishment cases, their stages and early-warning flags.

Every value is checked before anything changes, so a refusal leaves nothing half-saved.
Services flush, never commit: the route or CLI command commits once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.common import folding
from crm.common.errors import DomainError
from crm.common.models import current_actor_id, utcnow
from crm.common.versioning import ensure_version
from crm.companies import services as company_services
from crm.companies.models import Company, CompanyKind, Place
from crm.establishments.models import (
    CaseKind,
    ChecklistAnswer,
    ChecklistItem,
    EstablishmentCase,
    FlagKind,
    FlagSeverity,
    LostReason,
    PremisesType,
    Stage,
    StageChange,
    StageOutcome,
    WarningFlag,
)
from crm.meetings.models import Meeting
from crm.strategy.models import Strategy
from crm.tasks import services as task_services
from crm.tasks.models import Task

# (key, name, outcome): the stages a new installation starts with, in board order.
DEFAULT_STAGES: list[tuple[str, str, StageOutcome]] = [
    ("first_contact", "Første kontakt", StageOutcome.OPEN),
    ("needs_clarified", "Behov avklart", StageOutcome.OPEN),
    ("site_search", "Tomte- og lokalsøk", StageOutcome.OPEN),
    ("offer_decision", "Tilbud og beslutning", StageOutcome.OPEN),
    ("established", "Etablert", StageOutcome.ESTABLISHED),
    ("lost", "Tapt", StageOutcome.LOST),
    ("on_hold", "På vent", StageOutcome.ON_HOLD),
]

# The questions a default stage starts with (admins edit them afterwards), by stage key.
DEFAULT_CHECKLISTS: dict[str, list[str]] = {
    "first_contact": [
        "Hvem er kontaktpersonen, og hvem tar beslutningen?",
        "Hva ønsker virksomheten å etablere?",
        "Hvordan kom saken inn?",
    ],
    "needs_clarified": [
        "Arealbehov i m²",
        "Type lokaler",
        "Tidsplan",
        "Forventede arbeidsplasser",
        "Investering",
        "Beslutningstakere",
    ],
    "site_search": [
        "Ønskede steder",
        "Tomter og lokaler som er vist",
        "Behov for kollektivtransport",
    ],
    "offer_decision": [
        "Tilbud sendt",
        "Konkurrerende kommuner",
        "Beslutningsdato",
    ],
}
MAX_CHECKLIST_TEXT = 300
MAX_STAGE_NAME = 100
MAX_SOURCE = 200
MAX_NOTES = 20_000
MAX_MUNICIPALITY = 100
# Above this a number is a typing error (no Norwegian establishment brings a million jobs).
MAX_JOBS = 1_000_000
MAX_AREA = 100_000_000
MAX_INVESTMENT = 10**15
ACTIVE_OUTCOMES = (StageOutcome.OPEN.value, StageOutcome.ON_HOLD.value)


# --- stages -----------------------------------------------------------------------------------


def seed_stages(session: Session) -> list[Stage]:
    """Create the default stages that are missing (by key); existing ones are left as they are."""
    existing = {s.key: s for s in session.scalars(select(Stage))}
    for position, (key, name, outcome) in enumerate(DEFAULT_STAGES, start=1):
        if key not in existing:
            stage = Stage(key=key, name=name, position=position, outcome=outcome.value)
            session.add(stage)
            existing[key] = stage
    session.flush()
    seed_checklists(session, existing)
    return sorted(existing.values(), key=lambda s: (s.position, s.id))


def seed_checklists(session: Session, stages: dict[str, Stage]) -> None:
    """Give each default stage (by key) that has no checklist yet its default questions."""
    with_items = set(session.scalars(select(ChecklistItem.stage_id).distinct()))
    for key, texts in DEFAULT_CHECKLISTS.items():
        stage = stages.get(key)
        if stage is None or stage.id in with_items:
            continue
        for position, text in enumerate(texts, start=1):
            session.add(ChecklistItem(stage_id=stage.id, text=text, position=position))
    session.flush()


# --- checklists -------------------------------------------------------------------------------


def _check_item_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError("text", _l("Write the question."))
    if len(text) > MAX_CHECKLIST_TEXT:
        raise DomainError("text", _l("At most %(n)d characters.", n=MAX_CHECKLIST_TEXT))
    return text


def add_checklist_item(session: Session, *, stage: Stage, text: str) -> ChecklistItem:
    """Add a question at the end of the stage's checklist."""
    text = _check_item_text(text)
    last = session.scalar(
        select(func.max(ChecklistItem.position)).where(ChecklistItem.stage_id == stage.id)
    )
    item = ChecklistItem(stage_id=stage.id, text=text, position=(last or 0) + 1)
    session.add(item)
    session.flush()
    return item


def update_checklist_item(
    session: Session, *, item: ChecklistItem, text: str, version: str | int | None
) -> ChecklistItem:
    """Reword a question; the answers cases gave to it stay."""
    ensure_version(item, version)
    item.text = _check_item_text(text)
    session.flush()
    return item


def delete_checklist_item(session: Session, *, item: ChecklistItem) -> None:
    """Remove a question from its stage's checklist, and the answers to it."""
    session.delete(item)
    session.flush()


def answer_checklist(
    session: Session,
    *,
    case: EstablishmentCase,
    answered_ids: Sequence[int],
    actor_id: int | None,
    meeting_id: int | None = None,
) -> list[ChecklistAnswer]:
    """Set which questions of the case's current stage are answered.

    A newly ticked question is answered now by the actor (in the meeting, when given); one
    already answered keeps who and when; one no longer ticked is unanswered again.
    """
    items = {
        item.id: item
        for item in session.scalars(
            select(ChecklistItem).where(ChecklistItem.stage_id == case.stage_id)
        )
    }
    wanted = set(answered_ids or ())
    if not wanted <= items.keys():
        raise DomainError(None, _l("A question is not on this stage's checklist (any more)."))
    if meeting_id is not None:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None or meeting.establishment_id != case.id:
            raise DomainError(None, _l("That meeting does not belong to this case."))
    answers = {
        answer.item_id: answer
        for answer in session.scalars(
            select(ChecklistAnswer).where(
                ChecklistAnswer.case_id == case.id, ChecklistAnswer.item_id.in_(list(items))
            )
        )
    }
    for item_id, answer in answers.items():
        if item_id not in wanted:
            session.delete(answer)
    for item_id in sorted(wanted - answers.keys()):
        answers[item_id] = ChecklistAnswer(
            case_id=case.id,
            item_id=item_id,
            answered_by_id=actor_id if actor_id is not None else current_actor_id(),
            meeting_id=meeting_id,
            answered_at=utcnow(),
        )
        session.add(answers[item_id])
    session.flush()
    return [answers[item_id] for item_id in sorted(wanted)]


def unanswered_items(session: Session, case: EstablishmentCase) -> list[ChecklistItem]:
    """The questions of the case's current stage nobody has answered for it, in order."""
    answered = select(ChecklistAnswer.item_id).where(ChecklistAnswer.case_id == case.id)
    return list(
        session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.stage_id == case.stage_id, ChecklistItem.id.not_in(answered))
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )


class UnansweredChecklist(DomainError):
    """Moving on with unanswered questions needs the adviser's confirmation (never a refusal)."""

    def __init__(self, items: list[ChecklistItem]) -> None:
        super().__init__(
            "confirmed",
            _l(
                "%(n)d of the questions for this stage are not answered. Move the case anyway?",
                n=len(items),
            ),
        )
        self.items = items


def rename_stage(session: Session, *, stage: Stage, name: str, version: str | int | None) -> Stage:
    """Give a stage a new name; the key and outcome stay, so the rules keep working."""
    ensure_version(stage, version)
    name = (name or "").strip()
    if not name:
        raise DomainError("name", _l("Give the stage a name."))
    if len(name) > MAX_STAGE_NAME:
        raise DomainError("name", _l("At most %(n)d characters.", n=MAX_STAGE_NAME))
    taken = session.scalar(
        select(Stage.id).where(folding.equals(Stage.name, name), Stage.id != stage.id)
    )
    if taken is not None:
        raise DomainError("name", _l("Another stage already has this name."))
    stage.name = name
    session.flush()
    return stage


def move_stage_position(session: Session, *, stage: Stage, offset: int) -> list[Stage]:
    """Move a stage one place earlier (offset -1) or later (+1) on the board; renumber all."""
    stages = list(session.scalars(select(Stage).order_by(Stage.position, Stage.id)))
    index = stages.index(stage)
    target = index + (1 if offset > 0 else -1)
    if 0 <= target < len(stages):
        stages[index], stages[target] = stages[target], stages[index]
    for position, item in enumerate(stages, start=1):
        if item.position != position:
            item.position = position
    session.flush()
    return stages


# --- cases ------------------------------------------------------------------------------------


def _check_number(field: str, value: int | None, maximum: int, message) -> None:
    if value is None:
        return
    if not isinstance(value, int) or value < 0:
        raise DomainError(field, message)
    if value > maximum:
        raise DomainError(field, _l("This number is too large."))


def _check_text(field: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise DomainError(field, _l("At most %(n)d characters.", n=limit))
    return value


def _check_case_values(
    session: Session,
    *,
    kind: str,
    opened_on: date,
    source: str,
    premises_type: str | None,
    area_m2: int | None,
    expected_jobs: int | None,
    expected_investment_nok: int | None,
    expected_decision_on: date | None,
    adviser_id: int | None,
    notes: str,
    current_adviser_id: int | None = None,
) -> dict:
    """The case's own fields, checked; returns them cleaned."""
    if kind not in {k.value for k in CaseKind}:
        raise DomainError("kind", _l("Choose a kind of case from the list."))
    if premises_type is not None and premises_type not in {p.value for p in PremisesType}:
        raise DomainError("premises_type", _l("Choose a type of premises from the list."))
    _check_number("area_m2", area_m2, MAX_AREA, _l("The area cannot be negative."))
    _check_number("expected_jobs", expected_jobs, MAX_JOBS, _l("Jobs cannot be negative."))
    _check_number(
        "expected_investment_nok",
        expected_investment_nok,
        MAX_INVESTMENT,
        _l("The investment cannot be negative."),
    )
    if expected_decision_on is not None and expected_decision_on < opened_on:
        raise DomainError(
            "expected_decision_on",
            _l("The decision date cannot be before the case was opened (%(day)s).", day=opened_on),
        )
    if adviser_id is not None:
        adviser = session.get(User, adviser_id)
        if adviser is None:
            raise DomainError("adviser_id", _l("That user was not found."))
        if not adviser.active and adviser_id != current_adviser_id:
            raise DomainError("adviser_id", _l("That user is deactivated."))
    return {
        "kind": kind,
        "opened_on": opened_on,
        "source": _check_text("source", source, MAX_SOURCE),
        "premises_type": premises_type,
        "area_m2": area_m2,
        "expected_jobs": expected_jobs,
        "expected_investment_nok": expected_investment_nok,
        "expected_decision_on": expected_decision_on,
        "adviser_id": adviser_id,
        "notes": _check_text("notes", notes, MAX_NOTES),
    }


def _wished_places_and_strategies(
    session: Session, place_ids: Iterable[int] | None, strategy_ids: Iterable[int] | None
) -> tuple[list[Place], list[Strategy]]:
    """A case's wished places and strategies, each refused by its field when one is gone."""
    places = _load_all(
        session, Place, place_ids, "place_ids", _l("A chosen place does not exist (any more).")
    )
    strategies = _load_all(
        session,
        Strategy,
        strategy_ids,
        "strategy_ids",
        _l("A chosen strategy does not exist (any more)."),
    )
    return places, strategies


def _load_all(session: Session, model: type, ids: Iterable[int], field: str, message) -> list:
    wanted = sorted(set(ids or ()))
    if not wanted:
        return []
    found = list(session.scalars(select(model).where(model.id.in_(wanted))))
    if len(found) != len(wanted):
        raise DomainError(field, message)
    return found


def _company_or_prospect(
    session: Session,
    *,
    company_id: int | None,
    company_text: str | None,
    prospect_name: str | None,
) -> Company | None:
    """The existing organisation chosen, or None when a prospect is to be made by name."""
    company = company_services.resolve_organisation(
        session, company_id=company_id, typed=company_text, field="company_search", required=False
    )
    if company is not None and (prospect_name or "").strip():
        raise DomainError(
            "prospect_name",
            _l("Choose an existing organisation or name a new prospect, not both."),
        )
    if company is None and not (prospect_name or "").strip():
        raise DomainError(
            "company_search",
            _l("Choose an existing organisation, or give the name of a new prospect."),
        )
    return company


def _stage(session: Session, stage_id: int | None, field: str = "stage_id") -> Stage:
    stage = session.get(Stage, stage_id) if stage_id is not None else None
    if stage is None:
        raise DomainError(field, _l("Choose a stage from the list."))
    return stage


def first_stage(session: Session) -> Stage | None:
    """The first open stage on the board: where a new case starts by default."""
    return session.scalar(
        select(Stage)
        .where(Stage.outcome == StageOutcome.OPEN.value)
        .order_by(Stage.position, Stage.id)
        .limit(1)
    )


def create_case(
    session: Session,
    *,
    company_id: int | None = None,
    company_text: str | None = None,
    prospect_name: str | None = None,
    kind: str = CaseKind.NEW.value,
    stage_id: int | None = None,
    opened_on: date,
    source: str = "",
    premises_type: str | None = None,
    area_m2: int | None = None,
    expected_jobs: int | None = None,
    expected_investment_nok: int | None = None,
    expected_decision_on: date | None = None,
    adviser_id: int | None = None,
    next_follow_up_on: date | None = None,
    place_ids: Sequence[int] = (),
    strategy_ids: Sequence[int] = (),
    notes: str = "",
    actor_id: int | None = None,
) -> EstablishmentCase:
    """Open a case for an organisation, or for a prospect made on the spot by name.

    The first stage is kept as a stage change from nothing, so time in it can be reported.
    """
    company = _company_or_prospect(
        session, company_id=company_id, company_text=company_text, prospect_name=prospect_name
    )
    stage = _stage(session, stage_id) if stage_id is not None else first_stage(session)
    if stage is None:
        raise DomainError("stage_id", _l("No stages are set up. Ask an administrator."))
    if stage.outcome not in ACTIVE_OUTCOMES:
        raise DomainError(
            "stage_id", _l("A new case starts in an open stage; move it on from the board.")
        )
    values = _check_case_values(
        session,
        kind=kind,
        opened_on=opened_on,
        source=source,
        premises_type=premises_type,
        area_m2=area_m2,
        expected_jobs=expected_jobs,
        expected_investment_nok=expected_investment_nok,
        expected_decision_on=expected_decision_on,
        adviser_id=adviser_id,
        notes=notes,
    )
    places, strategies = _wished_places_and_strategies(session, place_ids, strategy_ids)
    if company is None:
        try:
            company = company_services.create_company(
                session, name=prospect_name or "", kind=CompanyKind.COMPANY.value
            )
        except DomainError as error:
            raise DomainError("prospect_name", error.message) from error
    case = EstablishmentCase(
        company=company,
        stage=stage,
        next_follow_up_on=next_follow_up_on,
        wished_places=places,
        strategies=strategies,
        **values,
    )
    session.add(case)
    session.flush()
    _record_change(session, case=case, from_stage=None, to_stage=stage, actor_id=actor_id)
    return case


def update_case(
    session: Session,
    *,
    case: EstablishmentCase,
    version: str | int | None,
    kind: str,
    opened_on: date,
    source: str,
    premises_type: str | None,
    area_m2: int | None,
    expected_jobs: int | None,
    expected_investment_nok: int | None,
    expected_decision_on: date | None,
    adviser_id: int | None,
    next_follow_up_on: date | None,
    place_ids: Sequence[int],
    strategy_ids: Sequence[int],
    notes: str,
    established_place_id: int | None = None,
    established_on: date | None = None,
    actual_jobs: int | None = None,
    lost_reason: str | None = None,
    lost_to_municipality: str | None = None,
) -> EstablishmentCase:
    """Change a case loaded at `version`; its stage changes only through `move_case`."""
    ensure_version(case, version)
    values = _check_case_values(
        session,
        kind=kind,
        opened_on=opened_on,
        source=source,
        premises_type=premises_type,
        area_m2=area_m2,
        expected_jobs=expected_jobs,
        expected_investment_nok=expected_investment_nok,
        expected_decision_on=expected_decision_on,
        adviser_id=adviser_id,
        notes=notes,
        current_adviser_id=case.adviser_id,
    )
    outcome_values = _check_outcome(
        session,
        stage=case.stage,
        opened_on=opened_on,
        established_place_id=established_place_id,
        established_on=established_on,
        actual_jobs=actual_jobs,
        lost_reason=lost_reason,
        lost_to_municipality=lost_to_municipality,
    )
    places, strategies = _wished_places_and_strategies(session, place_ids, strategy_ids)
    for field, value in {**values, **outcome_values}.items():
        setattr(case, field, value)
    case.next_follow_up_on = next_follow_up_on
    case.wished_places = places
    case.strategies = strategies
    session.flush()
    return case


def _check_outcome(
    session: Session,
    *,
    stage: Stage,
    opened_on: date,
    established_place_id: int | None,
    established_on: date | None,
    actual_jobs: int | None,
    lost_reason: str | None,
    lost_to_municipality: str | None,
) -> dict:
    """What an established or lost stage needs; returns the outcome fields, cleaned."""
    _check_number("actual_jobs", actual_jobs, MAX_JOBS, _l("Jobs cannot be negative."))
    lost_to_municipality = _check_text(
        "lost_to_municipality", lost_to_municipality or "", MAX_MUNICIPALITY
    )
    if established_place_id is not None and session.get(Place, established_place_id) is None:
        raise DomainError("established_place_id", _l("This place does not exist (any more)."))
    if lost_reason and lost_reason not in {r.value for r in LostReason}:
        raise DomainError("lost_reason", _l("Choose a reason from the list."))
    if stage.outcome == StageOutcome.ESTABLISHED:
        if established_place_id is None:
            raise DomainError(
                "established_place_id", _l("An established case needs the place it established in.")
            )
        if established_on is None:
            raise DomainError(
                "established_on", _l("An established case needs the date it established.")
            )
        if actual_jobs is None:
            raise DomainError(
                "actual_jobs", _l("An established case needs the number of jobs it brought.")
            )
    if established_on is not None and established_on < opened_on:
        raise DomainError(
            "established_on",
            _l("The date cannot be before the case was opened (%(day)s).", day=opened_on),
        )
    if stage.outcome == StageOutcome.LOST:
        if not lost_reason:
            raise DomainError("lost_reason", _l("A lost case needs a reason."))
        if lost_reason == LostReason.OTHER_MUNICIPALITY and not lost_to_municipality:
            raise DomainError(
                "lost_to_municipality", _l("Say which municipality the organisation chose.")
            )
    return {
        "established_place_id": established_place_id,
        "established_on": established_on,
        "actual_jobs": actual_jobs,
        "lost_reason": lost_reason or None,
        "lost_to_municipality": lost_to_municipality or None,
    }


def _record_change(
    session: Session,
    *,
    case: EstablishmentCase,
    from_stage: Stage | None,
    to_stage: Stage,
    actor_id: int | None,
    at: datetime | None = None,
) -> StageChange:
    change = StageChange(
        case=case,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_at=at or utcnow(),
        changed_by_id=actor_id if actor_id is not None else current_actor_id(),
    )
    session.add(change)
    session.flush()
    return change


def move_case(
    session: Session,
    *,
    case: EstablishmentCase,
    stage_id: int | None,
    actor_id: int | None = None,
    established_place_id: int | None = None,
    established_on: date | None = None,
    actual_jobs: int | None = None,
    lost_reason: str | None = None,
    lost_to_municipality: str | None = None,
    at: datetime | None = None,
    confirmed: bool = True,
) -> EstablishmentCase:
    """Move a case to another stage, kept as a stage change with who and when.

    Moving on to a later stage with questions of this stage's checklist unanswered raises
    UnansweredChecklist unless `confirmed`: the adviser is asked, never stopped.

    Established needs place, date and actual jobs; lost needs a reason (and the municipality
    when the company chose another one). Details not given are taken from the case.
    Moving to the stage it is in changes nothing.
    """
    stage = _stage(session, stage_id)
    if stage.id == case.stage_id:
        return case

    def given(value, current):
        return current if value is None or value == "" else value

    outcome_values = _check_outcome(
        session,
        stage=stage,
        opened_on=case.opened_on,
        established_place_id=given(established_place_id, case.established_place_id),
        established_on=given(established_on, case.established_on),
        actual_jobs=given(actual_jobs, case.actual_jobs),
        lost_reason=given(lost_reason, case.lost_reason),
        lost_to_municipality=given(lost_to_municipality, case.lost_to_municipality),
    )
    # Asked after what the stage needs: a move that needs details is sent to its form first.
    if not confirmed and _moves_on(case.stage, stage):
        unanswered = unanswered_items(session, case)
        if unanswered:
            raise UnansweredChecklist(unanswered)
    previous = case.stage
    for field, value in outcome_values.items():
        setattr(case, field, value)
    case.stage = stage
    session.flush()
    _record_change(
        session, case=case, from_stage=previous, to_stage=stage, actor_id=actor_id, at=at
    )
    return case


def _moves_on(current: Stage, target: Stage) -> bool:
    """Whether the move goes forward on the board (to a later open stage, or established)."""
    forward = (target.position, target.id) > (current.position, current.id)
    return forward and target.outcome in (StageOutcome.OPEN, StageOutcome.ESTABLISHED)


def link_meeting(session: Session, *, case: EstablishmentCase, meeting_id: int | None) -> Meeting:
    """Tie an existing meeting with the case's organisation to the case."""
    meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
    if meeting is None:
        raise DomainError("meeting_id", _l("That meeting was not found."))
    if case.company_id not in {c.id for c in meeting.companies}:
        raise DomainError(
            "meeting_id", _l("Only a meeting with %(name)s can be linked.", name=case.company.name)
        )
    if meeting.establishment_id not in (None, case.id):
        raise DomainError("meeting_id", _l("That meeting already belongs to another case."))
    meeting.establishment_id = case.id
    session.flush()
    return meeting


def add_case_task(
    session: Session,
    *,
    case: EstablishmentCase,
    title: str,
    due_on: date | None,
    assignee_id: int | None,
    description: str = "",
) -> Task:
    """A follow-up task on the case and its organisation."""
    return task_services.create_task(
        session,
        title=title,
        description=description,
        due_on=due_on,
        assignee_id=assignee_id,
        company_id=case.company_id,
        establishment_id=case.id,
    )


# --- early-warning flags ----------------------------------------------------------------------


def raise_flag(
    session: Session,
    *,
    company_id: int | None,
    severity: str,
    kind: str,
    note: str = "",
    meeting_id: int | None = None,
    raised_on: date,
    raised_by_id: int | None = None,
) -> WarningFlag:
    """Raise a red or yellow early warning on an organisation, by hand or from a meeting."""
    company = session.get(Company, company_id) if company_id is not None else None
    if company is None:
        raise DomainError("company_id", _l("That organisation was not found."))
    if severity not in {s.value for s in FlagSeverity}:
        raise DomainError("severity", _l("Choose red or yellow."))
    if kind not in {k.value for k in FlagKind}:
        raise DomainError("kind", _l("Choose what the warning is about from the list."))
    note = _check_text("note", note, MAX_NOTES)
    if meeting_id is not None:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None or company.id not in {c.id for c in meeting.companies}:
            raise DomainError(
                "meeting_id", _l("Choose a meeting with %(name)s, or none.", name=company.name)
            )
    flag = WarningFlag(
        company=company,
        severity=severity,
        kind=kind,
        note=note,
        meeting_id=meeting_id,
        raised_on=raised_on,
        raised_by_id=raised_by_id if raised_by_id is not None else current_actor_id(),
    )
    session.add(flag)
    session.flush()
    return flag


def resolve_flag(
    session: Session,
    *,
    flag: WarningFlag,
    version: str | int | None,
    resolved_on: date | None,
    resolution: str,
) -> WarningFlag:
    """Close a flag: when, and how it was resolved."""
    ensure_version(flag, version)
    if flag.resolved_on is not None:
        raise DomainError(None, _l("This warning was already resolved."))
    if resolved_on is None:
        raise DomainError("resolved_on", _l("Give the date it was resolved."))
    if resolved_on < flag.raised_on:
        raise DomainError(
            "resolved_on",
            _l("It cannot be resolved before it was raised (%(day)s).", day=flag.raised_on),
        )
    resolution = _check_text("resolution", resolution, MAX_NOTES)
    if not resolution:
        raise DomainError("resolution", _l("Say how it was resolved."))
    flag.resolved_on = resolved_on
    flag.resolution = resolution
    session.flush()
    return flag
