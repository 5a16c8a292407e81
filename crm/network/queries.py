"""Reads for the network: links and link types, graph rows for a filter, the graph's version.

Graph rows are read with a handful of SELECTs of plain columns through the Core connection
(no ORM object or ORM row per row) and handed to `crm.network.graph` as tuples in its row
types' field order. The figures (`crm.network.engine`) need no meeting's title or day:
`read_weight_rows` reads the meetings' organisations as one array (`graph.Attendances`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Integer, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.sql import ColumnElement

from crm.clusters.models import Cluster, Membership
from crm.common.statements import built_once, read
from crm.companies.models import Company, Place, Sector, company_sectors
from crm.contacts.models import Affiliation, Contact
from crm.meetings.models import Meeting, meeting_companies, meeting_contacts, meeting_strategies
from crm.network import graph as g
from crm.network import version
from crm.network.graph import Attendances, MeetingRow, MembershipRow, Participant
from crm.network.models import CollaborationLink, LinkType
from crm.strategy.models import FocusArea, Strategy

OSLO = ZoneInfo("Europe/Oslo")


# --- links and link types ---------------------------------------------------------------------


def get_link(session: Session, link_id: int) -> CollaborationLink | None:
    """One link with its organisations and type."""
    return session.scalar(
        select(CollaborationLink)
        .where(CollaborationLink.id == link_id)
        .options(
            joinedload(CollaborationLink.source),
            joinedload(CollaborationLink.target),
            joinedload(CollaborationLink.link_type),
        )
    )


def count_company_links(session: Session, company_id: int) -> int:
    """How many links an organisation has."""
    return read(session, _count_company_links(), {"company_id": company_id}).scalar_one()


@built_once
def _count_company_links() -> Select:
    # The organisation page of a hub runs it: built once, the id a parameter.
    company_id = bindparam("company_id")
    links = CollaborationLink
    return (
        select(func.count())
        .select_from(links)
        .where(or_(links.source_id == company_id, links.target_id == company_id))
    )


@dataclass(frozen=True, slots=True)
class LinkRow:
    """One of an organisation's links as its table shows it, seen from that organisation."""

    id: int
    other_id: int
    other_name: str
    source_name: str
    directed: bool
    type_name: str
    start_date: date | None
    end_date: date | None
    evidence: str


@built_once
def _company_links(*, limited: bool) -> Select:
    """The statement of list_company_links, built once per shape (parameters company_id and
    limit): building it costs more than running it (about 700 Python calls; 4,400 with the
    aliases made on each call)."""
    source, target = aliased(Company), aliased(Company)
    link = CollaborationLink
    outgoing = link.source_id == bindparam("company_id")
    statement = (
        select(
            link.id,
            case((outgoing, link.target_id), else_=link.source_id),
            case((outgoing, target.name), else_=source.name),
            source.name,
            link.directed,
            LinkType.name,
            link.start_date,
            link.end_date,
            link.evidence,
        )
        .join(source, source.id == link.source_id)
        .join(target, target.id == link.target_id)
        .join(LinkType, LinkType.id == link.link_type_id)
        .where(or_(outgoing, link.target_id == bindparam("company_id")))
        .order_by(link.end_date.is_not(None), link.start_date.desc(), link.id)
    )
    return statement.limit(bindparam("limit", type_=Integer)) if limited else statement


def list_company_links(
    session: Session, company_id: int, *, limit: int | None = None
) -> list[LinkRow]:
    """An organisation's links, current ones first, then by start date (newest first).

    Columns, not whole links with both organisations and the type (three ORM objects a row):
    the organisation page shows twenty of them on every view.
    """
    rows = read(
        session,
        _company_links(limited=limit is not None),
        {"company_id": company_id, "limit": limit},
    )
    return [LinkRow(*row) for row in rows]


def newest_company_links(
    session: Session, company_id: int, *, shown: int
) -> tuple[list[LinkRow], int]:
    """The first `shown` of an organisation's links (list_company_links' order) and how many it
    has: one more than shown is read, so the count runs only when there are more."""
    links = list_company_links(session, company_id, limit=shown + 1)
    if len(links) > shown:
        return links[:shown], count_company_links(session, company_id)
    return links, len(links)


