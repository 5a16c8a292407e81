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
    seen = _html(other.get("/companies/?q=x"))
    assert "Mine bedrifter på Kjeller" in seen
    # Named by its owner, without the owner's controls (share, delete) for the colleague.
    assert f"({owner.name})" in seen and f"/lists/filters/{saved.id}/delete" not in seen
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


def test_a_list_from_the_menu_reads_its_last_and_saved_filters_in_one_statement(
    client, login, session, count_queries
):
    """No arguments: the last filter (none here, or an empty one) and the panel's filters,
    one statement; the panel shows the user's own and the shared ones, not others' private
    ones nor anyone's last filter."""
    user = login(role="reader")
    other = make_user(session, name="Kollega")
    session.add_all(
        [
            SavedFilter(owner_id=user.id, list_name="companies", name="Mine", query="q=a"),
            SavedFilter(
                owner_id=other.id, list_name="companies", name="Delt", query="q=b", shared=True
            ),
            SavedFilter(owner_id=other.id, list_name="companies", name="Privat", query="q=c"),
            SavedFilter(owner_id=other.id, list_name="companies", name=None, query="q=d"),
            SavedFilter(owner_id=user.id, list_name="contacts", name="Andre liste", query="q=e"),
        ]
    )
    session.commit()
    client.get("/companies/")  # fills the reference data's cache
    with count_queries() as statements:
        html = _html(client.get("/companies/"))
    saved_filters = [s for s in statements if "FROM saved_filters" in s]
    assert len(saved_filters) == 1, saved_filters
    panel = html[html.index('id="saved-filters-heading"') :]
    panel = panel[: panel.index("</section>")]
    assert "Mine" in panel and "Delt" in panel
    assert "Privat" not in panel and "Andre liste" not in panel
    # With a last filter of its own the list opens it, as before.
    session.add(SavedFilter(owner_id=user.id, list_name="companies", name=None, query="q=zz"))
    session.commit()
    assert client.get("/companies/").headers["Location"] == "/companies/?q=zz"


def test_a_filtered_list_reads_its_filters_once_and_keeps_the_last_one(
    client, login, session, count_queries
):
    """A filtered list: the last filter and the panel's filters in one statement; a changed
    filter is stored by one UPDATE, and the panel's filters (columns) are not read again."""
    user = login(role="reader")
    session.add(SavedFilter(owner_id=user.id, list_name="companies", name="Mine", query="q=a"))
    session.commit()
    client.get("/companies/?q=first")  # stores the last filter, fills the reference cache
    with count_queries() as statements:
        html = _html(client.get("/companies/?q=first"))  # unchanged: nothing to store
    assert len([s for s in statements if "FROM saved_filters" in s]) == 1
    assert "Mine" in html
    with count_queries() as statements:
        html = _html(client.get("/companies/?q=second"))
    assert len([s for s in statements if "FROM saved_filters" in s]) == 1
    assert len([s for s in statements if s.startswith("UPDATE saved_filters")]) == 1
    assert "Mine" in html
    session.expire_all()
    last = session.scalar(
        select(SavedFilter).where(SavedFilter.owner_id == user.id, SavedFilter.name.is_(None))
    )
    assert last.query == "q=second"
