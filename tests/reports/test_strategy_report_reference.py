"""The strategy report against a plain Python count of the same hand-made records.

The report counts in SQL by grouping meetings, organisations and cases on the set of strategies
they serve (a bit mask, thirty strategies per mask column). This fixture has 33 strategies, so
the masks take two columns, and random tags, organisations and cases; the reference below counts
the same figures the obvious way, record by record, for several kinds of period and for one
focus area.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from crm.establishments import services
from crm.reports import queries
from crm.reports.filters import Period, year_period
from crm.strategy.models import FocusArea, StrategyPeriod
from tests.establishments.helpers import make_case, seed
from tests.factories import make_company, make_meeting, make_place, make_strategy

AREAS = [("1", "8,9", 12), ("2", "8,11", 12), ("3", "17", 9)]  # number, SDGs, strategies


@pytest.fixture
def records(session):
    """33 strategies in three focus areas, 90 meetings and 16 cases from 2019 to 2025."""
    rng = random.Random(15)
    period = StrategyPeriod(name="Strategi 2022–2030", start_year=2022, end_year=2030, current=True)
    old = StrategyPeriod(name="Strategi 2015–2021", start_year=2015, end_year=2021)
    areas = [
        FocusArea(period=period, number=number, name=f"Område {number}", sdgs=sdgs, position=i)
        for i, (number, sdgs, _n) in enumerate(AREAS)
    ]
    old_area = FocusArea(period=old, number="1", name="Gammelt", sdgs="8")
    session.add_all([period, old, old_area, *areas])
    session.flush()
    strategies = {
        area.id: [
            make_strategy(session, focus_area=area, number=f"{area.number}.{n}", position=n)
            for n in range(1, count + 1)
        ]
        for area, (_number, _sdgs, count) in zip(areas, AREAS, strict=True)
    }
    # A strategy of an earlier period: its tags are in no line, total or SDG of this report.
    retired = make_strategy(session, focus_area=old_area, number="1.1")
    everything = [s for area in areas for s in strategies[area.id]] + [retired]
    companies = [make_company(session) for _ in range(12)]
    meetings = []
    for _ in range(90):
        day = date(2019, 1, 1) + (date(2025, 12, 31) - date(2019, 1, 1)) * rng.random()
        tags = rng.sample(everything, rng.choice([0, 1, 1, 2, 3]))
        met = rng.sample(companies, rng.choice([0, 1, 2, 3]))
        starts = datetime(day.year, day.month, day.day, 11, tzinfo=UTC)
        make_meeting(session, starts_at=starts, strategies=tags, companies=met)
        meetings.append((day, {s.id for s in tags}, {c.id for c in met}))
    stages = seed(session)
    cases = []
    for _ in range(16):
        opened = date(2022, 1, 1) + (date(2025, 10, 1) - date(2022, 1, 1)) * rng.random()
        tagged = rng.sample(everything, rng.choice([0, 1, 2]))
        case = make_case(session, opened_on=opened, strategy_ids=[s.id for s in tagged])
        established = None
        if rng.random() < 0.5:
            established = date.fromordinal(opened.toordinal() + rng.randrange(10, 300))
            services.move_case(
                session,
                case=case,
                stage_id=stages["established"].id,
                established_on=established,
                established_place_id=make_place(session).id,
                actual_jobs=3,
            )
        cases.append((opened, established, {s.id for s in tagged}))
    return {"areas": areas, "strategies": strategies, "meetings": meetings, "cases": cases}


def _reference(records, period: Period, area_ids: list[int]) -> dict:
    """The report's figures counted record by record."""
    buckets = period.buckets()
    chosen = {a: {s.id for s in records["strategies"][a]} for a in area_ids}
    all_chosen = set().union(*chosen.values())
    meetings = [m for m in records["meetings"] if period.start <= m[0] <= period.end]
    opened = [c for c in records["cases"] if period.start <= c[0] <= period.end]
    established = [c for c in records["cases"] if c[1] and period.start <= c[1] <= period.end]

    def figures(ids: set[int]) -> tuple[int, int, int, int]:
        serving = [m for m in meetings if m[1] & ids]
        return (
            len(serving),
            len(set().union(set(), *(m[2] for m in serving))),
            sum(1 for c in opened if c[2] & ids),
            sum(1 for c in established if c[2] & ids),
        )

    def bucket_of(day: date) -> int:
        return next(i for i, b in enumerate(buckets) if b.start <= day <= b.end)

    per_bucket = {a: [0] * len(buckets) for a in area_ids}
    totals = [0] * len(buckets)
    for day, tags, _met in meetings:
        if tags & all_chosen:
            totals[bucket_of(day)] += 1
        for a in area_ids:
            if tags & chosen[a]:
                per_bucket[a][bucket_of(day)] += 1
    areas = {a.id: a for a in records["areas"]}
    goals: dict[int, set[int]] = {}
    for a in area_ids:
        for sdg in areas[a].sdg_list:
            goals.setdefault(sdg, set()).update(chosen[a])
    return {
        "lines": [(s.id, figures({s.id})) for a in area_ids for s in records["strategies"][a]],
        "total": figures(all_chosen),
        "per_bucket": per_bucket,
        "bucket_totals": totals,
        "sdgs": [(sdg, figures(goals[sdg])) for sdg in sorted(goals)],
    }


def _attention(a: queries.Attention) -> tuple[int, int, int, int]:
    return (a.meetings, a.organisations, a.cases_opened, a.cases_established)


PERIODS = [
    year_period(2025),  # four quarters
    Period(date(2025, 7, 1), date(2025, 9, 30), year=2025, quarter=3),  # one bucket
    Period(date(2024, 2, 15), date(2025, 11, 30)),  # quarters cut to the period
    Period(date(2019, 1, 1), date(2025, 12, 31)),  # more than 12 quarters: years
]


def test_strategy_report_equals_a_count_record_by_record(session, records):
    for period in PERIODS:
        report = queries.strategy_report(session, period=period)
        expected = _reference(records, period, [a.id for a in records["areas"]])
        lines = [(line.strategy.id, _attention(line.figures)) for line in report.lines]
        assert lines == expected["lines"], period
        assert _attention(report.total) == expected["total"], period
        assert report.per_bucket == expected["per_bucket"], period
        assert report.bucket_totals == expected["bucket_totals"], period
        assert [(sdg, _attention(a)) for sdg, a in report.sdgs] == expected["sdgs"], period
        assert report.total.meetings > 0  # the fixture's dates reach every period asked for


def test_strategy_report_of_one_focus_area_equals_a_count_record_by_record(session, records):
    area = records["areas"][1]
    period = Period(date(2022, 1, 1), date(2025, 12, 31))
    report = queries.strategy_report(session, period=period, focus_area_id=area.id)
    expected = _reference(records, period, [area.id])
    assert [(line.strategy.id, _attention(line.figures)) for line in report.lines] == expected[
        "lines"
    ]
    assert _attention(report.total) == expected["total"]
    assert report.per_bucket == expected["per_bucket"]
    assert [(sdg, _attention(a)) for sdg, a in report.sdgs] == expected["sdgs"]
