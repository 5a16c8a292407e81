"""Search routes: the suggest API and the search page."""

import re
from datetime import date

import pytest

from tests.factories import make_affiliation, make_company, make_contact, make_meeting, make_user


def test_suggest_answers_json_for_each_type(client, login, session):
    company = make_company(session, name="Kjeller Innovasjon", org_number="980489698")
    contact = make_contact(session, name="Kjell Kjellesen", email="kjell@example.no")
    meeting = make_meeting(session, title="Kjeller-besøk")
    user = make_user(session, name="Kjellaug Rådgiver")
    session.commit()
    login(role="reader")

    expected = {
        "companies": (company.id, "/companies/"),
        "contacts": (contact.id, "/contacts/"),
        "meetings": (meeting.id, "/meetings/"),
        "users": (user.id, None),
    }
    for kind, (record_id, url_start) in expected.items():
        response = client.get(f"/search/suggest?type={kind}&q=kjel")
        assert response.status_code == 200
        assert response.is_json
        (result,) = response.get_json()["results"]
        assert result["id"] == record_id
        assert set(result) == {"id", "label", "detail", "url"}
        assert result["url"] == (f"{url_start}{record_id}" if url_start else None)


def test_suggest_by_org_number_with_spaces(client, login, session):
    company = make_company(session, name="NILU", org_number="941705561")
    session.commit()
    login(role="reader")
    response = client.get("/search/suggest", query_string={"type": "companies", "q": "941 705 561"})
    assert [r["id"] for r in response.get_json()["results"]] == [company.id]
    assert response.get_json()["results"][0]["detail"] == "941 705 561"


@pytest.mark.parametrize("q", ["", "k", " k ", None])
def test_suggest_needs_two_characters(client, login, session, q):
    make_company(session, name="Kk AS")
    session.commit()
    login(role="reader")
    params = {"type": "companies"} | ({"q": q} if q is not None else {})
    response = client.get("/search/suggest", query_string=params)
    assert response.status_code == 200
    assert response.get_json() == {"results": []}


def test_suggest_returns_at_most_ten(client, login, session):
    for n in range(12):
        make_company(session, name=f"Solenergi {n:02d} AS")
    session.commit()
    login(role="reader")
    results = client.get("/search/suggest?type=companies&q=solenergi").get_json()["results"]
    assert [r["label"] for r in results] == [f"Solenergi {n:02d} AS" for n in range(10)]


def test_suggest_escapes_like_wildcards(client, login, session):
    make_company(session, name="Akershus Energi")
    session.commit()
    login(role="reader")
    response = client.get("/search/suggest", query_string={"type": "companies", "q": "%_"})
    assert response.get_json() == {"results": []}


