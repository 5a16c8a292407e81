"""Reads for the reports: strategy, reach, clusters, the establishment pipeline and results, and
the strategy's indicators.

Every count and sum is an aggregate query (GROUP BY, COUNT DISTINCT, CASE) written the same for
SQLite and PostgreSQL; Python only arranges the few result rows. The strategy report groups its
meetings, organisations and cases by the set of strategies each serves (a bit mask, see
`_strategy_groups`) and adds up the few hundred groups per strategy, focus area and SDG. The
one exception is the pipeline's median days per stage, worked out from the stage changes of the
cases (hundreds of rows, not meetings).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased, selectinload

from crm.auth.models import User
from crm.clusters.models import Cluster, Membership
from crm.common.dates import local_midnight
from crm.companies.models import Company, Place, RegisterStatus, Sector, company_sectors
from crm.establishments.models import (
    EstablishmentCase,
    LostReason,
    Stage,
    StageChange,
    StageOutcome,
    case_strategies,
)
from crm.indicators.models import IndicatorValue
from crm.indicators.queries import IndicatorPoint, indicator_series
from crm.meetings import strategy_sets
from crm.meetings.models import Meeting, meeting_companies, meeting_staff, meeting_strategies
from crm.network.models import CollaborationLink
from crm.plans.queries import current_plan, measure_counts_by_strategy
from crm.reports.filters import Bucket, Period
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod

# The strategy's goal: 90 % of new jobs in the prioritised growth areas.
GROWTH_AREA_GOAL = 0.9


@dataclass
class StageFigures:
    """One stage's line of the pipeline report."""

    stage: Stage
    current: int
    reached: int
    reached_established: int
    median_days: float | None
    stays: int
    area_m2: int = 0
    expected_jobs: int = 0
    investment_nok: int = 0

    @property
    def conversion(self) -> float | None:
        """Share of the cases that reached this stage and later (or ever) reached established."""
        return self.reached_established / self.reached if self.reached else None


@dataclass
class PipelineReport:
    """Cases per stage now, conversion to established, median days per stage, lost reasons."""

    stages: list[StageFigures]
    lost_reasons: list[tuple[str, int]]
    total: int

    @property
    def largest(self) -> int:
        """The largest current count, for scaling bars."""
        return max((s.current for s in self.stages), default=0)

    @property
    def total_area(self) -> int:
        """The m² all the cases need."""
        return sum(s.area_m2 for s in self.stages)

    @property
    def total_expected_jobs(self) -> int:
        """The jobs all the cases expect."""
        return sum(s.expected_jobs for s in self.stages)

    @property
    def total_investment(self) -> int:
        """The NOK all the cases expect to invest."""
        return sum(s.investment_nok for s in self.stages)


