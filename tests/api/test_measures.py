"""/api/v1/measures: the action plan's measures through the API, under the web's rules."""

from __future__ import annotations

from tests.factories import make_company, make_measure, make_meeting, make_plan, make_strategy


def test_measures_list_filters_reads_and_changes_with_if_match(client, session, api_headers):
    headers = api_headers()
    strategy = make_strategy(session, number="1.1", name="Hydrogen")
    plan = make_plan(session, name="Handlingsplan 2025–2027", start_year=2025, end_year=2027)
    served = make_measure(session, plan=plan, title="Hydrogenfrokost", strategy_id=strategy.id)
    make_measure(session, plan=plan, title="Annet tiltak")
    meeting = make_meeting(session, companies=[make_company(session)])
    served.meetings.append(meeting)
    session.commit()

    listed = client.get(f"/api/v1/measures?strategy={strategy.id}", headers=headers)
    assert listed.status_code == 200, listed.json
    assert [m["title"] for m in listed.json["items"]] == ["Hydrogenfrokost"]
    assert listed.json["items"][0]["meeting_ids"] == [meeting.id]
    refused = client.get("/api/v1/measures?plan=999999", headers=headers)
    assert refused.status_code == 422

    url = f"/api/v1/measures/{served.id}"
    read = client.get(url, headers=headers)
    assert read.status_code == 200 and read.json["status"] == "planned"
    body = {"status": "started", "progress_note": "Første frokost holdt"}
    assert client.patch(url, json=body, headers=headers).status_code == 428
    changed = client.patch(url, json=body, headers={**headers, "If-Match": read.headers["ETag"]})
    assert changed.status_code == 200, changed.json
    assert changed.json["status"] == "started"
    assert changed.json["title"] == "Hydrogenfrokost"  # left out: kept
    stale = client.patch(url, json=body, headers={**headers, "If-Match": read.headers["ETag"]})
    assert stale.status_code == 412
    bad = client.patch(
        url, json={"status": "finished"}, headers={**headers, "If-Match": changed.headers["ETag"]}
    )
    assert bad.status_code in (400, 422)


def test_a_read_token_cannot_change_a_measure(client, session, api_headers):
    headers = api_headers(role="editor", scope="read")
    measure = make_measure(session)
    session.commit()
    url = f"/api/v1/measures/{measure.id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    response = client.patch(url, json={"status": "done"}, headers={**headers, "If-Match": etag})
    assert response.status_code == 403
