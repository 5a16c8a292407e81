"""/api/v1/people: people with their affiliations; every read goes to the access log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from flask import Response
from flask_login import current_user
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.api import bp
from crm.api.common import (
    Listing,
    ListQuery,
    Strict,
    check_version,
    committing,
    if_match_version,
    list_response,
    not_found,
)
from crm.api.filters import filter_problem
from crm.api.problems import ApiProblem
from crm.api.spec import json_response, operation
from crm.api.types import Id, text
from crm.common import folding
from crm.contacts import queries, services
from crm.contacts.filters import contact_filter_form
from crm.contacts.models import AccessAction, Affiliation, Contact
from crm.extensions import db

TAG = "people"
SORTS = {"name": folding.fold(Contact.name), "updated": Contact.updated_at}
Sort = Literal[tuple(k for n in ("id", *SORTS) for k in (n, f"-{n}"))]  # type: ignore[valid-type]


class PeopleQuery(ListQuery):
    """The people list's filters, as on the web list."""

    q: str | None = Field(default=None, max_length=200, description="Name, email or phone.")
    company_id: Id | None = Field(default=None, description="People of this organisation.")
    include_former: bool = Field(default=False, description="Also those who have left it.")
    sort: Sort = "id"


class AffiliationOut(BaseModel):
    """Where a person works or worked."""

    id: int
    company_id: int
    company: str
    title: str
    start_date: date | None
    end_date: date | None
    primary: bool
    version: int


class Person(BaseModel):
    """A person (personal data: reading it is logged)."""

    id: int
    name: str
    email: str | None
    phone: str | None
    notes: str
    affiliations: list[AffiliationOut]
    version: int
    created_at: datetime
    updated_at: datetime


class PersonFields(Strict):
    """A person's details; email and phone are checked and normalised as on the web form."""

    name: text(200)
    email: text(254) | None = None
    phone: text(40) | None = None
    notes: text(20_000) = ""


class PersonChange(Strict):
    """The details to change; those left out keep their values."""

    name: text(200) | None = None
    email: text(254) | None = None
    phone: text(40) | None = None
    notes: text(20_000) | None = None


class NewAffiliation(Strict):
    """A person's place of work."""

    company_id: Id
    title: text(200) = ""
    start_date: date | None = None
    end_date: date | None = None
    primary: bool = False


def person_out(contact: Contact) -> Person:
    """The API's view of a person."""
    return Person(
        id=contact.id,
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        notes=contact.notes,
        version=contact.version,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
        affiliations=[
            AffiliationOut(
                id=a.id,
                company_id=a.company_id,
                company=a.company.name,
                title=a.title,
                start_date=a.start_date,
                end_date=a.end_date,
                primary=a.primary,
                version=a.version,
            )
            for a in contact.affiliations
        ],
    )


def _load(contact_id: int) -> Contact:
    return not_found(
        db.session.scalar(
            select(Contact)
            .where(Contact.id == contact_id)
            .options(selectinload(Contact.affiliations).joinedload(Affiliation.company))
        )
    )


def filtered_people(query: PeopleQuery):
    """The web list's filter form and query, as one select of people."""
    args = {"q": query.q or ""}
    if query.company_id is not None:
        args["company_id"] = str(query.company_id)
    if query.include_former:
        args["include_former"] = "y"
    form, filters = contact_filter_form(db.session, args)
    filter_problem(form)
    _rows, ids, _key = queries.contact_list_query(filters, sort=None)
    return select(Contact).where(Contact.id.in_(ids.order_by(None)))


def log_people(count: int, how: str) -> None:
    """A list of people read through the API goes to the access log, like an export."""
    services.record_access(
        db.session,
        user_id=current_user.id,
        action=AccessAction.LISTED_IN_EXPORT.value,
        detail=f"{count} people, {how}",
    )
    db.session.commit()


@operation(
    bp,
    "/people",
    "GET",
    mirrors="contacts.index",
    summary="List people",
    tag=TAG,
    query=PeopleQuery,
    response=Listing[Person],
)
def list_people(query: PeopleQuery):
    """People matching the filters, with affiliations; the page is noted in the access log."""
    return list_response(
        query,
        filtered_people(query).options(
            selectinload(Contact.affiliations).joinedload(Affiliation.company)
        ),
        id_column=Contact.id,
        sorts=SORTS,
        item=person_out,
        model=Person,
        filename="people",
        on_rows=log_people,
    )


