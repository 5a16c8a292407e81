"""/api/v1/links: registered links between organisations (project, partnership, supplier …)."""

from __future__ import annotations

from datetime import date

from flask import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select

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
    sort_keys,
)
from crm.api.spec import json_response, operation
from crm.api.types import Id, text
from crm.common.converters import MAX_DATE, MIN_DATE
from crm.extensions import db
from crm.network import queries, services
from crm.network.models import CollaborationLink

TAG = "links"
Day = Field(default=None, ge=MIN_DATE, le=MAX_DATE)


class LinkQuery(ListQuery):
    """Links, of one organisation when asked."""

    company_id: Id | None = Field(default=None, description="Links of this organisation.")
    link_type_id: Id | None = None
    sort: sort_keys(("id",)) = "id"


class LinkOut(BaseModel):
    """A link between two organisations."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source_id: int
    target_id: int
    link_type_id: int
    directed: bool
    start_date: date | None
    end_date: date | None
    evidence: str
    note: str
    version: int


class NewLink(Strict):
    """Two organisations that work together; `direction` as on the web form."""

    company_id: Id
    other_id: Id
    link_type_id: Id
    direction: str = Field(default="none", pattern="^(none|outgoing|incoming)$")
    start_date: date | None = Day
    end_date: date | None = Day
    evidence: text(500) = ""
    note: text(20_000) = ""


@operation(
    bp,
    "/links",
    "GET",
    mirrors="network.company_links",
    summary="List links",
    tag=TAG,
    query=LinkQuery,
    response=Listing[LinkOut],
)
def list_links(query: LinkQuery):
    """Registered links."""
    select_ = select(CollaborationLink)
    if query.company_id:
        select_ = select_.where(
            or_(
                CollaborationLink.source_id == query.company_id,
                CollaborationLink.target_id == query.company_id,
            )
        )
    if query.link_type_id:
        select_ = select_.where(CollaborationLink.link_type_id == query.link_type_id)
    return list_response(
        query,
        select_,
        id_column=CollaborationLink.id,
        sorts={},
        item=LinkOut.model_validate,
        model=LinkOut,
        filename="links",
    )


@operation(
    bp,
    "/links/<int:link_id>",
    "GET",
    mirrors="network.company_links",
    summary="Read a link",
    tag=TAG,
    response=LinkOut,
    etag=True,
)
def get_link(link_id: int):
    """One link."""
    link = not_found(queries.get_link(db.session, link_id))
    return json_response(LinkOut.model_validate(link), etag=link.version)


@operation(
    bp,
    "/links",
    "POST",
    mirrors="network.link_new",
    summary="Register a link",
    tag=TAG,
    body=NewLink,
    response=LinkOut,
    status=201,
    etag=True,
)
def create_link(body: NewLink):
    """Record that two organisations work together, under the web form's rules."""
    with committing():
        link = services.create_link(db.session, other_name=None, **body.model_dump())
    return json_response(LinkOut.model_validate(link), 201, etag=link.version)


class LinkChange(Strict):
    """The fields to change, seen from `source_id`; those left out keep their values."""

    link_type_id: Id | None = None
    direction: str | None = Field(
        default=None,
        pattern="^(none|outgoing|incoming)$",
        description="From the link's source: outgoing, incoming or none (undirected).",
    )
    start_date: date | None = Day
    end_date: date | None = Day
    evidence: text(500) | None = None
    note: text(20_000) | None = None


@operation(
    bp,
    "/links/<int:link_id>",
    "PATCH",
    mirrors="network.link_edit",
    summary="Change a link",
    tag=TAG,
    body=LinkChange,
    response=LinkOut,
    versioned=True,
    etag=True,
)
def update_link(link_id: int, body: LinkChange):
    """Change a link's type, direction, period, evidence or note; 412 when it changed."""
    link = not_found(queries.get_link(db.session, link_id))
    version = if_match_version()
    values = {
        "link_type_id": link.link_type_id,
        "direction": "outgoing" if link.directed else "none",
        "start_date": link.start_date,
        "end_date": link.end_date,
        "evidence": link.evidence,
        "note": link.note,
    }
    values.update(body.model_dump(exclude_unset=True))
    values["direction"] = values["direction"] or "none"
    values["evidence"] = values["evidence"] or ""
    values["note"] = values["note"] or ""
    with committing():
        services.update_link(
            db.session, link=link, seen_from=link.source_id, version=version, **values
        )
    return json_response(LinkOut.model_validate(link), etag=link.version)


@operation(
    bp,
    "/links/<int:link_id>",
    "DELETE",
    mirrors="network.link_delete",
    summary="Delete a link entered by mistake",
    tag=TAG,
    status=204,
    versioned=True,
)
def delete_link(link_id: int):
    """Delete a link; 412 when it changed since If-Match."""
    link = not_found(queries.get_link(db.session, link_id))
    check_version(link, if_match_version())
    with committing():
        services.delete_link(db.session, link=link)
    return Response(status=204)
