"""Writes about organisations, places and sectors; every rule on them is checked here."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.common import folding
from crm.common.converters import parse_id
from crm.common.errors import DomainError
from crm.common.messages import translate_lazily
from crm.common.orgnr import is_valid_orgnr, normalise_orgnr, orgnr_problem
from crm.common.versioning import ensure_version
from crm.companies.models import (
    Company,
    CompanyKind,
    IndustryStandard,
    Place,
    RegisterStatus,
    Sector,
)


class _Keep:
    """Marks an argument of an update that was not given: the stored value stays."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


class DuplicateOrgNumberError(DomainError):
    """The organisation number belongs to another organisation, named so the form can link it."""

    def __init__(self, field: str, message: str, *, company_id: int, company_name: str) -> None:
        super().__init__(field, message)
        self.company_id = company_id
        self.company_name = company_name


_FOUR_DIGITS = re.compile(r"^[0-9]{4}$")
# Schemes that must never become a link, even without "//" after them.
_OTHER_SCHEME = re.compile(r"^(javascript|data|vbscript|file|mailto|tel|ftp):", re.IGNORECASE)
_MAX_PARENT_DEPTH = 100

# The fields a user edits on an organisation (the form, the merge page), in the form's order.
EDITABLE_FIELDS = (
    "name",
    "org_number",
    "kind",
    "org_form",
    "industry_code",
    "industry_standard",
    "industry_description",
    "employees",
    "address",
    "postcode",
    "post_town",
    "municipality_number",
    "place_id",
    "website",
    "description",
    "register_status",
    "parent_id",
)
_TEXT_COLUMNS = (
    "name",
    "org_form",
    "industry_code",
    "industry_description",
    "address",
    "post_town",
)


def _text(value: str | None) -> str | None:
    """Strip a text; an empty one is None."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _check_length(field: str, value: str | None) -> None:
    limit = Company.__table__.c[field].type.length
    if value is not None and limit is not None and len(value) > limit:
        raise DomainError(field, _l("At most %(n)d characters.", n=limit))


def clean_org_number(value: str | None) -> str | None:
    """Normalise a typed organisation number; refuse it with what is wrong, or None if empty."""
    if value is None or not str(value).strip():
        return None
    number = normalise_orgnr(str(value))
    problem = orgnr_problem(number)
    if problem is None:
        return number
    raise DomainError("org_number", translate_lazily(problem))


def normalise_website(value: str | None) -> str | None:
    """An http(s) address for the website; a missing scheme becomes https://."""
    value = _text(value)
    if value is None:
        return None
    if _OTHER_SCHEME.match(value):
        raise DomainError("website", _l("The website must be an http or https address."))
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise DomainError("website", _l("The website must be an http or https address."))
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        parts = None
    host = parts.hostname if parts else None
    if not host or "." not in host or any(c.isspace() for c in value):
        raise DomainError("website", _l("This is not a web address, e.g. https://www.example.no."))
    _check_length("website", value)
    return urlunsplit(parts._replace(scheme=parts.scheme.lower()))


def _check_choice(field: str, value: str | None, allowed: Iterable[str]) -> None:
    if value is not None and value not in set(allowed):
        raise DomainError(field, _l("Choose one of the listed values."))


def _check_org_number_free(session: Session, number: str | None, company: Company | None) -> None:
    if number is None:
        return
    query = select(Company).where(Company.org_number == number)
    if company is not None and company.id is not None:
        query = query.where(Company.id != company.id)
    other = session.scalar(query)
    if other is not None:
        raise DuplicateOrgNumberError(
            "org_number",
            _l(
                "The organisation number %(number)s is already registered for %(name)s.",
                number=number,
                name=other.name,
            ),
            company_id=other.id,
            company_name=other.name,
        )


def _check_parent(session: Session, parent_id: int | None, company: Company | None) -> None:
    if parent_id is None:
        return
    parent = session.get(Company, parent_id)
    if parent is None:
        raise DomainError("parent_id", _l("No organisation has the number %(id)s.", id=parent_id))
    if company is None or company.id is None:
        return
    if parent.id == company.id:
        raise DomainError("parent_id", _l("An organisation cannot be its own parent."))
    ancestor, depth = parent, 0
    while ancestor is not None and depth < _MAX_PARENT_DEPTH:
        if ancestor.parent_id == company.id:
            raise DomainError(
                "parent_id",
                _l(
                    "%(name)s is below this organisation; it cannot also be its parent.",
                    name=parent.name,
                ),
            )
        ancestor, depth = ancestor.parent, depth + 1


