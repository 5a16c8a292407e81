"""Pages: status codes, messages beside fields, permissions and query counts."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.common.dates import local_today
from crm.extensions import db
from crm.network import queries, services
from crm.network.models import CollaborationLink, LinkType
from tests.conftest import post_form
from tests.factories import make_cluster, make_company, make_meeting, make_membership


def _links(session):
    session.expire_all()
    return list(session.scalars(select(CollaborationLink)))


def _new_link(client, company, data):
    return post_form(client, f"/network/links/new?company_id={company.id}", data)


def _form(other_id="", other_name="", link_type_id="", **extra):
    return {
        "other_id": other_id,
        "other_name": other_name,
        "link_type_id": link_type_id,
        "direction": "none",
        **extra,
    }


def test_editor_adds_a_link_with_the_type_ahead_id(client, login, session, pair, link_types):
    a, b = pair
    session.commit()
    login("editor")
    response = _new_link(
        client,
        b,
        _form(
            other_id=a.id,
            link_type_id=link_types["project"].id,
            start_date="2022-01-01",
            evidence="Avtale",
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/network/companies/{b.id}/links")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Infinitum AS" in page and "Avtale" in page
    [link] = _links(session)
    assert (link.source_id, link.target_id) == (min(a.id, b.id), max(a.id, b.id))


def test_organisation_number_works_without_javascript(client, login, session, pair, link_types):
    _a, b = pair
    session.commit()
    login("editor")
    response = _new_link(
        client, b, _form(other_name="923609016", link_type_id=link_types["project"].id)
    )
    assert response.status_code == 302
    assert len(_links(session)) == 1


@pytest.mark.parametrize(
    "case,field",
    [
        ("self", "other_name"),
        ("unknown", "other_name"),
        ("dates", "end_date"),
        ("no type", "link_type_id"),
    ],
)
def test_refusals_are_shown_beside_the_field_and_keep_the_input(
    client, login, session, pair, link_types, case, field
):
    a, b = pair
    session.commit()
    login("editor")
    data = _form(other_id=a.id, link_type_id=link_types["project"].id, evidence="Skal stå igjen")
    if case == "self":
        data["other_id"] = b.id
    elif case == "unknown":
        data.update(other_id="", other_name="Ukjent Bedrift AS")
    elif case == "dates":
        data.update(start_date="2023-05-01", end_date="2023-01-01")
    else:
        data["link_type_id"] = ""
    response = _new_link(client, b, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert "Skal stå igjen" in html
    assert _links(session) == []


def test_duplicate_link_is_refused(client, login, session, pair, link_types):
    a, b = pair
    services.create_link(
        session,
        company_id=a.id,
        other_id=b.id,
        other_name=None,
        link_type_id=link_types["project"].id,
    )
    session.commit()
    login("editor")
    response = _new_link(client, b, _form(other_id=a.id, link_type_id=link_types["project"].id))
    assert response.status_code == 400
    assert 'id="link_type_id-error"' in response.get_data(as_text=True)
    assert len(_links(session)) == 1


def test_new_link_for_an_unknown_organisation_is_404(client, login, session):
    login("editor")
    assert client.get("/network/links/new?company_id=999999").status_code == 404
    assert client.get("/network/links/new").status_code == 404
    assert client.get("/network/companies/999999/links").status_code == 404
    assert client.get("/network/companies/999999/ego").status_code == 404
    assert client.get("/network/clusters/999999").status_code == 404
    assert client.get("/network/links/999999/edit").status_code == 404


def test_edit_end_and_delete_a_link(client, login, session, pair, link_types):
    a, b = pair
    link = services.create_link(
        session,
        company_id=a.id,
        other_id=b.id,
        other_name=None,
        link_type_id=link_types["project"].id,
        start_date=date(2022, 1, 1),
    )
    session.commit()
    login("editor")
    edit = f"/network/links/{link.id}/edit?company_id={a.id}"
    response = post_form(
        client,
        edit,
        {
            "link_type_id": link_types["partnership"].id,
            "direction": "none",
            "start_date": "2022-01-01",
            "end_date": "",
            "evidence": "Nettside",
            "note": "",
            "version": link.version,
        },
    )
    assert response.status_code == 302
    [saved] = _links(session)
    assert saved.link_type_id == link_types["partnership"].id and saved.evidence == "Nettside"

    stale = post_form(
        client,
        edit,
        {
            "link_type_id": link_types["project"].id,
            "direction": "none",
            "evidence": "Gammel",
            "version": 1,
        },
        form_page=edit,
    )
    # The form page gave the current version; posting an old one is refused.
    assert saved.version != 1 or stale.status_code == 302
    end = f"/network/links/{link.id}/end?company_id={a.id}"
    refused = post_form(client, end, {"end_date": "2021-01-01", "version": saved.version})
    assert refused.status_code == 400
    assert 'id="end_date-error"' in refused.get_data(as_text=True)
    ended = post_form(client, end, {"end_date": "2023-01-01", "version": saved.version})
    assert ended.status_code == 302
    assert _links(session)[0].end_date == date(2023, 1, 1)
    deleted = post_form(
        client, f"/network/links/{link.id}/delete?company_id={a.id}", {}, form_page=end
    )
    assert deleted.status_code == 302
    assert _links(session) == []


def test_stale_edit_is_refused_and_input_kept(client, login, session, pair, link_types):
    a, b = pair
    link = services.create_link(
        session,
        company_id=a.id,
        other_id=b.id,
        other_name=None,
        link_type_id=link_types["project"].id,
    )
    session.commit()
    login("editor")
    edit = f"/network/links/{link.id}/edit"
    response = post_form(
        client,
        edit,
        {
            "link_type_id": link_types["project"].id,
            "direction": "none",
            "evidence": "Min endring",
            "version": link.version + 5,
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Min endring" in html and "alert-danger" in html
    assert _links(session)[0].evidence == ""


def test_readers_see_but_do_not_write(client, login, session, pair, link_types):
    a, b = pair
    link = services.create_link(
        session,
        company_id=a.id,
        other_id=b.id,
        other_name=None,
        link_type_id=link_types["project"].id,
    )
    session.commit()
    login("reader")
    page = client.get(f"/network/companies/{a.id}/links")
    assert page.status_code == 200
    assert "/network/links/new" not in page.get_data(as_text=True)
    assert client.get(f"/network/links/new?company_id={a.id}").status_code == 403
    assert client.get(f"/network/links/{link.id}/edit").status_code == 403
    assert client.get("/network/link-types").status_code == 403
    for url in ("/network/", "/network/metrics", "/network/path", f"/network/companies/{a.id}/ego"):
        assert client.get(url).status_code == 200, url


def test_the_organisation_page_shows_each_link_from_its_side(client, login, session, link_types):
    """The links table names the other organisation, the direction and the period, with the
    edit and end pages of each link for an editor; names are escaped."""
    us = make_company(session, name="Oss & Co")
    supplier = make_company(session, name="<Leverandør> AS")
    partner = make_company(session, name="Partner AS")
    incoming = services.create_link(
        session,
        company_id=us.id,
        other_id=supplier.id,
        other_name=None,
        link_type_id=link_types["supplier"].id,
        direction="incoming",
        start_date=date(2024, 3, 1),
    )
    ended = services.create_link(
        session,
        company_id=partner.id,
        other_id=us.id,
        other_name=None,
        link_type_id=link_types["project"].id,
        start_date=date(2023, 1, 2),
        end_date=date(2023, 12, 31),
    )
    session.commit()
    login("editor")
    html = client.get(f"/companies/{us.id}").get_data(as_text=True)
    assert f'<a href="/companies/{supplier.id}">&lt;Leverandør&gt; AS</a>' in html
    assert "fra &lt;Leverandør&gt; AS" in html  # the direction, from the other side
    assert f'<a href="/companies/{partner.id}">Partner AS</a>' in html
    assert "01.03.2024 – pågår" in html and "02.01.2023 – 31.12.2023" in html
    edit, end = (
        f"/network/links/{incoming.id}/{page}?company_id={us.id}" for page in ("edit", "end")
    )
    assert (
        f'<a href="{edit}">Rediger<span class="visually-hidden"> '
        "kobling til &lt;Leverandør&gt; AS</span></a>" in html
    )
    assert f'<a href="{end}">Avslutt eller slett<span class="visually-hidden">' in html
    assert f'href="/network/links/{ended.id}/end?company_id={us.id}">Slett<span' in html
    assert client.get(edit).status_code == 200 and client.get(end).status_code == 200


def test_editors_cannot_administer_link_types(client, login, session, link_types):
    login("editor")
    assert client.get("/network/link-types").status_code == 403
    assert client.get("/network/link-types/new").status_code == 403


def test_admin_creates_edits_and_deactivates_link_types(client, login, session, link_types):
    login("admin")
    page = client.get("/network/link-types").get_data(as_text=True)
    assert "Forskningssamarbeid" in page
    created = post_form(client, "/network/link-types/new", {"name": "Felles søknad", "position": 9})
    assert created.status_code == 302
    duplicate = post_form(client, "/network/link-types/new", {"name": "prosjekt"})
    assert duplicate.status_code == 400
    made = db.session.scalar(select(LinkType).where(LinkType.name == "Felles søknad"))
    edit = f"/network/link-types/{made.id}/edit"
    saved = post_form(
        client,
        edit,
        {"name": "Felles EU-søknad", "position": 9, "active": "y", "version": made.version},
    )
    assert saved.status_code == 302
    off = post_form(
        client, f"/network/link-types/{made.id}/deactivate", {}, form_page="/network/link-types"
    )
    assert off.status_code == 302
    session.expire_all()
    made = session.get(LinkType, made.id)
    assert (made.name, made.active) == ("Felles EU-søknad", False)
    # A deactivated type is not offered for new links.
    company = make_company(session)
    session.commit()
    form = client.get(f"/network/links/new?company_id={company.id}").get_data(as_text=True)
    assert ">Felles EU-søknad</option>" not in form and ">Prosjekt</option>" in form


def test_unknown_filter_values_are_dropped_with_a_message(
    client, login, session, pair, network_cache
):
    session.commit()
    login("reader")
    response = client.get(
        "/network/?cluster=424242&kind=spaceship&sector=x&start=not-a-date"
        "&min_weight=-3&size=bogus&colour=bogus"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "424242" in html and "spaceship" in html
    assert client.get("/network/graph.json?cluster=424242&place=abc").status_code in (200, 202)
    assert client.get("/network/metrics?focus_area=77").status_code == 200
    assert client.get("/network/export.gexf?link_type=nope").status_code == 200


def test_an_empty_result_explains_itself_instead_of_an_empty_map(
    client, login, session, pair, network_cache
):
    session.commit()
    login("reader")
    html = client.get("/network/?kind=venue").get_data(as_text=True)
    assert 'id="network-empty"' in html
    assert 'id="network-map"' not in html


def test_map_page_table_and_query_count_do_not_grow_with_rows(
    client, login, session, link_types, network_cache, count_queries
):
    login("reader")

    def statements_for(n):
        companies = [make_company(session, name=f"Org {i:03}") for i in range(n)]
        for a, b in itertools.pairwise(companies):
            meeting = make_meeting(session)
            meeting.companies = [a, b]
        session.commit()
        with count_queries() as seen:
            response = client.get("/network/?sort=name")
        assert response.status_code == 200
        return len(seen), response.get_data(as_text=True)

    few, html = statements_for(3)
    assert "Org 000" in html and 'id="network-table"' in html
    many, html = statements_for(30)
    assert "Org 029" in html
    assert few == many


def test_map_page_says_which_meetings_and_clusters_add_no_ties(
    client, login, session, network_cache
):
    make_company(session, name="Infinitum AS")
    session.commit()
    login("reader")

    html = client.get("/network/").get_data(as_text=True)

    assert "flere enn 30 organisasjoner" in html
    assert "flere enn 100 medlemmer gir ingen bånd" in html


def test_path_explains_each_step(client, login, session, link_types, network_cache):
    a = make_company(session, name="Aidee")
    b = make_company(session, name="Bergman Diagnostica")
    c = make_company(session, name="Ahus", kind="public")
    services.create_link(
        session,
        company_id=a.id,
        other_id=b.id,
        other_name=None,
        link_type_id=link_types["supplier"].id,
        start_date=date(2022, 1, 1),
    )
    cluster = make_cluster(session, name="Romerike Helsehub")
    make_membership(session, cluster=cluster, company=b)
    make_membership(session, cluster=cluster, company=c)
    session.commit()
    login("reader")
    html = client.get(f"/network/path?from={a.id}&to={c.id}").get_data(as_text=True)
    assert "Bergman Diagnostica" in html
    assert "Leverandør" in html  # the registered link's type
    assert "Romerike Helsehub" in html  # the shared cluster


def test_path_refuses_unknown_and_identical_organisations(client, login, session, pair):
    a, _b = pair
    session.commit()
    login("reader")
    unknown = client.get(f"/network/path?from_id={a.id}&to_name=Finnes+ikke")
    assert unknown.status_code == 400
    assert "invalid-feedback" in unknown.get_data(as_text=True)
    same = client.get(f"/network/path?from={a.id}&to={a.id}")
    assert same.status_code == 400


def test_path_without_a_chain_says_so(client, login, session, pair, network_cache):
    a, b = pair
    session.commit()
    login("reader")
    html = client.get(f"/network/path?from={a.id}&to={b.id}").get_data(as_text=True)
    assert "alert-info" in html and "<ol>" not in html


def test_ego_and_cluster_pages(client, login, session, link_types, network_cache):
    a = make_company(session, name="Kjeller Innovasjon")
    b = make_company(session, name="Scale Up")
    c = make_company(session, name="Norsar")
    cluster = make_cluster(session, name="Kunnskapsbyen")
    make_membership(session, cluster=cluster, company=a)
    make_membership(session, cluster=cluster, company=b)
    services.create_link(
        session,
        company_id=b.id,
        other_id=c.id,
        other_name=None,
        link_type_id=link_types["partnership"].id,
        start_date=date(2023, 1, 1),
    )
    session.commit()
    login("reader")
    one = client.get(f"/network/companies/{a.id}/ego").get_data(as_text=True)
    assert "Scale Up" in one and "Norsar" not in one
    two = client.get(f"/network/companies/{a.id}/ego?radius=2").get_data(as_text=True)
    assert "Norsar" in two
    data = client.get(f"/network/companies/{a.id}/ego.json?radius=2").get_json()
    assert {node["key"] for node in data["nodes"]} == {str(a.id), str(b.id), str(c.id)}
    page = client.get(f"/network/clusters/{cluster.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert str(local_today().year) in html


def test_metrics_page_ranks_each_metric(client, login, session, link_types, network_cache):
    hub = make_company(session, name="Kunnskapsbyen Lillestrøm")
    for name in ("IFE", "NILU", "FFI"):
        services.create_link(
            session,
            company_id=hub.id,
            other_id=make_company(session, name=name).id,
            other_name=None,
            link_type_id=link_types["project"].id,
        )
    session.commit()
    login("reader")
    html = client.get("/network/metrics").get_data(as_text=True)
    assert html.count("Kunnskapsbyen Lillestrøm") >= 4  # first in every ranking


def test_partials_render_for_other_pages(app, session, pair, link_types):
    from flask import render_template_string
    from flask_login import login_user

    a, b = pair
    services.create_link(
        session,
        company_id=a.id,
        other_id=b.id,
        other_name=None,
        link_type_id=link_types["project"].id,
    )
    cluster = make_cluster(session, name="H2Cluster")
    from tests.factories import make_user

    user = make_user(session, role="editor")
    session.commit()
    with app.test_request_context("/"):
        login_user(user)
        html = render_template_string(
            '{% include "network/_ego_panel.html" %}',
            company=a,
            links=queries.list_company_links(session, a.id),
        )
        assert "IFE" in html and f"/network/links/new?company_id={a.id}" in html
        html = render_template_string(
            '{% include "network/_cluster_panel.html" %}', cluster=cluster
        )
        assert f"/network/clusters/{cluster.id}" in html
    assert session.scalar(select(func.count()).select_from(CollaborationLink)) == 1


def test_map_json_keeps_the_strongest_ties_within_its_budget(monkeypatch):
    import networkx as nx

    from crm.network import cache as network_cache_module
    from crm.network import exports
    from crm.network.queries import NetworkFilter

    graph = nx.Graph()
    graph.add_nodes_from((n, {"name": f"Org {n}", "kind": "company"}) for n in range(4))
    graph.add_edge(0, 1, weight=3.0)
    graph.add_edge(1, 2, weight=1.0)
    graph.add_edge(2, 3, weight=2.0)
    view = network_cache_module.NetworkView(
        version="v",
        filter=NetworkFilter(),
        graph=graph,
        metrics={n: {"degree": 1, "weighted_degree": 1.0, "pagerank": 0.25} for n in graph},
        slow_ready=True,
        positions={n: (float(n), 0.0) for n in graph},
    )
    monkeypatch.setattr(exports, "MAP_EDGE_LIMIT", 2)
    data = exports.map_json(view, {})
    assert data["edges"] == [["0", "1", 3], ["2", "3", 2]]
    assert (data["attributes"]["edges_total"], data["attributes"]["edges_shown"]) == (3, 2)
