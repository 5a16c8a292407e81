"""Ids, page numbers and dates from requests are bounded: a 404 or a message, never a 500."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from flask import request

from crm.common.converters import (
    MAX_ID,
    MAX_PAGE,
    parse_date,
    parse_datetime,
    parse_id,
    parse_page,
)
from tests.factories import make_company


@pytest.mark.parametrize(
    "value,expected",
    [
        ("1", 1),
        (" 42 ", 42),
        (str(MAX_ID), MAX_ID),
        (7, 7),
        (str(MAX_ID + 1), None),  # PostgreSQL refuses a parameter beyond INTEGER outright
        ("9223372036854775808", None),  # SQLite's driver overflows here
        ("9" * 5000, None),  # int() itself refuses more than 4,300 digits
        ("0", None),
        ("-1", None),
        (-1, None),
        ("٣", None),  # a digit to str.isdigit and int(), not an id
        ("²", None),  # str.isdigit says yes, int() raises
        ("1e3", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_id_accepts_only_ids_the_database_can_hold(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("3", 3),
        (None, 1),
        ("", 1),
        ("0", 1),
        ("-2", 1),
        ("abc", 1),
        ("²", 1),
        ("10000000000000000000", MAX_PAGE),
        ("9" * 100_000, MAX_PAGE),
        ("0007", 7),
    ],
)
def test_parse_page_is_a_number_from_one_to_the_maximum(value, expected):
    assert parse_page(value) == expected


def test_parse_page_takes_the_default_and_maximum_of_a_page_size():
    assert parse_page("abc", default=50, maximum=200) == 50
    assert parse_page("1000", default=50, maximum=200) == 200


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2024-05-17", date(2024, 5, 17)),
        ("1900-01-01", date(1900, 1, 1)),
        ("2200-12-31", date(2200, 12, 31)),
        ("9999-12-31", None),
        ("0001-01-01", None),
        ("1899-12-31", None),
        ("2024-02-30", None),
        ("99999-01-01", None),
        ("17.05.2024", None),
        ("x" * 100_000, None),
        (None, None),
    ],
)
def test_parse_date_keeps_dates_within_the_years_handled(value, expected):
    assert parse_date(value) == expected


def test_parse_datetime_refuses_moments_beyond_the_range():
    # A naive moment stays naive, as the timeline's "before" link writes it.
    assert parse_datetime("2024-05-17T10:30:00") == datetime(2024, 5, 17, 10, 30)  # noqa: DTZ001
    assert parse_datetime("0001-01-01") is None
    assert parse_datetime("9999-12-31T23:59:59") is None
    assert parse_datetime("yesterday") is None


@pytest.mark.parametrize(
    "path",
    [
        "/companies/3000000000",
        "/contacts/9223372036854775808",
        "/meetings/3000000000/edit",
        "/network/companies/3000000000/ego.json",
        "/companies/0",
        "/companies/" + "9" * 5000,
        "/companies/٣",
    ],
)
def test_an_id_beyond_the_database_in_a_path_is_not_found(client, login, session, path):
    login(role="admin")
    make_company(session)
    session.commit()
    assert client.get(path).status_code == 404


def test_a_real_id_still_resolves(client, login, session):
    login(role="reader")
    company = make_company(session, name="Kjeller Innovasjon")
    session.commit()
    response = client.get(f"/companies/{company.id}")
    assert response.status_code == 200
    assert "Kjeller Innovasjon" in response.get_data(as_text=True)


def test_query_strings_and_forms_lose_nul_characters_and_files_are_kept(app):
    """PostgreSQL refuses NUL in text: a search or a save with one was a 500."""
    with app.test_request_context("/companies/?q=Kjeller%00Innovasjon&q2=%00"):
        assert request.args["q"] == "KjellerInnovasjon"
        assert request.args["q2"] == ""
    upload = (io.BytesIO(b"a\x00b"), "raw.bin")
    with app.test_request_context(
        "/companies/new", method="POST", data={"name": "IFE\x00", "file": upload}
    ):
        assert request.form["name"] == "IFE"
        assert request.files["file"].read() == b"a\x00b"


def test_a_search_with_a_nul_character_finds_as_without_it(client, login, session):
    login(role="reader")
    make_company(session, name="Kjeller Innovasjon")
    session.commit()
    response = client.get("/companies/", query_string={"q": "Kjeller\x00"})
    assert response.status_code == 200
    assert "Kjeller Innovasjon" in response.get_data(as_text=True)
