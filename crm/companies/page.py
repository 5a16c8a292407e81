"""The organisation's page: what it reads, in as few statements as it can.

The page shows an organisation's facts, then eight short lists: its sectors, sub-units,
memberships, register history, open cases, open warnings, open tasks and people, beside its
timeline and links. Read one statement each, they were most of the page's statements, and on
PostgreSQL each statement is a round trip: the client's and the server's work for a message
each way (about 0.25 ms of CPU between them, whatever the statement reads). The seven lists
that are the organisation's own columns come here in one statement (`_parts`): each list a
branch of a UNION ALL in one row shape, named by its `part` and numbered in its own order.
The people stay a statement of their own: the restriction's hook (crm.contacts.restriction)
adds its criteria to ORM statements that read people, not to a branch of a compound one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import (
    Boolean,
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.clusters.models import Cluster, Membership
from crm.common.dates import local_today
from crm.common.folding import fold
from crm.common.statements import keep, read
from crm.companies import queries
from crm.companies.models import Company, RegisterPoint, Sector, company_sectors
from crm.companies.queries import (
    SUB_UNIT_LIMIT,
    CompanyDetail,
    CompanyFacts,
    MembershipRow,
    PersonRow,
    RegisterLine,
    SubUnit,
)
from crm.establishments import queries as establishment_queries
from crm.establishments.models import EstablishmentCase, Stage, WarningFlag
from crm.tasks import queries as task_queries
from crm.tasks.models import Task

# The establishments' and tasks' queries as modules, their names read when the page is read:
# crm.establishments.queries imports the organisations' package, whose routes import this.

# The row shape every branch fills (None where a list has nothing to put), with its type: the
# same in every branch, as PostgreSQL asks of a UNION and as SQLAlchemy reads the first
# branch's types for all rows.
_SHAPE = {
    "a": Integer,
    "b": Integer,
    "t1": String,
    "t2": String,
    "t3": String,
    "d1": Date,
    "d2": Date,
    "flag": Boolean,
}


def _part(
    name: str,
    order_by: Sequence[ColumnElement],
    values: dict[str, ColumnElement],
) -> Select:
    """One list's branch: its name, its rows numbered in its order, its values in the shape."""
    columns = [
        literal(name, String).label("part"),
        func.row_number().over(order_by=list(order_by)).label("n"),
    ]
    for key, type_ in _SHAPE.items():
        value = values.get(key)
        columns.append(
            (cast(null(), type_) if value is None else type_coerce(value, type_)).label(key)
        )
    return select(*columns)


def _first(branch: Select, limit: int) -> Select:
    """The branch's first `limit` rows (a branch of a compound select takes no LIMIT of its
    own on SQLite: its numbered rows are filtered instead)."""
    rows = branch.subquery()
    return select(*rows.c).where(rows.c.n <= limit)


@cache
def _parts() -> CompoundSelect:
    """The seven lists' statement, built on first use (see the imports above)."""
    company_id = bindparam("company_id")
    branches = [
        _part(
            "sector",
            [Sector.position, Sector.id],
            {"t1": Sector.name},
        )
        .join(company_sectors, company_sectors.c.sector_id == Sector.id)
        .where(company_sectors.c.company_id == company_id),
        # One more sub-unit than shown: whether there are more.
        _first(
            _part(
                "unit",
                [fold(Company.name), Company.id],
                {"a": Company.id, "t1": Company.name},
            ).where(Company.parent_id == company_id),
            SUB_UNIT_LIMIT + 1,
        ),
        _part(
            "membership",
            queries.MEMBERSHIP_ORDER,
            {
                "a": Membership.id,
                "b": Membership.cluster_id,
                "t1": Cluster.name,
                "t2": Membership.role,
                "d1": Membership.joined_on,
                "d2": Membership.left_on,
            },
        )
        .join(Cluster, Cluster.id == Membership.cluster_id)
        .where(Membership.company_id == company_id),
        _part(
            "history",
            queries.HISTORY_ORDER,
            {
                "b": RegisterPoint.employees,
                "t1": RegisterPoint.register_status,
                "t2": RegisterPoint.industry_code,
                "t3": RegisterPoint.address,
                "d1": RegisterPoint.observed_on,
            },
        ).where(RegisterPoint.company_id == company_id),
        _part(
            "case",
            [EstablishmentCase.opened_on.desc(), EstablishmentCase.id.desc()],
            {
                "a": EstablishmentCase.id,
                "t1": EstablishmentCase.kind,
                "t2": Stage.name,
                "t3": User.name,
            },
        )
        .join(Stage, Stage.id == EstablishmentCase.stage_id)
        .outerjoin(User, User.id == EstablishmentCase.adviser_id)
        .where(
            EstablishmentCase.company_id == company_id,
            Stage.outcome.in_(establishment_queries.ACTIVE_OUTCOMES),
        ),
        _part(
            "flag",
            establishment_queries.FLAG_ORDER,
            {
                "a": WarningFlag.id,
                "t1": WarningFlag.severity,
                "t2": WarningFlag.kind,
                "t3": WarningFlag.note,
                "d1": WarningFlag.raised_on,
            },
        ).where(WarningFlag.company_id == company_id, WarningFlag.resolved_on.is_(None)),
        # At most OPEN_SHOWN, the first by due date.
        _first(
            _part(
                "task",
                task_queries.DUE_ORDER,
                {
                    "a": Task.id,
                    "t1": Task.title,
                    "t2": User.name,
                    "d1": Task.due_on,
                    "flag": Task.done,
                },
            )
            .outerjoin(User, User.id == Task.assignee_id)
            .where(Task.company_id == company_id, Task.done.is_not(True)),
            task_queries.OPEN_SHOWN,
        ),
    ]
    parts = union_all(*branches)
    return keep(parts.order_by(parts.selected_columns.part, parts.selected_columns.n))


