"""Pages: status codes, messages beside fields, permissions, and bounded query counts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from crm.clusters.models import Cluster, Membership
from tests.conftest import csrf_token, post_form
from tests.factories import make_cluster, make_company, make_membership

ORGNR = "923609016"


@pytest.fixture
def editor(login):
    return login(role="editor", locale="en")


@pytest.fixture
def reader(login):
    return login(role="reader", locale="en")


def _cluster_data(**overrides) -> dict:
    data = {
        "name": "Solenergiklyngen",
        "kind": "cluster",
        "programme_level": "arena",
        "focus": "Solenergi",
        "description": "",
        "website": "https://solenergiklyngen.no",
        "facilitator_id": "",
        "facilitator_name": "",
    }
    data.update(overrides)
    return data


# --- list and detail --------------------------------------------------------------------------


def test_reader_sees_the_list_filtered_by_kind(client, reader, session):
    make_cluster(session, name="H2Cluster", kind="cluster")
    make_cluster(session, name="Tømmerruta", kind="network")
    session.commit()
    html = client.get("/clusters/").get_data(as_text=True)
    assert "H2Cluster" in html and "Tømmerruta" in html
    assert "/clusters/new" not in html  # no create button for readers
    response = client.get("/clusters/?kind=network")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Tømmerruta" in html and "H2Cluster" not in html


def test_detail_shows_facts_members_and_the_helix_note(client, reader, session):
    host = make_company(session, name="Kunnskapsbyen Lillestrøm")
    cluster = make_cluster(
        session,
        name="Romerike Helsehub",
        programme_level="arena_pro",
        website="https://helsehub.no",
        facilitator=host,
    )
    ahus = make_company(session, name="Ahus", kind="public")
    make_membership(session, cluster=cluster, company=ahus, role="board")
    make_membership(
        session,
        cluster=cluster,
        company=make_company(session, name="Gammel AS"),
        left_on=date(2020, 1, 1),
    )
    session.commit()
    response = client.get(f"/clusters/{cluster.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Arena Pro" in html
    assert '<a href="https://helsehub.no" rel="noopener noreferrer">' in html
    assert f'<a href="/companies/{host.id}">Kunnskapsbyen Lillestrøm</a>' in html
    assert f'<a href="/companies/{ahus.id}">Ahus</a>' in html
    assert "Gammel AS" not in html  # former members only when asked for
    assert "Below the ECCP mark" in html
    assert "/members/new" not in html  # readers get no edit links
    html = client.get(f"/clusters/{cluster.id}?status=former").get_data(as_text=True)
    # The members' list (the members' network below it shows the current members).
    members = html.split('class="network-cluster-panel')[0]
    assert "Gammel AS" in members and ">Ahus<" not in members


def test_detail_never_links_an_unsafe_website(client, reader, session):
    cluster = make_cluster(session, website="javascript:alert(1)")
    session.commit()
    html = client.get(f"/clusters/{cluster.id}").get_data(as_text=True)
    assert 'href="javascript:' not in html


def test_helix_note_disappears_with_enough_members_of_two_kinds(client, reader, session):
    cluster = make_cluster(session)
    for n in range(15):
        kind = "research" if n % 2 else "company"
        make_membership(session, cluster=cluster, company=make_company(session, kind=kind))
    session.commit()
    html = client.get(f"/clusters/{cluster.id}").get_data(as_text=True)
    assert "Below the ECCP mark" not in html


def test_unknown_cluster_and_membership_are_404(client, editor, session):
    other = make_membership(session)
    cluster = make_cluster(session)
    session.commit()
    assert client.get("/clusters/999999").status_code == 404
    assert client.get("/clusters/999999/edit").status_code == 404
    # A membership of another cluster is not reachable under this one.
    assert client.get(f"/clusters/{cluster.id}/members/{other.id}/edit").status_code == 404


# --- create and edit --------------------------------------------------------------------------


def test_new_cluster_form_carries_the_typeahead_contract(client, editor):
    html = client.get("/clusters/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="facilitator_id"[^>]*type="hidden"', html) or re.search(
        r'<input[^>]*type="hidden"[^>]*id="facilitator_id"', html
    )
    visible = re.search(r'<input[^>]*id="facilitator_name"[^>]*>', html)[0]
    assert 'data-typeahead="companies"' in visible
    assert 'data-target="facilitator_id"' in visible
    assert 'type="text"' in visible


def test_editor_creates_a_cluster_with_a_typed_organisation_number(client, editor, session):
    host = make_company(session, org_number=ORGNR)
    session.commit()
    response = post_form(client, "/clusters/new", _cluster_data(facilitator_name=ORGNR))
    assert response.status_code == 302
    cluster = session.scalar(select(Cluster).where(Cluster.name == "Solenergiklyngen"))
    assert response.headers["Location"] == f"/clusters/{cluster.id}"
    assert cluster.facilitator_id == host.id and cluster.programme_level == "arena"


def test_duplicate_name_is_refused_beside_the_field(client, editor, session):
    make_cluster(session, name="Solenergiklyngen")
    session.commit()
    response = post_form(client, "/clusters/new", _cluster_data())
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and "already exists" in html


def test_bad_website_and_unknown_facilitator_are_refused_beside_the_fields(client, editor, session):
    response = post_form(client, "/clusters/new", _cluster_data(website="javascript:alert(1)"))
    assert response.status_code == 400
    assert 'id="website-error"' in response.get_data(as_text=True)
    response = post_form(client, "/clusters/new", _cluster_data(facilitator_name="Ukjent AS"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="facilitator_name-error"' in html
    assert 'value="Ukjent AS"' in html  # what the user typed is kept
    assert session.scalars(select(Cluster)).all() == []


def test_edit_saves_and_keeps_the_facilitator_on_the_form(client, editor, session):
    host = make_company(session, name="Kjeller Innovasjon")
    cluster = make_cluster(session, name="H2Cluster", facilitator=host)
    session.commit()
    html = client.get(f"/clusters/{cluster.id}/edit").get_data(as_text=True)
    assert 'value="Kjeller Innovasjon"' in html
    data = _cluster_data(
        name="Hydrogenklyngen",
        version=str(cluster.version),
        facilitator_id=str(host.id),
        facilitator_name=host.name,
    )
    response = post_form(client, f"/clusters/{cluster.id}/edit", data)
    assert response.status_code == 302
    session.refresh(cluster)
    assert cluster.name == "Hydrogenklyngen" and cluster.facilitator_id == host.id


def test_version_conflict_is_refused_and_the_input_kept(client, editor, session):
    cluster = make_cluster(session, name="H2Cluster")
    session.commit()
    loaded = cluster.version
    cluster.focus = "Hydrogen"  # someone else saves in between
    session.commit()
    data = _cluster_data(name="Mitt nye navn", version=str(loaded))
    response = post_form(client, f"/clusters/{cluster.id}/edit", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Someone else saved this record" in html
    assert 'value="Mitt nye navn"' in html
    session.refresh(cluster)
    assert cluster.name == "H2Cluster" and cluster.focus == "Hydrogen"


# --- memberships ------------------------------------------------------------------------------


def _member_data(**overrides) -> dict:
    data = {
        "company_id": "",
        "company_name": "",
        "role": "member",
        "joined_on": "2022-01-01",
        "left_on": "",
        "note": "",
    }
    data.update(overrides)
    return data


def test_editor_adds_a_member_by_id_and_by_organisation_number(client, editor, session):
    cluster = make_cluster(session)
    ife = make_company(session, name="IFE")
    nilu = make_company(session, name="NILU", org_number=ORGNR)
    session.commit()
    path = f"/clusters/{cluster.id}/members/new"
    response = post_form(client, path, _member_data(company_id=str(ife.id), company_name="IFE"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/clusters/{cluster.id}"
    response = post_form(client, path, _member_data(company_name=ORGNR, role="partner"))
    assert response.status_code == 302
    stored = session.scalars(select(Membership).order_by(Membership.id)).all()
    assert [(m.company_id, m.role) for m in stored] == [(ife.id, "member"), (nilu.id, "partner")]


def test_overlap_unknown_organisation_and_left_before_joined_are_shown_beside_fields(
    client, editor, session
):
    existing = make_membership(session, joined_on=date(2021, 1, 1))
    session.commit()
    path = f"/clusters/{existing.cluster_id}/members/new"
    response = post_form(client, path, _member_data(company_id=str(existing.company_id)))
    assert response.status_code == 400
    # The organisation already a member is the choice to change, not the date.
    error = re.search(r'id="company_name-error".*?</div>', response.text, re.S)
    assert error and "already has a membership" in error[0]
    assert 'id="joined_on-error"' not in response.text
    response = post_form(client, path, _member_data(company_name="Finnes ikke AS"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="company_name-error"' in html and 'value="Finnes ikke AS"' in html
    other = make_company(session)
    session.commit()
    data = _member_data(company_id=str(other.id), joined_on="2022-05-01", left_on="2022-04-01")
    response = post_form(client, path, data)
    assert response.status_code == 400
    assert 'id="left_on-error"' in response.get_data(as_text=True)
    assert len(session.scalars(select(Membership)).all()) == 1


def test_end_membership_keeps_history_and_refuses_a_date_before_joined(client, editor, session):
    membership = make_membership(session, joined_on=date(2021, 1, 1))
    session.commit()
    base = f"/clusters/{membership.cluster_id}/members/{membership.id}"
    response = post_form(
        client, f"{base}/end", {"end-left_on": "2020-12-31"}, form_page=f"{base}/edit"
    )
    assert response.status_code == 400
    assert 'id="end-left_on-error"' in response.get_data(as_text=True)
    response = post_form(
        client, f"{base}/end", {"end-left_on": "2024-06-30"}, form_page=f"{base}/edit"
    )
    assert response.status_code == 302
    session.expire_all()
    stored = session.get(Membership, membership.id)
    assert stored.left_on == date(2024, 6, 30)
    html = client.get(f"/clusters/{membership.cluster_id}?status=former").get_data(as_text=True)
    assert stored.company.name in html


def test_edit_membership_role_and_dates(client, editor, session):
    membership = make_membership(session, joined_on=date(2021, 1, 1))
    session.commit()
    path = f"/clusters/{membership.cluster_id}/members/{membership.id}/edit"
    data = {
        "role": "board",
        "joined_on": "2020-01-01",
        "left_on": "",
        "note": "",
        "version": str(membership.version),
    }
    response = post_form(client, path, data)
    assert response.status_code == 302
    session.refresh(membership)
    assert membership.role == "board" and membership.joined_on == date(2020, 1, 1)
    response = post_form(client, path, {**data, "role": "partner"})  # loaded before the save
    assert response.status_code == 400
    assert "Someone else saved this record" in response.get_data(as_text=True)
    current = {**data, "version": str(membership.version), "left_on": "2019-01-01"}
    response = post_form(client, path, current)
    assert response.status_code == 400
    assert 'id="left_on-error"' in response.get_data(as_text=True)
    session.refresh(membership)
    assert membership.role == "board" and membership.left_on is None


def test_delete_membership_entered_by_mistake(client, editor, session):
    membership = make_membership(session)
    session.commit()
    base = f"/clusters/{membership.cluster_id}/members/{membership.id}"
    response = post_form(client, f"{base}/delete", {}, form_page=f"{base}/edit")
    assert response.status_code == 302
    assert session.scalars(select(Membership)).all() == []


def test_reader_is_refused_every_write(client, reader, session):
    membership = make_membership(session)
    session.commit()
    cluster_id, base = membership.cluster_id, f"/clusters/{membership.cluster_id}"
    for path in ("/clusters/new", f"{base}/edit", f"{base}/members/new"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/clusters/")
    for path in (
        "/clusters/new",
        f"{base}/edit",
        f"{base}/members/new",
        f"{base}/members/{membership.id}/edit",
        f"{base}/members/{membership.id}/end",
        f"{base}/members/{membership.id}/delete",
    ):
        response = client.post(path, data={"csrf_token": token, "name": "X"})
        assert response.status_code == 403, path
    session.expire_all()
    assert session.get(Membership, membership.id).left_on is None
    assert session.get(Cluster, cluster_id) is not None


# --- query counts -----------------------------------------------------------------------------


def test_list_page_query_count_does_not_grow_with_clusters(client, reader, session, count_queries):
    def add_clusters(n: int) -> None:
        for _ in range(n):
            cluster = make_cluster(session, facilitator=make_company(session))
            make_membership(session, cluster=cluster)

    add_clusters(3)
    session.commit()
    with count_queries() as few:
        assert client.get("/clusters/").status_code == 200
    add_clusters(27)
    session.commit()
    with count_queries() as many:
        assert client.get("/clusters/").status_code == 200
    assert len(many) == len(few), (len(few), len(many))


def test_detail_page_query_count_does_not_grow_with_members(client, editor, session, count_queries):
    cluster = make_cluster(session, facilitator=make_company(session))

    def add_members(n: int) -> None:
        for i in range(n):
            kind = "research" if i % 2 else "company"
            make_membership(session, cluster=cluster, company=make_company(session, kind=kind))

    add_members(3)
    session.commit()
    with count_queries() as few:
        assert client.get(f"/clusters/{cluster.id}?status=all").status_code == 200
    add_members(27)
    session.commit()
    with count_queries() as many:
        assert client.get(f"/clusters/{cluster.id}?status=all").status_code == 200
    assert len(many) == len(few), (len(few), len(many))


def test_emptying_the_visible_facilitator_field_removes_the_facilitator(client, editor, session):
    host = make_company(session, name="Kjeller Innovasjon")
    cluster = make_cluster(session, name="H2Cluster", facilitator=host)
    session.commit()
    data = _cluster_data(
        name="H2Cluster", version=str(cluster.version), facilitator_id=str(host.id)
    )
    response = post_form(client, f"/clusters/{cluster.id}/edit", data)
    assert response.status_code == 302
    session.refresh(cluster)
    assert cluster.facilitator_id is None


def _members(session, cluster, names: list[str], **overrides) -> None:
    for name in names:
        make_membership(
            session, cluster=cluster, company=make_company(session, name=name), **overrides
        )
    session.commit()


def test_a_big_clusters_members_come_a_page_at_a_time_by_name(client, editor, session):
    cluster = make_cluster(session, name="H2Cluster")
    # Made in reverse, so the page's order is the database's, by name.
    _members(session, cluster, [f"Medlem {n:02d}" for n in reversed(range(60))], role="board")
    _members(session, cluster, ["Gikk ut AS"], left_on=date(2020, 1, 1))
    first = client.get(f"/clusters/{cluster.id}?role=board").get_data(as_text=True)
    members = first.split('id="members-heading"')[1]
    assert "Members shown: 50 of 60" in members
    assert members.index("Medlem 00") < members.index("Medlem 49") and "Medlem 50" not in members
    assert "Board member" in members and "Gikk ut AS" not in members
    # The pager keeps the filter; the whole membership is one click away in the list.
    assert f'href="/clusters/{cluster.id}?status=current&amp;role=board&amp;page=2"' in first
    assert f'href="/companies/?cluster={cluster.id}"' in first
    second = client.get(f"/clusters/{cluster.id}?role=board&page=2").get_data(as_text=True)
    members = second.split('id="members-heading"')[1]
    assert "Members shown: 10 of 60" in members
    assert "Medlem 50" in members and "Medlem 59" in members and "Medlem 49" not in members


def test_the_cluster_page_runs_as_many_statements_for_60_members_as_for_3(
    client, editor, session, count_queries
):
    cluster = make_cluster(session)
    page = f"/clusters/{cluster.id}"
    _members(session, cluster, ["A", "B", "C"])
    client.get(page)
    with count_queries() as few:
        assert client.get(page).status_code == 200
    _members(session, cluster, [f"Medlem {n}" for n in range(57)])
    with count_queries() as many:
        html = client.get(page).get_data(as_text=True)
    assert "Members shown: 50 of 60" in html
    assert len(many) == len(few)
