"""Writes about people: validation, normalisation, duplicates, affiliations and the export."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.common.dates import local_today
from crm.common.errors import DomainError, StaleObjectError
from crm.contacts import services
from crm.contacts.models import Affiliation, Contact
from tests.factories import make_affiliation, make_company, make_contact, make_meeting


def affiliate(session, contact, company=None, **overrides):
    """An affiliation of `contact` (by id: make_affiliation would make a stray person otherwise)."""
    company = company or make_company(session)
    return make_affiliation(session, contact_id=contact.id, company_id=company.id, **overrides)


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("22 22 22 22", "+4722222222"),
        ("412 34 567", "+4741234567"),
        ("+47 412 34 567", "+4741234567"),
        ("0047 22222222", "+4722222222"),
        ("+46 8 123 456 78", "+46812345678"),  # Swedish stays Swedish
    ],
)
def test_phone_is_stored_in_e164_with_norway_as_default(typed, stored):
    assert services.normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["123", "22 22 22", "not a number", "+47 1"])
def test_invalid_phone_is_refused_beside_the_phone_field(typed):
    with pytest.raises(DomainError) as caught:
        services.normalise_phone(typed)
    assert caught.value.field == "phone"
    assert "not a valid phone number" in str(caught.value.message)


def test_empty_phone_and_email_are_stored_as_nothing():
    assert services.normalise_phone("  ") is None
    assert services.normalise_email("") is None


def test_email_is_normalised():
    assert services.normalise_email("  Ola.Nordmann@Example.NO ") == "Ola.Nordmann@example.no"


@pytest.mark.parametrize("typed", ["not-an-email", "ola@", "ola@@example.no", "ola example.no"])
def test_invalid_email_is_refused_beside_the_email_field(typed):
    with pytest.raises(DomainError) as caught:
        services.normalise_email(typed)
    assert caught.value.field == "email"


def test_create_contact_stores_normalised_values(session):
    contact = services.create_contact(
        session, name="  Kari Nordmann ", email="Kari@IFE.no", phone="22 22 22 22", notes=""
    )
    session.commit()
    stored = session.get(Contact, contact.id)
    assert (stored.name, stored.email, stored.phone) == (
        "Kari Nordmann",
        "Kari@ife.no",
        "+4722222222",
    )


def test_invalid_phone_saves_nothing(session):
    with pytest.raises(DomainError, match="Dette er ikke et gyldig telefonnummer"):
        services.create_contact(session, name="Kari", email="kari@ife.no", phone="123")
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_duplicate_email_is_refused_and_names_the_other_person(session):
    other = make_contact(session, name="Ola Hansen", email="ola@nilu.no")
    with pytest.raises(services.DuplicateEmailError) as caught:
        services.create_contact(session, name="Ola H.", email="OLA@nilu.NO", phone=None)
    error = caught.value
    assert error.field == "email" and error.other.id == other.id
    assert "Ola Hansen" in str(error.message)
    assert f"/contacts/{other.id}" in str(error.message)


def test_updating_a_person_may_keep_their_own_email(session):
    contact = make_contact(session, email="kari@ife.no")
    services.update_contact(
        session,
        contact=contact,
        version=contact.version,
        name="Kari Nordmann",
        email="kari@ife.no",
        phone="+46 8 123 456 78",
    )
    assert contact.phone == "+46812345678" and contact.name == "Kari Nordmann"


def test_updating_to_another_persons_email_is_refused(session):
    make_contact(session, email="ola@nilu.no")
    contact = make_contact(session, email="kari@ife.no")
    with pytest.raises(services.DuplicateEmailError):
        services.update_contact(
            session,
            contact=contact,
            version=contact.version,
            name="K",
            email="ola@nilu.no",
            phone=None,
        )


def test_update_over_a_newer_version_is_refused(session):
    contact = make_contact(session, name="Kari")
    loaded_version = contact.version
    contact.name = "Kari (changed by someone else)"
    session.flush()
    with pytest.raises(StaleObjectError):
        services.update_contact(
            session, contact=contact, version=loaded_version, name="Mine", email=None, phone=None
        )
    assert contact.name == "Kari (changed by someone else)"


# --- affiliations --------------------------------------------------------------------------


def test_affiliation_by_company_id(session):
    contact = make_contact(session)
    company = make_company(session, name="IFE")
    affiliation = services.add_affiliation(
        session, contact=contact, company_id=str(company.id), title="Forsker"
    )
    assert affiliation.company_id == company.id and affiliation.title == "Forsker"
    assert [a.id for a in contact.affiliations] == [affiliation.id]


def test_affiliation_by_typed_organisation_number_without_javascript(session):
    contact = make_contact(session)
    company = make_company(session, name="NILU", org_number="923609016")
    affiliation = services.add_affiliation(
        session, contact=contact, company_id="", company_text="923 609 016"
    )
    assert affiliation.company_id == company.id


@pytest.mark.parametrize(
    "company_id,text",
    [("999999", ""), ("abc", ""), ("", "923609016"), ("", "Ukjent AS"), ("", "")],
)
def test_unknown_organisation_is_refused_beside_the_field(session, company_id, text):
    contact = make_contact(session)
    with pytest.raises(DomainError) as caught:
        services.add_affiliation(session, contact=contact, company_id=company_id, company_text=text)
    assert caught.value.field == "company"
    assert session.scalar(select(func.count()).select_from(Affiliation)) == 0


def test_end_before_start_is_refused_beside_the_end_date(session):
    contact = make_contact(session)
    company = make_company(session)
    with pytest.raises(DomainError) as caught:
        services.add_affiliation(
            session,
            contact=contact,
            company_id=company.id,
            start_date=date(2022, 5, 1),
            end_date=date(2022, 4, 30),
        )
    assert caught.value.field == "end_date"


def test_setting_primary_unsets_the_persons_other_primary(session):
    contact = make_contact(session)
    first = affiliate(session, contact, primary=True)
    unrelated = make_affiliation(session, primary=True)  # another person's primary stays
    second = services.add_affiliation(
        session, contact=contact, company_id=make_company(session).id, primary=True
    )
    session.commit()
    session.refresh(first)
    session.refresh(unrelated)
    assert second.primary and not first.primary and unrelated.primary
    primaries = session.scalars(
        select(Affiliation).where(Affiliation.contact_id == contact.id, Affiliation.primary)
    ).all()
    assert [a.id for a in primaries] == [second.id]


def test_an_ended_affiliation_cannot_be_made_primary(session):
    contact = make_contact(session)
    with pytest.raises(DomainError) as caught:
        services.add_affiliation(
            session,
            contact=contact,
            company_id=make_company(session).id,
            end_date=local_today() - timedelta(days=1),
            primary=True,
        )
    assert caught.value.field == "primary"


def test_ending_keeps_the_affiliation_as_history(session):
    affiliation = make_affiliation(session, start_date=date(2020, 1, 1))
    services.end_affiliation(session, affiliation=affiliation, end_date=date(2023, 6, 30))
    session.commit()
    session.refresh(affiliation)
    assert affiliation.end_date == date(2023, 6, 30) and not affiliation.current


def test_ending_before_the_start_is_refused(session):
    affiliation = make_affiliation(session, start_date=date(2020, 1, 1))
    with pytest.raises(DomainError) as caught:
        services.end_affiliation(session, affiliation=affiliation, end_date=date(2019, 12, 31))
    assert caught.value.field == "end_date"
    assert affiliation.end_date is None


def test_an_ended_affiliation_cannot_be_ended_again(session):
    affiliation = make_affiliation(session, end_date=date(2021, 1, 1))
    with pytest.raises(DomainError, match="Denne tilknytningen er allerede avsluttet"):
        services.end_affiliation(session, affiliation=affiliation, end_date=date(2022, 1, 1))


def test_removing_deletes_the_affiliation(session):
    affiliation = make_affiliation(session)
    contact = affiliation.contact
    services.remove_affiliation(session, affiliation=affiliation)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Affiliation)) == 0
    assert contact.affiliations == []


# --- GDPR ------------------------------------------------------------------------------------


def test_export_holds_the_person_affiliations_and_meetings(session):
    contact = make_contact(session, name="Kari", email="kari@ife.no", phone="+4722222222")
    company = make_company(session, name="IFE", org_number="923609016")
    affiliate(session, contact, company, title="Forsker")
    make_meeting(
        session,
        title="Besøk på Kjeller",
        starts_at=datetime(2024, 3, 5, 9, tzinfo=UTC),
        contacts=[contact],
        companies=[company],
    )
    make_meeting(session, title="Møte uten Kari")
    data = services.export_contact_data(session, contact=contact)
    assert data["person"]["email"] == "kari@ife.no"
    assert data["affiliations"][0]["organisation"] == "IFE"
    assert data["affiliations"][0]["title"] == "Forsker"
    assert [m["title"] for m in data["meetings"]] == ["Besøk på Kjeller"]
    assert data["meetings"][0]["organisations"] == ["IFE"]
    assert data["meetings"][0]["date"].startswith("2024-03-05")
