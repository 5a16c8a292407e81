"""A token request acts as its user for everything downstream: current_user, the restriction
(GDPR art. 18, admins see restricted people) and the change log's "who"; streamed CSV too."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from crm.api import common
from crm.common.models import utcnow
from crm.establishments.models import EstablishmentCase
from crm.history.models import ChangeEntry
from tests.api.conftest import bearer
from tests.establishments.helpers import seed as seed_stages
from tests.factories import make_company, make_contact, make_meeting, make_token, make_user

NAME, EMAIL = "Begrenset Bakken", "begrenset.bakken@eksempel.no"


def _headers(session, role: str) -> tuple[dict[str, str], int]:
    user = make_user(session, role=role)
    _token, text = make_token(session, user=user, scope="write")
    session.commit()
    return bearer(text), user.id


def _restricted(session):
    person = make_contact(session, name=NAME, email=EMAIL, restricted_at=utcnow())
    session.commit()
    return person.id


def _seen(client, headers, person_id: int) -> dict[str, bool]:
    listed = client.get("/api/v1/people", headers=headers).get_data(as_text=True)
    as_csv = client.get("/api/v1/people?format=csv", headers=headers).get_data(as_text=True)
    detail = client.get(f"/api/v1/people/{person_id}", headers=headers)
    return {
        "list": NAME in listed,
        "csv": NAME in as_csv and EMAIL in as_csv,
        "detail": detail.status_code == 200,
    }


def test_an_admins_token_sees_restricted_people_everywhere_an_editors_nowhere(
    client, session, monkeypatch
):
    monkeypatch.setattr(common, "CSV_BATCH", 1)  # rows read in several batches, after the request
    person_id = _restricted(session)
    make_contact(session, name="Åpen Person")
    session.commit()
    admin, _ = _headers(session, "admin")
    editor, _ = _headers(session, "editor")
    assert _seen(client, admin, person_id) == {"list": True, "csv": True, "detail": True}
    assert _seen(client, editor, person_id) == {"list": False, "csv": False, "detail": False}
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/v1/people?format=csv", headers=editor)
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert [row["name"] for row in rows] == ["Åpen Person"]


def test_an_admins_token_can_erase_a_restricted_person(client, session):
    person_id = _restricted(session)
    admin, _ = _headers(session, "admin")
    url = f"/api/v1/people/{person_id}"
    etag = client.get(url, headers=admin).headers["ETag"]
    assert client.delete(url, headers={**admin, "If-Match": etag}).status_code == 204
    assert client.get(url, headers=admin).status_code == 404


def test_every_change_a_token_makes_is_signed_with_its_user(client, session):
    headers, user_id = _headers(session, "editor")
    stages = seed_stages(session)
    company = make_company(session, name="Signert AS")
    meeting = make_meeting(session, title="Til kurven")
    session.commit()
    first = session.scalar(select(ChangeEntry.id).order_by(ChangeEntry.id.desc())) or 0
    person = client.post("/api/v1/people", json={"name": "Signe Signert"}, headers=headers)
    assert person.status_code == 201, person.json
    url = f"/api/v1/people/{person.json['id']}"
    added = client.post(
        f"{url}/affiliations",
        json={"company_id": company.id, "title": "Leder"},
        headers={**headers, "If-Match": person.headers["ETag"]},
    )
    assert added.status_code == 201, added.json
    case = client.post("/api/v1/cases", json={"company_id": company.id}, headers=headers)
    assert case.status_code == 201, case.json
    target = next(s for key, s in stages.items() if s.id != case.json["stage_id"] and key != "lost")
    moved = client.post(
        f"/api/v1/cases/{case.json['id']}/stage",
        json={"stage_id": target.id},
        headers={**headers, "If-Match": case.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.json
    trashed = client.delete(
        f"/api/v1/meetings/{meeting.id}", headers={**headers, "If-Match": f'"{meeting.version}"'}
    )
    assert trashed.status_code == 204, trashed.json
    erased = client.delete(url, headers={**headers, "If-Match": added.headers["ETag"]})
    assert erased.status_code == 204, erased.json

    session.expire_all()
    entries = session.scalars(select(ChangeEntry).where(ChangeEntry.id > first)).all()
    tables = {entry.table_name for entry in entries}
    assert {"contacts", "affiliations", "establishment_cases", "meetings"} <= tables
    unsigned = [(e.table_name, e.action) for e in entries if e.user_id != user_id]
    assert unsigned == []
    assert all(entry.request_id for entry in entries)
    opened = session.scalar(
        select(EstablishmentCase).where(EstablishmentCase.id == case.json["id"])
    )
    assert opened.created_by_id == user_id
