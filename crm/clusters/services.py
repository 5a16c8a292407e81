"""Writes about clusters and memberships; every rule of the domain is checked here."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.clusters.models import Cluster, ClusterKind, Membership, MembershipRole, ProgrammeLevel
from crm.common import folding
from crm.common.dates import local_today
from crm.common.errors import DomainError
from crm.common.formats import date as format_date
from crm.common.versioning import ensure_version
from crm.companies.models import Company
from crm.companies.services import resolve_organisation


def _show_date(value: date | None) -> str:
    return format_date(value, "short") if value else "…"


def check_website(website: str | None) -> str | None:
    """Return the address stripped, None when empty; refuse anything but a full http(s) URL."""
    website = (website or "").strip()
    if not website:
        return None
    parts = urlsplit(website)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() or ord(c) < 32 for c in website)
    ):
        raise DomainError(
            "website",
            _l("The website must be a full address starting with http:// or https://."),
        )
    return website


def _check_cluster(
    session: Session,
    *,
    cluster_id: int | None,
    name: str,
    kind: str,
    programme_level: str,
    website: str | None,
    facilitator_id: int | None,
    facilitator_text: str,
) -> tuple[str, str | None, Company | None]:
    """Check every rule before anything changes; return the clean name, website, facilitator."""
    name = (name or "").strip()
    if not name:
        raise DomainError("name", _l("Give the cluster a name."))
    taken = select(Cluster.id).where(folding.equals(Cluster.name, name))
    if cluster_id is not None:
        taken = taken.where(Cluster.id != cluster_id)
    if session.scalar(taken.limit(1)) is not None:
        raise DomainError("name", _l("A cluster called %(name)s already exists.", name=name))
    if kind not in {k.value for k in ClusterKind}:
        raise DomainError("kind", _l("Choose a kind from the list."))
    if programme_level not in {p.value for p in ProgrammeLevel}:
        raise DomainError("programme_level", _l("Choose a programme level from the list."))
    website = check_website(website)
    facilitator = resolve_organisation(
        session,
        company_id=facilitator_id,
        typed=facilitator_text,
        field="facilitator_name",
        required=False,
    )
    return name, website, facilitator


def create_cluster(
    session: Session,
    *,
    name: str,
    kind: str = ClusterKind.CLUSTER.value,
    programme_level: str = ProgrammeLevel.NONE.value,
    focus: str = "",
    description: str = "",
    website: str | None = None,
    facilitator_id: int | None = None,
    facilitator_text: str = "",
) -> Cluster:
    """Create a cluster, network or programme; the name must be new."""
    name, website, facilitator = _check_cluster(
        session,
        cluster_id=None,
        name=name,
        kind=kind,
        programme_level=programme_level,
        website=website,
        facilitator_id=facilitator_id,
        facilitator_text=facilitator_text,
    )
    cluster = Cluster(
        name=name,
        kind=kind,
        programme_level=programme_level,
        focus=(focus or "").strip(),
        description=(description or "").strip(),
        website=website,
        facilitator=facilitator,
    )
    session.add(cluster)
    session.flush()
    return cluster


def update_cluster(
    session: Session,
    *,
    cluster: Cluster,
    version: str | int | None,
    name: str,
    kind: str,
    programme_level: str,
    focus: str = "",
    description: str = "",
    website: str | None = None,
    facilitator_id: int | None = None,
    facilitator_text: str = "",
) -> Cluster:
    """Change a cluster's facts, refused when someone else saved it after the form was loaded."""
    ensure_version(cluster, version)
    name, website, facilitator = _check_cluster(
        session,
        cluster_id=cluster.id,
        name=name,
        kind=kind,
        programme_level=programme_level,
        website=website,
        facilitator_id=facilitator_id,
        facilitator_text=facilitator_text,
    )
    cluster.name = name
    cluster.kind = kind
    cluster.programme_level = programme_level
    cluster.focus = (focus or "").strip()
    cluster.description = (description or "").strip()
    cluster.website = website
    cluster.facilitator = facilitator
    session.flush()
    return cluster


