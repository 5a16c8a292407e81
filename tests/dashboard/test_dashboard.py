"""The department's page: figures on hand-made data where the answer is known, the links behind
them landing on the right filtered list, and a query count that does not grow with the data."""

from __future__ import annotations

import re
from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from crm.dashboard import queries
from crm.dashboard.queries import KeyFigures, Period
from crm.establishments.services import raise_flag
from tests.establishments.helpers import make_case, seed
from tests.factories import (
    make_cluster,
    make_company,
    make_measure,
    make_meeting,
    make_membership,
    make_plan,
)

OSLO = ZoneInfo("Europe/Oslo")
TODAY = date(2026, 6, 15)


def _at(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=OSLO)


@pytest.fixture
def data(session):
    """A year so far (to 15 June 2026) against the same days of 2025, with edges."""
    stages = seed(session)
    a = make_company(session, name="Infinitum")
    b = make_company(session, name="RainPower")
    make_meeting(session, title="I år", starts_at=_at(2026, 3, 1), companies=[a, b])
    # The last minute of the last day counts; the next day does not.
    make_meeting(session, title="Sent", starts_at=_at(2026, 6, 15, 23, 59), companies=[a])
    make_meeting(session, title="For sent", starts_at=_at(2026, 6, 16, 0, 1), companies=[b])
    make_meeting(session, title="I fjor", starts_at=_at(2025, 2, 1), companies=[a])
    make_meeting(session, title="I fjor, etter datoen", starts_at=_at(2025, 6, 16))
    # Cases: one opened and established this year (10 jobs counted), one opened after today,
    # one opened last year and established then (5 expected, none counted), and one that
    # was established and then moved back to an open stage (not established any more).
    established = make_case(session, company_id=a.id, opened_on=date(2026, 2, 1))
    established.stage = stages["established"]
    established.established_on = date(2026, 5, 1)
    established.actual_jobs = 10
    established.expected_jobs = 50
    make_case(session, company_id=b.id, opened_on=date(2026, 6, 20))
    old = make_case(session, company_id=b.id, opened_on=date(2025, 3, 1), expected_jobs=5)
    old.stage = stages["established"]
    old.established_on = date(2025, 4, 1)
    moved_back = make_case(session, opened_on=date(2025, 12, 1), expected_jobs=7)
    moved_back.established_on = date(2026, 3, 1)
    session.flush()
    return stages


def test_key_figures_for_the_year_so_far_and_the_same_days_last_year(session, data):
    this_year, last_year = queries.year_to_date(TODAY)
    assert this_year == Period(date(2026, 1, 1), TODAY)
    assert last_year == Period(date(2025, 1, 1), date(2025, 6, 15))
    now, before = queries.key_figures(session, this_year, last_year)
    assert now == KeyFigures(
        meetings=2, organisations=2, cases_opened=1, cases_established=1, new_jobs=10
    )
    assert before == KeyFigures(
        meetings=1, organisations=1, cases_opened=1, cases_established=1, new_jobs=5
    )


def test_a_29th_of_february_compares_with_the_28th():
    _, last = queries.year_to_date(date(2028, 2, 29))
    assert last == Period(date(2027, 1, 1), date(2027, 2, 28))


def test_open_cases_by_stage_and_red_flags(session, data):
    counts = {row.name: row.cases for row in queries.open_cases_by_stage(session)}
    assert counts["Første kontakt"] == 2  # the one opened after today and the one moved back
    assert counts["Behov avklart"] == 0
    assert "Etablert" not in counts and "Tapt" not in counts
    company = make_company(session)
    for severity in ("red", "red", "yellow"):
        raise_flag(session, company_id=company.id, severity=severity, kind="other",
                   raised_on=TODAY, raised_by_id=None)  # fmt: skip
    assert queries.open_red_flags(session) == 2


def _links(html: str) -> dict[str, str]:
    """The dashboard's figure links by their text."""
    return {
        unescape(text).strip(): unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)
    }


def test_the_page_links_each_figure_to_its_filtered_list(client, login, session, data, monkeypatch):
    monkeypatch.setattr("crm.dashboard.routes.local_today", lambda: TODAY)
    monkeypatch.setattr("crm.plans.queries.local_today", lambda: TODAY)
    plan = make_plan(session, start_year=2026, end_year=2028)
    make_measure(session, plan=plan, title="Forsinket", deadline=date(2026, 6, 1))
    cluster = make_cluster(session, name="H2Cluster")
    make_membership(session, cluster=cluster, company=make_company(session))
    session.commit()
    login(role="reader", locale="en")
    html = client.get("/dashboard/").get_data(as_text=True)
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]
    assert "/meetings/?date_from=2026-01-01&date_to=2026-06-15" in hrefs
    assert "/companies/?met_from=2026-01-01&met_to=2026-06-15" in hrefs
    assert "/establishments/?opened_from=2025-01-01&opened_to=2025-06-15" in hrefs
    assert "/establishments/?established_from=2026-01-01&established_to=2026-06-15" in hrefs
    assert "/establishments/flags?severity=red" in hrefs
    assert "/plans/measures?overdue=y" in hrefs
    assert "1 measure in the action plan is overdue" in html
    assert re.search(r"H2Cluster</a></th><td[^>]*>1</td>", html)
    # Each link lands on a list that shows what the figure counted.
    page = client.get("/meetings/?date_from=2026-01-01&date_to=2026-06-15").get_data(as_text=True)
    assert "I år" in page and "Sent" in page and "For sent" not in page
    page = client.get("/companies/?met_from=2025-01-01&met_to=2025-06-15").get_data(as_text=True)
    assert "Infinitum" in page and "RainPower" not in page
    page = client.get(
        "/establishments/?established_from=2026-01-01&established_to=2026-06-15"
    ).get_data(as_text=True)
    assert "Infinitum" in page and "RainPower" not in page
    page = client.get("/plans/measures?overdue=y").get_data(as_text=True)
    assert "Forsinket" in page


def test_the_page_runs_as_many_queries_for_much_data_as_for_little(
    client, login, session, data, count_queries
):
    login(role="reader", locale="en")
    session.commit()
    with count_queries() as few:
        assert client.get("/dashboard/").status_code == 200
    for n in range(12):
        company = make_company(session)
        make_meeting(session, title=f"Møte {n}", starts_at=_at(2026, 1, 2 + n), companies=[company])
        make_case(session, company_id=company.id, opened_on=date(2026, 1, 3))
        cluster = make_cluster(session, name=f"Klynge {n}")
        make_membership(session, cluster=cluster, company=company)
    session.commit()
    with count_queries() as many:
        assert client.get("/dashboard/").status_code == 200
    assert len(many) == len(few)
