"""The indicators pages: everyone reads, admins record; bad numbers get a message."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.indicators.models import IndicatorValue
from tests.conftest import post_form
from tests.factories import make_indicator_value


@pytest.fixture
def admin(login):
    return login(role="admin", locale="en")


def test_a_reader_sees_the_table_but_may_not_record(client, login, session):
    make_indicator_value(session, indicator="jobs", year=2020, value=40_000)
    make_indicator_value(
        session, indicator="value_per_employee", year=2020, value=650_000, national_value=692_000
    )
    session.commit()
    login(role="reader", locale="en")
    html = client.get("/indicators/").get_data(as_text=True)
    assert "Jobs in the municipality" in html and "40,000" in html
    assert "Norway: 692,000" in html
    assert "/indicators/new" not in html
    assert client.get("/indicators/new").status_code == 403


def test_an_admin_records_a_value_typed_the_norwegian_way(client, admin, session):
    response = post_form(
        client,
        "/indicators/new",
        {"indicator": "purchasing_share", "year": "2024", "value": "12,5", "source": "Kommunen"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    record = session.scalar(select(IndicatorValue))
    assert (record.indicator, record.year, record.value) == ("purchasing_share", 2024, 12.5)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"year": "10000", "value": "1"}, "Give a year from 1990 to 2100."),
        ({"year": "2024", "value": "mange"}, "Not a valid decimal value."),
        ({"year": "2024", "value": "-3"}, "Give a number of zero or more."),
        ({"year": "2024", "value": ""}, "Give the figure as a number"),
    ],
)
def test_bad_input_is_refused_beside_the_field(client, admin, session, data, message):
    response = post_form(client, "/indicators/new", {"indicator": "jobs", **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(IndicatorValue)) is None


def test_a_second_value_for_the_same_year_is_refused_and_an_edit_saves(client, admin, session):
    record = make_indicator_value(session, indicator="jobs", year=2020, value=40_000)
    session.commit()
    response = post_form(
        client, "/indicators/new", {"indicator": "jobs", "year": "2020", "value": "1"}
    )
    assert response.status_code == 400
    assert "already has a value for 2020" in response.get_data(as_text=True)
    response = post_form(
        client,
        f"/indicators/{record.id}/edit",
        {"version": record.version, "indicator": "jobs", "year": "2020", "value": "40 500"},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(IndicatorValue, record.id).value == 40_500
