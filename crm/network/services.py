"""Writes about collaboration links and link types; every rule of the domain is checked here."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm.common import folding
from crm.common.errors import DomainError
from crm.common.versioning import ensure_version
from crm.companies.models import Company
from crm.companies.services import resolve_organisation
from crm.network.cache import Busy
from crm.network.models import CollaborationLink, LinkType

# (key, name) of the types every installation starts with; admins rename or add more. The
# names are data in the users' language (bokmål), like places and sectors; keys stay English.
DEFAULT_LINK_TYPES: list[tuple[str, str]] = [
    ("project", "Prosjekt"),
    ("partnership", "Partnerskap"),
    ("research_collaboration", "Forskningssamarbeid"),
    ("supplier", "Leverandør"),
    ("customer", "Kunde"),
    ("spin_off", "Utskilling (spin-off)"),
    ("ownership", "Eierskap"),
    ("other", "Annet"),
]

# Direction of a link as the form offers it, seen from the organisation whose page it is.
DIRECTIONS = ("none", "outgoing", "incoming")


def seed_link_types(session: Session) -> list[LinkType]:
    """Create the default link types that are missing (by key); safe to run again."""
    existing = {row.key: row for row in session.scalars(select(LinkType))}
    result = []
    for position, (key, name) in enumerate(DEFAULT_LINK_TYPES, start=1):
        link_type = existing.get(key)
        if link_type is None:
            link_type = LinkType(key=key, name=name, position=position, active=True)
            session.add(link_type)
        result.append(link_type)
    session.flush()
    return result


def _key_from_name(name: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return key[:50] or "type"


def _check_link_type_name(session: Session, *, name: str, link_type_id: int | None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("name", _l("Give the link type a name."))
    clash = session.scalar(
        select(LinkType.id).where(
            folding.equals(LinkType.name, name), LinkType.id != (link_type_id or -1)
        )
    )
    if clash is not None:
        raise DomainError("name", _l("A link type called %(name)s exists already.", name=name))
    return name


def create_link_type(session: Session, *, name: str, position: int = 0) -> LinkType:
    """Add a link type; its key is made from the name and kept when the name changes."""
    name = _check_link_type_name(session, name=name, link_type_id=None)
    base = _key_from_name(name)
    key, n = base, 1
    taken = set(session.scalars(select(LinkType.key).where(LinkType.key.startswith(base))))
    while key in taken:
        n += 1
        key = f"{base[:45]}_{n}"
    link_type = LinkType(key=key, name=name, position=position, active=True)
    session.add(link_type)
    session.flush()
    return link_type


def update_link_type(
    session: Session,
    *,
    link_type: LinkType,
    name: str,
    position: int,
    active: bool,
    version: str | int | None,
) -> LinkType:
    """Rename, reorder, deactivate or reactivate a link type."""
    ensure_version(link_type, version)
    link_type.name = _check_link_type_name(session, name=name, link_type_id=link_type.id)
    link_type.position = position
    link_type.active = active
    session.flush()
    return link_type


def deactivate_link_type(session: Session, *, link_type: LinkType) -> LinkType:
    """Hide a link type from new links; existing links keep it."""
    link_type.active = False
    session.flush()
    return link_type


def _check_dates(start_date: date | None, end_date: date | None) -> None:
    if start_date and end_date and end_date < start_date:
        raise DomainError("end_date", _l("The end date cannot be before the start date."))


def _check_link_type(session: Session, link_type_id: int | None, *, current: int | None) -> None:
    link_type = session.get(LinkType, link_type_id) if link_type_id else None
    if link_type is None:
        raise DomainError("link_type_id", _l("Choose a type of link."))
    if not link_type.active and link_type.id != current:
        raise DomainError("link_type_id", _l("This type of link is no longer in use."))


def _overlaps(start_a, end_a, start_b, end_b) -> bool:
    return (end_a is None or start_b is None or start_b <= end_a) and (
        end_b is None or start_a is None or start_a <= end_b
    )


def _check_duplicate(
    session: Session,
    *,
    a: int,
    b: int,
    link_type_id: int,
    start_date: date | None,
    end_date: date | None,
    exclude_id: int | None,
) -> None:
    """Refuse a second link of the same type between the same pair over an overlapping period."""
    rows = session.execute(
        select(CollaborationLink.start_date, CollaborationLink.end_date).where(
            CollaborationLink.link_type_id == link_type_id,
            or_(
                (CollaborationLink.source_id == a) & (CollaborationLink.target_id == b),
                (CollaborationLink.source_id == b) & (CollaborationLink.target_id == a),
            ),
            CollaborationLink.id != (exclude_id or -1),
        )
    )
    if any(_overlaps(start_date, end_date, start, end) for start, end in rows):
        raise DomainError(
            "link_type_id",
            _l(
                "These two organisations already have a link of this type in the same period. "
                "Edit that link instead."
            ),
        )


def _orient(company_id: int, other_id: int, direction: str) -> tuple[int, int, bool]:
    """(source, target, directed): undirected pairs are stored with the smaller id first."""
    if direction == "outgoing":
        return company_id, other_id, True
    if direction == "incoming":
        return other_id, company_id, True
    return min(company_id, other_id), max(company_id, other_id), False


def create_link(
    session: Session,
    *,
    company_id: int,
    other_id: int | None,
    other_name: str | None,
    link_type_id: int | None,
    direction: str = "none",
    start_date: date | None = None,
    end_date: date | None = None,
    evidence: str = "",
    note: str = "",
) -> CollaborationLink:
    """Record that two organisations work together."""
    company = session.get(Company, company_id)
    if company is None:
        raise DomainError(None, _l("The organisation was not found."))
    other = resolve_organisation(
        session, company_id=other_id, typed=other_name, field="other_name", required=True
    )
    if other.id == company.id:
        raise DomainError("other_name", _l("An organisation cannot be linked to itself."))
    _check_link_type(session, link_type_id, current=None)
    _check_dates(start_date, end_date)
    source, target, directed = _orient(company.id, other.id, direction)
    _check_duplicate(
        session,
        a=source,
        b=target,
        link_type_id=link_type_id,
        start_date=start_date,
        end_date=end_date,
        exclude_id=None,
    )
    link = CollaborationLink(
        source_id=source,
        target_id=target,
        link_type_id=link_type_id,
        directed=directed,
        start_date=start_date,
        end_date=end_date,
        evidence=(evidence or "").strip(),
        note=(note or "").strip(),
    )
    session.add(link)
    session.flush()
    return link


def update_link(
    session: Session,
    *,
    link: CollaborationLink,
    seen_from: int,
    link_type_id: int | None,
    direction: str,
    start_date: date | None,
    end_date: date | None,
    evidence: str,
    note: str,
    version: str | int | None,
) -> CollaborationLink:
    """Change a link's type, direction, period, evidence or note (not the organisations)."""
    ensure_version(link, version)
    _check_link_type(session, link_type_id, current=link.link_type_id)
    _check_dates(start_date, end_date)
    other = link.target_id if link.source_id == seen_from else link.source_id
    source, target, directed = _orient(seen_from, other, direction)
    _check_duplicate(
        session,
        a=source,
        b=target,
        link_type_id=link_type_id,
        start_date=start_date,
        end_date=end_date,
        exclude_id=link.id,
    )
    link.source_id, link.target_id, link.directed = source, target, directed
    link.link_type_id = link_type_id
    link.start_date, link.end_date = start_date, end_date
    link.evidence = (evidence or "").strip()
    link.note = (note or "").strip()
    session.flush()
    return link