def list_link_types(session: Session, *, active_only: bool = False) -> list[LinkType]:
    """Link types in their order."""
    query = select(LinkType).order_by(LinkType.position, LinkType.name)
    if active_only:
        query = query.where(LinkType.active.is_(True))
    return list(session.scalars(query))


# --- filter choices ---------------------------------------------------------------------------


@dataclass
class FilterChoices:
    """(id, label) pairs the filter form offers; ids not among them are unknown."""

    clusters: list[tuple[int, str]]
    sectors: list[tuple[int, str]]
    places: list[tuple[int, str]]
    focus_areas: list[tuple[int, str]]
    link_types: list[tuple[str, str]]


def filter_choices(session: Session) -> FilterChoices:
    """Everything the network filter form can offer, in five small SELECTs."""
    return FilterChoices(
        clusters=[
            tuple(r)
            for r in session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.name))
        ],
        sectors=[
            tuple(r)
            for r in session.execute(
                select(Sector.id, Sector.name).order_by(Sector.position, Sector.name)
            )
        ],
        places=[
            tuple(r)
            for r in session.execute(
                select(Place.id, Place.name).order_by(Place.position, Place.name)
            )
        ],
        focus_areas=[
            (r.id, f"{r.number} {r.name}")
            for r in session.execute(
                select(FocusArea.id, FocusArea.number, FocusArea.name).order_by(
                    FocusArea.period_id, FocusArea.position, FocusArea.number
                )
            )
        ],
        link_types=[
            tuple(r)
            for r in session.execute(
                select(LinkType.key, LinkType.name).order_by(LinkType.position, LinkType.name)
            )
        ],
    )


# --- the filter -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkFilter:
    """What the map shows: a time window and selections; an empty selection means all."""

    start: date | None = None
    end: date | None = None
    clusters: tuple[int, ...] = ()
    sectors: tuple[int, ...] = ()
    focus_areas: tuple[int, ...] = ()
    places: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    link_types: tuple[str, ...] = ()
    min_weight: float = 0.0

    def key(self) -> str:
        """A short stable key for caches: the same filter gives the same key in every process."""
        values = asdict(self)
        for name, value in values.items():
            if isinstance(value, tuple):
                values[name] = sorted(value)
        text = json.dumps(values, default=str, sort_keys=True)
        return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]

    def to_json(self) -> dict:
        """The filter as JSON-safe values (a background job's argument)."""
        values = asdict(self)
        for name in ("start", "end"):
            values[name] = values[name].isoformat() if values[name] else None
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in values.items()
        }

    @classmethod
    def from_json(cls, values: dict) -> NetworkFilter:
        """The filter `to_json` gave."""
        fields = dict(values)
        for name in ("start", "end"):
            fields[name] = date.fromisoformat(fields[name]) if fields.get(name) else None
        for name in ("clusters", "sectors", "focus_areas", "places", "kinds", "link_types"):
            fields[name] = tuple(fields.get(name) or ())
        fields["min_weight"] = float(fields.get("min_weight") or 0.0)
        return cls(**fields)

    @property
    def window(self) -> tuple[date | None, date | None]:
        """The time window for graph.build_graph."""
        return (self.start, self.end)


@dataclass
class GraphRows:
    """Rows for graph.build_graph; or, from read_weight_rows, for engine.from_rows only, with
    the meetings' organisations in one array (`attendances`) instead of `meetings`."""

    nodes: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)
    meetings: list[MeetingRow] = field(default_factory=list)
    affiliations: list[tuple] = field(default_factory=list)
    cluster_names: dict[int, str] = field(default_factory=dict)
    attendances: Attendances | None = None

    def evidence(self) -> dict[str, list]:
        """The rows that make ties, as graph.build_graph's and engine.from_rows' arguments."""
        return {
            "links": self.links,
            "memberships": self.memberships,
            "meetings": self.meetings,
            "affiliations": self.affiliations,
        }

    @property
    def row_count(self) -> int:
        """How many rows were read (for the benchmark)."""
        return (
            len(self.nodes)
            + len(self.links)
            + len(self.memberships)
            + sum(len(m.organisation_ids) for m in self.meetings)
            + len(self.attendances or ())
            + len(self.affiliations)
        )