def check_responsible(
    session: Session, responsible_id: int | None, *, current_id: int | None = None
) -> int | None:
    """The responsible adviser's id if it names an active user (or the one already set)."""
    if responsible_id is None:
        return None
    user = session.get(User, responsible_id)
    if user is None:
        raise DomainError("responsible_id", _l("That user was not found."))
    if not user.active and responsible_id != current_id:
        raise DomainError("responsible_id", _l("That user is deactivated."))
    return responsible_id


def _clean(
    session: Session, values: dict[str, Any], company: Company | None
) -> tuple[dict[str, Any], list[Sector]]:
    """Check every value before anything is changed, so a refusal leaves nothing half-saved."""
    cleaned: dict[str, Any] = {field: _text(values[field]) for field in _TEXT_COLUMNS}
    if cleaned["name"] is None:
        raise DomainError("name", _l("The name is required."))
    for field in _TEXT_COLUMNS:
        _check_length(field, cleaned[field])

    cleaned["org_number"] = clean_org_number(values["org_number"])
    cleaned["kind"] = _text(values["kind"]) or CompanyKind.COMPANY.value
    _check_choice("kind", cleaned["kind"], (k.value for k in CompanyKind))
    cleaned["register_status"] = _text(values["register_status"]) or RegisterStatus.ACTIVE.value
    _check_choice("register_status", cleaned["register_status"], (s.value for s in RegisterStatus))
    cleaned["industry_standard"] = _text(values["industry_standard"])
    _check_choice(
        "industry_standard", cleaned["industry_standard"], (s.value for s in IndustryStandard)
    )

    employees = values["employees"]
    if employees is not None and (not isinstance(employees, int) or employees < 0):
        raise DomainError("employees", _l("The number of employees cannot be negative."))
    cleaned["employees"] = employees

    for field in ("postcode", "municipality_number"):
        cleaned[field] = _text(values[field])
        if cleaned[field] is not None and not _FOUR_DIGITS.match(cleaned[field]):
            raise DomainError(field, _l("Four digits, e.g. 2000."))

    cleaned["website"] = normalise_website(values["website"])
    cleaned["description"] = (values["description"] or "").strip()

    cleaned["place_id"] = values["place_id"] or None
    if cleaned["place_id"] is not None and session.get(Place, cleaned["place_id"]) is None:
        raise DomainError("place_id", _l("This place does not exist (any more)."))

    sector_ids = sorted(set(values["sector_ids"] or ()))
    sectors = (
        list(session.scalars(select(Sector).where(Sector.id.in_(sector_ids)))) if sector_ids else []
    )
    if len(sectors) != len(sector_ids):
        raise DomainError("sector_ids", _l("A chosen sector does not exist (any more)."))

    cleaned["parent_id"] = values["parent_id"] or None
    _check_parent(session, cleaned["parent_id"], company)
    cleaned["responsible_id"] = check_responsible(
        session,
        values.get("responsible_id") or None,
        current_id=company.responsible_id if company is not None else None,
    )
    _check_org_number_free(session, cleaned["org_number"], company)
    return cleaned, sectors


def create_company(
    session: Session,
    *,
    name: str,
    org_number: str | None = None,
    kind: str = CompanyKind.COMPANY.value,
    org_form: str | None = None,
    industry_code: str | None = None,
    industry_standard: str | None = None,
    industry_description: str | None = None,
    employees: int | None = None,
    address: str | None = None,
    postcode: str | None = None,
    post_town: str | None = None,
    municipality_number: str | None = None,
    place_id: int | None = None,
    sector_ids: Iterable[int] = (),
    website: str | None = None,
    description: str = "",
    register_status: str = RegisterStatus.ACTIVE.value,
    parent_id: int | None = None,
    responsible_id: int | None = None,
) -> Company:
    """Register an organisation; the organisation number must be valid and not taken."""
    arguments = dict(locals())
    values = {field: value for field, value in arguments.items() if field != "session"}
    cleaned, sectors = _clean(session, values, None)
    company = Company(**cleaned, sectors=sectors)
    session.add(company)
    session.flush()
    return company


def update_company(
    session: Session,
    *,
    company: Company,
    version: int | str | None,
    name: str = KEEP,
    org_number: str | None = KEEP,
    kind: str = KEEP,
    org_form: str | None = KEEP,
    industry_code: str | None = KEEP,
    industry_standard: str | None = KEEP,
    industry_description: str | None = KEEP,
    employees: int | None = KEEP,
    address: str | None = KEEP,
    postcode: str | None = KEEP,
    post_town: str | None = KEEP,
    municipality_number: str | None = KEEP,
    place_id: int | None = KEEP,
    sector_ids: Iterable[int] = KEEP,
    website: str | None = KEEP,
    description: str = KEEP,
    register_status: str = KEEP,
    parent_id: int | None = KEEP,
    responsible_id: int | None = KEEP,
) -> Company:
    """Change an organisation under the same rules; values not given stay as they are.

    `version` is the version the edit form was loaded with: a newer save is not overwritten.
    """
    arguments = dict(locals())
    ensure_version(company, version)
    given = {
        field: value
        for field, value in arguments.items()
        if field not in ("session", "company", "version") and value is not KEEP
    }
    values = {field: getattr(company, field) for field in EDITABLE_FIELDS}
    values["sector_ids"] = [sector.id for sector in company.sectors]
    values["responsible_id"] = company.responsible_id
    values.update(given)
    cleaned, sectors = _clean(session, values, company)
    for field, value in cleaned.items():
        setattr(company, field, value)
    company.sectors = sectors
    session.flush()
    return company


