"""Stage checklists: seeded defaults, answers with who and when, "4 av 6" on the board, and a
confirmation (never a refusal) before moving on with unanswered questions."""

from __future__ import annotations

from sqlalchemy import select

from crm.establishments import queries, services
from crm.establishments.models import ChecklistItem, EstablishmentCase
from tests.conftest import csrf_token
from tests.establishments.helpers import make_case, seed
from tests.factories import make_meeting


def _case_in_needs_clarified(session, user):
    stages = seed(session)
    case = make_case(session)
    services.move_case(session, case=case, stage_id=stages["needs_clarified"].id)
    items = queries.stage_checklist(session, stages["needs_clarified"].id)
    return stages, case, items


def test_default_checklists_are_seeded_once(session):
    stages = seed(session)
    texts = [i.text for i in queries.stage_checklist(session, stages["needs_clarified"].id)]
    assert texts[:2] == ["Arealbehov i m²", "Type lokaler"] and len(texts) == 6
    seed(session)
    assert len(list(session.scalars(select(ChecklistItem)))) == 15


def test_answers_record_who_and_the_board_shows_four_of_six(session, login, client):
    user = login("editor")
    _stages, case, items = _case_in_needs_clarified(session, user)
    services.answer_checklist(
        session, case=case, answered_ids=[i.id for i in items[:4]], actor_id=user.id
    )
    session.commit()
    rows = queries.case_checklist(session, case)
    assert [row.answer.answered_by_id if row.answer else None for row in rows] == [user.id] * 4 + [
        None,
        None,
    ]
    board = client.get("/establishments/board").get_data(as_text=True)
    assert "Spørsmål: 4 av 6" in board


def test_moving_on_with_unanswered_questions_asks_first_and_never_blocks(session, login, client):
    user = login("editor")
    stages, case, _items = _case_in_needs_clarified(session, user)
    session.commit()
    token = csrf_token(client, f"/establishments/{case.id}")
    data = {"csrf_token": token, "stage_id": stages["site_search"].id, "quick": "1"}
    asked = client.post(f"/establishments/{case.id}/stage", data=data)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "6 av spørsmålene i denne fasen er ikke besvart" in page
    assert "Type lokaler" in page
    session.expire_all()
    assert session.get(EstablishmentCase, case.id).stage_id == stages["needs_clarified"].id
    # By fetch the board gets the question in JSON.
    answer = client.post(
        f"/establishments/{case.id}/stage", data=data, headers={"Accept": "application/json"}
    ).get_json()
    assert answer["confirm"] is True and len(answer["unanswered"]) == 6
    # Confirmed, it moves.
    moved = client.post(f"/establishments/{case.id}/stage", data={**data, "confirmed": "y"})
    assert moved.status_code == 302
    session.expire_all()
    assert session.get(EstablishmentCase, case.id).stage_id == stages["site_search"].id


def test_answered_or_backwards_moves_ask_nothing(session, login, client):
    user = login("editor")
    stages, case, items = _case_in_needs_clarified(session, user)
    session.commit()
    token = csrf_token(client, f"/establishments/{case.id}")
    # Back to the first stage: no question.
    back = client.post(
        f"/establishments/{case.id}/stage",
        data={"csrf_token": token, "stage_id": stages["first_contact"].id},
    )
    assert back.status_code == 302
    session.expire_all()
    case = session.get(EstablishmentCase, case.id)
    services.move_case(session, case=case, stage_id=stages["needs_clarified"].id)
    services.answer_checklist(
        session, case=case, answered_ids=[i.id for i in items], actor_id=user.id
    )
    session.commit()
    forward = client.post(
        f"/establishments/{case.id}/stage",
        data={"csrf_token": token, "stage_id": stages["site_search"].id},
    )
    assert forward.status_code == 302


def test_admins_add_questions_and_case_page_saves_answers(session, login, client):
    user = login("admin")
    stages, case, items = _case_in_needs_clarified(session, user)
    session.commit()
    token = csrf_token(client, f"/establishments/stages/{stages['needs_clarified'].id}/checklist")
    added = client.post(
        f"/establishments/stages/{stages['needs_clarified'].id}/checklist",
        data={"csrf_token": token, "text": "Strømbehov"},
    )
    assert added.status_code == 302
    page = client.get(f"/establishments/{case.id}").get_data(as_text=True)
    assert "Strømbehov" in page and "0 av 7 besvart" in page
    saved = client.post(
        f"/establishments/{case.id}/checklist",
        data={"csrf_token": token, "answered_ids": [str(items[0].id), str(items[1].id)]},
    )
    assert saved.status_code == 302
    assert "2 av 7 besvart" in client.get(f"/establishments/{case.id}").get_data(as_text=True)


def test_a_meeting_of_the_case_answers_its_questions_on_its_page(session, login, client):
    user = login("editor")
    _stages, case, items = _case_in_needs_clarified(session, user)
    meeting = make_meeting(session, companies=[case.company], establishment_id=case.id)
    other = make_meeting(session, companies=[case.company])
    session.commit()
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Arealbehov i m²" in page and "0 av 6 besvart" in page
    assert "Arealbehov i m²" not in client.get(f"/meetings/{other.id}").get_data(as_text=True)
    token = csrf_token(client, f"/meetings/{meeting.id}")
    saved = client.post(
        f"/establishments/{case.id}/checklist",
        data={
            "csrf_token": token,
            "answered_ids": [str(items[0].id)],
            "meeting_id": str(meeting.id),
            "next": f"/meetings/{meeting.id}#checklist",
        },
    )
    assert saved.headers["Location"].endswith(f"/meetings/{meeting.id}#checklist")
    (answer,) = [row.answer for row in queries.case_checklist(session, case) if row.answer]
    assert (answer.meeting_id, answer.answered_by_id) == (meeting.id, user.id)
    # A meeting of another case (or none) cannot answer for this one.
    refused = client.post(
        f"/establishments/{case.id}/checklist",
        data={"csrf_token": token, "answered_ids": [], "meeting_id": str(other.id)},
    )
    assert refused.status_code == 302
    session.expire_all()
    assert len([row for row in queries.case_checklist(session, case) if row.answer]) == 1