def _overlaps(
    joined_a: date | None, left_a: date | None, joined_b: date | None, left_b: date | None
) -> bool:
    """Whether two periods [joined, left) overlap; an open end reaches forever."""
    starts_before_b_ends = joined_a is None or left_b is None or joined_a < left_b
    b_starts_before_a_ends = joined_b is None or left_a is None or joined_b < left_a
    return starts_before_b_ends and b_starts_before_a_ends


def _check_membership(
    session: Session,
    *,
    cluster_id: int,
    company_id: int,
    role: str,
    joined_on: date | None,
    left_on: date | None,
    exclude_id: int | None,
    overlap_field: str,
) -> None:
    """Role known, left not before joined, and no other membership of the same period.

    An overlap is shown on `overlap_field`: the organisation when one is being added (that is
    the choice to change), the dates when an existing membership is changed.
    """
    if role not in {r.value for r in MembershipRole}:
        raise DomainError("role", _l("Choose a role from the list."))
    if joined_on and left_on and left_on < joined_on:
        raise DomainError("left_on", _l("The membership cannot end before it began."))
    others = select(Membership).where(
        Membership.cluster_id == cluster_id, Membership.company_id == company_id
    )
    if exclude_id is not None:
        others = others.where(Membership.id != exclude_id)
    for other in session.scalars(others.order_by(Membership.joined_on)):
        if _overlaps(joined_on, left_on, other.joined_on, other.left_on):
            raise DomainError(
                overlap_field,
                _l(
                    "This organisation already has a membership of this cluster in that period "
                    "(%(joined)s – %(left)s).",
                    joined=_show_date(other.joined_on),
                    left=_show_date(other.left_on),
                ),
            )


def add_membership(
    session: Session,
    *,
    cluster: Cluster,
    company_id: int | None,
    company_text: str = "",
    role: str = MembershipRole.MEMBER.value,
    joined_on: date | None = None,
    left_on: date | None = None,
    note: str = "",
) -> Membership:
    """Add an organisation to a cluster; it cannot have two memberships of the same period."""
    company = resolve_organisation(
        session, company_id=company_id, typed=company_text, field="company_name", required=True
    )
    # Narrows the type for the checker; required=True has refused a missing one already.
    assert company is not None  # nosec B101
    _check_membership(
        session,
        cluster_id=cluster.id,
        company_id=company.id,
        role=role,
        joined_on=joined_on,
        left_on=left_on,
        exclude_id=None,
        overlap_field="company_name",
    )
    membership = Membership(
        cluster=cluster,
        company=company,
        role=role,
        joined_on=joined_on,
        left_on=left_on,
        note=(note or "").strip(),
    )
    session.add(membership)
    session.flush()
    return membership


def end_membership(
    session: Session, *, membership: Membership, left_on: date | None = None
) -> Membership:
    """End a membership on `left_on` (today by default); the record stays as history."""
    left_on = left_on or local_today()
    if not membership.current:
        raise DomainError(
            "left_on",
            _l("This membership already ended on %(date)s.", date=_show_date(membership.left_on)),
        )
    if membership.joined_on and left_on < membership.joined_on:
        raise DomainError("left_on", _l("The membership cannot end before it began."))
    membership.left_on = left_on
    session.flush()
    return membership


def update_membership(
    session: Session,
    *,
    membership: Membership,
    version: str | int | None,
    role: str,
    joined_on: date | None,
    left_on: date | None,
    note: str = "",
) -> Membership:
    """Change a membership's role, dates or note, with the same rules as when it was added."""
    ensure_version(membership, version)
    _check_membership(
        session,
        cluster_id=membership.cluster_id,
        company_id=membership.company_id,
        role=role,
        joined_on=joined_on,
        left_on=left_on,
        exclude_id=membership.id,
        overlap_field="joined_on",
    )
    membership.role = role
    membership.joined_on = joined_on
    membership.left_on = left_on
    membership.note = (note or "").strip()
    session.flush()
    return membership


def delete_membership(session: Session, *, membership: Membership) -> None:
    """Remove a membership entered by mistake (ending one keeps it: use end_membership)."""
    session.delete(membership)
    session.flush()