@pytest.mark.parametrize("kind", ["", "strategies", "Companies"])
def test_unknown_type_is_400_json(client, login, kind):
    login(role="reader")
    response = client.get("/search/suggest", query_string={"type": kind, "q": "abc"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "unknown_type" and body["message"]


def test_anonymous_is_sent_to_login(client):
    for path in ("/search/suggest?type=companies&q=ab", "/search/?q=ab"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")


# --- the search page ----------------------------------------------------------------------------


def test_search_page_shows_groups_with_counts_and_marked_hits(client, login, session):
    company = make_company(session, name="Hydrogenklyngen", org_number="915234567")
    contact = make_contact(session, name="Hanne Hydro", email="hanne@h2.no")
    meeting = make_meeting(session, title="Lunsjmøte", notes="Snakket om hydrogen på Kjeller.")
    session.commit()
    login(role="reader", locale="en")

    response = client.get("/search/", query_string={"q": "hydro"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    for heading in ("Organisations", "People", "Meetings"):
        assert re.search(rf">{heading} <span class=\"badge[^>]*>1</span></h2>", html), heading
    assert f'href="/companies/{company.id}"><mark>Hydrogenklyngen</mark></a>' in html
    assert "915 234 567" in html
    assert f'href="/contacts/{contact.id}">Hanne <mark>Hydro</mark></a>' in html
    assert f'href="/meetings/{meeting.id}"' in html and "<mark>hydrogen</mark> på Kjeller" in html
    assert 'value="hydro"' in html


def test_search_page_shows_five_of_a_kind_and_pages_the_rest(client, login, session):
    for n in range(25):
        make_contact(session, name=f"Gründer {n:02d}")
    session.commit()
    login(role="reader", locale="en")
    html = client.get("/search/?q=gr%C3%BCnder").get_data(as_text=True)
    assert len(re.findall(r'href="/contacts/\d+"', html)) == 5
    assert 'href="/search/?q=gr%C3%BCnder&amp;kind=contacts">See all 25' in html

    first = client.get("/search/?q=gr%C3%BCnder&kind=contacts").get_data(as_text=True)
    second = client.get("/search/?q=gr%C3%BCnder&kind=contacts&page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/contacts/\d+"', first)) == 20
    assert len(re.findall(r'href="/contacts/\d+"', second)) == 5
    assert 'href="/search/?q=gr%C3%BCnder&amp;kind=contacts&amp;page=2"' in first
    assert "25 in all" in first


def test_a_note_with_a_script_is_shown_as_text(client, login, session):
    meeting = make_meeting(
        session,
        title="<script>alert(1)</script> Møte",
        notes="<img src=x onerror=alert(2)> solcelle",
    )
    session.commit()
    login(role="reader", locale="en")
    html = client.get("/search/?q=solcelle").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}"' in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Møte" in html


@pytest.mark.parametrize(
    "q", ['"', "*", "NEAR(", "-x -y", "(a) (b)", "a:b", '"unclosed', "æ" * 5000, "()()"]
)
def test_search_syntax_and_long_input_never_fail(client, login, session, q):
    make_meeting(session, title="Møte om a b x y")
    session.commit()
    login(role="reader", locale="en")
    response = client.get("/search/", query_string={"q": q})
    assert response.status_code == 200


def test_only_punctuation_says_what_to_type(client, login):
    login(role="reader", locale="en")
    html = client.get("/search/", query_string={"q": "?!*"}).get_data(as_text=True)
    assert "has no letters or digits" in html


def test_an_unknown_kind_shows_every_kind(client, login, session):
    make_company(session, name="Vindkraft AS")
    make_meeting(session, title="Vindkraft")
    session.commit()
    login(role="reader", locale="en")
    html = client.get("/search/?q=vindkraft&kind=nonsense&page=x").get_data(as_text=True)
    assert 'id="results-companies"' in html and 'id="results-meetings"' in html


def test_search_page_with_short_or_no_term(client, login):
    login(role="reader", locale="en")
    assert "Type at least 2 characters." in client.get("/search/?q=a").get_data(as_text=True)
    empty = client.get("/search/")
    assert empty.status_code == 200 and "<section" not in empty.get_data(as_text=True)
    nothing = client.get("/search/?q=zzzz").get_data(as_text=True)
    assert "Nothing found for “zzzz”." in nothing


def test_search_page_query_count_does_not_grow_with_results(client, login, session, count_queries):
    login(role="reader")

    def statements() -> int:
        with count_queries() as run:
            assert client.get("/search/?q=romerike").status_code == 200
        return len(run)

    def add(n: int) -> None:
        for i in range(n):
            company = make_company(session, name=f"Romerike firma {i}")
            make_contact(session, name=f"Romerike person {i}")
            make_meeting(session, title=f"Romerike møte {i}", companies=[company])
        session.commit()

    add(3)
    few = statements()
    add(27)
    many = statements()
    assert many == few


def test_navbar_form_partial_is_a_labelled_get_form(app, client, login):
    login(role="reader", locale="en")
    from flask import render_template

    with app.test_request_context("/search/?q=ife"):
        html = render_template("search/_navbar_form.html")
    assert 'role="search"' in html and 'method="get"' in html
    assert 'action="/search/"' in html and 'data-search-suggest="/search/suggest"' in html
    assert '<label for="navbar-search"' in html and 'id="navbar-search"' in html
    assert 'name="q"' in html
    assert "<script" not in html  # the combobox script comes with base.html, on every page


def test_a_person_suggestion_carries_their_current_organisation(client, login, session):
    login()
    nilu, old = make_company(session, name="NILU"), make_company(session, name="Tidligere AS")
    kari = make_contact(session, name="Kari Forsker", email="kari@nilu.example")
    make_affiliation(session, contact=kari, company=old, end_date=date(2020, 1, 1))
    make_affiliation(session, contact=kari, company=nilu)
    make_contact(session, name="Kari Uten Jobb", email=None)
    session.commit()
    results = client.get("/search/suggest?type=contacts&q=Kari").json["results"]
    by_name = {r["label"]: r for r in results}
    assert by_name["Kari Forsker"]["company"] == {"id": nilu.id, "label": "NILU"}
    assert by_name["Kari Forsker"]["detail"] == "NILU · kari@nilu.example"
    assert "company" not in by_name["Kari Uten Jobb"]


def test_a_kind_page_says_when_only_the_newest_are_ranked(client, login, session, monkeypatch):
    from crm.search import queries

    monkeypatch.setattr(queries, "RANK_CAP", 2)
    for n in range(3):
        make_meeting(session, title=f"Varmepumpe {n}")
    session.commit()
    login(role="reader", locale="en")
    html = client.get("/search/?q=varmepumpe&kind=meetings").get_data(as_text=True)
    assert "The 2 newest of them are ranked and shown here." in html
    assert len(re.findall(r'href="/meetings/\d+"', html)) == 2


def test_a_count_past_the_cap_says_over(client, login, session, monkeypatch):
    from crm.search import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 6)
    for n in range(7):
        make_meeting(session, title=f"Varmepumpe {n}")
    for n in range(6):
        make_contact(session, name=f"Varmepumpe Person {n}")
    session.commit()
    login(role="reader", locale="nb")

    html = client.get("/search/?q=varmepumpe").get_data(as_text=True)

    assert re.search(r'>Møter <span class="badge[^>]*>over 6</span></h2>', html)
    assert re.search(r'>Personer <span class="badge[^>]*>6</span></h2>', html)
    assert ">Se alle over 6<" in html and ">Se alle 6<" in html
