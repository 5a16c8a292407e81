"""What the visit brief shows, read in a fixed number of SELECTs whatever the organisation's size.

The order is the adviser's reading order before walking in: who they are (register facts and
their history), where we are (the open case, open warnings), what was said and promised (the
last meetings, open tasks), who we know there and who knows them (people, clusters; the
strongest ties with a person to call load after the page), what the strategy cares about,
and the questions for this visit (the case stage's checklist, unanswered first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from crm.clusters.models import Cluster, Membership
from crm.common.charts import LineChart
from crm.common.folding import fold
from crm.companies import queries as company_queries
from crm.companies.models import Company
from crm.contacts import queries as contact_queries
from crm.contacts.models import Affiliation, Contact
from crm.establishments import queries as establishment_queries
from crm.establishments.models import EstablishmentCase, Stage, StageChange
from crm.meetings import queries as meeting_queries
from crm.meetings.models import Meeting, meeting_companies, meeting_contacts, meeting_strategies
from crm.network import panels as network_panels
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod
from crm.tasks.models import Task

MEETINGS_SHOWN = 5
TIES_SHOWN = 5
# A brief is one or two printed pages: more open tasks than this are counted, not listed.
TASKS_SHOWN = 12
PEOPLE_SHOWN = 12


@dataclass
class PersonRow:
    """Someone at the organisation: their role there and when the department last met them."""

    affiliation: Affiliation
    last_contacted: Any


@dataclass
class TieRow:
    """One of the organisation's strongest ties, and whom to call there for an introduction."""

    company_id: int
    name: str
    weight: float
    reasons: dict[str, int]
    contact_id: int | None = None
    contact_name: str | None = None
    last_met: Any = None


@dataclass
class Brief:
    """Everything the brief page shows, for one organisation (and its case, if any)."""

    company: Company
    today: date
    history: list[company_queries.RegisterLine]
    chart: LineChart | None
    case: EstablishmentCase | None
    days_in_stage: int | None
    planned_meeting: Meeting | None
    flags: list[establishment_queries.OpenFlag]
    meetings: list[Meeting]
    tasks: list[Task]
    more_tasks: int
    people: list[PersonRow]
    memberships: list[Membership]
    strategies: list[Strategy]
    uncovered_focus_areas: list[FocusArea]
    checklist: list[establishment_queries.ChecklistRow] = field(default_factory=list)

    @property
    def responsible(self):
        """The organisation's responsible adviser (kontaktansvarlig)."""
        return self.company.responsible

    @property
    def unanswered(self) -> list[establishment_queries.ChecklistRow]:
        """The checklist's questions nobody has answered for the case yet."""
        return [row for row in self.checklist if row.answer is None]

    @property
    def invited_ids(self) -> list[int]:
        """The people invited to the planned meeting (none without one)."""
        return [c.id for c in self.planned_meeting.contacts] if self.planned_meeting else []

    @property
    def strategy_ids(self) -> list[int]:
        """The strategies the case and the planned meeting are tagged with."""
        tagged = list(self.case.strategies) if self.case else []
        if self.planned_meeting:
            tagged += self.planned_meeting.strategies
        return sorted({s.id for s in tagged})

    def capture_notes(self) -> str:
        """The unanswered questions as Markdown headings, to write the answers under."""
        return "".join(f"## {row.item.text}\n\n" for row in self.unanswered)


def _case_for(
    session: Session, company_id: int, case_id: int | None, meeting: Meeting | None
) -> EstablishmentCase | None:
    """The case asked for, else the planned meeting's, else the organisation's newest open one."""
    wanted = case_id or (meeting.establishment_id if meeting else None)
    query = select(EstablishmentCase).where(EstablishmentCase.company_id == company_id)
    if wanted is not None:
        query = query.where(EstablishmentCase.id == wanted)
    else:
        query = query.join(EstablishmentCase.stage).where(
            Stage.outcome.in_(establishment_queries.ACTIVE_OUTCOMES)
        )
    return session.scalar(
        query.options(
            joinedload(EstablishmentCase.stage),
            joinedload(EstablishmentCase.adviser),
            selectinload(EstablishmentCase.wished_places),
            selectinload(EstablishmentCase.strategies),
        )
        .order_by(EstablishmentCase.opened_on.desc(), EstablishmentCase.id.desc())
        .limit(1)
    )


