"""Reads for the reports: the establishment pipeline and its results.

The figures are computed in Python from a few plain queries, so they are the same on SQLite
and PostgreSQL; the number of rows is small (cases, not meetings).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.companies.models import Place
from crm.establishments.models import (
    EstablishmentCase,
    LostReason,
    Stage,
    StageChange,
    StageOutcome,
)

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


def pipeline_report(session: Session, *, now: datetime | None = None) -> PipelineReport:
    """The pipeline report; median days count finished stays only (the case left the stage)."""
    stages = list(session.scalars(select(Stage).order_by(Stage.position, Stage.id)))
    current = dict(
        session.execute(
            select(EstablishmentCase.stage_id, func.count()).group_by(EstablishmentCase.stage_id)
        ).all()
    )
    changes = session.execute(
        select(StageChange.case_id, StageChange.to_stage_id, StageChange.changed_at).order_by(
            StageChange.case_id, StageChange.changed_at, StageChange.id
        )
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
        )
        for stage in stages
    ]
    lost_counts = dict(
        session.execute(
            select(EstablishmentCase.lost_reason, func.count())
            .join(EstablishmentCase.stage)
            .where(Stage.outcome == StageOutcome.LOST.value)
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


def results_report(session: Session) -> ResultsReport:
    """The results report over the cases now in an established stage."""
    rows = session.execute(
        select(
            EstablishmentCase.established_on,
            Place.name,
            Place.growth_area,
            EstablishmentCase.actual_jobs,
            EstablishmentCase.area_m2,
        )
        .join(EstablishmentCase.stage)
        .outerjoin(Place, Place.id == EstablishmentCase.established_place_id)
        .where(Stage.outcome == StageOutcome.ESTABLISHED.value)
    ).all()
    groups: dict[tuple[int | None, str | None], ResultRow] = {}
    total = growth = 0
    for established_on, place, growth_area, jobs, area in rows:
        year = established_on.year if established_on else None
        row = groups.setdefault((year, place), ResultRow(year, place, bool(growth_area), 0, 0, 0))
        row.cases += 1
        row.jobs += jobs or 0
        row.area_m2 += area or 0
        total += jobs or 0
        if growth_area:
            growth += jobs or 0
    ordered = sorted(
        groups.values(), key=lambda r: (-(r.year or 0), r.place is None, r.place or "")
    )
    return ResultsReport(ordered, total, growth)
