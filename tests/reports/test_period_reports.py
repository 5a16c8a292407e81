"""The period reports on small hand-made data whose figures are known, the period filter's bad
input, and the downloads equal to the tables."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from crm.establishments import services
from crm.network.models import CollaborationLink, LinkType
from crm.reports import queries
from crm.reports.filters import Period, report_filter_form, year_period
from crm.strategy.models import FocusArea, StrategyPeriod
from tests.establishments.helpers import at, make_case, seed
from tests.factories import (
    make_cluster,
    make_company,
    make_indicator_value,
    make_measure,
    make_meeting,
    make_membership,
    make_place,
    make_plan,
    make_sector,
    make_strategy,
    make_user,
)

YEAR = year_period(2025)


@pytest.fixture
def strategy_data(session):
    """FA1 (SDG 8, 9): S1, S2. FA2 (SDG 8, 11): S3, S4 (nothing).
    M1 Feb 2025: S1+S2, orgs A, B. M2 May 2025: S1, A. M3 31 Dec 2024 23:30 in Oslo: S1 (not
    in 2025). M4 Aug 2025: S3, C. Case opened Mar 2025 with S2, established Jun 2025."""
    period = StrategyPeriod(name="Strategi 2022–2030", start_year=2022, end_year=2030, current=True)
    fa1 = FocusArea(period=period, number="1", name="Klima", sdgs="8,9", position=1)
    fa2 = FocusArea(period=period, number="2", name="Opplevelser", sdgs="8,11", position=2)
    session.add_all([period, fa1, fa2])
    s1 = make_strategy(session, focus_area=fa1, number="1.1", name="Innovasjonsdistrikt")
    s2 = make_strategy(session, focus_area=fa1, number="1.2", name="Industri", position=2)
    s3 = make_strategy(session, focus_area=fa2, number="2.1", name="Attraktivitet")
    s4 = make_strategy(session, focus_area=fa2, number="2.2", name="Regionalpark", position=2)
    a, b, c = (make_company(session, name=n) for n in ("A AS", "B AS", "C AS"))
    make_meeting(session, starts_at=at(2025, 2, 10), strategies=[s1, s2], companies=[a, b])
    make_meeting(session, starts_at=at(2025, 5, 5), strategies=[s1], companies=[a])
    make_meeting(
        session,
        starts_at=datetime(2024, 12, 31, 22, 30, tzinfo=UTC),
        strategies=[s1],
        companies=[c],
    )
    make_meeting(session, starts_at=at(2025, 8, 1), strategies=[s3], companies=[c])
    stages = seed(session)
    case = make_case(session, opened_on=date(2025, 3, 1), strategy_ids=[s2.id])
    services.move_case(
        session,
        case=case,
        stage_id=stages["established"].id,
        established_on=date(2025, 6, 1),
        established_place_id=make_place(session).id,
        actual_jobs=12,
    )
    # Measures of the plan in force in 2025; an older plan's measure is not counted.
    plan = make_plan(session, name="Handlingsplan 2025–2027", start_year=2025, end_year=2027)
    for strategy, status in [(s1, "planned"), (s1, "done"), (s3, "started"), (None, "planned")]:
        make_measure(session, plan=plan, strategy_id=strategy and strategy.id, status=status)
    make_measure(session, strategy_id=s1.id, status="dropped")  # in a 2022–2024 plan
    return {"fa1": fa1, "fa2": fa2, "s4": s4}


def test_strategy_report_counts_each_meeting_once_per_strategy_and_once_in_all(
    session, strategy_data
):
    report = queries.strategy_report(session, period=YEAR)
    figures = {
        line.strategy.number: (
            line.figures.meetings,
            line.figures.organisations,
            line.figures.cases_opened,
            line.figures.cases_established,
        )
        for line in report.lines
    }
    assert figures == {
        "1.1": (2, 2, 0, 0),
        "1.2": (1, 2, 1, 1),
        "2.1": (1, 1, 0, 0),
        "2.2": (0, 0, 0, 0),
    }
    total = report.total
    assert (total.meetings, total.organisations, total.cases_opened) == (3, 3, 1)
    assert total.cases_established == 1
    assert [line.strategy.number for line in report.neglected] == ["2.2"]
    assert report.plan_name == "Handlingsplan 2025–2027"
    measures = {line.strategy.number: report.measures[line.strategy.id] for line in report.lines}
    assert measures == {
        "1.1": {"planned": 1, "done": 1},
        "1.2": {},
        "2.1": {"started": 1},
        "2.2": {},
    }
    assert [b.label for b in report.buckets] == [
        "1. kvartal 2025",
        "2. kvartal 2025",
        "3. kvartal 2025",
        "4. kvartal 2025",
    ]
    assert report.per_bucket[strategy_data["fa1"].id] == [1, 1, 0, 0]
    assert report.per_bucket[strategy_data["fa2"].id] == [0, 0, 1, 0]
    assert report.bucket_totals == [1, 1, 1, 0]
    sdgs = {sdg: (a.meetings, a.organisations, a.cases_opened) for sdg, a in report.sdgs}
    assert sdgs == {8: (3, 3, 1), 9: (2, 2, 1), 11: (1, 1, 0)}


def test_strategy_report_of_one_focus_area_and_of_an_empty_period(session, strategy_data):
    report = queries.strategy_report(session, period=YEAR, focus_area_id=strategy_data["fa2"].id)
    assert [line.strategy.number for line in report.lines] == ["2.1", "2.2"]
    assert report.total.meetings == 1
    # The meeting at 23:30 on New Year's Eve in Oslo belongs to 2024.
    last_year = queries.strategy_report(session, period=year_period(2024))
    assert last_year.total.meetings == 1
    empty = queries.strategy_report(session, period=year_period(2019))
    assert empty.total.meetings == 0 and len(empty.neglected) == 4


def test_reach_report(session):
    klima, helse = make_sector(session, name="Klima"), make_sector(session, name="Helse")
    heia = make_place(session, name="Heia", growth_area=True)
    a = make_company(session, org_number="923609016", register_status="active", place_id=heia.id)
    a.sectors = [klima, helse]
    b = make_company(session, org_number="974760673", register_status="active", kind="research")
    make_company(session, org_number="982463718", register_status="active")  # not met
    make_company(session, org_number="988588261", register_status="deleted")  # left out
    adviser = make_user(session, name="Kari Rådgiver")
    make_meeting(session, starts_at=at(2025, 3, 1), companies=[a, b], staff=[adviser])
    make_meeting(session, starts_at=at(2025, 4, 1), companies=[a], staff=[adviser])
    make_meeting(session, starts_at=at(2024, 4, 1), companies=[a], staff=[adviser])
    report = queries.reach_report(session, period=YEAR, advisers=True)
    assert report.reached == 2
    assert sorted(report.sectors, key=str) == [("Helse", 1), ("Klima", 1), (None, 1)]
    assert report.places == [("Heia", True, 1), (None, False, 1)]
    assert report.kinds == [("company", 1), ("research", 1)]
    assert (report.registered, report.registered_met) == (3, 2)
    assert report.share == pytest.approx(2 / 3)
    assert report.advisers == [("Kari Rådgiver", 2)]
    assert queries.reach_report(session, period=YEAR, advisers=False).advisers == []


def test_clusters_report_with_memberships_spanning_year_ends(session):
    h2 = make_cluster(session, name="H2Cluster")
    sol = make_cluster(session, name="Solenergiklyngen")
    ife = make_company(session, name="IFE", kind="research")
    oslomet = make_company(session, name="OsloMet", kind="education")
    firm = make_company(session, name="Infinitum AS")
    # IFE: in H2 from 2023, through every year end; OsloMet: joined Jun 2024, left 31 Dec 2024
    # (still a member at that year end? no: left that day); the firm: joined 2025, also in Sol.
    make_membership(session, cluster=h2, company=ife, joined_on=date(2023, 5, 1))
    make_membership(
        session,
        cluster=h2,
        company=oslomet,
        joined_on=date(2024, 6, 1),
        left_on=date(2024, 12, 31),
    )
    make_membership(session, cluster=h2, company=firm, joined_on=date(2025, 2, 1))
    make_membership(session, cluster=sol, company=firm, joined_on=date(2020, 1, 1))
    make_membership(session, cluster=sol, company=oslomet, joined_on=date(2025, 1, 1))
    make_meeting(session, starts_at=at(2025, 3, 3), companies=[ife, firm])
    link_type = LinkType(key="project", name="Prosjekt")
    session.add(link_type)
    session.flush()
    session.add(
        CollaborationLink(source_id=ife.id, target_id=oslomet.id, link_type_id=link_type.id)
    )
    session.flush()

    report = queries.clusters_report(session, period=Period(date(2024, 1, 1), date(2025, 12, 31)))
    years = {(r.cluster, r.year): (r.members, r.new, r.departed) for r in report.years}
    assert years == {
        ("H2Cluster", 2024): (1, 1, 1),
        ("H2Cluster", 2025): (2, 1, 0),
        ("Solenergiklyngen", 2024): (1, 0, 0),
        ("Solenergiklyngen", 2025): (2, 1, 0),
    }
    assert sorted(report.mix) == [
        ("H2Cluster", "company", 1, 2),
        ("H2Cluster", "research", 1, 2),
        ("Solenergiklyngen", "company", 1, 2),
        ("Solenergiklyngen", "education", 1, 2),
    ]
    assert dict((name, (m, o)) for name, m, o in report.meetings) == {
        "H2Cluster": (1, 2),
        "Solenergiklyngen": (1, 1),
    }
    # IFE (H2) – OsloMet (Sol at the end of 2025): one tie across the two clusters.
    assert report.ties == [("H2Cluster", "Solenergiklyngen", 1)]


def test_a_case_that_moved_back_a_stage_counts_once_and_jobs_by_year(session):
    stages = seed(session)
    heia = make_place(session, name="Heia", growth_area=True)
    other = make_place(session, name="Blaker", growth_area=False)
    back = make_case(session, opened_on=date(2025, 1, 5), area_m2=800, expected_jobs=10)
    for key in ("needs_clarified", "first_contact", "needs_clarified"):
        services.move_case(session, case=back, stage_id=stages[key].id)
    for place, day, jobs in [(heia, date(2024, 3, 1), 18), (other, date(2025, 5, 1), 2)]:
        case = make_case(session, opened_on=date(2024, 1, 1), expected_investment_nok=1_000_000)
        services.move_case(
            session,
            case=case,
            stage_id=stages["established"].id,
            established_place_id=place.id,
            established_on=day,
            actual_jobs=jobs,
        )
    pipeline = queries.pipeline_report(session)
    figures = {f.stage.key: f for f in pipeline.stages}
    assert figures["needs_clarified"].reached == 1
    assert figures["needs_clarified"].current == 1
    assert (pipeline.total_area, pipeline.total_expected_jobs) == (800, 10)
    assert pipeline.total_investment == 2_000_000
    opened_2025 = queries.pipeline_report(session, period=YEAR)
    assert opened_2025.total == 1
    years = queries.jobs_by_year(session, period=Period(date(2024, 1, 1), date(2025, 12, 31)))
    assert [(y.year, y.cases, y.jobs, y.growth_area_jobs) for y in years] == [
        ("2024", 1, 18, 18),
        ("2025", 1, 2, 0),
    ]
    assert years[0].share == 1 and years[1].share == 0
    results = queries.results_report(session, period=YEAR)
    assert [(r.year, r.place, r.jobs, r.investment_nok) for r in results.rows] == [
        (2025, "Blaker", 2, 1_000_000)
    ]


@pytest.mark.parametrize(
    ("args", "field", "message", "year"),
    [
        (
            {"start": "2025-06-01", "end": "2025-01-01"},
            "end",
            "Slutten kommer før starten.",
            2026,
        ),
        ({"year": "2025", "quarter": "5"}, "quarter", "Et kvartal er 1, 2, 3 eller 4.", 2025),
        ({"year": "10000"}, "year", "Oppgi et år fra 1990 til 2100.", 2026),
        ({"focus_area": "999"}, "focus_area", "Det finnes ikke noe slikt innsatsområde.", 2026),
        ({"focus_area": "abc"}, "focus_area", "Det finnes ikke noe slikt innsatsområde.", 2026),
    ],
)
def test_bad_period_input_is_named_in_bokmaal_and_a_whole_year_shown(
    app, args, field, message, year
):
    with app.test_request_context():
        form, filters = report_filter_form(
            args, today=date(2026, 3, 1), focus_areas=[(1, "1 Klima")]
        )
    assert [str(e) for e in form[field].errors] == [message]
    assert filters.period == year_period(year) and filters.focus_area_id is None


def test_periods_in_words_and_buckets(app):
    with app.test_request_context():
        _form, quarter = report_filter_form(
            {"year": "2025", "quarter": "2"}, today=date(2026, 1, 1)
        )
        _form, span = report_filter_form(
            {"start": "2020-02-01", "end": "2025-03-31"}, today=date(2026, 1, 1)
        )
        assert quarter.period == Period(date(2025, 4, 1), date(2025, 6, 30), 2025, 2)
        assert quarter.period.label == "2. kvartal 2025"
        # More than 12 quarters: counted per year, the first and last cut to the period.
        buckets = span.period.buckets()
        assert [b.label for b in buckets] == ["2020", "2021", "2022", "2023", "2024", "2025"]
        assert (buckets[0].start, buckets[-1].end) == (date(2020, 2, 1), date(2025, 3, 31))


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_strategy_page_chart_table_and_downloads_equal_the_table(
    client, session, login, strategy_data
):
    login(role="reader", locale="en")
    html = client.get("/reports/strategy?year=2025").get_data(as_text=True)
    assert 'data-chart="bars"' in html and "<rect" in html
    assert "No attention in the period: 2.2 Regionalpark." in html
    assert ">0 · No attention</text>" in html  # beside the strategy's empty bar
    assert "style=" not in html and "<script>" not in html
    rows = _csv(client.get("/reports/strategy.csv?year=2025&table=strategies"))
    assert rows[0][:3] == ["Focus area", "Strategy", "Meetings"]
    assert rows[0][6:10] == [
        "Measures: Planned",
        "Measures: Started",
        "Measures: Done",
        "Measures: Dropped",
    ]
    assert rows[1] == [
        "1 Klima",
        "1.1 Innovasjonsdistrikt",
        "2",
        "2",
        "0",
        "0",
        "1",
        "0",
        "1",
        "0",
        "",
    ]
    assert rows[-1][2:10] == ["3", "3", "1", "1", "1", "1", "1", "0"]
    sheet = load_workbook(
        io.BytesIO(client.get("/reports/strategy.xlsx?year=2025&table=sdgs").data)
    ).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1] == ["SDG 8", 3, 3, 1, 1]
    assert client.get("/reports/strategy.csv?year=2025&table=nothing").status_code == 404


def test_every_report_page_answers_and_says_when_it_has_no_data(client, session, login):
    login(role="admin", locale="en")
    for name in ("strategy", "reach", "clusters", "pipeline", "results", "indicators"):
        response = client.get(f"/reports/{name}?year=2019")
        assert response.status_code == 200, name
        assert "There is no data for 2019." in response.get_data(as_text=True), name
    assert client.get("/reports/").status_code == 200


def test_bad_input_on_the_page_is_a_message_not_a_broken_page(client, session, login):
    login(role="reader", locale="en")
    response = client.get("/reports/strategy?year=10000&quarter=5")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give a year from 1990 to 2100." in html and "A quarter is 1, 2, 3 or 4." in html
    assert "The report shows" in html


def test_meetings_per_adviser_only_for_admins(client, session, login):
    adviser = make_user(session, name="Kari Rådgiver")
    make_meeting(
        session, starts_at=at(2025, 3, 1), companies=[make_company(session)], staff=[adviser]
    )
    login(role="editor", locale="en")
    html = client.get("/reports/reach?year=2025").get_data(as_text=True)
    assert "Kari Rådgiver" not in html
    assert client.get("/reports/reach.csv?year=2025&table=advisers").status_code == 404


REPORTS = ("strategy", "reach", "clusters", "pipeline", "results", "indicators")


def _statements_per_page(client, count_queries, query: str) -> dict[str, int]:
    counts = {}
    for name in REPORTS:
        with count_queries() as statements:
            assert client.get(f"/reports/{name}?{query}").status_code == 200
        counts[name] = len(statements)
    return counts


def test_report_pages_run_as_many_queries_for_much_data_as_for_little(
    client, session, login, strategy_data, count_queries
):
    login(role="admin", locale="en")
    session.commit()
    few = _statements_per_page(client, count_queries, "year=2025")
    # More of everything the reports count: a focus area with strategies, meetings tagged with
    # them, organisations, advisers, clusters with members and ties, cases in several stages.
    area = FocusArea(period=strategy_data["fa1"].period, number="3", name="Ny", sdgs="3,17")
    session.add(area)
    strategies = [
        make_strategy(session, focus_area=area, number=f"3.{n}", position=n) for n in range(5)
    ]
    stages = seed(session)
    link_type = LinkType(key="partner", name="Partner")
    session.add(link_type)
    session.flush()
    for n in range(8):
        companies = [make_company(session, place_id=make_place(session).id) for _ in range(3)]
        make_meeting(
            session,
            starts_at=at(2025, 1 + n, 3),
            strategies=strategies[: 1 + n % 5],
            companies=companies,
            staff=[make_user(session)],
        )
        cluster = make_cluster(session, name=f"Klynge {n}")
        for company in companies:
            make_membership(session, cluster=cluster, company=company)
        session.add(
            CollaborationLink(
                source_id=companies[0].id, target_id=companies[1].id, link_type_id=link_type.id
            )
        )
        case = make_case(session, opened_on=date(2025, 2, 1 + n), strategy_ids=[strategies[0].id])
        services.move_case(session, case=case, stage_id=stages["site_search"].id)
    session.commit()
    many = _statements_per_page(client, count_queries, "year=2025")
    assert many == few
    # And a from–to period of several years (per year) runs no more than one year (per quarter).
    assert _statements_per_page(client, count_queries, "start=2019-01-01&end=2025-12-31") == few
    assert max(few.values()) <= 10, few


def test_indicators_page_shows_the_recorded_indicators_beside_the_jobs(client, session, login):
    make_indicator_value(session, indicator="jobs", year=2020, value=40_000, source="SSB")
    make_indicator_value(session, indicator="jobs", year=2021, value=41_500, source="SSB")
    make_indicator_value(
        session, indicator="value_per_employee", year=2020, value=650_000, national_value=692_000
    )
    login(role="reader", locale="en")
    html = client.get("/reports/indicators?start=2020-01-01&end=2021-12-31").get_data(as_text=True)
    assert "Jobs in the municipality" in html and "41,500" in html
    rows = _csv(
        client.get(
            "/reports/indicators.csv?start=2020-01-01&end=2021-12-31"
            "&table=indicator-value_per_employee"
        )
    )
    assert rows == [
        ["Year", "Value", "National figure", "Source"],
        ["2020", "650000.0", "692000.0", "SSB"],
    ]
