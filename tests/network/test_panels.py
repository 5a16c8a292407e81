"""The network on organisation and cluster pages: strongest ties, members, their maps' JSON."""

from __future__ import annotations

from datetime import date

from crm.network import cache, panels, services
from crm.network import graph as g
from crm.network.queries import NetworkFilter
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_membership,
)
from tests.network.conftest import view_of


def _link(session, link_types, a, b, kind="project"):
    services.create_link(
        session,
        company_id=a.id,
        other_id=b.id,
        other_name=None,
        link_type_id=link_types[kind].id,
        start_date=date(2022, 1, 1),
    )


def _district(session, link_types):
    """A hub tied to others by each kind of evidence, and ties that must not count."""
    hub = make_company(session, name="Kjeller Innovasjon")
    ife = make_company(session, name="IFE")
    nilu = make_company(session, name="NILU")
    ahus = make_company(session, name="Ahus")
    far = make_company(session, name="Langt Unna AS")
    _link(session, link_types, hub, ife)
    cluster = make_cluster(session, name="Kunnskapsbyen")
    for org in (hub, ife, nilu):
        make_membership(session, cluster=cluster, company=org, joined_on=date(2020, 1, 1))
    for _ in range(2):
        meeting = make_meeting(session)
        meeting.companies = [hub, ahus]
    conference = make_meeting(session, title="Konferanse")
    conference.companies = [hub, far, *(make_company(session) for _ in range(g.MAX_MEETING_ORGS))]
    person = make_contact(session, name="Kari Nordmann")
    make_affiliation(session, contact=person, company=hub, start_date=date(2019, 1, 1))
    make_affiliation(session, contact=person, company=nilu, start_date=date(2021, 1, 1))
    # Ties between others, not through the hub: not the hub's.
    other = make_meeting(session)
    other.companies = [ife, nilu]
    session.commit()
    return hub, cluster


def _by_name(panel):
    return {row["name"]: row for row in panel.rows}


def test_direct_read_gives_the_ties_the_district_graph_gives(session, link_types, network_cache):
    hub, _cluster = _district(session, link_types)

    direct = panels.company_panel(session, hub.id)
    assert direct.source == "direct"
    view = view_of(session, NetworkFilter(), network_cache)
    # The map's view alone has no networkx graph yet: the panel does not wait for one.
    assert panels.company_panel(session, hub.id).source == "direct"
    assert view.graph.number_of_nodes()  # a page that shows reasons (the ego page) builds it
    cached = panels.company_panel(session, hub.id)
    assert cached.source == "cache"

    assert direct.rows == cached.rows
    assert direct.total == cached.total == 3  # not the conference's 31
    rows = _by_name(direct)
    assert list(rows) == ["IFE", "NILU", "Ahus"]  # strongest first
    assert (rows["IFE"]["link"], rows["IFE"]["cluster"]) == (1, 1)
    assert (rows["NILU"]["person"], rows["NILU"]["cluster"]) == (1, 1)
    assert (rows["Ahus"]["meeting"], rows["Ahus"]["weight"]) == (2, 2.0)
    assert "Langt Unna AS" not in rows


def test_panel_shows_the_strongest_fifteen_of_more(session, link_types, network_cache):
    hub = make_company(session, name="Navet")
    others = [make_company(session, name=f"Org {i:02}") for i in range(20)]
    for count, other in enumerate(others[:5], start=1):
        for _ in range(count + 1):
            meeting = make_meeting(session)
            meeting.companies = [hub, other]
    for other in others[5:]:
        meeting = make_meeting(session)
        meeting.companies = [hub, other]
    session.commit()

    panel = panels.company_panel(session, hub.id)

    assert panel.total == 20 and len(panel.rows) == panels.PANEL_ROWS
    assert [row["name"] for row in panel.rows[:5]] == [
        "Org 04",
        "Org 03",
        "Org 02",
        "Org 01",
        "Org 00",
    ]


