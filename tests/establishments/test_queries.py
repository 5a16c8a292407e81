"""Reads: case detail with stage history, list filters, the board, flags and the company panel."""

from __future__ import annotations

from datetime import date, timedelta

from crm.common.dates import local_today
from crm.companies.page import company_page
from crm.establishments import queries, services
from crm.establishments.models import StageChange
from crm.extensions import db
from tests.establishments.helpers import at, make_case, seed
from tests.factories import make_company, make_meeting, make_place, make_task, make_user


def _filters(**values):
    values.setdefault("today", date(2025, 6, 1))
    return queries.CaseFilters(**values)


def _listed(session, **filters) -> set[int]:
    return {case.id for case in session.scalars(queries.case_list_query(_filters(**filters)))}


def test_stage_stays_count_days_between_changes_and_until_now(session):
    stages = seed(session)
    case = make_case(session)
    case.stage_changes[0].changed_at = at(2025, 3, 1)
    services.move_case(
        session, case=case, stage_id=stages["needs_clarified"].id, at=at(2025, 3, 11)
    )
    stays = queries.stage_stays(list(case.stage_changes), now=at(2025, 3, 15))
    assert [(s.change.to_stage.key, s.days) for s in stays] == [
        ("first_contact", 10),
        ("needs_clarified", 4),
    ]
    assert stays[0].left_at == at(2025, 3, 11)
    assert stays[1].left_at is None


def test_case_detail_lists_linked_meetings_and_tasks_and_linkable_meetings(session):
    seed(session)
    case = make_case(session)
    linked = make_meeting(session, companies=[case.company], establishment_id=case.id)
    free = make_meeting(session, companies=[case.company])
    make_meeting(session, companies=[make_company(session)])  # another organisation's
    task = make_task(session, establishment_id=case.id, company_id=case.company_id)
    make_task(session)  # not on the case
    detail = queries.get_case_detail(session, case.id)
    assert detail.meetings == [linked]
    assert detail.tasks == [task]
    assert detail.linkable_meetings == [free]
    assert len(detail.history) == 1


def test_case_detail_of_an_unknown_case_is_none(session):
    assert queries.get_case_detail(session, 999999) is None


def test_list_filters_by_stage_adviser_place_kind_and_overdue(session):
    stages = seed(session)
    adviser = make_user(session)
    berger = make_place(session, name="Berger")
    a = make_case(session, adviser_id=adviser.id, place_ids=[berger.id], kind="retention")
    b = make_case(session, next_follow_up_on=date(2025, 5, 1))
    c = make_case(session, next_follow_up_on=date(2025, 7, 1))
    d = make_case(session, next_follow_up_on=date(2025, 5, 1))
    services.move_case(session, case=d, stage_id=stages["lost"].id, lost_reason="other")
    assert _listed(session) == {a.id, b.id, c.id, d.id}
    assert _listed(session, stage_id=stages["lost"].id) == {d.id}
    assert _listed(session, adviser_id=adviser.id) == {a.id}
    assert _listed(session, place_id=berger.id) == {a.id}
    assert _listed(session, kind="retention") == {a.id}
    # Overdue: follow-up before today, and only cases still being followed up.
    assert _listed(session, overdue=True) == {b.id}


def test_list_place_filter_also_finds_where_it_established(session):
    stages = seed(session)
    heia = make_place(session, name="Heia")
    case = make_case(session)
    services.move_case(
        session,
        case=case,
        stage_id=stages["established"].id,
        established_place_id=heia.id,
        established_on=date(2025, 5, 1),
        actual_jobs=1,
    )
    assert _listed(session, place_id=heia.id) == {case.id}


def test_board_has_a_column_per_stage_in_order_with_its_cases(session):
    stages = seed(session)
    stages["on_hold"].position = 0  # admins may reorder
    session.flush()
    a = make_case(session)
    b = make_case(session, stage_id=stages["site_search"].id)
    columns = queries.board(session)
    assert [c.stage.key for c in columns][:2] == ["on_hold", "first_contact"]
    by_key = {c.stage.key: c for c in columns}
    assert by_key["first_contact"].cases == [a]
    assert by_key["site_search"].cases == [b]
    assert by_key["site_search"].total == 1
    assert by_key["established"].cases == []


