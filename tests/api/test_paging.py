"""Cursor paging: every row once, none skipped, while rows are added between pages."""

from __future__ import annotations

import pytest

from crm.api.paging import decode_cursor, encode_cursor
from tests.factories import make_company, make_contact


def _walk(client, url: str, headers: dict, *, between=None) -> tuple[list[int], int]:
    seen: list[int] = []
    pages = 0
    cursor = None
    while True:
        response = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert response.status_code == 200, response.json
        seen += [item["id"] for item in response.json["items"]]
        pages += 1
        cursor = response.json["next_cursor"]
        if cursor is None:
            return seen, pages
        if between:
            between(pages)


@pytest.mark.parametrize("sort", ["id", "-id", "name", "-name", "employees", "-updated"])
def test_paging_sees_every_row_once_while_rows_are_added(client, session, api_headers, sort):
    headers = api_headers(role="reader", scope="read")
    # Duplicate names and employee counts: the id must break the ties.
    before = {make_company(session, name=f"Org {n % 7}", employees=n % 3).id for n in range(23)}
    session.commit()
    added: set[int] = set()

    def add_rows(page: int) -> None:
        for n in range(2):
            added.add(make_company(session, name=f"Org {page + n}", employees=1).id)
        session.commit()

    seen, pages = _walk(
        client, f"/api/v1/organisations?limit=5&sort={sort}", headers, between=add_rows
    )
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert before <= set(seen), "a row that was there from the start was skipped"
    assert set(seen) <= before | added
    assert pages >= 5


def test_the_first_page_gives_a_total_and_the_sort_in_effect(
    client, session, api_headers, count_queries
):
    headers = api_headers(role="reader", scope="read")
    for n in range(3):
        make_company(session, name=f"Total {n}")
    session.commit()
    page = client.get("/api/v1/organisations?limit=2&sort=-name", headers=headers).json
    assert page["total"] == 3 and page["sort"] == "-name"
    assert [item["name"] for item in page["items"]] == ["Total 2", "Total 1"]
    with count_queries() as statements:
        second = client.get(
            f"/api/v1/organisations?limit=2&sort=-name&cursor={page['next_cursor']}",
            headers=headers,
        ).json
    # A later page seeks to its cursor (a WHERE on the sort key and id, no offset to skip
    # through) however deep it is, and counts nothing.
    page_statements = [s for s in statements if "FROM companies" in s and "ORDER BY" in s]
    assert page_statements and all("companies.id >" in s for s in page_statements)
    assert not [s for s in statements if "count(" in s.lower()]
    assert second["total"] is None
    assert [item["name"] for item in second["items"]] == ["Total 0"]
    assert second["next_cursor"] is None


def test_a_cursor_from_another_sort_or_forged_is_a_400(client, session, api_headers):
    headers = api_headers(role="reader", scope="read")
    for n in range(3):
        make_company(session, name=f"C {n}")
    session.commit()
    cursor = client.get("/api/v1/organisations?limit=1&sort=name", headers=headers).json[
        "next_cursor"
    ]
    other = client.get(f"/api/v1/organisations?sort=id&cursor={cursor}", headers=headers)
    assert other.status_code == 400 and other.json["errors"][0]["field"] == "cursor"
    forged = client.get("/api/v1/organisations?cursor=%%%not-base64", headers=headers)
    assert forged.status_code == 400


def test_the_cursor_round_trips_dates():
    from datetime import UTC, datetime

    when = datetime(2026, 5, 1, 10, 30, tzinfo=UTC)
    assert decode_cursor(encode_cursor("-updated", when, 7), "-updated") == (when, 7)


def test_people_pages_are_bounded_in_queries(client, session, api_headers, count_queries):
    headers = api_headers(role="reader", scope="read")
    for n in range(30):
        make_contact(session, name=f"Person {n}")
    session.commit()
    client.get("/api/v1/people?limit=1", headers=headers)  # the token's "last used" is written
    with count_queries() as few:
        client.get("/api/v1/people?limit=3", headers=headers)
    with count_queries() as many:
        client.get("/api/v1/people?limit=30", headers=headers)
    assert len(many) == len(few), "people pages run a query per row"