@dataclass
class CompanyPage:
    """Everything the organisation's page reads, but its links (crm.network.queries)."""

    detail: CompanyDetail
    history: list[RegisterLine]
    panel: establishment_queries.CompanyPanel
    open_tasks: list[task_queries.OpenTask]


def company_page(
    session: Session, company_id: int, *, before: datetime | None = None
) -> CompanyPage | None:
    """The organisation's page with its timeline at or before `before`; None if there is no
    such organisation.

    Its facts (one row: the 404's question too), the seven lists (one statement), its people
    and its timeline; "last contacted" and "next meeting" come from the timeline's meetings
    when those tell them (contact_dates is the statement otherwise: two index lookups).
    """
    row = read(session, queries.COMPANY_FACTS, {"company_id": company_id}).first()
    if row is None:
        return None
    company = CompanyFacts(*row)
    parts: dict[str, list[Row]] = defaultdict(list)
    for part in read(session, _parts(), {"company_id": company_id}):
        parts[part.part].append(part)
    today = local_today()
    memberships = [
        MembershipRow(m.a, m.b, m.t1, m.t2, m.d1, m.d2, current=_current(m.d2, today))
        for m in parts["membership"]
    ]
    people = [
        PersonRow(*person)
        for person in session.execute(queries.PEOPLE, {"company_id": company_id, "today": today})
    ]
    timeline = queries.company_timeline(session, company_id, before=before, memberships=memberships)
    dates = timeline.contact_dates(today)
    if dates is None:
        dates = queries.contact_dates(session, company_id, today=today)
    sub_units = [SubUnit(unit.a, unit.t1) for unit in parts["unit"]]
    cases = [
        establishment_queries.CaseLine(case.a, case.t1, case.t2, case.t3) for case in parts["case"]
    ]
    return CompanyPage(
        detail=CompanyDetail(
            company=company,
            sectors=[sector.t1 for sector in parts["sector"]],
            sub_units=sub_units[:SUB_UNIT_LIMIT],
            more_sub_units=len(sub_units) > SUB_UNIT_LIMIT,
            current_memberships=[m for m in memberships if m.current],
            former_memberships=[m for m in memberships if not m.current],
            people=people,
            timeline=timeline,
            last_contacted=dates[0],
            next_meeting=dates[1],
        ),
        history=[
            RegisterLine(point.d1, point.b, point.t1, point.t2, point.t3)
            for point in parts["history"]
        ],
        panel=establishment_queries.CompanyPanel(
            cases,
            [
                establishment_queries.FlagRow(
                    establishment_queries.OpenFlag(flag.a, flag.t1, flag.t2, flag.d1, flag.t3),
                    bool(cases),
                )
                for flag in parts["flag"]
            ],
        ),
        open_tasks=[
            task_queries.OpenTask(task.a, task.t1, task.d1, bool(task.flag), task.t2)
            for task in parts["task"]
        ],
    )


def _current(left_on: date | None, today: date) -> bool:
    """Still a member today (as Membership.current)."""
    return left_on is None or left_on > today
