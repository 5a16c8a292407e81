"""Organisation rules: organisation numbers, parents, websites, versions; places and sectors."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from crm.common.errors import DomainError, StaleObjectError
from crm.companies import services
from crm.companies.models import Company, Place
from tests.factories import make_company, make_place, make_sector


def _english(message) -> str:
    """The message as an English-speaking user reads it (the catalogue may translate it)."""
    with force_locale("en"):
        return str(message)


def _count(session) -> int:
    return session.scalar(select(func.count(Company.id)))


def test_create_accepts_a_spaced_organisation_number_and_stores_digits(session):
    company = services.create_company(session, name="  Registerenheten  ", org_number="974 760 673")
    assert company.org_number == "974760673"
    assert company.name == "Registerenheten"
    assert company.kind == "company" and company.register_status == "active"


def test_create_without_organisation_number_stores_none(session):
    assert services.create_company(session, name="Planlagt AS", org_number="  ").org_number is None


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("974760674", "check digit is wrong"),
        ("97476067", "must have 9 digits, not 8"),
        ("9747606731", "must have 9 digits, not 10"),
        ("97476067x", "may only contain digits"),
        ("100000130", "no check digit fits"),
    ],
)
def test_invalid_organisation_number_is_refused_with_what_is_wrong(session, typed, expected):
    with pytest.raises(DomainError) as raised:
        services.create_company(session, name="Feil AS", org_number=typed)
    assert raised.value.field == "org_number"
    assert expected in _english(raised.value.message)
    assert _count(session) == 0


def test_duplicate_organisation_number_names_the_organisation_that_has_it(session):
    other = make_company(session, name="Akershus Energi AS", org_number="974760673")
    with pytest.raises(services.DuplicateOrgNumberError) as raised:
        services.create_company(session, name="Kopi AS", org_number="974 760 673")
    error = raised.value
    assert error.field == "org_number"
    assert error.company_id == other.id and error.company_name == "Akershus Energi AS"
    assert "Akershus Energi AS" in _english(error.message)
    assert _count(session) == 1


def test_update_may_keep_its_own_organisation_number(session):
    company = make_company(session, org_number="974760673")
    services.update_company(
        session, company=company, version=company.version, name="Nytt navn", org_number="974760673"
    )
    assert company.name == "Nytt navn" and company.org_number == "974760673"


def test_update_to_another_organisations_number_is_refused_and_nothing_changes(session):
    make_company(session, name="Equinor ASA", org_number="923609016")
    company = make_company(session, name="Liten AS", org_number="974760673")
    with pytest.raises(services.DuplicateOrgNumberError):
        services.update_company(
            session,
            company=company,
            version=company.version,
            name="Endret AS",
            org_number="923609016",
        )
    assert company.name == "Liten AS" and company.org_number == "974760673"


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("www.ife.no", "https://www.ife.no"),
        ("nilu.no/en", "https://nilu.no/en"),
        ("HTTP://Kjeller.no", "http://Kjeller.no"),
        ("https://ahus.no:8443/x", "https://ahus.no:8443/x"),
        ("", None),
    ],
)
def test_website_is_normalised_to_http_or_https(session, typed, stored):
    assert services.create_company(session, name="Nett AS", website=typed).website == stored


@pytest.mark.parametrize(
    "typed",
    ["javascript:alert(1)", "ftp://files.example.no", "data:text/html,hi", "not a web site", "x"],
)
def test_website_that_is_not_http_is_refused(session, typed):
    with pytest.raises(DomainError) as raised:
        services.create_company(session, name="Nett AS", website=typed)
    assert raised.value.field == "website"


def test_negative_employees_are_refused_and_none_means_not_reported(session):
    with pytest.raises(DomainError) as raised:
        services.create_company(session, name="Minus AS", employees=-1)
    assert raised.value.field == "employees"
    assert services.create_company(session, name="Ukjent AS", employees=None).employees is None
    assert services.create_company(session, name="Null AS", employees=0).employees == 0


@pytest.mark.parametrize("field", ["postcode", "municipality_number"])
def test_postcode_and_municipality_number_need_four_digits(session, field):
    with pytest.raises(DomainError) as raised:
        services.create_company(session, name="Adresse AS", **{field: "200"})
    assert raised.value.field == field
    assert getattr(services.create_company(session, name="Ok AS", **{field: "2000"}), field)


def test_unknown_kind_status_or_standard_is_refused(session):
    for field, value in [
        ("kind", "bank"),
        ("register_status", "sleeping"),
        ("industry_standard", "NACE"),
    ]:
        with pytest.raises(DomainError) as raised:
            services.create_company(session, name="Rar AS", **{field: value})
        assert raised.value.field == field


def test_over_long_text_is_refused(session):
    with pytest.raises(DomainError) as raised:
        services.create_company(session, name="X" * 301)
    assert raised.value.field == "name"


def test_name_is_required(session):
    with pytest.raises(DomainError) as raised:
        services.create_company(session, name="   ")
    assert raised.value.field == "name"


def test_place_and_sectors_are_saved_and_unknown_ones_refused(session):
    place = make_place(session, name="Kjeller")
    energy, health = make_sector(session, name="Energi"), make_sector(session, name="Helse")
    company = services.create_company(
        session, name="IFE", place_id=place.id, sector_ids=[energy.id, health.id]
    )
    assert company.place is place and {s.name for s in company.sectors} == {"Energi", "Helse"}
    with pytest.raises(DomainError) as raised:
        services.create_company(session, name="Feil", sector_ids=[energy.id, 999999])
    assert raised.value.field == "sector_ids"
    with pytest.raises(DomainError) as raised:
        services.create_company(session, name="Feil", place_id=999999)
    assert raised.value.field == "place_id"


def test_a_company_cannot_be_its_own_parent(session):
    company = make_company(session)
    with pytest.raises(DomainError) as raised:
        services.update_company(
            session, company=company, version=company.version, parent_id=company.id
        )
    assert raised.value.field == "parent_id"
    assert company.parent_id is None


def test_a_parent_below_the_company_would_make_a_loop_and_is_refused(session):
    top = make_company(session, name="Konsern AS")
    middle = make_company(session, name="Datter AS", parent_id=top.id)
    bottom = make_company(session, name="Barnebarn AS", parent_id=middle.id)
    with pytest.raises(DomainError) as raised:
        services.update_company(session, company=top, version=top.version, parent_id=bottom.id)
    assert raised.value.field == "parent_id"
    assert "Barnebarn AS" in _english(raised.value.message)
    assert top.parent_id is None


def test_unknown_parent_is_refused_and_a_real_one_accepted(session):
    with pytest.raises(DomainError) as raised:
        services.create_company(session, name="Foreldreløs", parent_id=999999)
    assert raised.value.field == "parent_id"
    parent = make_company(session)
    assert services.create_company(session, name="Datter", parent_id=parent.id).parent is parent


def test_update_keeps_values_not_given(session):
    sector = make_sector(session)
    company = services.create_company(
        session, name="Beholdt AS", org_number="974760673", sector_ids=[sector.id], employees=12
    )
    services.update_company(session, company=company, version=company.version, name="Nytt AS")
    assert company.org_number == "974760673" and company.employees == 12
    assert company.sectors == [sector]


def test_update_refused_by_a_rule_changes_nothing(session):
    sector = make_sector(session)
    company = make_company(session, name="Uendret AS")
    with pytest.raises(DomainError, match="Nettstedet må være en http- eller https-adresse"):
        services.update_company(
            session,
            company=company,
            version=company.version,
            name="Endret AS",
            sector_ids=[sector.id],
            website="javascript:alert(1)",
        )
    session.commit()
    session.expire_all()
    stored = session.get(Company, company.id)
    assert stored.name == "Uendret AS" and stored.sectors == [] and stored.website is None


def test_saving_over_a_newer_version_is_refused_and_nothing_saved(session):
    company = make_company(session, name="Versjon AS")
    session.commit()
    loaded_version = company.version
    services.update_company(session, company=company, version=loaded_version, name="Først AS")
    session.commit()
    with pytest.raises(StaleObjectError):
        services.update_company(session, company=company, version=loaded_version, name="Sist AS")
    session.rollback()
    assert session.get(Company, company.id).name == "Først AS"


def test_place_names_are_unique_whatever_the_case(session):
    services.create_place(session, name="Kjeller", growth_area=True, position=1)
    with pytest.raises(DomainError) as raised:
        services.create_place(session, name=" kjeller ")
    assert raised.value.field == "name" and "kjeller" in _english(raised.value.message)
    assert session.scalar(select(func.count(Place.id))) == 1


def test_place_update_keeps_its_own_name_but_not_anothers(session):
    make_place(session, name="Berger")
    heia = make_place(session, name="Heia")
    services.update_place(
        session, place=heia, version=heia.version, name="Heia", growth_area=True, position=3
    )
    assert heia.growth_area and heia.position == 3
    with pytest.raises(DomainError, match="Berger finnes allerede"):
        services.update_place(
            session, place=heia, version=heia.version, name="Berger", growth_area=True, position=3
        )


def test_place_update_over_a_newer_version_is_refused(session):
    place = make_place(session, name="Strømmen")
    session.commit()
    with pytest.raises(StaleObjectError):
        services.update_place(
            session, place=place, version=place.version - 1, name="X", growth_area=False, position=0
        )
    assert place.name == "Strømmen"


def test_sector_create_and_update(session):
    sector = services.create_sector(session, name="Energi", prioritised=True, position=2)
    with pytest.raises(DomainError, match="ENERGI finnes allerede"):
        services.create_sector(session, name="ENERGI")
    services.update_sector(
        session,
        sector=sector,
        version=sector.version,
        name="Fornybar energi",
        prioritised=False,
        position=4,
    )
    assert (sector.name, sector.prioritised, sector.position) == ("Fornybar energi", False, 4)
