"""Strategy pages: what the head of department sees, and the admin pages with their refusals."""

import re

import pytest
from sqlalchemy import func, select

from crm.strategy import services
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod
from tests.conftest import post_form
from tests.factories import make_meeting


@pytest.fixture
def seeded(session):
    period = services.seed_strategy(session)
    session.commit()
    return period


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_reader_sees_focus_areas_sdgs_strategies_and_meeting_counts(client, login, session, seeded):
    innovation = seeded.focus_areas[0].strategies[0]
    for _ in range(3):
        make_meeting(session, strategies=[innovation])
    session.commit()
    login(role="reader", locale="en")

    response = client.get("/strategy/")

    html = _text(response)
    assert response.status_code == 200
    assert html.count("<h1") == 1 and seeded.name in html
    assert "Fremtidsrettede virksomheter innen klima, energi, miljø og helse" in html
    assert "SDG 3, 7, 13" in html
    assert "UN sustainable development goals no. 3, 7, 13" in html
    assert "Kommunen som samarbeidspartner" in html
    row = re.search(r"<td>1\.1</td>.*?</tr>", html, re.S)[0]
    assert '<td class="text-end">3</td>' in row
    row = re.search(r"<td>1\.2</td>.*?</tr>", html, re.S)[0]
    assert '<td class="text-end">0</td>' in row
    assert "/strategy/focus-areas/" not in html  # no admin links for a reader


def test_admin_sees_edit_links(client, login, seeded):
    login(role="admin")
    html = _text(client.get("/strategy/"))
    area = seeded.focus_areas[0]
    assert f"/strategy/focus-areas/{area.id}/edit" in html
    assert f"/strategy/strategies/{area.strategies[0].id}/edit" in html


def test_without_a_current_period_the_page_says_so(client, login):
    login(role="reader", locale="en")
    response = client.get("/strategy/")
    assert response.status_code == 200
    assert "No strategy period is current yet." in _text(response)


def test_another_period_can_be_shown_and_unknown_is_404(client, login, session, seeded):
    other = services.create_period(session, name="Neste strategi", start_year=2031, end_year=2040)
    session.commit()
    login(role="reader")
    html = _text(client.get(f"/strategy/?period={other.id}"))
    assert "Neste strategi" in html and "Innovasjonsdistrikt" not in html
    assert client.get("/strategy/?period=999999").status_code == 404


def test_strategy_page_query_count_does_not_grow_with_meetings(
    client, login, session, seeded, count_queries
):
    login(role="reader")
    strategies = [s for a in seeded.focus_areas for s in a.strategies]

    for strategy in strategies[:3]:
        make_meeting(session, strategies=[strategy])
    session.commit()
    with count_queries() as few:
        assert client.get("/strategy/").status_code == 200
    for strategy in strategies:
        for _ in range(2):
            make_meeting(session, strategies=[strategy])
    session.commit()
    with count_queries() as many:
        assert client.get("/strategy/").status_code == 200
    assert len(many) == len(few)


# --- admin: focus areas ---------------------------------------------------------------------------


