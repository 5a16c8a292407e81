"""A round trip per resource, driven as a client would: real headers, JSON in and out."""

from __future__ import annotations

from sqlalchemy import select

from crm.contacts.models import ContactAccess
from crm.establishments.services import seed_stages
from crm.network.services import seed_link_types
from tests.factories import (
    make_cluster,
    make_company,
    make_meeting,
    make_strategy,
    make_user,
)


def _patch(client, url, body, headers):
    etag = client.get(url, headers=headers).headers["ETag"]
    return client.patch(url, json=body, headers={**headers, "If-Match": etag})


def test_people_round_trip_with_affiliations_and_the_access_log(client, session, api_headers):
    headers = api_headers()
    company = make_company(session, name="Ahus")
    session.commit()
    created = client.post(
        "/api/v1/people",
        json={"name": "Kari Nordmann", "email": "KARI@ahus.no", "phone": "22 22 22 22"},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    person = created.json
    assert person["email"] == "KARI@ahus.no" and person["phone"] == "+4722222222"
    url = f"/api/v1/people/{person['id']}"
    added = client.post(
        f"{url}/affiliations",
        json={"company_id": company.id, "title": "Forsker"},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert added.status_code == 201, added.json
    assert [a["company"] for a in added.json["affiliations"]] == ["Ahus"]
    changed = _patch(client, url, {"notes": "Møtt på Kjeller"}, headers)
    assert changed.status_code == 200 and changed.json["name"] == "Kari Nordmann"
    listed = client.get(f"/api/v1/people?company_id={company.id}", headers=headers).json
    assert [p["id"] for p in listed["items"]] == [person["id"]]

    actions = [row.action for row in session.scalars(select(ContactAccess))]
    assert "viewed" in actions and "listed_in_export" in actions

    etag = client.get(url, headers=headers).headers["ETag"]
    assert client.delete(url, headers=headers).status_code == 428
    assert client.delete(url, headers={**headers, "If-Match": '"999"'}).status_code == 412
    erased = client.delete(url, headers={**headers, "If-Match": etag})
    assert erased.status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    assert "erased" in [row.action for row in session.scalars(select(ContactAccess))]


def test_clusters_and_memberships_round_trip(client, session, api_headers):
    headers = api_headers()
    company = make_company(session, name="RainPower")
    session.commit()
    created = client.post(
        "/api/v1/clusters", json={"name": "H2Cluster", "kind": "cluster"}, headers=headers
    )
    assert created.status_code == 201, created.json
    url = f"/api/v1/clusters/{created.json['id']}"
    member = client.post(
        f"{url}/memberships",
        json={"company_id": company.id, "role": "partner", "joined_on": "2022-01-01"},
        headers=headers,
    )
    assert member.status_code == 201, member.json
    m_url = f"{url}/memberships/{member.json['id']}"
    ended = client.patch(
        m_url,
        json={"left_on": "2024-06-30"},
        headers={**headers, "If-Match": member.headers["ETag"]},
    )
    assert ended.status_code == 200 and ended.json["left_on"] == "2024-06-30"
    assert ended.json["role"] == "partner"
    renamed = _patch(client, url, {"focus": "Hydrogen"}, headers)
    assert renamed.status_code == 200 and renamed.json["focus"] == "Hydrogen"
    assert [m["company_id"] for m in renamed.json["memberships"]] == [company.id]
    stale = client.delete(m_url, headers={**headers, "If-Match": member.headers["ETag"]})
    assert stale.status_code == 412
    gone = client.delete(m_url, headers={**headers, "If-Match": ended.headers["ETag"]})
    assert gone.status_code == 204
    assert client.get(url, headers=headers).json["memberships"] == []


def test_meetings_and_their_tasks_round_trip(client, session, api_headers):
    headers = api_headers()
    company = make_company(session, name="Nova Spektrum")
    strategy = make_strategy(session, name="Møtedestinasjon")
    session.commit()
    created = client.post(
        "/api/v1/meetings",
        json={
            "starts_at": "2026-05-01T10:00:00+02:00",
            "title": "Konferanseplaner",
            "company_ids": [company.id],
            "strategy_ids": [strategy.id],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.json
    meeting = created.json
    assert meeting["starts_at"].startswith("2026-05-01T08:00:00")
    url = f"/api/v1/meetings/{meeting['id']}"
    changed = _patch(client, url, {"title": "Konferanse 2027"}, headers)
    assert changed.status_code == 200, changed.json
    assert changed.json["strategy_ids"] == [strategy.id]
    naive = client.post(
        "/api/v1/meetings", json={"starts_at": "2026-05-01T10:00:00", "title": "X"}, headers=headers
    )
    assert naive.status_code == 422 and naive.json["errors"][0]["field"] == "starts_at"
    listed = client.get(f"/api/v1/meetings?strategy_id={strategy.id}", headers=headers).json
    assert [m["id"] for m in listed["items"]] == [meeting["id"]]

    task = client.post(
        f"{url}/tasks", json={"title": "Send tilbud", "due_on": "2026-05-10"}, headers=headers
    )
    assert task.status_code == 201, task.json
    assert task.json["company_id"] == company.id
    done = client.patch(
        f"/api/v1/tasks/{task.json['id']}",
        json={"done": True},
        headers={**headers, "If-Match": task.headers["ETag"]},
    )
    assert done.status_code == 200 and done.json["done"] is True


def test_my_tasks_are_the_token_users(client, session, api_headers):
    from tests.factories import make_task

    user = make_user(session)
    from tests.factories import make_token

    _t, text = make_token(session, user=user)
    make_task(session, title="Mine", assignee_id=user.id)
    make_task(session, title="Someone else's", assignee_id=make_user(session).id)
    session.commit()
    listed = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {text}"}).json
    assert [t["title"] for t in listed["items"]] == ["Mine"]


def test_cases_keep_their_stage_history(client, session, api_headers):
    headers = api_headers()
    stages = {stage.key: stage for stage in seed_stages(session)}
    company = make_company(session, name="Pon Equipment")
    session.commit()
    created = client.post(
        "/api/v1/cases",
        json={"company_id": company.id, "expected_jobs": 40, "area_m2": 2000},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    case = created.json
    target = next(s for key, s in stages.items() if s.id != case["stage_id"] and key != "lost")
    moved = client.post(
        f"/api/v1/cases/{case['id']}/stage",
        json={"stage_id": target.id},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.json
    history = moved.json["stage_history"]
    assert history[-1]["to_stage_id"] == target.id
    again = client.post(
        f"/api/v1/cases/{case['id']}/stage",
        json={"stage_id": case["stage_id"]},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert again.status_code == 412
    changed = client.patch(
        f"/api/v1/cases/{case['id']}",
        json={"expected_jobs": 55, "source": "Messe på Nova Spektrum"},
        headers={**headers, "If-Match": moved.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["expected_jobs"] == 55 and changed.json["area_m2"] == 2000
    assert changed.json["stage_history"] == history
    listed = client.get(f"/api/v1/cases?stage_id={target.id}", headers=headers).json
    assert [c["id"] for c in listed["items"]] == [case["id"]]


def test_flags_are_raised_and_resolved(client, session, api_headers):
    headers = api_headers()
    company = make_company(session, name="Auto-Maskin")
    session.commit()
    raised = client.post(
        "/api/v1/flags",
        json={"company_id": company.id, "severity": "red", "note": "Vurderer å flytte"},
        headers=headers,
    )
    assert raised.status_code == 201, raised.json
    resolve_url = f"/api/v1/flags/{raised.json['id']}/resolve"
    assert client.post(resolve_url, json={"resolution": "Blir"}, headers=headers).status_code == 428
    resolved = client.post(
        resolve_url,
        json={"resolution": "Blir på Skjetten"},
        headers={**headers, "If-Match": raised.headers["ETag"]},
    )
    assert resolved.status_code == 200 and resolved.json["resolved_on"] is not None
    assert client.get("/api/v1/flags", headers=headers).json["items"] == []


def test_links_round_trip(client, session, api_headers):
    headers = api_headers()
    link_type = seed_link_types(session)[0]
    a, b = make_company(session, name="IFE"), make_company(session, name="NILU")
    session.commit()
    created = client.post(
        "/api/v1/links",
        json={"company_id": a.id, "other_id": b.id, "link_type_id": link_type.id},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    url = f"/api/v1/links/{created.json['id']}"
    changed = client.patch(
        url,
        json={"evidence": "Felles prosjekt"},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["evidence"] == "Felles prosjekt"
    assert changed.json["link_type_id"] == link_type.id
    created = changed
    listed = client.get(f"/api/v1/links?company_id={b.id}", headers=headers).json
    assert [x["id"] for x in listed["items"]] == [created.json["id"]]
    assert (
        client.delete(url, headers={**headers, "If-Match": created.headers["ETag"]}).status_code
        == 204
    )
    assert client.get(url, headers=headers).status_code == 404


def test_strategies_count_their_meetings(client, session, api_headers):
    headers = api_headers(role="reader", scope="read")
    strategy = make_strategy(session, name="Flere nettverk og klynger")
    meeting = make_meeting(session)
    meeting.strategies.append(strategy)
    session.commit()
    items = client.get("/api/v1/strategies", headers=headers).json["items"]
    assert [(s["name"], s["meetings"], s["sdgs"]) for s in items] == [
        ("Flere nettverk og klynger", 1, [8, 9])
    ]


def test_the_network_as_node_link_json_and_figures(app, client, session, api_headers, tmp_path):
    app.config["NETWORK_CACHE_DIR"] = str(tmp_path)
    headers = api_headers(role="reader", scope="read")
    cluster = make_cluster(session, name="Solenergiklyngen")
    from tests.factories import make_membership

    a, b = make_company(session, name="Infinitum"), make_company(session, name="RainPower")
    make_membership(session, cluster=cluster, company=a)
    make_membership(session, cluster=cluster, company=b)
    session.commit()
    graph = client.get("/api/v1/network/graph", headers=headers)
    assert graph.status_code == 200, graph.json
    assert {n["name"] for n in graph.json["nodes"]} == {"Infinitum", "RainPower"}
    assert [(t["source"], t["target"]) for t in graph.json["links"]] == [
        (min(a.id, b.id), max(a.id, b.id))
    ]
    figures = client.get("/api/v1/network/figures", headers=headers).json
    assert {row["degree"] for row in figures["rows"]} == {1}
    assert all(row["betweenness"] is not None for row in figures["rows"])


def test_the_network_says_202_while_its_figures_are_computed(
    app, client, session, api_headers, tmp_path, monkeypatch
):
    from crm.network import cache

    app.config["NETWORK_CACHE_DIR"] = str(tmp_path)
    headers = api_headers(role="reader", scope="read")
    make_company(session, name="Alene")
    session.commit()
    # As when the graph is too large to compute inline: a background job has the slow figures.
    monkeypatch.setattr(cache, "attach_slow", lambda view, settings: None)
    cache.memory.clear()
    response = client.get("/api/v1/network/figures?min_weight=0.5", headers=headers)
    assert response.status_code == 202
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json == {"ready": False}
