"""Organisations through the API: a full round trip, If-Match, problems, filters."""

from __future__ import annotations

from tests.factories import make_company, make_place


def test_round_trip_create_read_change(client, session, api_headers):
    headers = api_headers()
    place = make_place(session, name="Kjeller")
    session.commit()
    created = client.post(
        "/api/v1/organisations",
        json={"name": "Kjeller Innovasjon AS", "kind": "incubator", "place_id": place.id},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["name"] == "Kjeller Innovasjon AS" and body["place"] == "Kjeller"
    etag = created.headers["ETag"]
    assert etag == f'"{body["version"]}"'

    read = client.get(f"/api/v1/organisations/{body['id']}", headers=headers)
    assert read.status_code == 200 and read.headers["ETag"] == etag

    changed = client.patch(
        f"/api/v1/organisations/{body['id']}",
        json={"employees": 42},
        headers={**headers, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["employees"] == 42 and changed.json["name"] == "Kjeller Innovasjon AS"
    assert changed.headers["ETag"] != etag

    listed = client.get("/api/v1/organisations?kind=incubator", headers=headers)
    assert [item["id"] for item in listed.json["items"]] == [body["id"]]


def test_a_change_without_if_match_is_428_and_a_stale_one_412(client, session, api_headers):
    headers = api_headers()
    company = make_company(session, name="Infinitum AS")
    session.commit()
    url = f"/api/v1/organisations/{company.id}"
    etag = client.get(url, headers=headers).headers["ETag"]

    missing = client.patch(url, json={"employees": 5}, headers=headers)
    assert missing.status_code == 428
    assert missing.content_type == "application/problem+json"

    # Someone else saves first: the edit made from the old version is refused, nothing lost.
    first = client.patch(url, json={"employees": 5}, headers={**headers, "If-Match": etag})
    assert first.status_code == 200
    second = client.patch(url, json={"employees": 9}, headers={**headers, "If-Match": etag})
    assert second.status_code == 412
    assert second.json["status"] == 412
    assert client.get(url, headers=headers).json["employees"] == 5


def test_validation_errors_name_each_field(client, session, api_headers):
    headers = api_headers()
    response = client.post(
        "/api/v1/organisations",
        json={"kind": "castle", "employees": -3, "colour": "red"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    fields = {error["field"] for error in response.json["errors"]}
    assert {"name", "kind", "employees", "colour"} <= fields


def test_a_domain_rule_is_a_422_on_its_field_and_a_taken_number_a_409(client, session, api_headers):
    headers = api_headers()
    make_company(session, name="Nilu", org_number="974761262")
    session.commit()
    invalid = client.post(
        "/api/v1/organisations", json={"name": "X", "org_number": "123456789"}, headers=headers
    )
    assert invalid.status_code == 422
    assert invalid.json["errors"][0]["field"] == "org_number"
    taken = client.post(
        "/api/v1/organisations", json={"name": "Y", "org_number": "974761262"}, headers=headers
    )
    assert taken.status_code == 409


def test_bad_requests_are_problems_never_500(client, session, api_headers):
    headers = api_headers()
    not_json = client.post(
        "/api/v1/organisations", data="name=X", headers=headers, content_type="text/plain"
    )
    assert not_json.status_code == 415
    broken = client.post(
        "/api/v1/organisations", data="{", headers=headers, content_type="application/json"
    )
    assert broken.status_code == 400
    nul = client.post("/api/v1/organisations", json={"name": "A\x00B"}, headers=headers)
    assert nul.status_code == 422
    too_big = client.post(
        "/api/v1/organisations",
        data="x" * (11 * 1024 * 1024),
        headers=headers,
        content_type="application/json",
    )
    assert too_big.status_code == 413
    missing = client.get("/api/v1/organisations/999999", headers=headers)
    assert missing.status_code == 404
    unknown_url = client.get("/api/v1/nothing-here", headers=headers)
    assert unknown_url.status_code == 404
    assert unknown_url.content_type == "application/problem+json"
    wrong_method = client.delete("/api/v1/organisations", headers=headers)
    assert wrong_method.status_code == 405
    bad_filter = client.get("/api/v1/organisations?place=999999", headers=headers)
    assert bad_filter.status_code == 422 and bad_filter.json["errors"][0]["field"] == "place"
    unknown_param = client.get("/api/v1/organisations?colour=red", headers=headers)
    assert unknown_param.status_code == 400
    for response in (not_json, broken, nul, too_big, missing, wrong_method, bad_filter):
        assert response.content_type == "application/problem+json", response.status_code
