"""The lists as flat CSV for Excel and Power BI: every row, the one writer, the token header."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from crm.api import common
from crm.contacts.models import ContactAccess
from tests.factories import make_contact, make_meeting, make_strategy


def _rows(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_meetings_as_csv_hold_every_row_flat_and_neutralised(
    client, session, api_headers, monkeypatch
):
    monkeypatch.setattr(common, "CSV_BATCH", 2)  # several batches, as with 60,000 meetings
    headers = api_headers(role="reader", scope="read")
    strategy = make_strategy(session)
    for n in range(5):
        meeting = make_meeting(session, title=f"Møte {n}")
        meeting.strategies.append(strategy)
    make_meeting(session, title='=HYPERLINK("http://x")')
    session.commit()
    response = client.get(f"/api/v1/meetings?format=csv&strategy_id={strategy.id}", headers=headers)
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    rows = _rows(response)
    assert len(rows) == 5
    assert {row["strategy_ids"] for row in rows} == {str(strategy.id)}
    assert "notes" in rows[0] and "starts_at" in rows[0]

    everything = _rows(client.get("/api/v1/meetings?format=csv", headers=headers))
    titles = {row["title"] for row in everything}
    assert len(everything) == 6
    assert '\'=HYPERLINK("http://x")' in titles, titles


def test_people_as_csv_go_to_the_access_log(client, session, api_headers):
    headers = api_headers(role="reader", scope="read")
    for n in range(3):
        make_contact(session, name=f"Person {n}")
    session.commit()
    rows = _rows(client.get("/api/v1/people?format=csv", headers=headers))
    assert [row["name"] for row in rows] == ["Person 0", "Person 1", "Person 2"]
    assert "affiliations" not in rows[0]
    details = [row.detail for row in session.scalars(select(ContactAccess))]
    assert details == ["3 people, API CSV"]


def test_csv_needs_the_token_too(client, session):
    response = client.get("/api/v1/meetings?format=csv")
    assert response.status_code == 401