def _date_overlap(start_col, end_col, start: date | None, end: date | None) -> ColumnElement:
    conditions = []
    if start is not None:
        conditions.append(or_(end_col.is_(None), end_col >= start))
    if end is not None:
        conditions.append(or_(start_col.is_(None), start_col <= end))
    return and_(True, *conditions)


def _meeting_window(start: date | None, end: date | None) -> ColumnElement:
    """Meetings whose Oslo day lies in the window (starts_at is stored in UTC)."""
    conditions = []
    if start is not None:
        conditions.append(Meeting.starts_at >= datetime.combine(start, time(), OSLO))
    if end is not None:
        after = datetime.combine(end + timedelta(days=1), time(), OSLO)
        conditions.append(Meeting.starts_at < after)
    return and_(True, *conditions)


def _node_conditions(flt: NetworkFilter) -> list[ColumnElement]:
    conditions: list[ColumnElement] = []
    if flt.kinds:
        conditions.append(Company.kind.in_(flt.kinds))
    if flt.places:
        conditions.append(Company.place_id.in_(flt.places))
    if flt.sectors:
        conditions.append(
            Company.id.in_(
                select(company_sectors.c.company_id).where(
                    company_sectors.c.sector_id.in_(flt.sectors)
                )
            )
        )
    if flt.clusters:
        conditions.append(
            Company.id.in_(
                select(Membership.company_id).where(
                    Membership.cluster_id.in_(flt.clusters),
                    _date_overlap(Membership.joined_on, Membership.left_on, flt.start, flt.end),
                )
            )
        )
    if flt.focus_areas:
        # Organisations met in the window at meetings tagged with the focus area's strategies.
        conditions.append(
            Company.id.in_(
                select(meeting_companies.c.company_id)
                .join(Meeting, Meeting.id == meeting_companies.c.meeting_id)
                .join(meeting_strategies, meeting_strategies.c.meeting_id == Meeting.id)
                .join(Strategy, Strategy.id == meeting_strategies.c.strategy_id)
                .where(
                    Strategy.focus_area_id.in_(flt.focus_areas), _meeting_window(flt.start, flt.end)
                )
            )
        )
    return conditions


# The rows graph.build_graph reads, as tuples in its order; the callers choose which.
_MEMBERSHIP_ROWS = select(
    Membership.company_id,
    Membership.cluster_id,
    Cluster.name,
    Membership.joined_on,
    Membership.left_on,
).join(Cluster, Cluster.id == Membership.cluster_id)
# Read through a plain connection (no ORM events), so the restriction is spelled out: restricted
# people (GDPR art. 18) are out of the network for everyone, since its figures are shared.
_AFFILIATION_ROWS = (
    select(
        Affiliation.contact_id,
        Contact.name,
        Affiliation.company_id,
        Affiliation.start_date,
        Affiliation.end_date,
    )
    .join(Contact, Contact.id == Affiliation.contact_id)
    .where(Contact.restricted_at.is_(None))
)


def _link_rows() -> Select:
    """Links with their type's key (graph.LINK_TYPE weights are keyed by it)."""
    link_type = select(LinkType.id, LinkType.key).subquery()
    return select(
        CollaborationLink.id,
        CollaborationLink.source_id,
        CollaborationLink.target_id,
        link_type.c.key,
        CollaborationLink.start_date,
        CollaborationLink.end_date,
    ).join(link_type, link_type.c.id == CollaborationLink.link_type_id)


