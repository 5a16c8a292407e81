"""Rules for clusters and memberships, checked in the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import format_date
from sqlalchemy import select

from crm.clusters import services
from crm.clusters.models import Cluster, Membership
from crm.common.dates import local_today
from crm.common.errors import DomainError, StaleObjectError
from tests.factories import make_cluster, make_company, make_membership

ORGNR = "923609016"  # a valid organisation number (MOD11)
OTHER_ORGNR = "910000012"


def _refusal(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


# --- clusters ---------------------------------------------------------------------------------


def test_create_cluster_saves_the_facts_and_trims_the_name(session):
    host = make_company(session, name="Kunnskapsbyen Lillestrøm")
    cluster = services.create_cluster(
        session,
        name="  Solenergiklyngen ",
        kind="cluster",
        programme_level="nce",
        focus="Solenergi",
        website="https://solenergiklyngen.no",
        facilitator_id=host.id,
    )
    stored = session.get(Cluster, cluster.id)
    assert stored.name == "Solenergiklyngen"
    assert stored.programme_level == "nce"
    assert stored.facilitator_id == host.id
    assert stored.website == "https://solenergiklyngen.no"


def test_cluster_name_must_be_unique_whatever_the_case(session):
    make_cluster(session, name="H2Cluster")
    error = _refusal(services.create_cluster, session=session, name="h2cluster")
    assert error.field == "name"
    assert len(session.scalars(select(Cluster)).all()) == 1


def test_renaming_onto_another_cluster_is_refused_but_keeping_the_own_name_is_not(session):
    make_cluster(session, name="LUP")
    cluster = make_cluster(session, name="Tømmerruta")
    error = _refusal(
        services.update_cluster,
        session=session,
        cluster=cluster,
        version=cluster.version,
        name="LUP",
        kind="network",
        programme_level="none",
    )
    assert error.field == "name"
    services.update_cluster(
        session,
        cluster=cluster,
        version=cluster.version,
        name="Tømmerruta",
        kind="network",
        programme_level="none",
    )
    assert cluster.kind == "network"


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", "ftp://example.no", "www.example.no", "https://"]
)
def test_website_must_be_http_or_https(session, website):
    error = _refusal(services.create_cluster, session=session, name="Klynge", website=website)
    assert error.field == "website"
    assert session.scalars(select(Cluster)).all() == []


def test_unknown_kind_or_level_is_refused(session):
    assert _refusal(services.create_cluster, session=session, name="A", kind="club").field == "kind"
    error = _refusal(services.create_cluster, session=session, name="A", programme_level="x")
    assert error.field == "programme_level"


def test_facilitator_by_typed_organisation_number(session):
    host = make_company(session, org_number=ORGNR)
    cluster = services.create_cluster(session, name="Helsehub", facilitator_text="923 609 016")
    assert cluster.facilitator_id == host.id


def test_facilitator_by_exact_name_when_javascript_is_off(session):
    host = make_company(session, name="Kjeller Innovasjon")
    cluster = services.create_cluster(session, name="X", facilitator_text="kjeller innovasjon")
    assert cluster.facilitator_id == host.id


@pytest.mark.parametrize("typed", [OTHER_ORGNR, "923609015", "Ukjent AS"])
def test_unknown_facilitator_is_refused_beside_the_visible_field(session, typed):
    make_company(session, org_number=ORGNR)
    error = _refusal(services.create_cluster, session=session, name="X", facilitator_text=typed)
    assert error.field == "facilitator_name"
    assert session.scalars(select(Cluster)).all() == []


def test_unknown_facilitator_id_is_refused(session):
    error = _refusal(services.create_cluster, session=session, name="X", facilitator_id=999999)
    assert error.field == "facilitator_name"


def test_saving_over_a_newer_version_is_refused_and_nothing_changes(session):
    cluster = make_cluster(session, name="Solenergiklyngen")
    loaded = cluster.version
    cluster.focus = "Sol"
    session.flush()  # someone else saved in between
    with pytest.raises(StaleObjectError):
        services.update_cluster(
            session,
            cluster=cluster,
            version=loaded,
            name="Renamed",
            kind="cluster",
            programme_level="none",
        )
    assert cluster.name == "Solenergiklyngen"


# --- memberships ------------------------------------------------------------------------------


def test_add_membership_by_id(session):
    cluster = make_cluster(session)
    company = make_company(session)
    membership = services.add_membership(
        session,
        cluster=cluster,
        company_id=company.id,
        role="partner",
        joined_on=date(2022, 3, 1),
        note=" Stiftet klyngen ",
    )
    assert membership.company_id == company.id and membership.role == "partner"
    assert membership.note == "Stiftet klyngen"
    assert membership.left_on is None


def test_add_membership_by_typed_organisation_number(session):
    cluster = make_cluster(session)
    company = make_company(session, org_number=ORGNR)
    membership = services.add_membership(
        session, cluster=cluster, company_id=None, company_text=f"NO {ORGNR} MVA"
    )
    assert membership.company_id == company.id


@pytest.mark.parametrize(
    "kwargs",
    [
        {"company_id": 999999},
        {"company_id": None},
        {"company_id": None, "company_text": OTHER_ORGNR},
    ],
)
def test_unknown_or_missing_organisation_is_refused(session, kwargs):
    cluster = make_cluster(session)
    error = _refusal(services.add_membership, session=session, cluster=cluster, **kwargs)
    assert error.field == "company_name"
    assert session.scalars(select(Membership)).all() == []


def test_overlapping_membership_is_refused_naming_the_existing_dates(session):
    existing = make_membership(session, joined_on=date(2021, 1, 1), left_on=date(2023, 6, 30))
    error = _refusal(
        services.add_membership,
        session=session,
        cluster=existing.cluster,
        company_id=existing.company_id,
        joined_on=date(2023, 1, 1),
    )
    assert error.field == "company_name"  # the organisation is the choice to change
    assert format_date(date(2021, 1, 1), "short") in str(error.message)
    assert format_date(date(2023, 6, 30), "short") in str(error.message)
    assert len(session.scalars(select(Membership)).all()) == 1


def test_open_membership_overlaps_any_later_one(session):
    existing = make_membership(session, joined_on=date(2021, 1, 1))
    error = _refusal(
        services.add_membership,
        session=session,
        cluster=existing.cluster,
        company_id=existing.company_id,
        joined_on=date(2030, 1, 1),
    )
    assert error.field == "company_name"


def test_rejoining_after_leaving_is_allowed_and_so_is_another_cluster(session):
    existing = make_membership(session, joined_on=date(2019, 1, 1), left_on=date(2021, 1, 1))
    again = services.add_membership(
        session,
        cluster=existing.cluster,
        company_id=existing.company_id,
        joined_on=date(2021, 1, 1),
    )
    elsewhere = services.add_membership(
        session, cluster=make_cluster(session), company_id=existing.company_id
    )
    assert again.id and elsewhere.id


def test_an_earlier_period_that_ends_before_the_existing_one_is_allowed(session):
    existing = make_membership(session, joined_on=date(2022, 1, 1))
    earlier = services.add_membership(
        session,
        cluster=existing.cluster,
        company_id=existing.company_id,
        joined_on=date(2018, 1, 1),
        left_on=date(2020, 1, 1),
    )
    assert earlier.left_on == date(2020, 1, 1)


def test_left_before_joined_is_refused_beside_the_left_field(session):
    cluster = make_cluster(session)
    company = make_company(session)
    error = _refusal(
        services.add_membership,
        session=session,
        cluster=cluster,
        company_id=company.id,
        joined_on=date(2022, 5, 1),
        left_on=date(2022, 4, 30),
    )
    assert error.field == "left_on"
    assert session.scalars(select(Membership)).all() == []


def test_unknown_role_is_refused(session):
    cluster = make_cluster(session)
    company = make_company(session)
    error = _refusal(
        services.add_membership, session=session, cluster=cluster, company_id=company.id, role="x"
    )
    assert error.field == "role"


def test_ending_a_membership_keeps_it_as_history(session):
    membership = make_membership(session, joined_on=date(2021, 1, 1))
    services.end_membership(session, membership=membership, left_on=date(2024, 12, 31))
    session.expire_all()
    stored = session.get(Membership, membership.id)
    assert stored.left_on == date(2024, 12, 31)
    assert stored.joined_on == date(2021, 1, 1)
    assert not stored.current


def test_ending_defaults_to_today(session):
    membership = make_membership(session, joined_on=date(2021, 1, 1))
    services.end_membership(session, membership=membership)
    assert membership.left_on == local_today()


def test_ending_before_joined_is_refused(session):
    membership = make_membership(session, joined_on=date(2023, 1, 1))
    error = _refusal(
        services.end_membership, session=session, membership=membership, left_on=date(2022, 1, 1)
    )
    assert error.field == "left_on"
    assert membership.left_on is None


def test_ending_a_membership_that_already_ended_is_refused(session):
    membership = make_membership(session, joined_on=date(2020, 1, 1), left_on=date(2021, 1, 1))
    error = _refusal(
        services.end_membership, session=session, membership=membership, left_on=date(2022, 1, 1)
    )
    assert error.field == "left_on"
    assert membership.left_on == date(2021, 1, 1)


def test_a_planned_end_in_the_future_can_be_brought_forward(session):
    membership = make_membership(
        session, joined_on=date(2020, 1, 1), left_on=local_today() + timedelta(days=90)
    )
    services.end_membership(session, membership=membership, left_on=local_today())
    assert membership.left_on == local_today()


def test_update_membership_changes_role_and_dates(session):
    membership = make_membership(session, joined_on=date(2021, 1, 1))
    services.update_membership(
        session,
        membership=membership,
        version=membership.version,
        role="board",
        joined_on=date(2020, 6, 1),
        left_on=None,
        note="Styreleder",
    )
    assert (membership.role, membership.joined_on, membership.note) == (
        "board",
        date(2020, 6, 1),
        "Styreleder",
    )


def test_update_membership_may_not_overlap_another_of_the_same_organisation(session):
    first = make_membership(session, joined_on=date(2018, 1, 1), left_on=date(2019, 1, 1))
    second = make_membership(
        session, cluster=first.cluster, company=first.company, joined_on=date(2020, 1, 1)
    )
    error = _refusal(
        services.update_membership,
        session=session,
        membership=second,
        version=second.version,
        role="member",
        joined_on=date(2018, 6, 1),
        left_on=None,
    )
    assert error.field == "joined_on"
    assert second.joined_on == date(2020, 1, 1)


def test_update_membership_refuses_left_before_joined_and_stale_versions(session):
    membership = make_membership(session, joined_on=date(2021, 1, 1))
    error = _refusal(
        services.update_membership,
        session=session,
        membership=membership,
        version=membership.version,
        role="member",
        joined_on=date(2021, 1, 1),
        left_on=date(2020, 1, 1),
    )
    assert error.field == "left_on"
    with pytest.raises(StaleObjectError):
        services.update_membership(
            session,
            membership=membership,
            version=membership.version + 1,
            role="board",
            joined_on=None,
            left_on=None,
        )
    assert membership.role == "member"


def test_delete_membership_removes_it(session):
    membership = make_membership(session)
    keep = make_membership(session, cluster=membership.cluster)
    services.delete_membership(session, membership=membership)
    assert session.scalars(select(Membership)).all() == [keep]


def test_typed_text_naming_another_organisation_wins_over_a_stale_hidden_id(session):
    old_host = make_company(session, name="Kjeller Innovasjon")
    new_host = make_company(session, name="Kunnskapsbyen Lillestrøm", org_number=ORGNR)
    same = services.create_cluster(
        session, name="A", facilitator_id=old_host.id, facilitator_text="Kjeller Innovasjon"
    )
    changed = services.create_cluster(
        session, name="B", facilitator_id=old_host.id, facilitator_text=ORGNR
    )
    assert same.facilitator_id == old_host.id
    assert changed.facilitator_id == new_host.id