def _planned_meeting(
    session: Session, company_id: int, meeting_id: int | None, today: date
) -> Meeting | None:
    """The meeting asked for (when it is with the organisation), else its next planned one."""
    query = (
        select(Meeting)
        .join(meeting_companies, meeting_companies.c.meeting_id == Meeting.id)
        .where(meeting_companies.c.company_id == company_id)
        .options(selectinload(Meeting.contacts), selectinload(Meeting.strategies))
    )
    if meeting_id is not None:
        query = query.where(Meeting.id == meeting_id)
    else:
        query = query.where(~meeting_queries.has_happened(today)).order_by(Meeting.starts_at)
    return session.scalar(query.limit(1))


def _days_in_stage(session: Session, case: EstablishmentCase, today: date) -> int | None:
    entered = session.scalar(
        select(func.max(StageChange.changed_at)).where(
            StageChange.case_id == case.id, StageChange.to_stage_id == case.stage_id
        )
    )
    if entered is None:
        return None
    return max((today - entered.date()).days, 0)


def _last_meetings(session: Session, company_id: int, today: date) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .join(meeting_companies, meeting_companies.c.meeting_id == Meeting.id)
            .where(
                meeting_companies.c.company_id == company_id, meeting_queries.has_happened(today)
            )
            .options(selectinload(Meeting.contacts), selectinload(Meeting.staff))
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(MEETINGS_SHOWN)
        )
    )


def _open_tasks(
    session: Session, company_id: int, case: EstablishmentCase | None, today: date
) -> tuple[list[Task], int]:
    """Open tasks on the organisation or its case: overdue first, then by due date."""
    about = Task.company_id == company_id
    if case is not None:
        about = about | (Task.establishment_id == case.id)
    overdue_first = sql_case((Task.due_on < today, 0), else_=1)
    rows = list(
        session.scalars(
            select(Task)
            .where(about, Task.done.is_(False))
            .options(joinedload(Task.assignee))
            .order_by(overdue_first, Task.due_on.is_(None), Task.due_on, Task.id)
            .limit(TASKS_SHOWN + 1)
        )
    )
    more = 0
    if len(rows) > TASKS_SHOWN:
        more = session.scalar(select(func.count()).where(about, Task.done.is_(False))) or 0
        more -= TASKS_SHOWN
    return rows[:TASKS_SHOWN], more


def _people(session: Session, company_id: int, today: date) -> list[PersonRow]:
    last = contact_queries.last_contacted_expression(Contact, today=today).label("last")
    rows = session.execute(
        select(Affiliation, last)
        .join(Affiliation.contact)
        .where(
            Affiliation.company_id == company_id,
            contact_queries.current_clause(Affiliation, today),
        )
        .options(contains_eager(Affiliation.contact))
        # The people the department met most recently first; never-met last, by name.
        .order_by(last.is_(None), last.desc(), fold(Contact.name), Affiliation.id)
        .limit(PEOPLE_SHOWN)
    )
    return [PersonRow(affiliation, last_contacted) for affiliation, last_contacted in rows]


def _memberships(session: Session, company_id: int, today: date) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .join(Membership.cluster)
            .where(
                Membership.company_id == company_id,
                (Membership.left_on.is_(None)) | (Membership.left_on > today),
            )
            .options(contains_eager(Membership.cluster))
            .order_by(Cluster.name, Membership.id)
        )
    )


