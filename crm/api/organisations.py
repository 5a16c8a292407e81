"""/api/v1/organisations: the organisations list, one organisation, create and change."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask_login import current_user
from pydantic import BaseModel, Field

from crm.api import bp
from crm.api.common import (
    Listing,
    ListQuery,
    Strict,
    committing,
    if_match_version,
    list_response,
    not_found,
)
from crm.api.filters import filter_problem
from crm.api.spec import json_response, operation
from crm.api.types import Count, Id, text
from crm.companies import queries, services
from crm.companies.filters import company_filter_form
from crm.companies.models import Company, CompanyKind, IndustryStandard, RegisterStatus
from crm.extensions import db

TAG = "organisations"
Kind = Literal[tuple(k.value for k in CompanyKind)]  # type: ignore[valid-type]
Status = Literal[tuple(s.value for s in RegisterStatus)]  # type: ignore[valid-type]
Standard = Literal[tuple(s.value for s in IndustryStandard)]  # type: ignore[valid-type]
SORTS = ("id", *queries.SORT_COLUMNS)
Sort = Literal[tuple(key for name in SORTS for key in (name, f"-{name}"))]  # type: ignore[valid-type]


class OrganisationQuery(ListQuery):
    """The organisations list's filters, as on the web list (same names, same rules)."""

    q: str | None = Field(default=None, max_length=300, description="Name or org. number.")
    kind: Kind | None = None
    place: Id | None = None
    sector: Id | None = None
    cluster: Id | None = Field(default=None, description="Current members of this cluster.")
    status: Status | None = None
    responsible: Literal["mine"] | Id | None = Field(
        default=None, description="A user's id, or `mine` for the token user's own."
    )
    sort: Sort = "id"


class Organisation(BaseModel):
    """An organisation."""

    id: int
    name: str
    org_number: str | None
    kind: str
    org_form: str | None
    industry_code: str | None
    industry_standard: str | None
    industry_description: str | None
    employees: int | None
    address: str | None
    postcode: str | None
    post_town: str | None
    municipality_number: str | None
    place_id: int | None
    place: str | None
    sector_ids: list[int]
    website: str | None
    description: str
    register_status: str
    parent_id: int | None
    responsible_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime


class OrganisationFields(Strict):
    """What a client may set on an organisation; the web form's rules apply (services)."""

    org_number: text(20) | None = Field(default=None, description="Nine digits, MOD11-checked.")
    kind: Kind = CompanyKind.COMPANY.value
    org_form: text(10) | None = None
    industry_code: text(10) | None = None
    industry_standard: Standard | None = None
    industry_description: text(300) | None = None
    employees: Count | None = None
    address: text(300) | None = None
    postcode: text(4) | None = None
    post_town: text(100) | None = None
    municipality_number: text(4) | None = None
    place_id: Id | None = None
    sector_ids: list[Id] = Field(default_factory=list, max_length=100)
    website: text(300) | None = None
    description: text(20_000) = ""
    register_status: Status = RegisterStatus.ACTIVE.value
    parent_id: Id | None = None
    responsible_id: Id | None = None


class NewOrganisation(OrganisationFields):
    """A new organisation."""

    name: text(300)


class OrganisationChange(OrganisationFields):
    """The fields to change; those left out keep their values."""

    name: text(300) | None = None


def organisation_out(company: Company) -> Organisation:
    """The API's view of an organisation."""
    return Organisation(
        **{
            name: getattr(company, name)
            for name in Organisation.model_fields
            if name not in ("place", "sector_ids")
        },
        place=company.place.name if company.place else None,
        sector_ids=[sector.id for sector in company.sectors],
    )


def filtered_organisations(query: OrganisationQuery):
    """The web list's filter form read with the same arguments; 422 for a refused value."""
    args = {
        name: str(value)
        for name in ("q", "kind", "place", "sector", "cluster", "status", "responsible")
        if (value := getattr(query, name)) is not None
    }
    form, filters = company_filter_form(db.session, args, user_id=current_user.id)
    filter_problem(form)
    select, _ = queries.company_list_query(filters)
    return select


@operation(
    bp,
    "/organisations",
    "GET",
    mirrors="companies.index",
    summary="List organisations",
    tag=TAG,
    query=OrganisationQuery,
    response=Listing[Organisation],
)
def list_organisations(query: OrganisationQuery):
    """Organisations matching the filters, a page at a time."""
    return list_response(
        query,
        filtered_organisations(query),
        id_column=Company.id,
        sorts=queries.SORT_COLUMNS,
        item=organisation_out,
        model=Organisation,
        filename="organisations",
    )


@operation(
    bp,
    "/organisations/<int:company_id>",
    "GET",
    mirrors="companies.detail",
    summary="Read an organisation",
    tag=TAG,
    response=Organisation,
    etag=True,
)
def get_organisation(company_id: int):
    """One organisation, with its version as ETag."""
    company = not_found(queries.get_company(db.session, company_id))
    return json_response(organisation_out(company), etag=company.version)


@operation(
    bp,
    "/organisations",
    "POST",
    mirrors="companies.create",
    summary="Register an organisation",
    tag=TAG,
    body=NewOrganisation,
    response=Organisation,
    status=201,
    etag=True,
)
def create_organisation(body: NewOrganisation):
    """Register an organisation under the web form's rules."""
    with committing():
        company = services.create_company(db.session, **body.model_dump())
    return json_response(organisation_out(company), 201, etag=company.version)


@operation(
    bp,
    "/organisations/<int:company_id>",
    "PATCH",
    mirrors="companies.edit",
    summary="Change an organisation",
    tag=TAG,
    body=OrganisationChange,
    response=Organisation,
    versioned=True,
    etag=True,
)
def update_organisation(company_id: int, body: OrganisationChange):
    """Change the fields given; refused with 412 when the record changed since If-Match."""
    company = not_found(queries.get_company(db.session, company_id))
    version = if_match_version()
    with committing():
        services.update_company(
            db.session, company=company, version=version, **body.model_dump(exclude_unset=True)
        )
    return json_response(organisation_out(company), etag=company.version)