def test_panel_query_count_does_not_grow_with_the_ties(
    session, link_types, network_cache, count_queries
):
    hub = make_company(session, name="Navet")
    cluster = make_cluster(session)
    make_membership(session, cluster=cluster, company=hub)

    def add(n):
        for _ in range(n):
            other = make_company(session)
            _link(session, link_types, hub, other)
            make_membership(session, cluster=cluster, company=other)
            meeting = make_meeting(session)
            meeting.companies = [hub, other]
            person = make_contact(session)
            make_affiliation(session, contact=person, company=hub)
            make_affiliation(session, contact=person, company=other)
        session.commit()

    def statements(cached: bool):
        if cached:
            assert view_of(session, NetworkFilter(), network_cache).graph  # as the ego page does
        else:
            cache.memory.clear()
        with count_queries() as seen:
            panel = panels.company_panel(session, hub.id)
        return len(seen), panel

    add(3)
    few_direct, panel = statements(cached=False)
    assert panel.total == 3
    few_cached, _panel = statements(cached=True)
    add(27)
    many_direct, panel = statements(cached=False)
    assert panel.source == "direct" and panel.total == 30
    many_cached, panel = statements(cached=True)
    assert panel.source == "cache" and panel.total == 30
    assert (many_direct, many_cached) == (few_direct, few_cached)
    assert many_cached == 1  # the graph's version, nothing else


def test_cluster_panel_ranks_members_at_once_and_follows_a_new_member(
    session, link_types, network_cache
):
    _hub, cluster = _district(session, link_types)
    make_membership(
        session,
        cluster=cluster,
        company=make_company(session, name="Gammelt Medlem"),
        joined_on=date(2015, 1, 1),
        left_on=date(2016, 1, 1),
    )
    session.commit()

    # No district graph in memory: the members' network is built from their own rows.
    panel = panels.cluster_panel(session, cluster.id)

    assert panel.ready and panel.total == 3  # the member who left is not counted
    rows = _by_name(panel)
    assert next(iter(rows)) == "Kjeller Innovasjon"  # link to IFE, person shared with NILU
    assert rows["IFE"]["link"] == 1 and rows["IFE"]["meeting"] == 1  # the IFE–NILU meeting
    assert rows["Kjeller Innovasjon"]["ties"] == 2
    assert {row["cluster"] for row in rows.values()} == {1}  # one cluster, not one per pair
    # The same figures as the district's graph gives.
    district = view_of(session, NetworkFilter(), network_cache)
    members = [row["id"] for row in panel.rows]
    assert g.member_rows(district.graph, members) == [
        {key: value for key, value in row.items() if key not in ("name", "kind")}
        for row in panel.rows
    ]

    make_membership(session, cluster=cluster, company=make_company(session, name="Nytt Medlem AS"))
    session.commit()
    assert "Nytt Medlem AS" in _by_name(panels.cluster_panel(session, cluster.id))


def test_member_rows_sum_ties_inside_the_group_only():
    import networkx as nx

    graph = nx.Graph()
    graph.add_edge(1, 2, weight=3.0, link_count=1, cluster_count=0, meeting_count=0)
    graph.add_edge(2, 3, weight=1.0, meeting_count=1)
    graph.add_edge(1, 9, weight=9.0, link_count=3)  # 9 is not a member

    rows = g.member_rows(graph, [1, 2, 3, 42])

    assert [(r["id"], r["weight"], r["ties"]) for r in rows] == [
        (2, 4.0, 2),
        (1, 3.0, 1),
        (3, 1.0, 1),
    ]
    assert rows[1]["link"] == 1 and rows[0]["meeting"] == 1
    assert g.neighbour_rows(graph, 1)[0] == {
        "id": 9,
        "weight": 9.0,
        "link": 3,
        "cluster": 0,
        "meeting": 0,
        "person": 0,
    }
    assert g.neighbour_rows(graph, 42) == []