def strongest_ties(session: Session, company_id: int, today: date) -> list[TieRow]:
    """The strongest ties, each with the person there the department met most recently.

    Apart from the brief (its page fetches them after loading): a hub's ties take a graph of
    a few thousand neighbours to work out, several times the brief's own reads.
    """
    # The organisation's own rows, never the district's version check: the same figures, quicker.
    panel = network_panels.company_panel(
        session, company_id, limit=TIES_SHOWN, today=today, use_cache=False
    )
    ties = [
        TieRow(
            row["id"],
            row["name"] or "",
            row["weight"],
            {key: row.get(key, 0) for key in ("link", "cluster", "meeting", "person")},
        )
        for row in panel.rows
    ]
    if not ties:
        return ties
    # Two small reads: the tie organisations' current people, then when each was last met.
    people = session.execute(
        select(Affiliation.company_id, Contact.id, Contact.name)
        .join(Contact, Contact.id == Affiliation.contact_id)
        .where(
            Affiliation.company_id.in_([tie.company_id for tie in ties]),
            contact_queries.current_clause(Affiliation, today),
        )
    ).all()
    met: dict[int, Any] = {}
    if people:
        met = dict(
            session.execute(
                select(meeting_contacts.c.contact_id, func.max(Meeting.starts_at))
                .join(Meeting, Meeting.id == meeting_contacts.c.meeting_id)
                .where(
                    meeting_contacts.c.contact_id.in_(sorted({row[1] for row in people})),
                    meeting_queries.has_happened(today),
                )
                .group_by(meeting_contacts.c.contact_id)
            ).all()
        )
    best: dict[int, tuple] = {}
    for org_id, contact_id, name in people:
        last_met = met.get(contact_id)
        if last_met is None:
            continue
        if org_id not in best or (last_met, -contact_id) > (best[org_id][2], -best[org_id][0]):
            best[org_id] = (contact_id, name, last_met)
    for tie in ties:
        if tie.company_id in best:
            tie.contact_id, tie.contact_name, tie.last_met = best[tie.company_id]
    return ties


def _strategies(
    session: Session, company_id: int, case: EstablishmentCase | None
) -> tuple[list[Strategy], list[FocusArea]]:
    """Strategies the organisation's meetings and case serve, and focus areas none of them do."""
    tagged = set(
        session.scalars(
            select(meeting_strategies.c.strategy_id)
            .join(
                meeting_companies,
                meeting_companies.c.meeting_id == meeting_strategies.c.meeting_id,
            )
            .where(meeting_companies.c.company_id == company_id)
            .distinct()
        )
    )
    if case is not None:
        tagged |= {strategy.id for strategy in case.strategies}
    areas = list(
        session.scalars(
            select(FocusArea)
            .join(FocusArea.period)
            .where(StrategyPeriod.current.is_(True))
            .options(selectinload(FocusArea.strategies))
            .order_by(FocusArea.position, FocusArea.number)
        )
    )
    served = [s for area in areas for s in area.strategies if s.id in tagged]
    uncovered = [area for area in areas if not any(s.id in tagged for s in area.strategies)]
    return served, uncovered


def company_exists(session: Session, company_id: int) -> bool:
    """Whether there is an organisation with this id."""
    return session.scalar(select(Company.id).where(Company.id == company_id)) is not None


def get_brief(
    session: Session,
    company_id: int,
    *,
    today: date,
    case_id: int | None = None,
    meeting_id: int | None = None,
) -> Brief | None:
    """The brief for an organisation, or None when it (or the case or meeting asked for) is not
    the organisation's."""
    company = session.scalar(
        select(Company)
        .where(Company.id == company_id)
        .options(joinedload(Company.place), joinedload(Company.responsible))
    )
    if company is None:
        return None
    meeting = _planned_meeting(session, company_id, meeting_id, today)
    if meeting_id is not None and meeting is None:
        return None
    case = _case_for(session, company_id, case_id, meeting)
    if case_id is not None and case is None:
        return None
    history = company_queries.register_history(session, company_id)
    tasks, more_tasks = _open_tasks(session, company_id, case, today)
    strategies, uncovered = _strategies(session, company_id, case)
    checklist = establishment_queries.case_checklist(session, case) if case else []
    return Brief(
        company=company,
        today=today,
        history=history,
        chart=company_queries.employee_chart(history),
        case=case,
        days_in_stage=_days_in_stage(session, case, today) if case else None,
        planned_meeting=meeting,
        flags=[row.flag for row in establishment_queries.company_flags(session, company_id)],
        meetings=_last_meetings(session, company_id, today),
        tasks=tasks,
        more_tasks=more_tasks,
        people=_people(session, company_id, today),
        memberships=_memberships(session, company_id, today),
        strategies=strategies,
        uncovered_focus_areas=uncovered,
        # Unanswered questions first, each group in the checklist's order.
        checklist=sorted(checklist, key=lambda row: row.answer is not None),
    )
