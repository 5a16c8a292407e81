"""The strategy sets stored for the strategy report (crm.meetings.strategy_sets) stay right.

Each strategy has a bit of its own and each meeting keeps the sum of its strategies' bits,
kept by triggers. These tests change meetings, strategies and organisations through the
services a user's action goes through and check both the stored set and the report's figures;
the last one runs the record-by-record reference with a chosen strategy that has no bit (more
than 63 strategies), where the report reads the tags instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select, text

from crm.meetings import strategy_sets
from crm.meetings.models import Meeting
from crm.meetings.strategy_sets import BITS
from crm.reports import queries
from crm.reports.filters import year_period
from crm.search import index
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod
from crm.trash import services as trash
from crm.trash.models import TrashItem
from tests.factories import make_company, make_meeting, make_strategy, merge_into
from tests.reports.test_strategy_report_reference import (  # noqa: F401  (records: a fixture)
    PERIODS,
    _attention,
    _reference,
    records,
)

YEAR = year_period(2025)
SPRING = datetime(2025, 3, 10, 10, tzinfo=UTC)


def _stored(session, meeting: Meeting) -> int:
    session.flush()
    return session.scalar(select(Meeting.strategy_mask).where(Meeting.id == meeting.id))


def _bit(session, strategy: Strategy) -> int | None:
    session.flush()
    return session.scalar(select(Strategy.bit).where(Strategy.id == strategy.id))


def _mask(session, *strategies: Strategy) -> int:
    return sum(1 << _bit(session, s) for s in strategies)


def _figures(session) -> dict[str, tuple[int, int]]:
    """Meetings and organisations reached per strategy number in 2025."""
    report = queries.strategy_report(session, period=YEAR)
    return {
        line.strategy.number: (line.figures.meetings, line.figures.organisations)
        for line in report.lines
    }


def _all_figures(report: queries.StrategyReport) -> dict:
    """The report's figures in the shape of the reference's."""
    return {
        "lines": [(line.strategy.id, _attention(line.figures)) for line in report.lines],
        "total": _attention(report.total),
        "per_bucket": report.per_bucket,
        "bucket_totals": report.bucket_totals,
        "sdgs": [(sdg, _attention(a)) for sdg, a in report.sdgs],
    }


def _take_every_bit(session, area: FocusArea) -> None:
    """Strategies in `area` until all 63 bits are held."""
    held = session.scalar(select(func.count()).where(Strategy.bit.is_not(None)))
    for n in range(BITS - held):
        make_strategy(session, focus_area=area, number=f"9.{n}")
    assert session.scalar(select(func.count()).where(Strategy.bit.is_not(None))) == BITS


def _area(session) -> FocusArea:
    period = StrategyPeriod(name="Strategi 2022–2030", start_year=2022, end_year=2030, current=True)
    area = FocusArea(period=period, number="1", name="Klima og energi", sdgs="7,13")
    session.add_all([period, area])
    session.flush()
    return area


def _triggers(session) -> set[str]:
    if session.connection().dialect.name == "sqlite":
        return set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    return set(session.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))


def test_the_triggers_are_in_place_and_come_back_with_the_search_indexs(session):
    """A later SQLite batch migration calls crm.search.index.create_triggers: it brings these
    back too."""
    assert strategy_sets.TRIGGERS.names() <= _triggers(session)
    strategy_sets.TRIGGERS.drop(session.connection())
    assert not strategy_sets.TRIGGERS.names() & _triggers(session)
    index.create_triggers(session.connection())
    assert strategy_sets.TRIGGERS.names() <= _triggers(session)


def test_each_strategy_gets_a_bit_of_its_own(session):
    area = _area(session)
    strategies = [make_strategy(session, focus_area=area, number=f"1.{n}") for n in range(1, 6)]
    bits = [_bit(session, s) for s in strategies]
    assert None not in bits
    assert len(set(bits)) == 5


def test_a_meetings_stored_set_follows_its_strategies(session):
    area = _area(session)
    first, second, third = (
        make_strategy(session, focus_area=area, number=f"1.{n}") for n in (1, 2, 3)
    )
    company = make_company(session)
    meeting = make_meeting(
        session, starts_at=SPRING, strategies=[first, second], companies=[company]
    )
    assert _stored(session, meeting) == _mask(session, first, second)
    assert _figures(session) == {"1.1": (1, 1), "1.2": (1, 1), "1.3": (0, 0)}

    meeting.strategies = [third]
    assert _stored(session, meeting) == _mask(session, third)
    assert _figures(session) == {"1.1": (0, 0), "1.2": (0, 0), "1.3": (1, 1)}

    meeting.strategies = []
    assert _stored(session, meeting) == 0
    assert queries.strategy_report(session, period=YEAR).total.meetings == 0


def test_a_meeting_moved_to_the_trash_and_restored_keeps_its_set(session):
    area = _area(session)
    strategy = make_strategy(session, focus_area=area, number="1.1")
    other = make_strategy(session, focus_area=area, number="1.2")
    meeting = make_meeting(
        session, starts_at=SPRING, strategies=[strategy, other], companies=[make_company(session)]
    )
    session.commit()
    meeting_id = meeting.id
    item = trash.move_to_trash(
        session, table_name="meetings", record_id=meeting_id, version=meeting.version, user_id=None
    )
    session.commit()
    assert _figures(session) == {"1.1": (0, 0), "1.2": (0, 0)}

    trash.restore(session, item=session.get(TrashItem, item.id))
    session.commit()
    restored = session.get(Meeting, meeting_id)
    assert _stored(session, restored) == _mask(session, strategy, other)
    assert _figures(session) == {"1.1": (1, 1), "1.2": (1, 1)}


def test_a_deleted_strategy_leaves_its_meetings_and_hands_its_bit_on(session):
    area = _area(session)
    kept = make_strategy(session, focus_area=area, number="1.1")
    doomed = make_strategy(session, focus_area=area, number="1.2")
    # Fill every bit in an old period, so that the next strategy made has none.
    old = FocusArea(
        period=StrategyPeriod(name="Strategi 2015–2021", start_year=2015, end_year=2021),
        number="9",
        name="Gammelt",
    )
    session.add(old)
    session.flush()
    _take_every_bit(session, old)
    late = make_strategy(session, focus_area=area, number="1.3")
    assert _bit(session, late) is None
    meeting = make_meeting(session, starts_at=SPRING, strategies=[kept, doomed, late])
    alone = make_meeting(session, starts_at=SPRING, strategies=[late])
    assert _stored(session, meeting) == _mask(session, kept, doomed)
    assert _stored(session, alone) == 0
    # The report counts the strategy without a bit too (it reads the tags).
    assert _figures(session) == {"1.1": (1, 0), "1.2": (1, 0), "1.3": (2, 0)}

    freed = _bit(session, doomed)
    session.delete(doomed)
    session.flush()
    session.expire_all()
    assert _bit(session, late) == freed
    assert _stored(session, meeting) == _mask(session, kept, late)
    assert _stored(session, alone) == _mask(session, late)
    assert _figures(session) == {"1.1": (1, 0), "1.3": (2, 0)}


def test_merged_organisations_are_counted_once(session):
    area = _area(session)
    strategy = make_strategy(session, focus_area=area, number="1.1")
    kept, other = (
        make_company(session, name="Infinitum AS"),
        make_company(session, name="Infinitum"),
    )
    first = make_meeting(session, starts_at=SPRING, strategies=[strategy], companies=[kept])
    second = make_meeting(session, starts_at=SPRING, strategies=[strategy], companies=[other])
    session.commit()
    assert _figures(session) == {"1.1": (2, 2)}

    merge_into(session, kept, other)
    assert _figures(session) == {"1.1": (2, 1)}
    assert _stored(session, first) == _stored(session, second) == _mask(session, strategy)


def test_a_chosen_strategy_without_a_bit_is_counted_from_its_tags(session, records):  # noqa: F811
    """The reference again, with a strategy of the current period made after all 63 bits were
    taken and tagged on new meetings: the report falls back to reading the tags."""
    old = next(a for a in session.scalars(select(FocusArea)) if a.name == "Gammelt")
    _take_every_bit(session, old)
    area = records["areas"][0]
    late = make_strategy(session, focus_area=area, number=f"{area.number}.99", position=99)
    assert _bit(session, late) is None
    records["strategies"][area.id].append(late)
    tagged = records["strategies"][area.id][:2]
    companies = [make_company(session) for _ in range(2)]
    for month in (2, 8, 11):
        day = date(2025, month, 3)
        tags = [late, *tagged[: month % 3]]
        starts = datetime(day.year, day.month, day.day, 11, tzinfo=UTC)
        make_meeting(
            session, starts_at=starts, strategies=tags, companies=companies[: month % 2 + 1]
        )
        records["meetings"].append(
            (day, {s.id for s in tags}, {c.id for c in companies[: month % 2 + 1]})
        )
    session.expire_all()

    areas = [a.id for a in records["areas"]]
    for period in PERIODS:
        report = queries.strategy_report(session, period=period)
        assert _all_figures(report) == _reference(records, period, areas), period
    late_line = next(line for line in report.lines if line.strategy.id == late.id)
    assert late_line.figures.meetings == 3