def test_member_rows_count_shared_clusters_not_pairs():
    import networkx as nx

    graph = nx.Graph()
    both = [{"kind": "cluster", "id": 10, "name": "H2"}, {"kind": "cluster", "id": 11, "name": "S"}]
    for other in (2, 3, 4, 5):
        graph.add_edge(1, other, weight=2.0, cluster_count=2, reasons=both)
    graph.add_edge(1, 6, weight=1.0, meeting_count=1, reasons=[{"kind": "meeting", "id": 7}])

    rows = {row["id"]: row for row in g.member_rows(graph, [1, 2, 3, 4, 5, 6])}

    assert rows[1]["cluster"] == 2  # two clusters, shared with four members: not 8
    assert (rows[1]["ties"], rows[1]["meeting"], rows[2]["cluster"]) == (5, 1, 2)


def test_organisation_page_shows_its_strongest_ties_and_map(
    client, login, session, link_types, network_cache
):
    hub, _cluster = _district(session, link_types)
    lonely = make_company(session, name="Ensom AS")
    session.commit()
    login("reader")

    page = client.get(f"/companies/{hub.id}").get_data(as_text=True)
    # The page itself stays fast: it only names where its summary comes from.
    assert f'data-network-summary-url="/network/companies/{hub.id}/summary"' in page
    assert f'href="/network/companies/{hub.id}/ego"' in page
    assert "/static/js/network.js" in page

    html = client.get(f"/network/companies/{hub.id}/summary").get_data(as_text=True)
    assert 'class="table table-sm table-striped align-middle small network-panel-table"' in html
    assert html.index(">IFE</a>") < html.index(">NILU</a>") < html.index(">Ahus</a>")
    assert "Langt Unna AS" not in html
    assert f'data-graph-url="/network/companies/{hub.id}/ego.json?top=3"' in html
    alone = client.get(f"/network/companies/{lonely.id}/summary").get_data(as_text=True)
    assert 'id="network-map"' not in alone and "Ensom AS har ingen bånd ennå" in alone


def test_ego_json_top_keeps_the_strongest_direct_ties(
    client, login, session, link_types, network_cache
):
    hub, _cluster = _district(session, link_types)
    login("reader")

    data = client.get(f"/network/companies/{hub.id}/ego.json?top=2").get_json()

    assert sorted(node["attributes"]["label"] for node in data["nodes"]) == [
        "IFE",
        "Kjeller Innovasjon",
        "NILU",
    ]


def test_cluster_page_shows_the_members_network(client, login, session, link_types, network_cache):
    _hub, cluster = _district(session, link_types)
    login("reader")

    # The page fetches the members' ties after loading (they need the graph's version).
    page = client.get(f"/clusters/{cluster.id}").get_data(as_text=True)
    summary_url = f"/network/clusters/{cluster.id}/summary"
    assert f'data-network-summary-url="{summary_url}"' in page
    assert "network-panel-table" not in page
    # At once, with no district graph in memory: no "being computed, reload" notice.
    summary = client.get(summary_url).get_data(as_text=True)
    assert f'data-graph-url="/network/clusters/{cluster.id}/graph.json"' in summary
    assert "network-panel-table" in summary and ">Kjeller Innovasjon</a></th>" in summary
    assert client.get("/network/clusters/999999/summary").status_code == 404

    data = client.get(f"/network/clusters/{cluster.id}/graph.json").get_json()
    assert sorted(node["attributes"]["label"] for node in data["nodes"]) == [
        "IFE",
        "Kjeller Innovasjon",
        "NILU",
    ]
    assert len(data["edges"]) == 3
    # Laid out so that no member covers another.
    spots = [(node["attributes"]["x"], node["attributes"]["y"]) for node in data["nodes"]]
    assert len(set(spots)) == 3
    assert client.get("/network/clusters/999999/graph.json").status_code == 404