def read_graph_rows(
    session: Session, flt: NetworkFilter, *, max_meeting_orgs: int = g.MAX_MEETING_ORGS
) -> GraphRows:
    """The rows of the graph for a filter: organisations that match, and the evidence between them.

    Only evidence that can make a tie is read: meetings with two to `max_meeting_orgs`
    organisations (counting every attendee, also those the filter hides), and roles of people
    that overlap a role of theirs at another organisation. Link types are not applied here:
    graph.filter_graph keeps edges with a link of the chosen types, after the weights are
    summed over all evidence.
    """
    # The Core connection does not autoflush as session.execute does; flush for it, so that
    # changes made earlier in this transaction are read.
    session.flush()
    with g.paused_gc():
        return _read_graph_rows(session.connection(), flt, max_meeting_orgs, bare_meetings=False)


def read_weight_rows(
    session: Session, flt: NetworkFilter, *, max_meeting_orgs: int = g.MAX_MEETING_ORGS
) -> GraphRows:
    """What `read_graph_rows` reads, but the meetings as their organisations only, in one
    array (`GraphRows.attendances`, engine.from_rows pairs them).

    For the figures (the map's and the background job's), which need the weights, not the
    reasons: at the district's scale the meetings were 72,000 of the 76,000 rows read, and
    their titles, days and tuples most of the reading's time. These rows build no networkx
    graph (cache.graph_of refuses them); read_graph_rows' do.
    """
    session.flush()
    with g.paused_gc():
        return _read_graph_rows(session.connection(), flt, max_meeting_orgs, bare_meetings=True)


def _read_graph_rows(
    connection: Connection, flt: NetworkFilter, max_meeting_orgs: int, *, bare_meetings: bool
) -> GraphRows:
    def execute(statement: Select) -> Sequence[Row]:
        # Plain columns through the Core connection (no ORM object, no ORM row wrapping),
        # fetched all at once: row by row, the driver's fetchone would cost more than the query.
        return connection.execute(statement).all()

    rows = GraphRows()
    node_filter = _node_conditions(flt)

    # Sectors and clusters per organisation (small tables; read whole and grouped here).
    sectors_of: dict[int, list[str]] = defaultdict(list)
    for company_id, name in execute(
        select(company_sectors.c.company_id, Sector.name)
        .join(Sector, Sector.id == company_sectors.c.sector_id)
        .order_by(Sector.position, Sector.name)
    ):
        sectors_of[company_id].append(name)

    rows.memberships = [
        tuple(row)
        for row in execute(
            _MEMBERSHIP_ROWS.where(
                _date_overlap(Membership.joined_on, Membership.left_on, flt.start, flt.end)
            )
        )
    ]
    clusters_of: dict[int, set[int]] = defaultdict(set)
    for company_id, cluster_id, name, _joined, _left in rows.memberships:
        clusters_of[company_id].add(cluster_id)
        rows.cluster_names[cluster_id] = name

    node_query = select(Company.id, Company.name, Company.kind, Place.name).outerjoin(
        Place, Place.id == Company.place_id
    )
    if node_filter:
        node_query = node_query.where(*node_filter)
    rows.nodes = [
        (
            cid,
            name,
            kind,
            place,
            tuple(sectors_of.get(cid, ())),
            tuple(sorted(clusters_of.get(cid, ()))),
        )
        for cid, name, kind, place in execute(node_query)
    ]

    rows.links = [
        tuple(row)
        for row in execute(
            _link_rows().where(
                _date_overlap(
                    CollaborationLink.start_date, CollaborationLink.end_date, flt.start, flt.end
                )
            )
        )
    ]

    # Meetings that can make a tie: two or more organisations, and not so many that it is a
    # conference (graph.MAX_MEETING_ORGS). The size counts every attendee, also those the
    # filter hides: a conference stays a conference when the map is filtered.
    sized = (
        select(meeting_companies.c.meeting_id)
        .group_by(meeting_companies.c.meeting_id)
        .having(func.count().between(2, max_meeting_orgs))
    )
    attendances = _attendances(flt, sized)
    if bare_meetings:
        # One array of integers: no tuple per meeting is made or kept.
        values = connection.execute(attendances).all()
        flat = np.fromiter(chain.from_iterable(values), dtype=np.int64, count=2 * len(values))
        rows.attendances = Attendances(flat.reshape(-1, 2))
    else:
        rows.meetings = _meeting_rows(connection, flt, attendances, sized)

    # Roles that overlap a role of the same person at another organisation; no other role can
    # make a tie (most people have one job at a time).
    other = aliased(Affiliation)
    overlapping = (
        select(other.id)
        .where(
            other.contact_id == Affiliation.contact_id,
            other.company_id != Affiliation.company_id,
            or_(
                other.end_date.is_(None),
                Affiliation.start_date.is_(None),
                other.end_date >= Affiliation.start_date,
            ),
            or_(
                other.start_date.is_(None),
                Affiliation.end_date.is_(None),
                other.start_date <= Affiliation.end_date,
            ),
        )
        .exists()
    )
    rows.affiliations = [
        tuple(row)
        for row in execute(
            _AFFILIATION_ROWS.where(
                overlapping,
                _date_overlap(Affiliation.start_date, Affiliation.end_date, flt.start, flt.end),
            )
        )
    ]
    return rows