def end_link(
    session: Session, *, link: CollaborationLink, end_date: date, version: str | int | None
) -> CollaborationLink:
    """End a link on a date; it stays as history."""
    ensure_version(link, version)
    _check_dates(link.start_date, end_date)
    link.end_date = end_date
    session.flush()
    return link


def delete_link(session: Session, *, link: CollaborationLink) -> None:
    """Remove a link entered by mistake."""
    session.delete(link)
    session.flush()


# Uncached network views one user may have built per period; cached ones are free.
DEFAULT_USER_COMPUTE_LIMIT = "6/minute"


def charge_computation(config: Mapping[str, Any], *, user_id: str | int | None) -> None:
    """Count one uncached network computation against a user; Busy when over the limit.

    Counted in the rate limiter's storage (shared by every worker with Redis), so the web map
    and the API draw on one budget per user.
    """
    from limits import parse

    from crm.extensions import limiter

    item = parse(config.get("NETWORK_USER_COMPUTE_LIMIT", DEFAULT_USER_COMPUTE_LIMIT))
    identity = ("network-compute", str(user_id))
    if limiter.limiter.hit(item, *identity):
        return
    reset = limiter.limiter.get_window_stats(item, *identity).reset_time
    raise Busy("user", math.ceil(reset - time.time()))
