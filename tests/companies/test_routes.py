"""Organisation pages: who may see and change what, messages beside fields, query counts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from crm.common import pagination as paging
from crm.common.dates import local_today
from crm.companies import queries
from crm.companies.models import Company, Place
from crm.establishments import services as establishment_services
from tests.conftest import post_form
from tests.establishments.helpers import make_case
from tests.establishments.helpers import seed as seed_stages
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_membership,
    make_place,
    make_sector,
    make_task,
    make_user,
)


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_reader_sees_list_and_page_but_may_not_create_or_edit(client, login, session):
    company = make_company(session, name="Nitja")
    session.commit()
    login(role="reader")
    assert "Nitja" in _html(client.get("/companies/"))
    page = client.get(f"/companies/{company.id}")
    assert page.status_code == 200 and "Nitja" in _html(page)
    assert f"/companies/{company.id}/edit" not in _html(page)
    assert client.get("/companies/new").status_code == 403
    assert client.get(f"/companies/{company.id}/edit").status_code == 403
    assert '<form method="get" action="/companies/"' in _html(client.get("/companies/"))


def test_unknown_organisation_is_404(client, login):
    login(role="editor")
    assert client.get("/companies/999999").status_code == 404
    assert client.get("/companies/999999/edit").status_code == 404


def test_list_searches_filters_and_links_each_row(client, login, session):
    place = make_place(session, name="Kjeller")
    ife = make_company(session, name="IFE", org_number="974760673", place=place, employees=600)
    make_company(session, name="Nova Spektrum")
    session.commit()
    login(role="reader")
    html = _html(client.get("/companies/?q=974+760+673"))
    assert f'href="/companies/{ife.id}"' in html and "974 760 673" in html
    assert "Nova Spektrum" not in html
    html = _html(client.get(f"/companies/?place={place.id}&sort=-employees"))
    assert "IFE" in html and "Nova Spektrum" not in html
    assert 'aria-sort="descending"' in html
    assert _html(client.get("/companies/?place=abc&kind=bogus&sort=nonsense")).count("<tr>") == 3


def test_editor_creates_an_organisation(client, login, session):
    login(role="editor")
    place = make_place(session, name="Fetsund")
    sector = make_sector(session, name="Energi")
    session.commit()
    response = post_form(
        client,
        "/companies/new",
        {
            "name": "Infinitum AS",
            "org_number": "974 760 673",
            "kind": "company",
            "register_status": "active",
            "industry_standard": "SN2007",
            "industry_code": "38.320",
            "employees": "80",
            "postcode": "1900",
            "place_id": str(place.id),
            "sector_ids": [str(sector.id)],
            "website": "infinitum.no",
        },
    )
    assert response.status_code == 302
    company = session.scalar(select(Company).where(Company.name == "Infinitum AS"))
    assert response.headers["Location"] == f"/companies/{company.id}"
    assert company.org_number == "974760673" and company.website == "https://infinitum.no"
    assert [s.name for s in company.sectors] == ["Energi"] and company.place_id == place.id
    page = _html(client.get(response.headers["Location"]))
    assert "974 760 673" in page and 'href="https://infinitum.no"' in page
    assert f'href="/meetings/new?company_id={company.id}"' in page


def test_invalid_organisation_number_is_refused_beside_the_field_keeping_input(client, login):
    login(role="editor")
    response = post_form(
        client,
        "/companies/new",
        {"name": "Tastefeil AS", "org_number": "974 760 674", "kind": "company"},
    )
    html = _html(response)
    assert response.status_code == 400
    error = re.search(r'id="org_number-error"[^>]*>(.*?)</div>', html, re.S)[1]
    assert "check digit" in error.lower() or "kontrollsiffer" in error.lower()
    assert 'value="974 760 674"' in html and 'value="Tastefeil AS"' in html


def test_duplicate_number_names_and_links_the_other_organisation_safely(client, login, session):
    other = make_company(session, name="<b>Akershus</b> Energi", org_number="974760673")
    session.commit()
    login(role="editor")
    response = post_form(
        client, "/companies/new", {"name": "Kopi", "org_number": "974760673", "kind": "company"}
    )
    html = _html(response)
    assert response.status_code == 400
    error = re.search(r'id="org_number-error"[^>]*>(.*?)</div>', html, re.S)[1]
    assert f'href="/companies/{other.id}"' in error
    assert "&lt;b&gt;Akershus&lt;/b&gt; Energi" in error and "<b>" not in error
    assert session.scalar(select(Company).where(Company.name == "Kopi")) is None


def test_form_refuses_negative_employees_and_over_long_name(client, login, session):
    login(role="editor")
    response = post_form(
        client, "/companies/new", {"name": "N" * 301, "employees": "-3", "kind": "company"}
    )
    html = _html(response)
    assert response.status_code == 400
    assert 'id="name-error"' in html and 'id="employees-error"' in html
    assert session.scalar(select(Company)) is None


def test_edit_saves_and_refuses_a_stale_version_keeping_what_was_typed(client, login, session):
    company = make_company(session, name="Gammelt navn")
    session.commit()
    login(role="editor")
    form_html = _html(client.get(f"/companies/{company.id}/edit"))
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form_html)[1]
    data = {"name": "Første lagring", "kind": "company", "version": version}
    response = post_form(client, f"/companies/{company.id}/edit", data)
    assert response.status_code == 302
    late = {"name": "Sen lagring", "kind": "company", "version": version}
    response = post_form(client, f"/companies/{company.id}/edit", late)
    html = _html(response)
    assert response.status_code == 400
    assert 'value="Sen lagring"' in html and 'role="alert"' in html
    session.expire_all()
    assert session.get(Company, company.id).name == "Første lagring"


def test_edit_refuses_a_parent_loop_beside_the_field(client, login, session):
    top = make_company(session, name="Topp")
    child = make_company(session, name="Barn", parent=top)
    session.commit()
    login(role="editor")
    response = post_form(
        client,
        f"/companies/{top.id}/edit",
        {"name": "Topp", "kind": "company", "version": str(top.version), "parent_id": child.id},
    )
    assert response.status_code == 400
    assert 'id="parent_id-error"' in _html(response)
    assert f'href="/companies/{child.id}">Barn</a>' in _html(response)  # the typed parent, named


def test_stored_unsafe_website_is_not_a_link(client, login, session):
    company = make_company(session, website="javascript:alert(1)")
    session.commit()
    login(role="reader")
    html = _html(client.get(f"/companies/{company.id}"))
    assert 'href="javascript' not in html


def test_list_query_count_does_not_grow_with_rows(client, login, session, count_queries):
    login(role="reader")
    sectors = [make_sector(session), make_sector(session)]

    def add(n):
        for _ in range(n):
            make_company(session, place=make_place(session), sectors=sectors)
        session.commit()

    add(3)
    with count_queries() as few:
        assert client.get("/companies/").status_code == 200
    add(27)
    with count_queries() as many:
        html = _html(client.get("/companies/"))
    assert html.count('<th scope="row">') == 30
    assert len(many) == len(few)


def test_list_runs_a_fixed_handful_of_statements_whatever_the_page_size(
    client, login, session, count_queries
):
    """Session and user, last filter, saved filters, the reference data's version (the filter
    choices cached by it), count, rows, sectors."""
    login(role="editor")
    sectors = [make_sector(session), make_sector(session)]
    for _ in range(3):
        make_cluster(session)
    for _ in range(60):
        make_company(session, place=make_place(session), sectors=sectors)
    session.commit()
    for per_page in (10, 60):
        path = f"/companies/?page=1&per_page={per_page}"
        client.get(path)  # stores the user's last filter
        with count_queries() as statements:
            html = _html(client.get(path))
        assert html.count('<th scope="row">') == per_page
        # PostgreSQL's SET LOCAL (no parallel workers) plans the list's statements, reads nothing.
        statements = [s for s in statements if not s.startswith("SET LOCAL")]
        assert len(statements) <= 7, [s.split("\n")[0][:60] for s in statements]


def test_detail_query_count_does_not_grow_with_the_timeline(client, login, session, count_queries):
    login(role="reader")
    company = make_company(session)
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)

    def add(n):
        for i in range(n):
            meeting = make_meeting(
                session, starts_at=start + timedelta(days=i), companies=[company]
            )
            meeting.contacts = [make_contact(session)]
            make_task(session, company=company)
            make_membership(session, company=company)
            make_affiliation(session, company=company)
        session.commit()

    add(3)
    path = f"/companies/{company.id}"  # read before counting (a committed object reloads)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    add(12)  # 15 of each: 45 entries, under the first page's 50
    path = f"/companies/{company.id}"
    with count_queries() as many:
        html = _html(client.get(path))
    assert html.count('class="border-start') == 15 * 3  # meetings, tasks, joins
    assert len(many) == len(few)
    # Session and user; the organisation; its seven short lists in one statement (sectors,
    # sub-units, memberships for the table and the timeline, register history, open cases,
    # open warnings, open tasks: crm.companies.page); people; the timeline's meetings and tasks
    # ("last contacted" and "next meeting" come from them); links (counted only when there
    # are more than the page shows). Each is a round trip on PostgreSQL.
    budget = 7
    assert len(many) <= budget, [s.split("\n")[0][:60] for s in many]


def test_organisation_page_answers_who_then_what_is_next_then_who_they_are_connected_to(
    client, login, session
):
    login(role="reader")
    sectors = [
        make_sector(session, name="Helse", position=2),
        make_sector(session, name="Energi", position=1),
    ]
    company = make_company(
        session,
        name="Infinitum",
        sectors=sectors,
        website="https://infinitum.no",
        place=make_place(session, name="Kjeller", growth_area=True),
        parent=make_company(session, name="Infinitum Holding"),
    )
    adviser = make_user(session, name="Rita Rådgiver")
    company.responsible_id = adviser.id
    today = local_today()
    make_task(
        session,
        title="Send tilbud",
        company_id=company.id,
        assignee_id=adviser.id,
        due_on=today - timedelta(days=1),
    )
    make_task(session, title="Avsluttet sak", company_id=company.id, done=True)
    make_meeting(session, title="Bedriftsbesøk hos Infinitum", companies=[company])
    make_affiliation(session, company=company, contact=make_contact(session, name="Per Pant"))
    make_membership(session, company=company, cluster=make_cluster(session, name="Solenergi"))
    establishment_services.raise_flag(
        session, company_id=company.id, severity="red", kind="moving_or_closing", raised_on=today
    )
    stages = seed_stages(session)
    make_case(session, company_id=company.id, adviser_id=adviser.id)
    session.commit()

    html = _html(client.get(f"/companies/{company.id}"))
    # Headings by id: the words are the glossary's to change, the order is the page's.
    ids = ["facts", "open-tasks", "timeline", "people", "clusters", f"network-panel-{company.id}"]
    positions = [html.index(f'id="{name}"') for name in [f"{i}-heading" for i in ids[:5]] + ids[5:]]
    assert positions == sorted(positions), "sections out of the adviser's order"
    header = html[html.index("<h1") : html.index('id="facts-heading"')]
    facts = html[html.index('id="facts-heading"') : html.index('id="register-history-heading"')]
    assert "<dd>Energi, Helse</dd>" in facts  # the admins' order
    assert f'href="/companies/{company.parent_id}">Infinitum Holding</a>' in facts
    assert re.search(r"Kjeller <span class=\"badge[^>]*>Vekstområde</span>", facts)
    assert '<a href="https://infinitum.no" rel="noopener noreferrer">' in facts
    assert '<span class="responsible">Rita Rådgiver</span>' in header
    # The open red warning shows beside the name, linking to the follow-up section.
    assert "text-bg-danger" in header and f'href="#establishment-panel-{company.id}"' in header
    open_tasks = html[html.index('id="open-tasks-heading"') : html.index('id="timeline-heading"')]
    assert "Send tilbud" in open_tasks and "Rita Rådgiver" in open_tasks
    assert "text-bg-danger" in open_tasks  # overdue
    assert "Avsluttet sak" not in open_tasks and "Avsluttet sak" in html  # done: on the timeline
    assert "Bedriftsbesøk hos Infinitum" in html[html.index('id="timeline-heading"') :]
    # The follow-up: the open case's stage and adviser, the warning with its kind.
    follow_up = html[html.index(f'id="establishment-panel-{company.id}"') :]
    follow_up = follow_up[: follow_up.index("</section>")]
    assert f"{stages['first_contact'].name} · Rita Rådgiver" in follow_up
    assert "text-bg-danger" in follow_up


def test_timeline_shows_older_entries_behind_a_link(client, login, session):
    login(role="reader")
    company = make_company(session)
    start = datetime(2023, 1, 1, 9, tzinfo=UTC)
    shown = queries.TIMELINE_LIMIT  # the newest 50
    for i in range(shown + 5):
        make_meeting(
            session, title=f"Møte {i}", starts_at=start + timedelta(days=i), companies=[company]
        )
    session.commit()
    html = _html(client.get(f"/companies/{company.id}"))
    assert len(re.findall(r'href="/meetings/[0-9]+"', html)) == shown == 50
    assert f"Møte {shown + 4}<" in html and "Møte 5<" in html and "Møte 4<" not in html
    older = re.search(r'href="(/companies/\d+\?before=[^"]+)"', html)[1].replace("&amp;", "&")
    html = _html(client.get(older))
    assert "Møte 4<" in html and "Møte 5<" not in html and "Møte 0<" in html
    assert f"Møte {shown + 4}<" in _html(client.get(f"/companies/{company.id}?before=not-a-date"))


def test_admin_manages_places_with_unique_names(client, login, session):
    login(role="admin")
    response = post_form(
        client, "/companies/places/new", {"name": "Kjeller", "growth_area": "y", "position": "1"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/companies/places"
    place = session.scalar(select(Place).where(Place.name == "Kjeller"))
    assert place.growth_area
    response = post_form(client, "/companies/places/new", {"name": "KJELLER", "position": "2"})
    assert response.status_code == 400 and 'id="name-error"' in _html(response)
    response = post_form(
        client,
        f"/companies/places/{place.id}/edit",
        {"name": "Kjeller", "position": "5", "version": str(place.version)},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Place, place.id).growth_area is False
    assert "Kjeller" in _html(client.get("/companies/places"))
    assert client.get("/companies/places/999999/edit").status_code == 404


def test_admin_manages_sectors(client, login, session):
    login(role="admin")
    response = post_form(client, "/companies/sectors/new", {"name": "Helse", "prioritised": "y"})
    assert response.status_code == 302
    assert "Helse" in _html(client.get("/companies/sectors"))


def test_editor_may_not_manage_places_or_sectors(client, login):
    login(role="editor")
    assert client.get("/companies/places").status_code == 403
    assert client.get("/companies/sectors/new").status_code == 403


def test_organisation_page_shows_the_newest_links_and_offers_all(client, login, session):
    from crm.network.models import CollaborationLink
    from crm.network.services import seed_link_types

    login(role="reader")
    project = next(t for t in seed_link_types(session) if t.key == "project")
    hub = make_company(session, name="Navet AS")
    partners = [make_company(session, name=f"Partner {n:02d} AS") for n in range(25)]
    for n, partner in enumerate(partners):
        first, second = sorted((hub, partner), key=lambda c: c.id)
        session.add(
            CollaborationLink(
                source=first, target=second, link_type=project, start_date=date(2020, 1, n + 1)
            )
        )
    session.commit()

    html = client.get(f"/companies/{hub.id}").get_data(as_text=True)
    assert "Partner 24 AS" in html and "Partner 05 AS" in html  # the 20 newest
    assert "Partner 04 AS" not in html
    assert f'href="/network/companies/{hub.id}/links">Alle 25 koblinger' in html


def test_list_counts_up_to_the_cap_and_says_when_there_are_more(
    client, login, session, monkeypatch
):

    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 3)
    for n in range(4):
        make_company(session, name=f"Kjeller Bygg {n} AS")
    make_company(session, name="Nitja")
    session.commit()
    login(role="reader")
    html = _html(client.get("/companies/?q=bygg&per_page=2"))
    assert "Over 3 totalt: avgrens søket" in html
    # Pages follow the capped total; the rows of a page are the real ones.
    assert html.count('href="/companies/?q=bygg&amp;per_page=2&amp;sort=name&amp;page=2"') >= 1
    assert "Kjeller Bygg 0 AS" in html and "Kjeller Bygg 2 AS" not in html
    html = _html(client.get("/companies/?q=nitja"))
    assert "1 totalt" in html and "avgrens søket" not in html
