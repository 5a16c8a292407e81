"""The start page: what is due (overdue first), my open cases, red warnings, my last meetings."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from crm.common.dates import local_midnight, local_today
from crm.common.models import utcnow
from crm.establishments import services
from crm.home import queries
from tests.establishments.helpers import make_case, seed
from tests.factories import make_company, make_meeting, make_task, make_user

TODAY = date(2025, 6, 10)


def test_due_items_merge_tasks_and_follow_ups_overdue_first(session):
    seed(session)
    me = make_user(session)
    other = make_user(session)
    late_task = make_task(session, assignee_id=me.id, due_on=TODAY - timedelta(days=2))
    soon_task = make_task(session, assignee_id=me.id, due_on=TODAY + timedelta(days=3))
    make_task(session, assignee_id=me.id, due_on=TODAY + timedelta(days=30))  # too far ahead
    make_task(session, assignee_id=me.id, due_on=TODAY, done=True)  # done
    make_task(session, assignee_id=other.id, due_on=TODAY)  # someone else's
    case = make_case(session, adviser_id=me.id, next_follow_up_on=TODAY - timedelta(days=1))
    items = queries.due_items(session, me.id, today=TODAY)
    assert [(i.kind, i.record_id, i.overdue) for i in items] == [
        ("task", late_task.id, True),
        ("case", case.id, True),
        ("task", soon_task.id, False),
    ]


def test_follow_ups_of_lost_cases_are_not_due(session):
    stages = seed(session)
    me = make_user(session)
    case = make_case(session, adviser_id=me.id, next_follow_up_on=TODAY)
    services.move_case(session, case=case, stage_id=stages["lost"].id, lost_reason="other")
    assert queries.due_items(session, me.id, today=TODAY) == []
    assert queries.my_open_cases(session, me.id) == []


def test_my_open_cases_include_on_hold_but_not_others(session):
    stages = seed(session)
    me = make_user(session)
    mine = make_case(session, adviser_id=me.id)
    held = make_case(session, adviser_id=me.id, stage_id=stages["on_hold"].id)
    make_case(session, adviser_id=make_user(session).id)
    assert set(queries.my_open_cases(session, me.id)) == {mine, held}


def test_last_meetings_are_the_ten_latest_past_ones_i_attended(session):
    me = make_user(session)
    now = datetime.now(UTC)
    mine = [
        make_meeting(session, staff=[me], starts_at=now - timedelta(days=d)) for d in range(1, 13)
    ]
    make_meeting(session, staff=[me], starts_at=now + timedelta(days=2))  # future
    make_meeting(session, staff=[make_user(session)])  # not mine
    assert queries.last_meetings(session, me.id) == mine[:10]


def test_home_page_shows_the_sections(client, session, login):
    me = login(role="reader", locale="en")
    seed(session)
    company = make_company(session, name="Rødt Flagg AS")
    services.raise_flag(
        session, company_id=company.id, severity="red", kind="downsizing", raised_on=local_today()
    )
    make_case(
        session, prospect_name="Min Sak AS", adviser_id=me.id, next_follow_up_on=local_today()
    )
    make_task(
        session, title="Ring Ahus", assignee_id=me.id, due_on=local_today() - timedelta(days=1)
    )
    make_meeting(session, title="Besøk hos IFE", staff=[me])
    session.commit()
    html = client.get("/").get_data(as_text=True)
    for text in ("Rødt Flagg AS", "Min Sak AS", "Ring Ahus", "Besøk hos IFE", "Overdue"):
        assert text in html
    assert html.index("Ring Ahus") < html.index("Follow up the case")  # overdue first


def test_home_page_query_count_is_bounded(client, session, login, count_queries):
    me = login(role="editor", locale="en")
    seed(session)

    def add(n):
        for _ in range(n):
            case = make_case(session, adviser_id=me.id, next_follow_up_on=local_today())
            make_task(session, assignee_id=me.id, due_on=local_today(), company_id=case.company_id)
            make_meeting(session, staff=[me], companies=[case.company])
            make_meeting(session, staff=[me], companies=[case.company], starts_at=utcnow())
            make_company(session, responsible_id=me.id)  # never met: in the portfolio list
            services.raise_flag(
                session,
                company_id=case.company_id,
                severity="red",
                kind="other",
                raised_on=local_today(),
            )
        session.commit()

    add(2)
    with count_queries() as few:
        assert client.get("/").status_code == 200
    add(10)
    with count_queries() as many:
        assert client.get("/").status_code == 200
    assert len(many) == len(few)


def test_planned_meetings_are_today_and_the_rest_of_the_week(session):
    me, other = make_user(session), make_user(session)
    wednesday = date(2025, 6, 11)

    def meeting(day: date, hour: int, staff=None):
        return make_meeting(
            session,
            starts_at=local_midnight(day) + timedelta(hours=hour),
            staff=[staff or me],
        )

    early_today, late_today = meeting(wednesday, 8), meeting(wednesday, 23)
    friday, sunday = meeting(date(2025, 6, 13), 10), meeting(date(2025, 6, 15), 22)
    meeting(date(2025, 6, 10), 23)  # yesterday
    meeting(date(2025, 6, 16), 0)  # next week's Monday
    meeting(wednesday, 10, staff=other)  # someone else's
    planned = queries.planned_meetings(session, me.id, today=wednesday)
    assert planned.today == [early_today, late_today]
    assert planned.this_week == [friday, sunday]


def test_home_page_shows_the_days_meetings_and_the_red_warning_count(client, login, session):
    me = login(role="editor")
    make_meeting(
        session,
        title="Befaring på Heia",
        staff=[me],
        starts_at=local_midnight(local_today()) + timedelta(hours=23),
    )
    session.commit()
    html = client.get("/").text
    planned = html[html.index('id="planned-heading"') : html.index('id="due-heading"')]
    assert "Befaring på Heia" in planned and "23:00" in planned
    assert re.search(r'id="red-heading">[^<]*<span class="badge[^"]*">0</span>', html)


def test_the_portfolio_shows_organisations_not_met_in_twelve_months(session):
    me, other = make_user(session), make_user(session)
    today = date(2025, 6, 10)

    def company(name: str, *met: date, responsible=None):
        made = make_company(session, name=name, responsible_id=(responsible or me).id)
        for day in met:
            make_meeting(session, companies=[made], starts_at=local_midnight(day))
        return made

    never = company("Aldri møtt AS")
    long_ago = company("Lenge siden AS", date(2023, 1, 5), date(2024, 6, 9))
    company("Møtt i år AS", date(2023, 1, 5), date(2025, 2, 1))
    company("Møtt for et år siden i dag AS", date(2024, 6, 10))
    company("Bare planlagt AS", date(2025, 6, 20))  # planned, never met: still quiet
    company("Noen andres AS", responsible=other)
    quiet = queries.quiet_portfolio(session, me.id, today=today)
    names = [row.company.name for row in quiet]
    assert names == ["Aldri møtt AS", "Bare planlagt AS", "Lenge siden AS"]
    assert quiet[0].last_met is None and quiet[0].company == never
    assert quiet[2].company == long_ago
    assert quiet[2].last_met == local_midnight(date(2024, 6, 9))
