"""Lists that remember: the last filter comes back, named filters are saved, shared, checked."""

from __future__ import annotations

from sqlalchemy import select

from crm.lists.models import SavedFilter
from tests.conftest import post_form
from tests.factories import make_company, make_place, make_user


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_the_last_filter_comes_back_until_it_is_reset(client, login, session):
    kjeller = make_place(session, name="Kjeller")
    make_company(session, name="IFE", place=kjeller)
    make_company(session, name="Nova Spektrum")
    session.commit()
    login(role="reader")
    html = _html(client.get(f"/companies/?place={kjeller.id}"))
    assert "IFE" in html and "Nova Spektrum" not in html
    assert "Nullstill filter" in html
    # Opening the list bare restores the filter.
    response = client.get("/companies/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/companies/?place={kjeller.id}"
    restored = _html(client.get(response.headers["Location"]))
    assert "IFE" in restored and "Nova Spektrum" not in restored
    assert "Ikke et gyldig valg" not in restored  # filters absent from the address are "all"
    # Another list keeps its own.
    assert client.get("/tasks/").status_code == 200
    # Reset forgets it: the bare list shows everything again.
    response = client.get("/companies/?reset=1")
    assert response.headers["Location"] == "/companies/"
    html = _html(client.get("/companies/"))
    assert "IFE" in html and "Nova Spektrum" in html and "Nullstill filter" not in html


def test_a_last_filter_whose_place_was_deleted_opens_with_a_message(client, login, session):
    place = make_place(session, name="Hvam")
    session.commit()
    user = login(role="reader")
    client.get(f"/companies/?place={place.id}&q=AS")
    session.delete(place)
    session.commit()
    response = client.get("/companies/")
    assert response.headers["Location"] == "/companies/?q=AS"
    html = _html(client.get(response.headers["Location"]))
    assert "Sted (verdien er ikke gyldig lenger)" in html
    assert session.scalar(select(SavedFilter.owner_id)) == user.id


def test_save_share_and_open_a_named_filter(app, client, login, session):
    kjeller = make_place(session, name="Kjeller")
    make_company(session, name="IFE", place=kjeller)
    colleague = make_user(session, name="Kollega", role="reader")
    session.commit()
    owner = login(role="editor")
    response = post_form(
        client,
        "/lists/companies/filters",
        {"name": "Mine bedrifter på Kjeller", "query": f"place={kjeller.id}&responsible=mine"},
        form_page=f"/companies/?place={kjeller.id}",
    )
    assert response.status_code == 302
    saved = session.scalar(select(SavedFilter).where(SavedFilter.name.is_not(None)))
    assert saved.owner_id == owner.id and not saved.shared
    html = _html(client.get("/companies/"))  # restores, then the panel lists it
    html = _html(client.get(f"/companies/?place={kjeller.id}"))
    assert "Mine bedrifter på Kjeller" in html
    opened = client.get(f"/lists/filters/{saved.id}")
    assert opened.headers["Location"] == f"/companies/?place={kjeller.id}&responsible=mine"
    # Private: another user gets 404 for it, and does not see it.
    other = app.test_client()
    login_as(other, colleague)
    assert other.get(f"/lists/filters/{saved.id}").status_code == 404
    assert "Mine bedrifter" not in _html(other.get("/companies/?q=x"))
    # Shared (by its owner): the colleague sees and opens it, but may not change it.
    shared = post_form(client, f"/lists/filters/{saved.id}/share", {}, form_page="/companies/?q=x")
    assert shared.status_code == 302
    session.expire_all()
    assert session.get(SavedFilter, saved.id).shared
    assert "Mine bedrifter på Kjeller" in _html(other.get("/companies/?q=x"))
    assert other.get(f"/lists/filters/{saved.id}").status_code == 302
    refused = post_form(other, f"/lists/filters/{saved.id}/delete", {}, form_page="/companies/?q=x")
    assert refused.status_code == 403
    assert session.get(SavedFilter, saved.id) is not None


def login_as(client, user) -> None:
    """Sign in as an existing user."""
    from tests.factories import DEFAULT_PASSWORD

    response = post_form(client, "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_a_saved_filter_with_a_field_that_no_longer_exists_says_what_was_dropped(
    client, login, session
):
    user = login(role="reader")
    saved = SavedFilter(
        owner_id=user.id, list_name="companies", name="Gammel", query="region=Nord&q=Energi"
    )
    session.add(saved)
    session.commit()
    response = client.get(f"/lists/filters/{saved.id}")
    assert response.headers["Location"] == "/companies/?q=Energi"
    html = _html(client.get(response.headers["Location"]))
    assert "«region» (listen har ikke lenger dette filteret)" in html


def test_saving_needs_a_name_and_a_filter(client, login, session):
    login(role="reader")
    post_form(
        client,
        "/lists/companies/filters",
        {"name": "", "query": "q=x"},
        form_page="/companies/?q=x",
    )
    post_form(
        client,
        "/lists/companies/filters",
        {"name": "Alt", "query": ""},
        form_page="/companies/?q=x",
    )
    post_form(
        client,
        "/lists/nonsense/filters",
        {"name": "X", "query": "q=x"},
        form_page="/companies/?q=x",
    )
    assert session.scalar(select(SavedFilter).where(SavedFilter.name.is_not(None))) is None
    assert client.get("/lists/filters/424242").status_code == 404