def test_admin_edits_a_focus_area(client, login, session, seeded):
    login(role="admin")
    area = seeded.focus_areas[1]
    path = f"/strategy/focus-areas/{area.id}/edit"
    form = _text(client.get(path))
    assert 'value="8, 9"' in form
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form)[1]

    response = post_form(
        client, path, {"number": "2", "name": "Innovasjon", "sdgs": "9; 8, 17", "version": version}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/strategy/?period={seeded.id}"
    session.expire_all()
    area = session.get(FocusArea, area.id)
    assert (area.name, area.sdgs) == ("Innovasjon", "8,9,17")


@pytest.mark.parametrize("sdgs", ["3, 18", "0", "tre"])
def test_sdgs_outside_1_to_17_or_not_numbers_are_refused_beside_the_field(
    client, login, session, seeded, sdgs
):
    login(role="admin")
    area = seeded.focus_areas[0]
    response = post_form(
        client,
        f"/strategy/focus-areas/{area.id}/edit",
        {"number": "1", "name": "Endret navn", "sdgs": sdgs, "version": area.version},
    )
    html = _text(response)
    assert response.status_code == 400
    assert 'id="sdgs-error"' in html
    assert f'value="{sdgs}"' in html  # what the user typed is kept
    session.expire_all()
    assert session.get(FocusArea, area.id).name != "Endret navn"


def test_duplicate_focus_area_number_is_refused(client, login, session, seeded):
    login(role="admin")
    path = f"/strategy/periods/{seeded.id}/focus-areas/new"
    assert 'value="6"' in _text(client.get(path))  # the next free number is proposed
    response = post_form(client, path, {"number": "3", "name": "Dobbel", "sdgs": ""})
    assert response.status_code == 400
    assert 'id="number-error"' in _text(response)
    assert session.scalar(select(func.count()).select_from(FocusArea)) == 5


def test_admin_adds_a_focus_area(client, login, session, seeded):
    login(role="admin")
    response = post_form(
        client,
        f"/strategy/periods/{seeded.id}/focus-areas/new",
        {"number": "6", "name": "Sirkulær økonomi", "sdgs": "12"},
    )
    assert response.status_code == 302
    area = session.scalar(select(FocusArea).where(FocusArea.number == "6"))
    assert (area.name, area.sdg_list, area.period_id) == ("Sirkulær økonomi", [12], seeded.id)


def test_editing_over_a_newer_version_is_refused_and_input_kept(client, login, session, seeded):
    login(role="admin")
    area = seeded.focus_areas[0]
    stale = area.version
    area.name = "Endret av en annen"
    session.commit()
    response = post_form(
        client,
        f"/strategy/focus-areas/{area.id}/edit",
        {"number": "1", "name": "Mitt navn", "sdgs": "3", "version": stale},
    )
    html = _text(response)
    assert response.status_code == 400
    assert 'value="Mitt navn"' in html and 'class="alert alert-danger"' in html
    session.expire_all()
    assert session.get(FocusArea, area.id).name == "Endret av en annen"


# --- admin: strategies ----------------------------------------------------------------------------


def test_admin_adds_and_edits_a_strategy(client, login, session, seeded):
    login(role="admin")
    area = seeded.focus_areas[1]
    path = f"/strategy/focus-areas/{area.id}/strategies/new"
    assert 'value="2.4"' in _text(client.get(path))
    response = post_form(
        client, path, {"number": "2.4", "name": "Ny strategi", "description": "Gjøre mer."}
    )
    assert response.status_code == 302
    strategy = session.scalar(select(Strategy).where(Strategy.number == "2.4"))
    assert (strategy.name, strategy.description, strategy.focus_area_id) == (
        "Ny strategi",
        "Gjøre mer.",
        area.id,
    )

    response = post_form(
        client,
        f"/strategy/strategies/{strategy.id}/edit",
        {"number": "2.4", "name": "Bedre navn", "description": "", "version": strategy.version},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Strategy, strategy.id).name == "Bedre navn"


def test_duplicate_strategy_number_is_refused(client, login, session, seeded):
    login(role="admin")
    strategy = seeded.focus_areas[0].strategies[2]
    response = post_form(
        client,
        f"/strategy/strategies/{strategy.id}/edit",
        {"number": "1.1", "name": "X", "description": "", "version": strategy.version},
    )
    assert response.status_code == 400
    assert 'id="number-error"' in _text(response)
    session.expire_all()
    assert session.get(Strategy, strategy.id).number == "1.3"


# --- admin: periods -------------------------------------------------------------------------------


def test_end_year_before_start_year_is_refused_beside_the_field(client, login, session, seeded):
    login(role="admin")
    response = post_form(
        client,
        "/strategy/periods/new",
        {"name": "Baklengs", "start_year": "2031", "end_year": "2030", "copy_current": "y"},
    )
    assert response.status_code == 400
    assert 'id="end_year-error"' in _text(response)
    assert session.scalar(select(func.count()).select_from(StrategyPeriod)) == 1


def test_admin_creates_a_period_copying_the_current_and_makes_it_current(
    client, login, session, seeded
):
    login(role="admin")
    response = post_form(
        client,
        "/strategy/periods/new",
        {
            "name": "Strategi 2031–2040",
            "start_year": "2031",
            "end_year": "2040",
            "copy_current": "y",
            "make_current": "y",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    new = session.scalar(select(StrategyPeriod).where(StrategyPeriod.name == "Strategi 2031–2040"))
    assert new.current and not session.get(StrategyPeriod, seeded.id).current
    assert sum(len(a.strategies) for a in new.focus_areas) == 15

    # The old one can be made current again; still only one is.
    response = post_form(
        client,
        f"/strategy/periods/{seeded.id}/make-current",
        {},
        form_page="/strategy/periods",
    )
    assert response.status_code == 302
    current = session.scalars(
        select(StrategyPeriod.name).where(StrategyPeriod.current.is_(True))
    ).all()
    assert current == [seeded.name]


def test_admin_edits_a_period(client, login, session, seeded):
    login(role="admin")
    response = post_form(
        client,
        f"/strategy/periods/{seeded.id}/edit",
        {"name": seeded.name, "start_year": "2022", "end_year": "2032", "version": seeded.version},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(StrategyPeriod, seeded.id).end_year == 2032


def test_unknown_records_are_404(client, login):
    login(role="admin")
    assert client.get("/strategy/focus-areas/999999/edit").status_code == 404
    assert client.get("/strategy/strategies/999999/edit").status_code == 404
    assert client.get("/strategy/periods/999999/edit").status_code == 404
    assert client.get("/strategy/periods/999999/focus-areas/new").status_code == 404


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_readers_and_editors_cannot_reach_the_admin_pages(client, login, session, seeded, role):
    login(role=role)
    area = seeded.focus_areas[0]
    for path in (
        "/strategy/periods",
        "/strategy/periods/new",
        f"/strategy/periods/{seeded.id}/edit",
        f"/strategy/periods/{seeded.id}/focus-areas/new",
        f"/strategy/focus-areas/{area.id}/edit",
        f"/strategy/focus-areas/{area.id}/strategies/new",
        f"/strategy/strategies/{area.strategies[0].id}/edit",
    ):
        assert client.get(path).status_code == 403, path
    response = post_form(
        client,
        f"/strategy/focus-areas/{area.id}/edit",
        {"number": "1", "name": "Kapret", "sdgs": "3", "version": area.version},
        form_page="/strategy/",
    )
    assert response.status_code == 403
    session.expire_all()
    assert session.get(FocusArea, area.id).name != "Kapret"


def test_anonymous_is_sent_to_login(client):
    response = client.get("/strategy/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