def test_board_shows_only_the_latest_finished_cases_but_counts_all(session, monkeypatch):
    stages = seed(session)
    monkeypatch.setattr(queries, "BOARD_FINISHED_SHOWN", 2)
    for _ in range(3):
        case = make_case(session)
        services.move_case(session, case=case, stage_id=stages["lost"].id, lost_reason="other")
    lost = {c.stage.key: c for c in queries.board(session)}["lost"]
    assert (len(lost.cases), lost.total) == (2, 3)


def test_open_flags_red_first_then_newest_and_retention_offer(session):
    seed(session)
    followed = make_company(session, name="Følges opp AS")
    make_case(session, company_id=followed.id)
    lonely = make_company(session, name="Ingen sak AS")

    def flag(company, severity, day):
        return services.raise_flag(
            session, company_id=company.id, severity=severity, kind="other", raised_on=day
        )

    yellow_new = flag(lonely, "yellow", date(2025, 6, 1))
    red_old = flag(lonely, "red", date(2025, 1, 1))
    red_new = flag(followed, "red", date(2025, 5, 1))
    resolved = flag(lonely, "red", date(2025, 5, 2))
    resolved.resolved_on = date(2025, 5, 3)
    session.flush()
    rows = queries.open_flags(session)
    assert [r.flag for r in rows] == [red_new, red_old, yellow_new]
    offers = {r.flag.id: r.offers_retention_case for r in rows}
    assert offers == {red_new.id: False, red_old.id: True, yellow_new.id: False}
    assert [r.flag for r in queries.open_flags(session, red_only=True)] == [red_new, red_old]


def test_a_lost_case_does_not_count_as_an_open_case_for_the_retention_offer(session):
    stages = seed(session)
    company = make_company(session)
    case = make_case(session, company_id=company.id)
    services.move_case(session, case=case, stage_id=stages["lost"].id, lost_reason="other")
    services.raise_flag(
        session, company_id=company.id, severity="red", kind="other", raised_on=date(2025, 1, 1)
    )
    assert queries.open_flags(session)[0].offers_retention_case is True
    assert queries.has_active_case(session, company.id) is False


def test_company_panel_holds_open_cases_and_open_flags(session):
    stages = seed(session)
    company = make_company(session)
    open_case = make_case(session, company_id=company.id)
    closed = make_case(session, company_id=company.id)
    services.move_case(session, case=closed, stage_id=stages["lost"].id, lost_reason="other")
    flag = services.raise_flag(
        session, company_id=company.id, severity="red", kind="downsizing", raised_on=local_today()
    )
    services.raise_flag(  # another organisation's
        session,
        company_id=make_company(session).id,
        severity="red",
        kind="other",
        raised_on=local_today() - timedelta(days=1),
    )
    adviser = make_user(session)
    open_case.adviser_id = adviser.id
    yellow = services.raise_flag(
        session, company_id=company.id, severity="yellow", kind="other", raised_on=local_today()
    )
    resolved = services.raise_flag(
        session, company_id=company.id, severity="red", kind="other", raised_on=local_today()
    )
    services.resolve_flag(
        session,
        flag=resolved,
        version=resolved.version,
        resolved_on=local_today(),
        resolution="Løst",
    )
    session.flush()
    panel = company_page(session, company.id).panel
    assert panel.cases == [
        queries.CaseLine(open_case.id, "new", open_case.stage.name, adviser.name)
    ]
    # Red first, then the yellow one; the resolved and the other organisation's left out.
    assert [(r.flag.id, r.flag.severity, r.flag.kind) for r in panel.flags] == [
        (flag.id, "red", "downsizing"),
        (yellow.id, "yellow", "other"),
    ]
    assert panel.flags[0].offers_retention_case is False
    assert company_page(session, make_company(session).id).panel == queries.CompanyPanel([], [])


def test_stage_changes_cascade_with_the_case(session):
    seed(session)
    case = make_case(session)
    session.delete(case)
    session.flush()
    assert session.scalar(db.select(db.func.count()).select_from(StageChange)) == 0
