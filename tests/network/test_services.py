"""Rules for links and link types."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.common.errors import DomainError, StaleObjectError
from crm.network import services
from crm.network.models import CollaborationLink, LinkType
from tests.factories import make_company


def _link(session, pair, link_types, **overrides):
    a, b = pair
    values = {
        "company_id": a.id,
        "other_id": b.id,
        "other_name": None,
        "link_type_id": link_types["project"].id,
    }
    values.update(overrides)
    return services.create_link(session, **values)


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(CollaborationLink))


def test_seed_link_types_is_idempotent(session):
    first = services.seed_link_types(session)
    second = services.seed_link_types(session)
    keys = [t.key for t in first]
    assert keys == [
        "project",
        "partnership",
        "research_collaboration",
        "supplier",
        "customer",
        "spin_off",
        "ownership",
        "other",
    ]
    assert [t.id for t in first] == [t.id for t in second]
    assert session.scalar(select(func.count()).select_from(LinkType)) == 8


def test_undirected_link_is_stored_with_the_smaller_id_first(session, pair, link_types):
    a, b = pair
    link = _link(session, pair, link_types, company_id=b.id, other_id=a.id, evidence=" avtale ")
    assert (link.source_id, link.target_id, link.directed) == (a.id, b.id, False)
    assert link.evidence == "avtale"


def test_directed_link_keeps_its_direction(session, pair, link_types):
    a, b = pair
    link = _link(
        session,
        pair,
        link_types,
        company_id=b.id,
        other_id=a.id,
        link_type_id=link_types["supplier"].id,
        direction="outgoing",
    )
    assert (link.source_id, link.target_id, link.directed) == (b.id, a.id, True)
    incoming = _link(
        session,
        pair,
        link_types,
        company_id=b.id,
        other_id=a.id,
        link_type_id=link_types["ownership"].id,
        direction="incoming",
    )
    assert (incoming.source_id, incoming.target_id) == (a.id, b.id)


def test_other_organisation_by_organisation_number_typed_without_js(session, pair, link_types):
    a, b = pair
    link = _link(
        session, pair, link_types, company_id=b.id, other_id=None, other_name="923 609 016"
    )
    assert {link.source_id, link.target_id} == {a.id, b.id}


@pytest.mark.parametrize(
    "other_id,other_name",
    [(999_999, None), (None, "Finnes Ikke AS"), (None, ""), (None, "923609017")],
)
def test_unknown_other_organisation_is_refused(session, pair, link_types, other_id, other_name):
    with pytest.raises(DomainError) as refused:
        _link(session, pair, link_types, other_id=other_id, other_name=other_name)
    assert refused.value.field == "other_name"
    assert _count(session) == 0


def test_unknown_own_organisation_is_refused(session, pair, link_types):
    with pytest.raises(DomainError, match="Organisasjonen ble ikke funnet"):
        _link(session, pair, link_types, company_id=999_999)


def test_link_to_itself_is_refused(session, pair, link_types):
    a, _ = pair
    with pytest.raises(DomainError) as refused:
        _link(session, pair, link_types, other_id=a.id)
    assert refused.value.field == "other_name"
    assert "seg selv" in str(refused.value.message)


def test_end_before_start_is_refused(session, pair, link_types):
    with pytest.raises(DomainError) as refused:
        _link(session, pair, link_types, start_date=date(2023, 5, 1), end_date=date(2023, 4, 30))
    assert refused.value.field == "end_date"
    assert _count(session) == 0


def test_missing_or_inactive_link_type_is_refused(session, pair, link_types):
    with pytest.raises(DomainError) as refused:
        _link(session, pair, link_types, link_type_id=None)
    assert refused.value.field == "link_type_id"
    services.deactivate_link_type(session, link_type=link_types["other"])
    with pytest.raises(DomainError, match="Denne typen kobling er ikke lenger i bruk"):
        _link(session, pair, link_types, link_type_id=link_types["other"].id)


def test_duplicate_of_same_type_and_overlapping_period_is_refused(session, pair, link_types):
    a, b = pair
    _link(session, pair, link_types, start_date=date(2020, 1, 1), end_date=date(2021, 12, 31))
    with pytest.raises(DomainError) as refused:
        # Seen from the other side, still the same pair.
        _link(
            session, pair, link_types, company_id=b.id, other_id=a.id, start_date=date(2021, 6, 1)
        )
    assert refused.value.field == "link_type_id"
    # Another period, or another type, is a different link.
    _link(session, pair, link_types, start_date=date(2022, 1, 1))
    _link(session, pair, link_types, link_type_id=link_types["partnership"].id)
    assert _count(session) == 3


def test_open_ended_links_of_the_same_type_overlap(session, pair, link_types):
    _link(session, pair, link_types)
    with pytest.raises(DomainError, match="har allerede en kobling av denne typen i samme periode"):
        _link(session, pair, link_types, start_date=date(1990, 1, 1), end_date=date(1990, 2, 1))


def test_update_link_changes_type_period_and_direction(session, pair, link_types):
    a, b = pair
    link = _link(session, pair, link_types)
    services.update_link(
        session,
        link=link,
        seen_from=b.id,
        link_type_id=link_types["supplier"].id,
        direction="outgoing",
        start_date=date(2021, 1, 1),
        end_date=None,
        evidence="Kontrakt",
        note="",
        version=link.version,
    )
    assert (link.source_id, link.target_id, link.directed) == (b.id, a.id, True)
    assert link.link_type_id == link_types["supplier"].id
    assert link.start_date == date(2021, 1, 1)


def test_update_link_refuses_a_stale_form_and_a_duplicate(session, pair, link_types):
    link = _link(session, pair, link_types)
    other = _link(session, pair, link_types, link_type_id=link_types["partnership"].id)
    common = {
        "seen_from": pair[0].id,
        "direction": "none",
        "start_date": None,
        "end_date": None,
        "evidence": "",
        "note": "",
    }
    with pytest.raises(StaleObjectError):
        services.update_link(
            session,
            link=link,
            link_type_id=link_types["project"].id,
            version=link.version + 1,
            **common,
        )
    with pytest.raises(DomainError) as refused:
        services.update_link(
            session,
            link=other,
            link_type_id=link_types["project"].id,
            version=other.version,
            **common,
        )
    assert refused.value.field == "link_type_id"


def test_end_link_keeps_it_as_history_and_refuses_an_end_before_start(session, pair, link_types):
    link = _link(session, pair, link_types, start_date=date(2022, 3, 1))
    with pytest.raises(DomainError) as refused:
        services.end_link(session, link=link, end_date=date(2022, 2, 1), version=link.version)
    assert refused.value.field == "end_date"
    assert link.end_date is None
    services.end_link(session, link=link, end_date=date(2023, 3, 1), version=link.version)
    assert link.end_date == date(2023, 3, 1)
    assert _count(session) == 1


def test_delete_link(session, pair, link_types):
    link = _link(session, pair, link_types)
    services.delete_link(session, link=link)
    assert _count(session) == 0


def test_link_type_admin_rules(session, link_types):
    made = services.create_link_type(session, name="Felles søknad")
    assert made.key == "felles_s_knad" and made.active
    again = services.create_link_type(session, name="Felles-søknad")
    assert again.key != made.key
    with pytest.raises(DomainError) as refused:
        services.create_link_type(session, name="prosjekt")
    assert refused.value.field == "name"
    with pytest.raises(DomainError, match="Gi koblingstypen et navn"):
        services.create_link_type(session, name="  ")
    services.update_link_type(
        session,
        link_type=made,
        name="Felles søknad (EU)",
        position=3,
        active=False,
        version=made.version,
    )
    assert (made.name, made.position, made.active, made.key) == (
        "Felles søknad (EU)",
        3,
        False,
        "felles_s_knad",
    )
    with pytest.raises(DomainError, match="Det finnes allerede en koblingstype som heter Prosjekt"):
        services.update_link_type(
            session,
            link_type=made,
            name="Prosjekt",
            position=3,
            active=True,
            version=made.version,
        )


def test_organisations_are_not_half_saved_on_refusal(session, link_types):
    a = make_company(session)
    with pytest.raises(DomainError, match="En organisasjon kan ikke kobles til seg selv"):
        services.create_link(
            session,
            company_id=a.id,
            other_id=a.id,
            other_name=None,
            link_type_id=link_types["project"].id,
        )
    assert _count(session) == 0