def read_neighbourhood_rows(
    session: Session, company_id: int, *, max_meeting_orgs: int = g.MAX_MEETING_ORGS
) -> GraphRows:
    """The evidence that can tie one organisation to others, over the whole period.

    Four SELECTs whatever the number of ties: every membership of the clusters it belongs
    to (all members, so that graph.MAX_CLUSTER_ORGS counts them), its registered links, the
    meetings it attended with two to `max_meeting_orgs` organisations (all their attendees),
    and every role of the people with a role there. graph.build_graph on these rows gives the
    organisation the same ties, weights and reasons as the whole district's graph; ties
    between the other organisations are incomplete and must not be read. Nodes carry ids
    only (names are read for the few shown, with company_facts).
    """
    session.flush()
    connection = session.connection()
    rows = GraphRows()
    own_clusters = select(Membership.cluster_id).where(Membership.company_id == company_id)
    rows.memberships = [
        tuple(row)
        for row in connection.execute(
            _MEMBERSHIP_ROWS.where(Membership.cluster_id.in_(own_clusters))
        )
    ]
    rows.links = [
        tuple(row)
        for row in connection.execute(
            _link_rows().where(
                or_(
                    CollaborationLink.source_id == company_id,
                    CollaborationLink.target_id == company_id,
                )
            )
        )
    ]
    attended = select(meeting_companies.c.meeting_id).where(
        meeting_companies.c.company_id == company_id
    )
    sized = (
        select(meeting_companies.c.meeting_id)
        .where(meeting_companies.c.meeting_id.in_(attended))
        .group_by(meeting_companies.c.meeting_id)
        .having(func.count().between(2, max_meeting_orgs))
    )
    meetings: dict[int, tuple[str, date, list[int]]] = {}
    for meeting_id, title, starts_at, attendee in connection.execute(
        select(Meeting.id, Meeting.title, Meeting.starts_at, meeting_companies.c.company_id)
        .join(meeting_companies, meeting_companies.c.meeting_id == Meeting.id)
        .where(Meeting.id.in_(sized))
        .order_by(Meeting.starts_at, Meeting.id)
    ):
        if meeting_id not in meetings:
            meetings[meeting_id] = (title, _oslo_day(starts_at), [])
        meetings[meeting_id][2].append(attendee)
    rows.meetings = [
        MeetingRow(meeting_id, title, day, tuple(orgs))
        for meeting_id, (title, day, orgs) in meetings.items()
    ]
    people = select(Affiliation.contact_id).where(Affiliation.company_id == company_id)
    rows.affiliations = [
        tuple(row)
        for row in connection.execute(_AFFILIATION_ROWS.where(Affiliation.contact_id.in_(people)))
    ]
    ids = {company_id}
    ids.update(row[0] for row in rows.memberships)
    ids.update(row[1] for row in rows.links)
    ids.update(row[2] for row in rows.links)
    ids.update(org for meeting in rows.meetings for org in meeting.organisation_ids)
    ids.update(row[2] for row in rows.affiliations)
    rows.nodes = [(node, None, None, None, (), ()) for node in sorted(ids)]
    return rows


