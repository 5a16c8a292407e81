"""Reads about clusters, networks, programmes and their members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from crm.clusters.models import Cluster, ClusterKind, Membership
from crm.common.dates import local_today
from crm.common.folding import fold
from crm.common.pagination import paginate
from crm.companies.models import Company

# The triple-helix check (ECCP): a working cluster has enough members of more than one kind.
HELIX_MIN_MEMBERS = 15
HELIX_MIN_KINDS = 2

STATUSES = ("current", "former", "all")
# A cluster's page shows its members a page at a time; the organisation list, filtered by the
# cluster, has them all with the list's own filters and downloads.
MEMBERS_PER_PAGE = 50


@dataclass(frozen=True)
class ClusterFilters:
    """The cluster list's filter (crm.common.filters); None means every kind."""

    kind: str | None = None


@dataclass(frozen=True)
class MemberFilters:
    """The filters of a cluster's members table; status is current, former or all."""

    status: str = "current"
    role: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class ClusterRow:
    """A cluster on the list page with its number of current members."""

    cluster: Cluster
    current_members: int


@dataclass(frozen=True)
class HelixCheck:
    """How a cluster's current members measure up to the triple-helix rule."""

    members: int
    kinds: int

    @property
    def too_few_members(self) -> bool:
        """Fewer current members than the rule asks for."""
        return self.members < HELIX_MIN_MEMBERS

    @property
    def too_few_kinds(self) -> bool:
        """Fewer kinds of organisation than the rule asks for."""
        return self.kinds < HELIX_MIN_KINDS

    @property
    def flagged(self) -> bool:
        """Whether the cluster falls short of the rule."""
        return self.too_few_members or self.too_few_kinds


def is_current(today: date | None = None) -> ColumnElement[bool]:
    """SQL condition: the membership has not ended (same rule as Membership.current)."""
    today = today or local_today()
    return or_(Membership.left_on.is_(None), Membership.left_on > today)


def is_former(today: date | None = None) -> ColumnElement[bool]:
    """SQL condition: the membership has ended."""
    today = today or local_today()
    return and_(Membership.left_on.is_not(None), Membership.left_on <= today)


def list_clusters(session: Session, *, filters: ClusterFilters) -> list[ClusterRow]:
    """Every cluster by name, with its facilitator and number of current members, in one query."""
    counts = (
        select(
            Membership.cluster_id.label("cluster_id"),
            func.count(func.distinct(Membership.company_id)).label("members"),
        )
        .where(is_current())
        .group_by(Membership.cluster_id)
        .subquery()
    )
    query = (
        select(Cluster, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.cluster_id == Cluster.id)
        .options(joinedload(Cluster.facilitator))
        .order_by(fold(Cluster.name), Cluster.id)
    )
    if filters.kind in {k.value for k in ClusterKind}:
        query = query.where(Cluster.kind == filters.kind)
    return [ClusterRow(cluster, int(n)) for cluster, n in session.execute(query)]


def get_cluster(session: Session, cluster_id: int) -> Cluster | None:
    """One cluster with its facilitating organisation, or None."""
    return session.scalar(
        select(Cluster).where(Cluster.id == cluster_id).options(joinedload(Cluster.facilitator))
    )


def get_membership(session: Session, cluster_id: int, membership_id: int) -> Membership | None:
    """One membership of this cluster (None when it belongs to another), with its organisation."""
    return session.scalar(
        select(Membership)
        .where(Membership.id == membership_id, Membership.cluster_id == cluster_id)
        .options(joinedload(Membership.company), joinedload(Membership.cluster))
    )


def cluster_members(
    session: Session,
    cluster_id: int,
    *,
    filters: MemberFilters,
    page: int = 1,
    per_page: int = MEMBERS_PER_PAGE,
) -> SelectPagination:
    """A page of a cluster's memberships by organisation name (status current, former or
    all), as rows of the columns the table shows: a big cluster's hundreds of members as
    whole ORM objects cost more than the rest of the page. Two statements (page and count)."""
    query = (
        select(
            Membership.id,
            Membership.role,
            Membership.joined_on,
            Membership.left_on,
            Company.id.label("company_id"),
            Company.name.label("company_name"),
            Company.kind.label("company_kind"),
        )
        .join(Company, Company.id == Membership.company_id)
        .where(Membership.cluster_id == cluster_id)
        .order_by(fold(Company.name), Company.id, Membership.joined_on, Membership.id)
    )
    if filters.status == "current":
        query = query.where(is_current())
    elif filters.status == "former":
        query = query.where(is_former())
    if filters.role:
        query = query.where(Membership.role == filters.role)
    if filters.kind:
        query = query.where(Company.kind == filters.kind)
    return paginate(session, query, page=page, per_page=per_page, rows=True)


def member_counts_by_kind(session: Session, cluster_id: int) -> dict[str, int]:
    """Current member organisations of a cluster, counted per kind of organisation."""
    query = (
        select(Company.kind, func.count(func.distinct(Company.id)))
        .join(Membership, Membership.company_id == Company.id)
        .where(Membership.cluster_id == cluster_id, is_current())
        .group_by(Company.kind)
        .order_by(Company.kind)
    )
    return {kind: int(n) for kind, n in session.execute(query)}


def helix_check(counts: dict[str, int]) -> HelixCheck:
    """Measure counts from member_counts_by_kind against the triple-helix rule."""
    return HelixCheck(members=sum(counts.values()), kinds=sum(1 for n in counts.values() if n > 0))
