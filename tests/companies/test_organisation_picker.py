"""One organisation picker behind every type-ahead field: the same input gets the same answer."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date

import pytest
from flask_babel import force_locale

from crm.clusters import services as cluster_services
from crm.common.errors import DomainError
from crm.companies.models import Company
from crm.contacts import services as contact_services
from crm.establishments import services as establishment_services
from crm.network import services as network_services
from crm.network.models import LinkType
from tests.establishments.helpers import seed
from tests.factories import make_cluster, make_company, make_contact

_counter = itertools.count(1)


def _affiliation(session, company_id, typed) -> Company:
    contact = make_contact(session)
    return contact_services.add_affiliation(
        session, contact=contact, company_id=company_id, company_text=typed
    ).company


def _case(session, company_id, typed) -> Company:
    seed(session)
    return establishment_services.create_case(
        session, company_id=company_id, company_text=typed, opened_on=date(2025, 3, 1)
    ).company


def _membership(session, company_id, typed) -> Company:
    return cluster_services.add_membership(
        session, cluster=make_cluster(session), company_id=company_id, company_text=typed
    ).company


def _facilitator(session, company_id, typed) -> Company:
    return cluster_services.create_cluster(
        session,
        name=f"Solenergiklyngen {next(_counter)}",
        facilitator_id=company_id,
        facilitator_text=typed,
    ).facilitator


def _link(session, company_id, typed) -> Company:
    n = next(_counter)
    link_type = LinkType(key=f"project_{n}", name=f"Prosjekt {n}")
    session.add(link_type)
    hub = make_company(session, name="Kunnskapsbyen Lillestrøm")
    link = network_services.create_link(
        session, company_id=hub.id, other_id=company_id, other_name=typed, link_type_id=link_type.id
    )
    return link.target if link.source_id == hub.id else link.source


# Every form with an organisation type-ahead, through its service.
PICKERS: dict[str, Callable] = {
    "person's affiliation": _affiliation,
    "establishment case": _case,
    "cluster membership": _membership,
    "cluster facilitator": _facilitator,
    "collaboration link": _link,
}


@pytest.fixture(params=list(PICKERS), ids=list(PICKERS))
def pick(request) -> Callable:
    return PICKERS[request.param]


def _refusal(session, pick, company_id, typed) -> str:
    with pytest.raises(DomainError) as refused:
        pick(session, company_id, typed)
    session.rollback()
    with force_locale("en"):
        return str(refused.value.message)


def test_without_javascript_an_exact_name_or_an_organisation_number_finds_it(session, pick):
    ife = make_company(session, name="Institutt for energiteknikk", org_number="959412561")
    assert pick(session, None, "institutt for energiteknikk") == ife
    assert pick(session, "", "959 412 561") == ife


def test_the_chosen_id_wins_unless_the_field_names_another_organisation(session, pick):
    nilu = make_company(session, name="NILU", org_number="923609016")
    assert pick(session, nilu.id, "NILU") == nilu
    assert pick(session, str(nilu.id), "") == nilu
    # A hidden id that is no number is no choice: the typed name decides.
    assert pick(session, "abc", "NILU") == nilu


@pytest.mark.parametrize(
    "company_id,typed,message",
    [
        (None, "Ukjent AS", "No organisation called Ukjent AS was found."),
        (None, "923609016", "No organisation with organisation number 923609016 is registered."),
        (None, "923609017", "923609017 is not a valid organisation number."),
        # Beyond PostgreSQL's integer range: refused like any unknown id, not a server error.
        (2**31, "", "The chosen organisation was not found."),
        (2**63, "", "The chosen organisation was not found."),
    ],
)
def test_every_picker_refuses_the_same_input_with_the_same_message(
    session, company_id, typed, message
):
    messages = {name: _refusal(session, pick, company_id, typed) for name, pick in PICKERS.items()}
    assert all(text.startswith(message) for text in messages.values()), messages
