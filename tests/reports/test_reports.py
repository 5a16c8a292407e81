"""Report figures on small hand-computed data, the pages and the CSV/XLSX downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.establishments import services
from crm.establishments.models import EstablishmentCase
from crm.reports import queries
from tests.establishments.helpers import at, make_case, seed
from tests.factories import make_place


def _case_with_history(session, stages, steps, **details):
    """A case created on day 0 of June 2025, then moved to (stage key, day) in order."""
    case = make_case(session)
    case.stage_changes[0].changed_at = at(2025, 6, 1)
    for key, day, extra in steps:
        services.move_case(
            session,
            case=case,
            stage_id=stages[key].id,
            at=at(2025, 6, 1) + timedelta(days=day),
            **extra,
        )
    return case


@pytest.fixture
def pipeline_data(session):
    """A: fc 10 days, nc 20 days, established. B: fc 4, nc 6, lost (no site).
    C: still in first contact. D: fc 2, lost to Ullensaker."""
    stages = seed(session)
    place = make_place(session)
    established = {
        "established_place_id": place.id,
        "established_on": date(2025, 7, 1),
        "actual_jobs": 5,
    }
    _case_with_history(
        session,
        stages,
        [("needs_clarified", 10, {}), ("established", 30, established)],
    )
    _case_with_history(
        session,
        stages,
        [("needs_clarified", 4, {}), ("lost", 10, {"lost_reason": "no_site"})],
    )
    _case_with_history(session, stages, [])
    _case_with_history(
        session,
        stages,
        [("lost", 2, {"lost_reason": "other_municipality", "lost_to_municipality": "Ullensaker"})],
    )
    return stages


def test_pipeline_figures(session, pipeline_data):
    report = queries.pipeline_report(session)
    figures = {f.stage.key: f for f in report.stages}
    assert report.total == 4
    assert {k: f.current for k, f in figures.items()} == {
        "first_contact": 1,
        "needs_clarified": 0,
        "site_search": 0,
        "offer_decision": 0,
        "established": 1,
        "lost": 2,
        "on_hold": 0,
    }
    assert (figures["first_contact"].reached, figures["first_contact"].reached_established) == (
        4,
        1,
    )
    assert figures["first_contact"].conversion == 0.25
    assert figures["needs_clarified"].conversion == 0.5
    assert figures["site_search"].conversion is None
    assert figures["established"].conversion == 1
    assert figures["lost"].conversion == 0
    # Finished stays: first contact 10, 4 and 2 days; needs clarified 20 and 6 days.
    assert figures["first_contact"].median_days == 4
    assert figures["first_contact"].stays == 3
    assert figures["needs_clarified"].median_days == 13
    assert figures["established"].median_days is None
    assert report.lost_reasons == [("other_municipality", 1), ("no_site", 1)]


def test_pipeline_of_nothing(session):
    seed(session)
    report = queries.pipeline_report(session)
    assert report.total == 0 and report.lost_reasons == []
    assert all(f.conversion is None and f.median_days is None for f in report.stages)


@pytest.fixture
def results_data(session):
    stages = seed(session)
    heia = make_place(session, name="Heia", growth_area=True)
    berger = make_place(session, name="Berger", growth_area=True)
    skjetten = make_place(session, name="Skjetten", growth_area=False)
    for place, day, jobs, area in [
        (heia, date(2024, 5, 1), 40, 3000),
        (heia, date(2024, 9, 1), 20, 1000),
        (skjetten, date(2025, 2, 1), 10, 500),
        (berger, date(2025, 3, 1), 30, None),
    ]:
        case = make_case(session, opened_on=date(2024, 1, 1), area_m2=area)
        services.move_case(
            session,
            case=case,
            stage_id=stages["established"].id,
            established_place_id=place.id,
            established_on=day,
            actual_jobs=jobs,
        )
    lost = make_case(session, expected_jobs=500)
    services.move_case(session, case=lost, stage_id=stages["lost"].id, lost_reason="other")
    make_case(session, expected_jobs=1000)  # still open: not a result


def test_results_per_year_and_place_and_growth_share(session, results_data):
    report = queries.results_report(session)
    assert [(r.year, r.place, r.growth_area, r.cases, r.jobs, r.area_m2) for r in report.rows] == [
        (2025, "Berger", True, 1, 30, 0),
        (2025, "Skjetten", False, 1, 10, 500),
        (2024, "Heia", True, 2, 60, 4000),
    ]
    assert (report.total_jobs, report.growth_area_jobs) == (100, 90)
    assert report.growth_area_share == 0.9
    assert report.meets_goal is True
    assert (report.total_cases, report.total_area) == (4, 4500)


def test_results_without_jobs_have_no_share(session):
    seed(session)
    report = queries.results_report(session)
    assert report.growth_area_share is None and report.meets_goal is None


def test_pipeline_page_and_downloads(client, session, login, pipeline_data):
    login(role="reader", locale="en")
    session.commit()
    html = client.get("/reports/pipeline").get_data(as_text=True)
    assert 'data-chart="bars"' in html and "Første kontakt" in html and "25%" in html
    assert "style=" not in html

    response = client.get("/reports/pipeline.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Stage", "Cases now", "Reached the stage"]
    first = next(r for r in rows if r[0] == "Første kontakt")
    assert first[1:7] == ["1", "4", "1", "0.25", "4.0", "3"]
    lost = list(
        csv.reader(
            io.StringIO(client.get("/reports/pipeline.csv?table=lost").data.decode("utf-8-sig"))
        )
    )
    assert lost[1:] == [["Chose another municipality", "1"], ["No suitable site or premises", "1"]]

    workbook = load_workbook(io.BytesIO(client.get("/reports/pipeline.xlsx").data))
    values = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert values[0][0] == "Stage"
    assert values[1][:7] == ["Første kontakt", 1, 4, 1, 0.25, 4, 3]


def test_pipeline_bars_are_proportional(client, session, login, pipeline_data):
    login(role="reader", locale="en")
    html = client.get("/reports/pipeline").get_data(as_text=True)
    stages_chart = html.split('id="chart-stages-svg-title"')[1].split("</svg>")[0]
    # Lost has 2 cases, first contact and established 1 each: half the length.
    widths = re.findall(r'class="chart-bar"[^>]* width="([0-9.]+)"', stages_chart)
    longest = max(float(w) for w in widths)
    assert sorted(float(w) for w in widths) == [longest / 2, longest / 2, longest]


def test_results_page_and_downloads(client, session, login, results_data):
    login(role="reader", locale="en")
    session.commit()
    html = client.get("/reports/results").get_data(as_text=True)
    assert 'data-chart="bars"' in html and "Goal reached" in html and "Heia" in html
    assert "style=" not in html
    rows = list(
        csv.reader(
            io.StringIO(client.get("/reports/results.csv?table=places").data.decode("utf-8-sig"))
        )
    )
    assert rows[1:] == [
        ["2025", "Berger", "true", "1", "30", "0", "0"],
        ["2025", "Skjetten", "false", "1", "10", "500", "0"],
        ["2024", "Heia", "true", "2", "60", "4000", "0"],
        ["In all", "", "", "4", "100", "4500", "0"],
    ]
    sheet = load_workbook(io.BytesIO(client.get("/reports/results.xlsx?table=places").data)).active
    assert [c.value for c in sheet[4]] == [2024, "Heia", True, 2, 60, 4000, 0]


def test_reports_need_sign_in(client, session):
    for path in ("/reports/pipeline", "/reports/results.csv"):
        assert client.get(path).status_code == 302


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "nb",
            [
                "4\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}m²",
                "4\N{NO-BREAK SPACE}500\N{NO-BREAK SPACE}m²",
                "90\N{NO-BREAK SPACE}%",
                "1. mai 2024",
                "3\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}m²",
            ],
        ),
        (
            "en",
            [
                "4,000\N{NO-BREAK SPACE}m²",
                "4,500\N{NO-BREAK SPACE}m²",
                "90%",
                "1 May 2024",
                "3,000\N{NO-BREAK SPACE}m²",
            ],
        ),
    ],
)
def test_figures_and_dates_on_pages_read_in_the_users_language(
    client, session, login, results_data, locale, expected
):
    login(role="reader", locale=locale)
    case = session.scalar(select(EstablishmentCase).where(EstablishmentCase.area_m2 == 3000))
    html = client.get("/reports/results").get_data(as_text=True)
    html += client.get(f"/establishments/{case.id}").get_data(as_text=True)
    for text in expected:
        assert text in html
    for python_default in (">4000<", ">4500<", "5/1/24", "May 1, 2024"):
        assert python_default not in html
    # A share printed by Python (0.9), not a part of a longer number (a time's "30.969").
    assert re.search(r"(?<![\d.])0\.9(?!\d)", html) is None