@operation(
    bp,
    "/people/<int:contact_id>",
    "GET",
    mirrors="contacts.detail",
    summary="Read a person",
    tag=TAG,
    response=Person,
    etag=True,
)
def get_person(contact_id: int):
    """One person; the read is noted in the access log as the web page's is."""
    contact = _load(contact_id)
    body = person_out(contact)
    services.record_access(
        db.session,
        user_id=current_user.id,
        action=AccessAction.VIEWED.value,
        contact_id=contact_id,
        detail="API",
    )
    db.session.commit()
    return json_response(body, etag=body.version)


@operation(
    bp,
    "/people",
    "POST",
    mirrors="contacts.create",
    summary="Register a person",
    tag=TAG,
    body=PersonFields,
    response=Person,
    status=201,
    etag=True,
)
def create_person(body: PersonFields):
    """Register a person under the web form's rules (email and phone checked)."""
    with committing():
        contact = services.create_contact(db.session, **body.model_dump())
    contact = _load(contact.id)
    return json_response(person_out(contact), 201, etag=contact.version)


@operation(
    bp,
    "/people/<int:contact_id>",
    "PATCH",
    mirrors="contacts.edit",
    summary="Correct a person's details",
    tag=TAG,
    body=PersonChange,
    response=Person,
    versioned=True,
    etag=True,
)
def update_person(contact_id: int, body: PersonChange):
    """Change the details given; 412 when the person changed since If-Match."""
    contact = _load(contact_id)
    version = if_match_version()
    values = {
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "notes": contact.notes,
    }
    values.update(body.model_dump(exclude_unset=True))
    values["notes"] = values["notes"] or ""
    with committing():
        services.update_contact(db.session, contact=contact, version=version, **values)
    contact = _load(contact_id)
    return json_response(person_out(contact), etag=contact.version)


@operation(
    bp,
    "/people/<int:contact_id>",
    "DELETE",
    mirrors="contacts.erase",
    summary="Erase a person (GDPR)",
    tag=TAG,
    status=204,
    versioned=True,
)
def erase_person(contact_id: int):
    """Erase the person as the web page does; meetings stay without the name. Logged."""
    contact = _load(contact_id)
    version = if_match_version()
    with committing():
        services.erase_contact(db.session, contact=contact, version=version)
        services.record_access(
            db.session,
            user_id=current_user.id,
            action=AccessAction.ERASED.value,
            contact_id=contact_id,
            detail="API",
        )
    return Response(status=204)


@operation(
    bp,
    "/people/<int:contact_id>/affiliations",
    "POST",
    mirrors="contacts.add_affiliation",
    summary="Add a person's affiliation",
    tag=TAG,
    body=NewAffiliation,
    response=Person,
    status=201,
    versioned=True,
    etag=True,
)
def add_affiliation(contact_id: int, body: NewAffiliation):
    """Record that the person works (or worked) at an organisation."""
    contact = _load(contact_id)
    version = if_match_version()
    check_version(contact, version)
    with committing():
        services.add_affiliation(db.session, contact=contact, **body.model_dump())
    contact = _load(contact_id)
    return json_response(person_out(contact), 201, etag=contact.version)


@operation(
    bp,
    "/people/<int:contact_id>/affiliations/<int:affiliation_id>",
    "DELETE",
    mirrors="contacts.remove_affiliation",
    summary="Remove an affiliation entered by mistake",
    tag=TAG,
    status=204,
    versioned=True,
)
def remove_affiliation(contact_id: int, affiliation_id: int):
    """Remove an affiliation; If-Match carries the affiliation's version."""
    affiliation = not_found(db.session.get(Affiliation, affiliation_id))
    if affiliation.contact_id != contact_id:
        raise ApiProblem(404, "No such record.")
    version = if_match_version()
    check_version(affiliation, version)
    with committing():
        services.remove_affiliation(db.session, affiliation=affiliation)
    return Response(status=204)