def pipeline_report(
    session: Session, *, now: datetime | None = None, period: Period | None = None
) -> PipelineReport:
    """The pipeline report; median days count finished stays only (the case left the stage).

    With a period, only the cases opened in it count.
    """
    opened = _day_in(EstablishmentCase.opened_on, period) if period is not None else literal(True)
    stages = list(session.scalars(select(Stage).order_by(Stage.position, Stage.id)))
    sums = {
        stage_id: values
        for stage_id, *values in session.execute(
            select(
                EstablishmentCase.stage_id,
                func.count(),
                func.sum(func.coalesce(EstablishmentCase.area_m2, 0)),
                func.sum(func.coalesce(EstablishmentCase.expected_jobs, 0)),
                func.sum(func.coalesce(EstablishmentCase.expected_investment_nok, 0)),
            )
            .where(opened)
            .group_by(EstablishmentCase.stage_id)
        ).all()
    }
    current = {stage_id: values[0] for stage_id, values in sums.items()}
    changes = session.execute(
        select(StageChange.case_id, StageChange.to_stage_id, StageChange.changed_at)
        .join(EstablishmentCase, EstablishmentCase.id == StageChange.case_id)
        .where(opened)
        .order_by(StageChange.case_id, StageChange.changed_at, StageChange.id)
    ).all()
    established_ids = {s.id for s in stages if s.outcome == StageOutcome.ESTABLISHED}
    reached: dict[int, set[int]] = defaultdict(set)
    durations: dict[int, list[float]] = defaultdict(list)
    by_case: dict[int, list] = defaultdict(list)
    for row in changes:
        by_case[row.case_id].append(row)
        reached[row.to_stage_id].add(row.case_id)
    for rows in by_case.values():
        for this, following in pairwise(rows):
            days = (following.changed_at - this.changed_at).total_seconds() / 86400
            durations[this.to_stage_id].append(days)
    # A case counts as established if it ever reached an established stage.
    established_cases = (
        set().union(*(reached[i] for i in established_ids)) if established_ids else set()
    )
    figures = [
        StageFigures(
            stage=stage,
            current=current.get(stage.id, 0),
            reached=len(reached[stage.id]),
            reached_established=len(reached[stage.id] & established_cases),
            median_days=statistics.median(durations[stage.id]) if durations[stage.id] else None,
            stays=len(durations[stage.id]),
            area_m2=(sums.get(stage.id) or [0, 0])[1] or 0,
            expected_jobs=(sums.get(stage.id) or [0, 0, 0])[2] or 0,
            investment_nok=(sums.get(stage.id) or [0, 0, 0, 0])[3] or 0,
        )
        for stage in stages
    ]
    lost_counts = dict(
        session.execute(
            select(EstablishmentCase.lost_reason, func.count())
            .join(EstablishmentCase.stage)
            .where(Stage.outcome == StageOutcome.LOST.value, opened)
            .group_by(EstablishmentCase.lost_reason)
        ).all()
    )
    order = [r.value for r in LostReason]
    lost = sorted(lost_counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    return PipelineReport(figures, [(k or "", v) for k, v in lost], sum(current.values()))


@dataclass
class ResultRow:
    """Established cases of one year in one place."""

    year: int | None
    place: str | None
    growth_area: bool
    cases: int
    jobs: int
    area_m2: int
    investment_nok: int = 0


@dataclass
class ResultsReport:
    """Established cases per year and place, and the share of new jobs in growth areas."""

    rows: list[ResultRow]
    total_jobs: int
    growth_area_jobs: int
    goal: float = GROWTH_AREA_GOAL

    @property
    def growth_area_share(self) -> float | None:
        """Share of the new jobs (actual jobs of established cases) in prioritised growth areas."""
        return self.growth_area_jobs / self.total_jobs if self.total_jobs else None

    @property
    def meets_goal(self) -> bool | None:
        """Whether the share reaches the goal (None without jobs)."""
        share = self.growth_area_share
        return None if share is None else share >= self.goal

    @property
    def total_cases(self) -> int:
        """All established cases."""
        return sum(r.cases for r in self.rows)

    @property
    def total_area(self) -> int:
        """All m² of established cases."""
        return sum(r.area_m2 for r in self.rows)

    @property
    def total_investment(self) -> int:
        """All NOK the established cases expected to invest."""
        return sum(r.investment_nok for r in self.rows)


def results_report(session: Session, *, period: Period | None = None) -> ResultsReport:
    """The cases now in an established stage, established in the period (all without one)."""
    if period is None:
        first, last = session.execute(
            select(
                func.min(EstablishmentCase.established_on),
                func.max(EstablishmentCase.established_on),
            ).join(Stage, _established_case())
        ).one()
        if first is None:
            return ResultsReport([], 0, 0)
        period = Period(first, last)
    buckets = _year_buckets(period)
    bucket = _bucket(EstablishmentCase.established_on, buckets, instant=False)
    jobs = func.coalesce(EstablishmentCase.actual_jobs, 0)
    rows = session.execute(
        select(
            bucket,
            Place.name,
            Place.growth_area,
            func.count(EstablishmentCase.id),
            func.sum(jobs),
            func.sum(func.coalesce(EstablishmentCase.area_m2, 0)),
            func.sum(func.coalesce(EstablishmentCase.expected_investment_nok, 0)),
        )
        .join(Stage, _established_case())
        .outerjoin(Place, Place.id == EstablishmentCase.established_place_id)
        .where(_day_in(EstablishmentCase.established_on, period))
        .group_by(bucket, Place.id, Place.name, Place.growth_area)
    ).all()
    lines = [
        ResultRow(
            int(buckets[index].label), place, bool(growth), cases, total or 0, area or 0, nok or 0
        )
        for index, place, growth, cases, total, area, nok in rows
    ]
    lines.sort(key=lambda r: (-(r.year or 0), r.place is None, r.place or ""))
    total = sum(r.jobs for r in lines)
    growth = sum(r.jobs for r in lines if r.growth_area)
    return ResultsReport(lines, total, growth)


def _year_buckets(period: Period) -> list[Bucket]:
    return [
        Bucket(str(y), max(date(y, 1, 1), period.start), min(date(y, 12, 31), period.end))
        for y in period.years
    ]


# ---------------------------------------------------------------------------------------------
# The period reports. Every figure is one aggregate query (GROUP BY in the database); Python only
# arranges the few result rows into lines. A period is cut into buckets (quarters or years) by a
# CASE over the bucket's first day, which is the same SQL on SQLite and PostgreSQL.


def _meeting_in(period: Period):
    """Meetings that start within the period's days, in the municipality's time."""
    return and_(
        Meeting.starts_at >= local_midnight(period.start),
        Meeting.starts_at < local_midnight(period.end + timedelta(days=1)),
    )


def _day_in(column, period: Period):
    return and_(column >= period.start, column <= period.end)


def _bucket(column, buckets: list[Bucket], *, instant: bool):
    """The index of the bucket a value falls in (the value is known to lie in the period)."""
    if len(buckets) == 1:
        return literal(0)
    whens = []
    for index, bucket in enumerate(buckets[1:]):
        bound = local_midnight(bucket.start) if instant else bucket.start
        whens.append((column < bound, index))
    return case(*whens, else_=len(buckets) - 1)


def _established_case():
    return and_(
        EstablishmentCase.stage_id == Stage.id, Stage.outcome == StageOutcome.ESTABLISHED.value
    )


@dataclass
class Attention:
    """What the department did for one strategy (or one SDG, or in all) in the period."""

    meetings: int = 0
    organisations: int = 0
    cases_opened: int = 0
    cases_established: int = 0

    @property
    def none(self) -> bool:
        """No meeting and no case: the strategy got no attention."""
        return not (self.meetings or self.cases_opened or self.cases_established)


@dataclass
class StrategyLine:
    """A strategy with its focus area and its figures."""

    strategy: Strategy
    focus_area: FocusArea
    figures: Attention


@dataclass
class StrategyReport:
    """Per strategy, per focus area and bucket, per SDG, and in all (each meeting once)."""

    lines: list[StrategyLine]
    buckets: list[Bucket]
    per_bucket: dict[int, list[int]]  # focus area id -> meetings per bucket
    bucket_totals: list[int]
    sdgs: list[tuple[int, Attention]]
    total: Attention
    # The measures of the action plan in force at the period's end: {strategy id: {status: n}}.
    plan_name: str | None = None
    measures: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def neglected(self) -> list[StrategyLine]:
        """The strategies with no attention in the period."""
        return [line for line in self.lines if line.figures.none]

    @property
    def focus_areas(self) -> list[FocusArea]:
        """The focus areas of the lines, in order."""
        return list({line.focus_area.id: line.focus_area for line in self.lines}.values())


def report_focus_areas(session: Session) -> list[FocusArea]:
    """The current strategy period's focus areas (all periods' when none is marked current)."""
    query = (
        select(FocusArea)
        .join(FocusArea.period)
        .options(selectinload(FocusArea.strategies))
        .order_by(StrategyPeriod.start_year, FocusArea.position, FocusArea.number)
    )
    current = session.scalars(query.where(StrategyPeriod.current.is_(True))).all()
    return list(current) or list(session.scalars(query))


# The strategy report groups meetings, organisations and cases by the set of chosen strategies
# each serves, as a bit mask, so that each record lands in exactly one (bucket, mask) group.
# Stored sets (crm.meetings.strategy_sets): each strategy has its own bit and each meeting keeps
# the mask of its strategies, read with its date from one index. A report choosing a strategy
# without a bit (more than 63 strategies) sums the bits of its tags per meeting instead, thirty
# bits per column (a sum inside a 32-bit integer on both databases), more columns for more.
MASK_BITS = 30


def _mask_case(strategy_id, bits: dict[int, int]):
    """The bit of `strategy_id` among `bits` ({strategy id: bit}), 0 for any other."""
    return case(*((strategy_id == sid, bit) for sid, bit in bits.items()), else_=0)


def _mask_columns(strategy_id, ids: list[int]) -> list:
    """Per chunk of 30 chosen strategies, the bit of `strategy_id` (0 for any other)."""
    return [
        _mask_case(strategy_id, {sid: 1 << bit for bit, sid in enumerate(chunk)})
        for chunk in (ids[i : i + MASK_BITS] for i in range(0, len(ids), MASK_BITS))
    ]


def _mask_of(row) -> int:
    """One Python int from the mask columns of a result row (lowest chunk first)."""
    return sum(int(value or 0) << (MASK_BITS * index) for index, value in enumerate(row))


@dataclass
class _Groups:
    """What the strategy report's statement returns: {part: [(bucket, mask, count)]}, and each
    chosen strategy's bit in those masks."""

    bits: list[int] = field(default_factory=list)
    rows: dict[str, list[tuple[int, int, int]]] = field(default_factory=lambda: defaultdict(list))
    merged: dict[str, dict[int, int]] = field(default_factory=dict)

    def _per_mask(self, part: str) -> dict[int, int]:
        """The part's counts per mask, all buckets together (a few thousand groups at most:
        the organisations over several years), read once for every strategy, area and SDG."""
        if part not in self.merged:
            found: dict[int, int] = defaultdict(int)
            for _bucket, mask, count in self.rows[part]:
                found[mask] += count
            self.merged[part] = found
        return self.merged[part]

    def spread(self, part: str) -> list[int]:
        """The count of each chosen strategy: the groups whose mask holds its bit."""
        index_of = {bit: index for index, bit in enumerate(self.bits)}
        found = [0] * len(self.bits)
        for mask, count in self._per_mask(part).items():
            while mask:  # each bit the mask holds, lowest first
                bit = mask & -mask
                found[index_of[bit]] += count
                mask ^= bit
        return found

    def touching(self, part: str, mask: int) -> int:
        """How many of the part's records have at least one strategy of `mask`."""
        return sum(count for found, count in self._per_mask(part).items() if found & mask)


def _strategy_groups(
    session: Session, *, period: Period, buckets: list[Bucket], ids: list[int]
) -> _Groups:
    """The period's meetings, organisations met and cases, each grouped by the set of chosen
    strategies it serves (a bit mask), in one statement.

    A meeting is one row of the per-meeting grouping whatever the number of its tags, and an
    organisation one row of the per-organisation grouping whatever the number of its meetings,
    so any count over the groups whose mask holds a strategy (a focus area, an SDG, any) is a
    count of distinct meetings or organisations, with no COUNT DISTINCT over the tag rows.
    """
    if not ids:
        return _Groups()
    stored = dict(
        session.execute(
            select(Strategy.id, Strategy.bit).where(
                Strategy.id.in_(ids), Strategy.bit.between(0, strategy_sets.BITS - 1)
            )
        ).all()
    )
    if len(stored) == len(ids):
        bits = {sid: 1 << stored[sid] for sid in ids}
        meetings, organisations = _stored_meeting_parts(period, buckets, sum(bits.values()))
        case_masks = [_mask_case(case_strategies.c.strategy_id, bits)]
        groups = _Groups(list(bits.values()))
    else:
        meetings, organisations = _tagged_meeting_parts(period, buckets, ids)
        case_masks = _mask_columns(case_strategies.c.strategy_id, ids)
        groups = _Groups([1 << index for index in range(len(ids))])
    statement = union_all(*meetings, organisations, *_case_parts(period, case_masks))
    for part, bucket_index, count, *mask_values in session.execute(statement):
        mask = int(mask_values[0] or 0) if len(mask_values) == 1 else _mask_of(mask_values)
        if mask:  # 0: only strategies not chosen (another period's, another focus area's)
            groups.rows[part].append((bucket_index or 0, mask, count))
    return groups


def _stored_meeting_parts(period: Period, buckets: list[Bucket], chosen: int):
    """The meetings per bucket and the organisations met, grouped by their stored masks (the
    bits of the chosen strategies only).

    One GROUP BY per bucket over its range of the (starts_at, strategy_mask, id) index: no CASE
    per meeting for its bucket (SQLite spent two thirds of the part on it). An organisation's
    mask is the OR of its meetings' masks (bit_or: PostgreSQL's own, and registered on every
    SQLite connection by crm.common.database); grouped by the bare company_id, SQLite reads all
    of meeting_companies through its company index (to save a sort) and looks each row up in
    the meetings, so the "+ 0" makes it read the period's meetings and their organisations.
    """
    # The chosen bits as a literal: the mask must read the same in SELECT and GROUP BY, which
    # PostgreSQL cannot tell of two bound parameters. An int computed here, not user text.
    masked = Meeting.strategy_mask.op("&")(literal_column(str(int(chosen)), BigInteger))
    meetings = [
        select(literal_column("'meetings'"), literal(index), func.count(), masked)
        .where(_meeting_in(Period(bucket.start, bucket.end)), masked != 0)
        .group_by(masked)
        for index, bucket in enumerate(buckets)
    ]
    per_company = (
        select(func.bit_or(masked).label("m0"))
        .join(meeting_companies, meeting_companies.c.meeting_id == Meeting.id)
        .where(_meeting_in(period), masked != 0)
        .group_by(meeting_companies.c.company_id + 0)
        .subquery("per_company")
    )
    organisations = select(
        literal_column("'organisations'"), cast(null(), Integer), func.count(), per_company.c.m0
    ).group_by(per_company.c.m0)
    return meetings, organisations


def _tagged_meeting_parts(period: Period, buckets: list[Bucket], ids: list[int]):
    """The meetings and the organisations met, grouped by the masks summed from their tags.

    The strategies are chosen by the CASE, not by the WHERE, so that both databases read the
    period's meetings by date first (SQLite would otherwise walk every tag of the strategies
    through their index, over all the years).
    """
    masks = _mask_columns(meeting_strategies.c.strategy_id, ids)
    per_meeting = (
        select(
            Meeting.id,
            Meeting.starts_at,
            *(func.sum(m).label(f"m{i}") for i, m in enumerate(masks)),
        )
        .join(meeting_strategies, meeting_strategies.c.meeting_id == Meeting.id)
        .where(_meeting_in(period))
        .group_by(Meeting.id, Meeting.starts_at)
        .cte("per_meeting")
        .prefix_with("MATERIALIZED")
    )
    meeting_masks = [per_meeting.c[f"m{i}"] for i in range(len(masks))]
    bucket = _bucket(per_meeting.c.starts_at, buckets, instant=True)
    by_bucket = [bucket] if len(buckets) > 1 else []  # one bucket: a constant, not grouped
    per_company = (
        select(*(func.bit_or(m).label(f"m{i}") for i, m in enumerate(meeting_masks)))
        .join(meeting_companies, meeting_companies.c.meeting_id == per_meeting.c.id)
        .group_by(meeting_companies.c.company_id + 0)  # see _stored_meeting_parts
        .subquery("per_company")
    )
    company_masks = [per_company.c[f"m{i}"] for i in range(len(masks))]
    meetings = select(literal_column("'meetings'"), bucket, func.count(), *meeting_masks).group_by(
        *by_bucket, *meeting_masks
    )
    organisations = select(
        literal_column("'organisations'"), cast(null(), Integer), func.count(), *company_masks
    ).group_by(*company_masks)
    return [meetings], organisations


def _case_parts(period: Period, case_masks: list):
    """The cases opened and those established in the period, grouped by their masks (a case
    has few tags and the department a few hundred cases: summed from the tags)."""
    established = and_(
        Stage.outcome == StageOutcome.ESTABLISHED.value,
        _day_in(EstablishmentCase.established_on, period),
    )
    per_case = (
        select(
            case((_day_in(EstablishmentCase.opened_on, period), 1), else_=0).label("opened"),
            case((established, 1), else_=0).label("established"),
            *(func.sum(m).label(f"m{i}") for i, m in enumerate(case_masks)),
        )
        .select_from(case_strategies)
        .join(EstablishmentCase, EstablishmentCase.id == case_strategies.c.case_id)
        .join(Stage, Stage.id == EstablishmentCase.stage_id)
        .where(or_(_day_in(EstablishmentCase.opened_on, period), established))
        .group_by(EstablishmentCase.id, "opened", "established")
        .subquery("per_case")
    )
    masks = [per_case.c[f"m{i}"] for i in range(len(case_masks))]
    none = cast(null(), Integer)
    return [
        select(literal_column(f"'{part}'"), none, func.count(), *masks)
        .where(per_case.c[part] == 1)
        .group_by(*masks)
        for part in ("opened", "established")
    ]


def strategy_report(
    session: Session, *, period: Period, focus_area_id: int | None = None
) -> StrategyReport:
    """Meetings, organisations reached and cases per strategy, focus area, quarter and SDG.

    A meeting tagged with two strategies counts once for each, and once in the totals.
    """
    areas = report_focus_areas(session)
    if focus_area_id is not None:
        areas = [a for a in areas if a.id == focus_area_id]
    strategies = [(s, a) for a in areas for s in a.strategies]
    ids = [s.id for s, _a in strategies]
    buckets = period.buckets()
    groups = _strategy_groups(session, period=period, buckets=buckets, ids=ids)

    # A focus area's or an SDG's mask is the bits of its strategies.
    bits = groups.bits
    area_mask = {a.id: 0 for a in areas}
    for bit, (_s, a) in zip(bits, strategies, strict=True):
        area_mask[a.id] |= bit
    parts = ("meetings", "organisations", "opened", "established")
    per_strategy = dict(zip(parts, (groups.spread(part) for part in parts), strict=True))
    lines = [
        StrategyLine(s, a, Attention(*(per_strategy[part][index] for part in parts)))
        for index, (s, a) in enumerate(strategies)
    ]
    everything = sum(bits)
    total = Attention(*(groups.touching(part, everything) for part in parts))

    # Per focus area and bucket, and per bucket in all (each meeting once in its bucket).
    per_bucket = {a.id: [0] * len(buckets) for a in areas}
    bucket_totals = [0] * len(buckets)
    for bucket, mask, count in groups.rows["meetings"]:
        bucket_totals[bucket] += count
        for area_id, bits_of_area in area_mask.items():
            if mask & bits_of_area:
                per_bucket[area_id][bucket] += count

    # Per SDG: the strategies of the focus areas serving it.
    goal_mask: dict[int, int] = defaultdict(int)
    for a in areas:
        for sdg in a.sdg_list:
            goal_mask[sdg] |= area_mask[a.id]
    sdgs = [
        (sdg, Attention(*(groups.touching(part, goal_mask[sdg]) for part in parts)))
        for sdg in sorted(goal_mask)
    ]
    plan = current_plan(session, today=period.end)
    measures = measure_counts_by_strategy(session, plan_id=plan.id) if plan else {}
    return StrategyReport(
        lines,
        buckets,
        per_bucket,
        bucket_totals,
        sdgs,
        total,
        plan.name if plan else None,
        {s.id: measures.get(s.id, {}) for s, _a in strategies},
    )


def _met(period: Period):
    """The organisations at a meeting in the period (a subquery of ids)."""
    return (
        select(meeting_companies.c.company_id)
        .join(Meeting, Meeting.id == meeting_companies.c.meeting_id)
        .where(_meeting_in(period))
    )


@dataclass
class ReachReport:
    """Organisations reached per sector, place and kind; the register's share; advisers."""

    reached: int
    sectors: list[tuple[str | None, int]]
    places: list[tuple[str | None, bool, int]]
    kinds: list[tuple[str, int]]
    registered: int
    registered_met: int
    advisers: list[tuple[str, int]]

    @property
    def share(self) -> float | None:
        """Share of the register's active organisations met in the period."""
        return self.registered_met / self.registered if self.registered else None


def reach_report(session: Session, *, period: Period, advisers: bool) -> ReachReport:
    """Who the department met in the period; meetings per adviser only when asked (admins).

    The organisations met are read once (a materialised CTE) and counted per kind, place and
    sector in one UNION ALL statement; names are put on the few result rows afterwards.
    """
    in_register = and_(
        Company.org_number.is_not(None), Company.register_status == RegisterStatus.ACTIVE.value
    )
    met = (
        select(
            Company.id, Company.kind, Company.place_id, case((in_register, 1), else_=0).label("reg")
        )
        .where(Company.id.in_(_met(period)))
        .cte("met")
        .prefix_with("MATERIALIZED")
    )
    no_text, no_id = cast(null(), String), cast(null(), Integer)
    parts = union_all(
        select(
            literal_column("'kind'"), met.c.kind, no_id, func.count(), func.sum(met.c.reg)
        ).group_by(met.c.kind),
        select(
            literal_column("'place'"), no_text, met.c.place_id, func.count(), literal_column("0")
        ).group_by(met.c.place_id),
        select(
            literal_column("'sector'"),
            no_text,
            company_sectors.c.sector_id,
            func.count(distinct(met.c.id)),
            literal_column("0"),
        )
        .select_from(met)
        .join(company_sectors, company_sectors.c.company_id == met.c.id)
        .group_by(company_sectors.c.sector_id),
        select(
            literal_column("'with_sector'"),
            no_text,
            no_id,
            func.count(distinct(company_sectors.c.company_id)),
            literal_column("0"),
        )
        .select_from(met)
        .join(company_sectors, company_sectors.c.company_id == met.c.id),
    )
    kinds_found, places_found, sectors_found = [], [], []
    with_sector = 0
    for part, text_key, id_key, count, registered_count in session.execute(parts):
        if part == "kind":
            kinds_found.append((text_key, count, registered_count or 0))
        elif part == "place":
            places_found.append((id_key, count))
        elif part == "sector":
            sectors_found.append((id_key, count))
        else:
            with_sector = count or 0
    reached = sum(count for _k, count, _r in kinds_found)
    registered_met = sum(r for _k, _c, r in kinds_found)
    kinds = sorted(((k, c) for k, c, _r in kinds_found), key=lambda kc: (-kc[1], kc[0]))
    place_names = {
        p.id: p
        for p in session.scalars(
            select(Place).where(Place.id.in_([i for i, _c in places_found if i]))
        )
    }
    places = sorted(
        (
            (place_names[i].name if i else None, bool(i and place_names[i].growth_area), c)
            for i, c in places_found
        ),
        key=lambda row: (-row[2], row[0] is None, row[0] or ""),
    )
    sector_names = dict(
        session.execute(
            select(Sector.id, Sector.name).where(Sector.id.in_([i for i, _c in sectors_found]))
        ).all()
    )
    sectors = sorted(
        ((sector_names[i], c) for i, c in sectors_found), key=lambda row: (-row[1], row[0])
    )
    without_sector = reached - with_sector
    registered = session.scalar(select(func.count(Company.id)).where(in_register)) or 0
    per_adviser: list[tuple[str, int]] = []
    if advisers:
        per_adviser = [
            (name, count)
            for name, count in session.execute(
                select(User.name, func.count(distinct(Meeting.id)))
                .join(meeting_staff, meeting_staff.c.user_id == User.id)
                .join(Meeting, Meeting.id == meeting_staff.c.meeting_id)
                .where(_meeting_in(period))
                .group_by(User.id, User.name)
                .order_by(func.count(distinct(Meeting.id)).desc(), User.name)
            ).all()
        ]
    sector_rows = list(sectors)
    if without_sector:
        sector_rows.append((None, without_sector))
    return ReachReport(
        reached,
        sector_rows,
        places,
        kinds,
        registered,
        registered_met,
        per_adviser,
    )


def _member_on(day: date, membership=Membership):
    """The membership runs on `day` (an unknown start counts as before it)."""
    return and_(
        or_(membership.joined_on.is_(None), membership.joined_on <= day),
        or_(membership.left_on.is_(None), membership.left_on > day),
    )


@dataclass
class ClusterYear:
    """One cluster in one year: members at its end, who joined and who left during it."""

    cluster: str
    year: int
    members: int
    new: int
    departed: int


@dataclass
class ClustersReport:
    """Members over time, the triple-helix mix, meetings with members, ties across clusters."""

    years: list[ClusterYear]
    mix: list[tuple[str, str, int, int]]  # cluster, kind, members, cluster's members
    meetings: list[tuple[str, int, int]]  # cluster, meetings, organisations met
    ties: list[tuple[str, str, int]]

    @property
    def latest(self) -> list[ClusterYear]:
        """Each cluster's last year in the period."""
        last = max((row.year for row in self.years), default=None)
        return [row for row in self.years if row.year == last]


def clusters_report(session: Session, *, period: Period) -> ClustersReport:
    """The indicators cluster programmes report on, over the period's years."""
    clusters = dict(session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.name)).all())
    ends = {year: min(date(year, 12, 31), period.end) for year in period.years}
    company = Membership.company_id
    columns = []
    for year, end in ends.items():
        year_part = Period(max(date(year, 1, 1), period.start), end)
        columns += [
            func.count(distinct(case((_member_on(end), company)))),
            func.count(distinct(case((_day_in(Membership.joined_on, year_part), company)))),
            func.count(distinct(case((_day_in(Membership.left_on, year_part), company)))),
        ]
    figures = {
        row[0]: row[1:]
        for row in session.execute(
            select(Membership.cluster_id, *columns).group_by(Membership.cluster_id)
        ).all()
    }
    years = []
    for cluster_id, name in clusters.items():
        values = figures.get(cluster_id, (0,) * len(columns))
        for index, year in enumerate(ends):
            members, new, departed = values[3 * index : 3 * index + 3]
            years.append(ClusterYear(name, year, members, new, departed))

    at_end = _member_on(period.end)
    kinds = session.execute(
        select(Membership.cluster_id, Company.kind, func.count(distinct(Company.id)))
        .join(Company, Company.id == Membership.company_id)
        .where(at_end)
        .group_by(Membership.cluster_id, Company.kind)
        .order_by(Membership.cluster_id, func.count(distinct(Company.id)).desc(), Company.kind)
    ).all()
    sizes: dict[int, int] = defaultdict(int)
    for cluster_id, _kind, count in kinds:
        sizes[cluster_id] += count
    mix = [(clusters[c], kind, count, sizes[c]) for c, kind, count in kinds]

    during = and_(
        or_(Membership.joined_on.is_(None), Membership.joined_on <= period.end),
        or_(Membership.left_on.is_(None), Membership.left_on > period.start),
    )
    # The members of the period first (1,400 rows at Lillestrøm's scale), then the period's
    # meetings joined to them: SQLite looks each of the period's 44,000 meeting-organisation
    # links up in this small table (an automatic covering index) instead of in memberships
    # (its company index, then the row for the dates and the cluster). PostgreSQL is left to
    # inline it: materialised, it looked up every member's links by index (1.5 times the CPU)
    # instead of hashing the period's meetings and the links.
    members = (
        select(Membership.cluster_id, Membership.company_id)
        .where(during)
        .distinct()
        .cte("members")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    met = dict(
        (cluster_id, (meetings, organisations))
        for cluster_id, meetings, organisations in session.execute(
            select(
                members.c.cluster_id,
                func.count(distinct(Meeting.id)),
                func.count(distinct(members.c.company_id)),
            )
            .select_from(Meeting)
            .join(meeting_companies, meeting_companies.c.meeting_id == Meeting.id)
            .join(members, members.c.company_id == meeting_companies.c.company_id)
            .where(_meeting_in(period))
            .group_by(members.c.cluster_id)
        ).all()
    )
    meetings = [(name, *met.get(cid, (0, 0))) for cid, name in clusters.items()]

    one, other = aliased(Membership), aliased(Membership)
    low = case((one.cluster_id < other.cluster_id, one.cluster_id), else_=other.cluster_id)
    high = case((one.cluster_id < other.cluster_id, other.cluster_id), else_=one.cluster_id)
    link_during = and_(
        or_(CollaborationLink.start_date.is_(None), CollaborationLink.start_date <= period.end),
        or_(CollaborationLink.end_date.is_(None), CollaborationLink.end_date >= period.start),
    )
    ties = [
        (clusters[a], clusters[b], count)
        for a, b, count in session.execute(
            select(low, high, func.count(distinct(CollaborationLink.id)))
            .join(one, one.company_id == CollaborationLink.source_id)
            .join(other, other.company_id == CollaborationLink.target_id)
            .where(
                one.cluster_id != other.cluster_id,
                link_during,
                _member_on(period.end, one),
                _member_on(period.end, other),
            )
            .group_by(low, high)
            .order_by(func.count(distinct(CollaborationLink.id)).desc())
        ).all()
    ]
    return ClustersReport(years, mix, meetings, ties)


@dataclass
class JobsYear:
    """New jobs from the cases established in one year, and those in growth areas."""

    year: str
    cases: int
    jobs: int
    growth_area_jobs: int

    @property
    def share(self) -> float | None:
        """Share of the year's new jobs in prioritised growth areas."""
        return self.growth_area_jobs / self.jobs if self.jobs else None


def jobs_by_year(session: Session, *, period: Period) -> list[JobsYear]:
    """New jobs (actual jobs of established cases) per year of establishment in the period."""
    buckets = _year_buckets(period)
    bucket = _bucket(EstablishmentCase.established_on, buckets, instant=False)
    jobs = func.coalesce(EstablishmentCase.actual_jobs, 0)
    found = {
        index: (cases, total or 0, growth or 0)
        for index, cases, total, growth in session.execute(
            select(
                bucket,
                func.count(EstablishmentCase.id),
                func.sum(jobs),
                func.sum(case((Place.growth_area.is_(True), jobs), else_=0)),
            )
            .join(Stage, _established_case())
            .outerjoin(Place, Place.id == EstablishmentCase.established_place_id)
            .where(_day_in(EstablishmentCase.established_on, period))
            .group_by(bucket)
        ).all()
    }
    return [JobsYear(b.label, *found.get(i, (0, 0, 0))) for i, b in enumerate(buckets)]


def external_indicators(session: Session, *, period: Period) -> dict[str, list[IndicatorPoint]]:
    """The admins' recorded indicators (crm.indicators), the years of the period only."""
    return {
        code: [p for p in points if period.start.year <= p.year <= period.end.year]
        for code, points in indicator_series(session).items()
    }


def first_indicator_year(session: Session) -> int | None:
    """The first year of the strategy or of a recorded indicator (the strategy's 2020 figures)."""
    years = [
        session.scalar(select(func.min(IndicatorValue.year))),
        session.scalar(
            select(func.min(StrategyPeriod.start_year)).where(StrategyPeriod.current.is_(True))
        ),
    ]
    return min((y for y in years if y is not None), default=None)