def _attendances(flt: NetworkFilter, sized: Select) -> Select:
    """(meeting, organisation) of the meetings in the window that can make a tie."""
    statement = select(meeting_companies.c.meeting_id, meeting_companies.c.company_id).where(
        meeting_companies.c.meeting_id.in_(sized)
    )
    if flt.start is not None or flt.end is not None:
        # Only a window needs the meetings' times (every attendance has its meeting: FK).
        statement = statement.join(Meeting, Meeting.id == meeting_companies.c.meeting_id).where(
            _meeting_window(flt.start, flt.end)
        )
    return statement


def _meeting_rows(
    connection: Connection, flt: NetworkFilter, attendances: Select, sized: Select
) -> list[MeetingRow]:
    """The meetings of `attendances`, oldest first, with their organisations."""
    organisations: dict[int, list[int]] = defaultdict(list)
    for meeting_id, company_id in connection.execute(attendances).all():
        organisations[meeting_id].append(company_id)
    if not organisations:
        return []
    meetings = []
    for meeting_id, title, starts_at in connection.execute(
        # In time order, so that an edge lists its meetings oldest first.
        select(Meeting.id, Meeting.title, Meeting.starts_at)
        .where(_meeting_window(flt.start, flt.end), Meeting.id.in_(sized))
        .order_by(Meeting.starts_at, Meeting.id)
    ).all():
        orgs = organisations.get(meeting_id)
        if orgs:
            meetings.append(MeetingRow(meeting_id, title, _oslo_day(starts_at), tuple(orgs)))
    return meetings


def _oslo_day(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite without the UTCDateTime decorator in a raw select
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(OSLO).date()


def company_facts(session: Session, company_ids: list[int]) -> dict[int, dict]:
    """Name, kind, place, employees and organisation number of the given organisations."""
    if not company_ids:
        return {}
    result = {}
    for chunk_start in range(0, len(company_ids), 900):
        chunk = company_ids[chunk_start : chunk_start + 900]
        for row in session.execute(
            select(
                Company.id,
                Company.name,
                Company.kind,
                Company.org_number,
                Company.employees,
                Place.name.label("place"),
            )
            .outerjoin(Place, Place.id == Company.place_id)
            .where(Company.id.in_(chunk))
        ):
            result[row.id] = row._asdict()
    return result


def meeting_participants(session: Session, meeting_ids: Sequence[int]) -> list[Participant]:
    """The people who took part in these meetings for one of the meeting's organisations.

    One SELECT: a participant counts for each organisation of the meeting where they have a
    role (any period: who they were there for is what the meeting record says).
    """
    if not meeting_ids:
        return []
    statement = (
        select(
            meeting_contacts.c.meeting_id,
            Contact.id,
            Contact.name,
            Affiliation.company_id,
        )
        .join(Contact, Contact.id == meeting_contacts.c.contact_id)
        .join(Affiliation, Affiliation.contact_id == Contact.id)
        .join(
            meeting_companies,
            and_(
                meeting_companies.c.meeting_id == meeting_contacts.c.meeting_id,
                meeting_companies.c.company_id == Affiliation.company_id,
            ),
        )
        .where(meeting_contacts.c.meeting_id.in_(sorted(set(meeting_ids))[:900]))
        .distinct()
        .order_by(meeting_contacts.c.meeting_id, Contact.name, Contact.id)
        .execution_options(hide_restricted=True)
    )
    return [Participant(*row) for row in session.execute(statement)]


def cluster_member_rows(session: Session, cluster_id: int) -> list[MembershipRow]:
    """Every membership period of one cluster."""
    return [
        MembershipRow(*row)
        for row in session.execute(_MEMBERSHIP_ROWS.where(Membership.cluster_id == cluster_id))
    ]


# --- the graph's version ----------------------------------------------------------------------


def graph_version(session: Session) -> str:
    """A value that changes whenever anything the graph is built from changes (committed),
    the same for every reader: one row kept by triggers (crm.network.version)."""
    return version.read(session)
