"""Reads: the list with member counts, members by status and filters, counts by kind."""

from __future__ import annotations

from datetime import date, timedelta

from crm.clusters import queries
from crm.common.dates import local_today
from tests.factories import make_cluster, make_company, make_membership

TODAY = local_today()


def _names(members) -> list[str]:
    return [row.company_name for row in members.items]


def test_current_and_former_follow_the_left_date(session):
    cluster = make_cluster(session)
    for name, left in [
        ("A open", None),
        ("B leaves later", TODAY + timedelta(days=30)),
        ("C left today", TODAY),
        ("D left long ago", date(2020, 1, 1)),
    ]:
        make_membership(
            session, cluster=cluster, company=make_company(session, name=name), left_on=left
        )
    current = queries.cluster_members(
        session, cluster.id, filters=queries.MemberFilters(status="current")
    )
    former = queries.cluster_members(
        session, cluster.id, filters=queries.MemberFilters(status="former")
    )
    everyone = queries.cluster_members(
        session, cluster.id, filters=queries.MemberFilters(status="all")
    )
    assert _names(current) == ["A open", "B leaves later"]
    assert _names(former) == ["C left today", "D left long ago"]
    assert everyone.total == 4


def test_members_default_to_current_and_other_clusters_are_left_out(session):
    cluster = make_cluster(session)
    make_membership(session, cluster=cluster, company=make_company(session, name="Inne"))
    make_membership(session, cluster=cluster, left_on=date(2020, 1, 1))
    make_membership(session, company=make_company(session, name="Annen klynge"))
    assert _names(
        queries.cluster_members(session, cluster.id, filters=queries.MemberFilters())
    ) == ["Inne"]


def test_members_filtered_by_role_and_kind_of_organisation(session):
    cluster = make_cluster(session)
    ife = make_company(session, name="IFE", kind="research")
    nilu = make_company(session, name="NILU", kind="research")
    pon = make_company(session, name="Pon Equipment", kind="company")
    make_membership(session, cluster=cluster, company=ife, role="board")
    make_membership(session, cluster=cluster, company=nilu, role="member")
    make_membership(session, cluster=cluster, company=pon, role="board")
    board = queries.cluster_members(
        session, cluster.id, filters=queries.MemberFilters(status="all", role="board")
    )
    research = queries.cluster_members(
        session, cluster.id, filters=queries.MemberFilters(status="all", kind="research")
    )
    both = queries.cluster_members(
        session,
        cluster.id,
        filters=queries.MemberFilters(status="all", role="board", kind="research"),
    )
    assert _names(board) == ["IFE", "Pon Equipment"]
    assert _names(research) == ["IFE", "NILU"]
    assert _names(both) == ["IFE"]


def test_member_counts_by_kind_count_only_current_members(session):
    cluster = make_cluster(session)
    make_membership(session, cluster=cluster, company=make_company(session, kind="research"))
    make_membership(session, cluster=cluster, company=make_company(session, kind="research"))
    make_membership(session, cluster=cluster, company=make_company(session, kind="education"))
    make_membership(
        session, cluster=cluster, company=make_company(session, kind="public"), left_on=TODAY
    )
    make_membership(
        session,
        cluster=cluster,
        company=make_company(session, kind="public"),
        left_on=TODAY + timedelta(days=1),
    )
    assert queries.member_counts_by_kind(session, cluster.id) == {
        "education": 1,
        "public": 1,
        "research": 2,
    }


def test_list_clusters_counts_current_members_sorted_by_name(session):
    host = make_company(session, name="Kunnskapsbyen Lillestrøm")
    solar = make_cluster(session, name="Solenergiklyngen", facilitator=host)
    hydrogen = make_cluster(session, name="H2Cluster", kind="cluster")
    make_cluster(session, name="LUP", kind="programme")
    for _ in range(3):
        make_membership(session, cluster=solar)
    make_membership(session, cluster=solar, left_on=date(2020, 1, 1))
    make_membership(session, cluster=hydrogen)
    rows = queries.list_clusters(session, filters=queries.ClusterFilters())
    assert [(r.cluster.name, r.current_members) for r in rows] == [
        ("H2Cluster", 1),
        ("LUP", 0),
        ("Solenergiklyngen", 3),
    ]
    assert rows[2].cluster.facilitator.name == "Kunnskapsbyen Lillestrøm"


def test_list_clusters_filters_by_kind_and_ignores_unknown_kinds(session):
    make_cluster(session, name="H2Cluster", kind="cluster")
    make_cluster(session, name="Tømmerruta", kind="network")
    assert [
        r.cluster.name
        for r in queries.list_clusters(session, filters=queries.ClusterFilters(kind="network"))
    ] == ["Tømmerruta"]
    assert len(queries.list_clusters(session, filters=queries.ClusterFilters(kind="nonsense"))) == 2


def test_helix_check_flags_few_members_or_few_kinds():
    assert queries.helix_check({"research": 10, "company": 5}).flagged is False
    few_members = queries.helix_check({"research": 7, "company": 7})
    assert few_members.flagged and few_members.too_few_members and not few_members.too_few_kinds
    one_kind = queries.helix_check({"company": 20})
    assert one_kind.flagged and one_kind.too_few_kinds and not one_kind.too_few_members
    assert queries.helix_check({}).flagged