# Places and sectors: small admin-edited lists with unique names.


def _check_name_free(session: Session, model: type, name: str, record: Any | None) -> str:
    name = _text(name)
    if name is None:
        raise DomainError("name", _l("The name is required."))
    if len(name) > 100:
        raise DomainError("name", _l("At most %(n)d characters.", n=100))
    query = select(model).where(folding.equals(model.name, name))
    if record is not None:
        query = query.where(model.id != record.id)
    if session.scalar(query) is not None:
        raise DomainError("name", _l("%(name)s exists already.", name=name))
    return name


def create_place(
    session: Session, *, name: str, growth_area: bool = False, position: int = 0
) -> Place:
    """Add a place; the name must be new."""
    place = Place(
        name=_check_name_free(session, Place, name, None),
        growth_area=bool(growth_area),
        position=position or 0,
    )
    session.add(place)
    session.flush()
    return place


def update_place(
    session: Session,
    *,
    place: Place,
    version: int | str | None,
    name: str,
    growth_area: bool,
    position: int,
) -> Place:
    """Rename a place, mark it as growth area or move it in the list."""
    ensure_version(place, version)
    place.name = _check_name_free(session, Place, name, place)
    place.growth_area = bool(growth_area)
    place.position = position or 0
    session.flush()
    return place


def create_sector(
    session: Session, *, name: str, prioritised: bool = False, position: int = 0
) -> Sector:
    """Add a sector; the name must be new."""
    sector = Sector(
        name=_check_name_free(session, Sector, name, None),
        prioritised=bool(prioritised),
        position=position or 0,
    )
    session.add(sector)
    session.flush()
    return sector


def update_sector(
    session: Session,
    *,
    sector: Sector,
    version: int | str | None,
    name: str,
    prioritised: bool,
    position: int,
) -> Sector:
    """Rename a sector, mark it as prioritised or move it in the list."""
    ensure_version(sector, version)
    sector.name = _check_name_free(session, Sector, name, sector)
    sector.prioritised = bool(prioritised)
    sector.position = position or 0
    session.flush()
    return sector


def resolve_organisation(
    session: Session,
    *,
    company_id: int | str | None,
    typed: str | None,
    field: str,
    required: bool,
) -> Company | None:
    """Find the organisation chosen in a type-ahead field: the one picker of every form.

    The hidden id (set by the type-ahead script) wins unless the visible field was changed to
    name another organisation; what was typed is taken as a 9-digit organisation number, else
    as an exact name (so the form works without JavaScript).
    """
    typed = (typed or "").strip()
    # The type-ahead's hidden id. A number no record can have (beyond the database's integer
    # range, which PostgreSQL refuses outright) is an unknown organisation; no number is no choice.
    chosen = parse_id(company_id)
    if chosen is None and str(company_id if company_id is not None else "").strip().isdecimal():
        raise DomainError(field, _l("The chosen organisation was not found."))
    if chosen is not None:
        company = session.get(Company, chosen)
        if company is None:
            raise DomainError(field, _l("The chosen organisation was not found."))
        if not typed or typed.casefold() == company.name.casefold():
            return company
        if normalise_orgnr(typed) == company.org_number:
            return company
    if not typed:
        if required:
            raise DomainError(field, _l("Choose an organisation."))
        return None
    number = normalise_orgnr(typed)
    if number.isdigit():
        if not is_valid_orgnr(number):
            raise DomainError(
                field, _l("%(number)s is not a valid organisation number.", number=typed)
            )
        company = session.scalar(select(Company).where(Company.org_number == number))
        if company is None:
            raise DomainError(
                field,
                _l(
                    "No organisation with organisation number %(number)s is registered.",
                    number=number,
                ),
            )
        return company
    matches = list(
        session.scalars(select(Company).where(folding.equals(Company.name, typed)).limit(2))
    )
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise DomainError(
            field,
            _l(
                "Several organisations are called %(name)s; give the organisation number.",
                name=typed,
            ),
        )
    raise DomainError(
        field,
        _l(
            "No organisation called %(name)s was found. Choose one from the suggestions or "
            "give its 9-digit organisation number.",
            name=typed,
        ),
    )
