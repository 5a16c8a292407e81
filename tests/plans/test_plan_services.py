"""The action plan's services and queries: rules, copying open measures, evidence, counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm.common.dates import local_today
from crm.common.errors import DomainError, StaleObjectError
from crm.plans import queries, services
from crm.plans.models import Measure
from tests.factories import make_company, make_meeting, make_strategy, make_task, make_user


def _plan(session, name="Handlingsplan 2022–2024", start=2022, end=2024, **kw):
    return services.create_plan(session, name=name, start_year=start, end_year=end, **kw)


def test_a_plan_refuses_an_end_year_before_its_start_and_a_taken_name(session):
    with pytest.raises(DomainError) as error:
        _plan(session, start=2024, end=2022)
    assert error.value.field == "end_year"
    with pytest.raises(DomainError) as error:
        _plan(session, start=10000, end=10002)
    assert error.value.field == "start_year"
    _plan(session)
    with pytest.raises(DomainError) as error:
        _plan(session, name="handlingsplan 2022–2024", start=2025, end=2027)
    assert error.value.field == "name"


def test_a_new_plan_takes_over_the_open_measures_of_the_previous_one(session):
    strategy = make_strategy(session)
    adviser = make_user(session)
    partner = make_company(session, name="Kjeller Innovasjon")
    old = _plan(session)
    kept = services.create_measure(
        session,
        plan=old,
        title="Innovasjonsdistrikt Kjeller",
        strategy_id=strategy.id,
        responsible_id=adviser.id,
        partner_ids=[partner.id],
        status="started",
        deadline=date(2024, 6, 30),
        progress_note="Forprosjekt i gang",
        progress_on=date(2024, 3, 1),
    )
    services.create_measure(session, plan=old, title="Planlagt", deadline=date(2026, 5, 1))
    services.create_measure(session, plan=old, title="Ferdig", status="done")
    services.create_measure(session, plan=old, title="Droppet", status="dropped")
    meeting = make_meeting(session)
    services.link_evidence(session, measure=kept, kind="meeting", record_id=meeting.id)

    new = _plan(session, name="Handlingsplan 2025–2027", start=2025, end=2027)

    copies = {m.title: m for m in queries.plan_measures(session, new.id)}
    assert set(copies) == {"Innovasjonsdistrikt Kjeller", "Planlagt"}
    copy = copies["Innovasjonsdistrikt Kjeller"]
    assert copy.copied_from_id == kept.id
    assert copy.status == "started"
    assert copy.strategy_id == strategy.id and copy.responsible_id == adviser.id
    assert [p.name for p in copy.partners] == ["Kjeller Innovasjon"]
    assert copy.progress_note == "Forprosjekt i gang"
    # A deadline before the new plan starts is dropped; one inside it is kept.
    assert copy.deadline is None
    assert copies["Planlagt"].deadline == date(2026, 5, 1)
    # Evidence stays with the old measure; the old plan keeps all four measures.
    assert queries.measure_evidence(session, copy.id).empty
    assert [m.title for m in queries.measure_evidence(session, kept.id).meetings] == [meeting.title]
    assert sum(queries.status_counts(session, old.id).values()) == 4


def test_a_new_plan_without_copying_starts_empty(session):
    old = _plan(session)
    services.create_measure(session, plan=old, title="Åpent")
    new = _plan(session, name="Ny", start=2025, end=2027, copy_open_measures=False)
    assert queries.plan_measures(session, new.id) == []


def test_status_counts_and_overdue_measures(session):
    plan = _plan(session, start=2020, end=2030)
    today = local_today()
    yesterday = today - timedelta(days=1)
    services.create_measure(session, plan=plan, title="Forfalt", deadline=yesterday)
    services.create_measure(
        session, plan=plan, title="Startet, forfalt", status="started", deadline=yesterday
    )
    services.create_measure(session, plan=plan, title="I dag", deadline=today)
    services.create_measure(
        session, plan=plan, title="Ferdig etter fristen", status="done", deadline=yesterday
    )
    services.create_measure(
        session, plan=plan, title="Droppet", status="dropped", deadline=yesterday
    )
    assert queries.status_counts(session, plan.id) == {
        "planned": 2,
        "started": 1,
        "done": 1,
        "dropped": 1,
    }
    assert queries.overdue_count(session, today=today) == 2
    overdue = {m.title for m in queries.plan_measures(session, plan.id) if m.overdue}
    assert overdue == {"Forfalt", "Startet, forfalt"}


def test_a_deadline_outside_the_plan_is_allowed_but_flagged(session):
    plan = _plan(session)
    measure = services.create_measure(session, plan=plan, title="Sent", deadline=date(2026, 1, 1))
    assert measure.deadline_outside_plan
    inside = services.create_measure(session, plan=plan, title="Tidsnok", deadline=date(2023, 1, 1))
    assert not inside.deadline_outside_plan


def test_a_measure_needs_a_title_and_a_known_status(session):
    plan = _plan(session)
    with pytest.raises(DomainError) as error:
        services.create_measure(session, plan=plan, title="  ")
    assert error.value.field == "title"
    with pytest.raises(DomainError) as error:
        services.create_measure(session, plan=plan, title="x", status="finished")
    assert error.value.field == "status"
    with pytest.raises(DomainError) as error:
        services.create_measure(session, plan=plan, title="x", strategy_id=999_999)
    assert error.value.field == "strategy_id"


def test_a_progress_note_gets_todays_date_and_a_stale_edit_is_refused(session):
    plan = _plan(session)
    measure = services.create_measure(session, plan=plan, title="Tiltak")
    version = measure.version
    services.update_measure(
        session, measure=measure, version=version, title="Tiltak", progress_note="Møte holdt"
    )
    assert measure.progress_on == local_today()
    with pytest.raises(StaleObjectError):
        services.update_measure(session, measure=measure, version=version, title="Gammel")


def test_measures_group_by_focus_area_then_strategy(session):
    first = make_strategy(session, number="1.1", name="Innovasjonsdistrikt")
    second = make_strategy(session, number="1.2", name="Industri", focus_area=first.focus_area)
    plan = _plan(session)
    for title, strategy in (("B", second), ("A", first), ("C", None), ("D", first)):
        services.create_measure(
            session, plan=plan, title=title, strategy_id=strategy.id if strategy else None
        )
    groups = queries.group_measures(queries.plan_measures(session, plan.id))
    assert [g.focus_area for g in groups] == [first.focus_area, None]
    assert [[m.title for m in s.measures] for s in groups[0].strategies] == [["A", "D"], ["B"]]
    assert [m.title for m in groups[1].strategies[0].measures] == ["C"]


def test_evidence_links_replace_and_count(session):
    plan = _plan(session, start=2020, end=2030)
    one = services.create_measure(session, plan=plan, title="En")
    two = services.create_measure(session, plan=plan, title="To")
    meeting = make_meeting(session)
    task = make_task(session)
    services.set_measures(session, kind="meeting", record_id=meeting.id, measure_ids=[one.id])
    services.set_measures(
        session, kind="meeting", record_id=meeting.id, measure_ids=[one.id, two.id]
    )
    services.set_measures(session, kind="task", record_id=task.id, measure_ids=[two.id])
    assert sorted(queries.linked_measure_ids(session, kind="meeting", record_id=meeting.id)) == [
        one.id,
        two.id,
    ]
    assert queries.evidence_counts(session, plan.id) == {one.id: 1, two.id: 2}
    services.unlink_evidence(session, measure=two, kind="meeting", record_id=meeting.id)
    assert [t.id for t in queries.measure_evidence(session, two.id).tasks] == [task.id]
    assert queries.measure_evidence(session, two.id).meetings == []
    with pytest.raises(DomainError):
        services.set_measures(session, kind="task", record_id=task.id, measure_ids=[999_999])


def test_measure_counts_by_strategy_for_the_reports(session):
    strategy = make_strategy(session)
    plan = _plan(session)
    for status in ("planned", "planned", "done"):
        services.create_measure(
            session, plan=plan, title=status, status=status, strategy_id=strategy.id
        )
    services.create_measure(session, plan=plan, title="uten strategi")
    assert queries.measure_counts_by_strategy(session) == {strategy.id: {"planned": 2, "done": 1}}


def test_a_plan_with_measures_cannot_be_deleted(session):
    plan = _plan(session)
    services.create_measure(session, plan=plan, title="x")
    with pytest.raises(DomainError):
        services.delete_plan(session, plan=plan)
    empty = _plan(session, name="Tom", start=2025, end=2027, copy_open_measures=False)
    services.delete_plan(session, plan=empty)
    assert session.query(Measure).count() == 1
