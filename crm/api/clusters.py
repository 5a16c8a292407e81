"""/api/v1/clusters: clusters, networks and programmes with their memberships."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.api import bp
from crm.api.common import (
    Listing,
    ListQuery,
    Strict,
    check_version,
    choices,
    committing,
    if_match_version,
    list_response,
    merged,
    not_found,
    sort_keys,
)
from crm.api.problems import ApiProblem
from crm.api.spec import json_response, operation
from crm.api.types import Id, text
from crm.clusters import queries, services
from crm.clusters.models import Cluster, ClusterKind, Membership, MembershipRole, ProgrammeLevel
from crm.extensions import db

TAG = "clusters"


class ClusterQuery(ListQuery):
    """The cluster list's filter, as on the web list."""

    kind: choices(ClusterKind) | None = None
    sort: sort_keys(("id",)) = "id"


class MembershipOut(BaseModel):
    """An organisation's membership of a cluster."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    cluster_id: int
    company_id: int
    role: str
    joined_on: date | None
    left_on: date | None
    note: str
    version: int


class ClusterOut(BaseModel):
    """A cluster, network or programme, with every membership (current and former)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    programme_level: str
    focus: str
    description: str
    website: str | None
    facilitator_id: int | None
    memberships: list[MembershipOut]
    version: int
    created_at: datetime
    updated_at: datetime


class ClusterFields(Strict):
    """A cluster as the web form takes it."""

    name: text(200)
    kind: choices(ClusterKind) = ClusterKind.CLUSTER.value
    programme_level: choices(ProgrammeLevel) = ProgrammeLevel.NONE.value
    focus: text(500) = ""
    description: text(20_000) = ""
    website: text(300) | None = None
    facilitator_id: Id | None = None


class ClusterChange(Strict):
    """The fields to change; those left out keep their values."""

    name: text(200) | None = None
    kind: choices(ClusterKind) | None = None
    programme_level: choices(ProgrammeLevel) | None = None
    focus: text(500) | None = None
    description: text(20_000) | None = None
    website: text(300) | None = None
    facilitator_id: Id | None = None


class NewMembership(Strict):
    """An organisation joining the cluster."""

    company_id: Id
    role: choices(MembershipRole) = MembershipRole.MEMBER.value
    joined_on: date | None = None
    left_on: date | None = None
    note: text(500) = ""


class MembershipChange(Strict):
    """A membership's role, dates or note; those left out keep their values."""

    role: choices(MembershipRole) | None = None
    joined_on: date | None = None
    left_on: date | None = None
    note: text(500) | None = Field(default=None)


def _load(cluster_id: int) -> Cluster:
    return not_found(
        db.session.scalar(
            select(Cluster)
            .where(Cluster.id == cluster_id)
            .options(selectinload(Cluster.memberships))
        )
    )


def _membership(cluster_id: int, membership_id: int) -> Membership:
    return not_found(queries.get_membership(db.session, cluster_id, membership_id))


@operation(
    bp,
    "/clusters",
    "GET",
    mirrors="clusters.index",
    summary="List clusters with their memberships",
    tag=TAG,
    query=ClusterQuery,
    response=Listing[ClusterOut],
)
def list_clusters(query: ClusterQuery):
    """Clusters (and networks, programmes) with their memberships."""
    select_ = select(Cluster).options(selectinload(Cluster.memberships))
    if query.kind:
        select_ = select_.where(Cluster.kind == query.kind)
    return list_response(
        query,
        select_,
        id_column=Cluster.id,
        sorts={},
        item=ClusterOut.model_validate,
        model=ClusterOut,
        filename="clusters",
    )


@operation(
    bp,
    "/clusters/<int:cluster_id>",
    "GET",
    mirrors="clusters.detail",
    summary="Read a cluster",
    tag=TAG,
    response=ClusterOut,
    etag=True,
)
def get_cluster(cluster_id: int):
    """One cluster with its memberships."""
    cluster = _load(cluster_id)
    return json_response(ClusterOut.model_validate(cluster), etag=cluster.version)


@operation(
    bp,
    "/clusters",
    "POST",
    mirrors="clusters.create",
    summary="Register a cluster",
    tag=TAG,
    body=ClusterFields,
    response=ClusterOut,
    status=201,
    etag=True,
)
def create_cluster(body: ClusterFields):
    """Register a cluster, network or programme under the web form's rules."""
    with committing():
        cluster = services.create_cluster(db.session, **body.model_dump())
    cluster = _load(cluster.id)
    return json_response(ClusterOut.model_validate(cluster), 201, etag=cluster.version)


CLUSTER_FIELDS = (
    "name",
    "kind",
    "programme_level",
    "focus",
    "description",
    "website",
    "facilitator_id",
)


@operation(
    bp,
    "/clusters/<int:cluster_id>",
    "PATCH",
    mirrors="clusters.edit",
    summary="Change a cluster",
    tag=TAG,
    body=ClusterChange,
    response=ClusterOut,
    versioned=True,
    etag=True,
)
def update_cluster(cluster_id: int, body: ClusterChange):
    """Change the fields given; 412 when the cluster changed since If-Match."""
    cluster = _load(cluster_id)
    version = if_match_version()
    values = merged(cluster, CLUSTER_FIELDS, body)
    values["focus"] = values["focus"] or ""
    values["description"] = values["description"] or ""
    with committing():
        services.update_cluster(db.session, cluster=cluster, version=version, **values)
    cluster = _load(cluster_id)
    return json_response(ClusterOut.model_validate(cluster), etag=cluster.version)


@operation(
    bp,
    "/clusters/<int:cluster_id>/memberships",
    "POST",
    mirrors="clusters.add_member",
    summary="Add a membership",
    tag=TAG,
    body=NewMembership,
    response=MembershipOut,
    status=201,
    etag=True,
)
def add_membership(cluster_id: int, body: NewMembership):
    """An organisation joins the cluster; two memberships of the same period are refused."""
    cluster = _load(cluster_id)
    with committing():
        membership = services.add_membership(db.session, cluster=cluster, **body.model_dump())
    return json_response(MembershipOut.model_validate(membership), 201, etag=membership.version)


@operation(
    bp,
    "/clusters/<int:cluster_id>/memberships/<int:membership_id>",
    "PATCH",
    mirrors="clusters.edit_member",
    summary="Change a membership",
    tag=TAG,
    body=MembershipChange,
    response=MembershipOut,
    versioned=True,
    etag=True,
)
def update_membership(cluster_id: int, membership_id: int, body: MembershipChange):
    """Change a membership's role, dates or note; 412 when it changed since If-Match."""
    membership = _membership(cluster_id, membership_id)
    version = if_match_version()
    values = merged(membership, ("role", "joined_on", "left_on", "note"), body)
    values["note"] = values["note"] or ""
    if values["role"] is None:
        raise ApiProblem(422, "A role is required.", errors=[{"field": "role", "message": "null"}])
    with committing():
        services.update_membership(db.session, membership=membership, version=version, **values)
    return json_response(MembershipOut.model_validate(membership), etag=membership.version)


@operation(
    bp,
    "/clusters/<int:cluster_id>/memberships/<int:membership_id>",
    "DELETE",
    mirrors="clusters.delete_member",
    summary="Delete a membership entered by mistake",
    tag=TAG,
    status=204,
    versioned=True,
)
def delete_membership(cluster_id: int, membership_id: int):
    """Delete a membership (to end one, PATCH its `left_on`)."""
    membership = _membership(cluster_id, membership_id)
    version = if_match_version()
    check_version(membership, version)
    with committing():
        services.delete_membership(db.session, membership=membership)
    return Response(status=204)
