"""The synthetic data generator: the counts asked for, valid numbers, the same data per seed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from crm.clusters.models import Cluster, Membership
from crm.common.orgnr import is_valid_orgnr
from crm.companies.models import Company
from crm.contacts.models import Affiliation, Contact
from crm.demo.generate import generate
from crm.demo.seed import seed_demo
from crm.extensions import db
from crm.meetings.models import Meeting, meeting_companies, meeting_staff
from crm.network.models import CollaborationLink, LinkType
from crm.tasks.models import Task
from tests.factories import make_company, make_user

SMALL = {"companies": 200, "contacts": 300, "meetings": 500}
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def _count(session, what) -> int:
    return session.scalar(select(func.count()).select_from(what))


def _first_names(session) -> list[str]:
    return list(session.scalars(select(Company.name).order_by(Company.id).limit(10)))


def test_it_makes_the_numbers_of_records_asked_for(session):
    counts = generate(session, **SMALL, seed=1, now=NOW)
    assert _count(session, Company) == counts["companies"] == 200
    assert _count(session, Contact) == counts["contacts"] == 300
    assert _count(session, Meeting) == counts["meetings"] == 500
    assert _count(session, Affiliation) >= 300
    assert _count(session, Cluster) == 20
    assert _count(session, Membership) == counts["memberships"] >= 20 * 15
    # About 8 explicit links per 11 organisations.
    assert _count(session, CollaborationLink) == counts["links"] == round(200 * 8 / 11)
    # About one meeting in five leaves a task.
    assert 50 <= _count(session, Task) <= 150


def test_organisation_numbers_are_valid_and_unique(session):
    generate(session, **SMALL, seed=1, now=NOW)
    numbers = list(session.scalars(select(Company.org_number)))
    assert None not in numbers
    assert all(is_valid_orgnr(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(session):
    generate(session, **SMALL, seed=7, now=NOW)
    first = _first_names(session)
    session.rollback()
    generate(session, **SMALL, seed=7, now=NOW)
    again = _first_names(session)
    session.rollback()
    generate(session, **SMALL, seed=8, now=NOW)
    other = _first_names(session)
    assert len(first) == 10 and first == again
    assert other != first


def test_the_day_it_runs_moves_the_dates_but_not_the_records(session):
    counts = generate(session, **SMALL, seed=3, now=NOW)
    first = _first_names(session)
    session.rollback()
    later = generate(session, **SMALL, seed=3, now=datetime(2027, 3, 1, 9, tzinfo=UTC))
    assert _first_names(session) == first and later == counts


def test_meetings_reference_existing_organisations(session):
    generate(session, **SMALL, seed=1, now=NOW)
    orphans = session.scalar(
        select(func.count())
        .select_from(meeting_companies.outerjoin(Company.__table__))
        .where(Company.id.is_(None))
    )
    without_organisation = session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(
            ~select(meeting_companies).where(meeting_companies.c.meeting_id == Meeting.id).exists()
        )
    )
    assert orphans == 0 and without_organisation == 0
    # A few big events with 20 or more organisations, most meetings with one to four.
    sizes = session.scalars(
        select(func.count()).select_from(meeting_companies).group_by(meeting_companies.c.meeting_id)
    ).all()
    assert max(sizes) <= 60 and sorted(sizes)[len(sizes) // 2] <= 4
    # Each link holds its meeting's start (written by the generator; the timeline reads it).
    wrong = session.scalar(
        select(func.count())
        .select_from(meeting_companies.join(Meeting))
        .where(meeting_companies.c.starts_at != Meeting.starts_at)
    )
    assert wrong == 0


def test_records_look_like_the_municipality(session):
    generate(session, **SMALL, seed=1, now=NOW)
    companies = list(session.scalars(select(Company)))
    assert sum(c.kind == "company" for c in companies) > 0.8 * len(companies)
    not_reported = sum(c.employees is None for c in companies)
    assert 0.1 * len(companies) < not_reported < 0.3 * len(companies)
    assert sum(c.place_id is not None for c in companies) > 0.8 * len(companies)
    contacts = list(session.scalars(select(Contact)))
    assert all(c.email is None or c.email.endswith("@example.no") for c in contacts)
    assert all(
        c.phone is None or (c.phone.startswith("+479") and len(c.phone) == 11) for c in contacts
    )
    starts = session.scalars(select(Meeting.starts_at)).all()
    assert min(starts).year >= 2016 and max(starts) <= NOW
    audited = session.scalars(select(Meeting)).first()
    assert audited.version == 1 and audited.created_at is not None


def test_it_adds_to_demo_data_and_gives_meetings_to_existing_advisers(session):
    adviser = make_user(session)
    seed_demo(session)
    generate(session, **SMALL, seed=1, now=NOW)
    assert _count(session, Company) == 200 + session.scalar(
        select(func.count()).select_from(Company).where(Company.is_demo)
    )
    assert (
        session.scalar(
            select(func.count())
            .select_from(meeting_staff)
            .where(meeting_staff.c.user_id == adviser.id)
        )
        >= 500
    )


def test_given_an_engine_it_commits_on_its_own(session):
    generate(db.engine, companies=5, contacts=5, meetings=5, seed=1, now=NOW)
    session.rollback()
    assert _count(session, Company) == 5 and _count(session, Meeting) == 5


def test_records_added_afterwards_get_fresh_ids(session):
    generate(session, companies=20, contacts=20, meetings=20, seed=1, now=NOW)
    session.commit()
    # On PostgreSQL the id sequences must have moved past the ids the generator chose.
    newest = make_company(session, name="Ny bedrift AS")
    assert newest.id > session.scalar(select(func.max(Company.id)).where(Company.id != newest.id))


def test_clusters_have_tens_of_members_and_one_regional_network_hundreds(session):
    generate(session, companies=1_000, contacts=50, meetings=0, seed=1, now=NOW)
    sizes = dict(
        session.execute(
            select(Cluster.name, func.count(Membership.id))
            .join(Membership, Membership.cluster_id == Cluster.id)
            .group_by(Cluster.name)
        ).all()
    )
    regional = sizes.pop("Reiselivsnettverket Romerike")
    assert 250 <= regional <= 400
    assert all(15 <= size <= 150 for size in sizes.values())
    # Most have a few dozen members, as H2Cluster or Solenergiklyngen do.
    assert 30 <= sorted(sizes.values())[len(sizes) // 2] <= 70
    assert 1 <= sum(size > 100 for size in sizes.values()) <= 6
    network = session.scalar(select(Cluster).where(Cluster.name == "Reiselivsnettverket Romerike"))
    assert network.kind == "network"


def test_links_are_valid_distinct_and_of_the_default_types(session):
    generate(session, **SMALL, seed=1, now=NOW)
    links = list(session.scalars(select(CollaborationLink)))
    keys = dict(session.execute(select(LinkType.id, LinkType.key)).all())
    assert links and all(link.source_id != link.target_id for link in links)
    pairs = [
        (
            min(link.source_id, link.target_id),
            max(link.source_id, link.target_id),
            link.link_type_id,
        )
        for link in links
    ]
    assert len(set(pairs)) == len(pairs)
    # Undirected links are stored with the smaller id first, as the link service does.
    assert all(link.source_id < link.target_id for link in links if not link.directed)
    used = {keys[link.link_type_id] for link in links}
    assert {"project", "partnership", "supplier"} <= used
    assert all(
        keys[link.link_type_id] in ("supplier", "customer", "ownership", "spin_off")
        for link in links
        if link.directed
    )
    assert all(link.end_date is None or link.end_date >= link.start_date for link in links)
    assert all(link.start_date <= NOW.date() for link in links)


def test_links_can_be_left_out_and_are_the_same_per_seed(session):
    generate(session, **SMALL, seed=5, now=NOW, links=0)
    assert _count(session, CollaborationLink) == 0
    session.rollback()
    generate(session, **SMALL, seed=5, now=NOW, links=40)
    first = session.execute(
        select(CollaborationLink.source_id, CollaborationLink.target_id).order_by(
            CollaborationLink.id
        )
    ).all()
    session.rollback()
    generate(session, **SMALL, seed=5, now=NOW, links=40)
    again = session.execute(
        select(CollaborationLink.source_id, CollaborationLink.target_id).order_by(
            CollaborationLink.id
        )
    ).all()
    assert len(first) == 40 and first == again


def test_some_people_sit_on_a_board_beside_their_job(session):
    generate(session, companies=200, contacts=2_000, meetings=0, seed=1, now=NOW)
    board_seats = list(
        session.scalars(select(Affiliation).where(Affiliation.title.in_(("Styremedlem",))))
    )
    assert 50 < len(board_seats) < 150  # about 7 % of 2,000 people, half of them members
    overlapping = 0
    for seat in board_seats:
        others = session.scalars(
            select(Affiliation).where(
                Affiliation.contact_id == seat.contact_id,
                Affiliation.company_id != seat.company_id,
            )
        )
        overlapping += any(
            (other.end_date is None or other.end_date >= seat.start_date)
            and (seat.end_date is None or other.start_date <= seat.end_date)
            for other in others
        )
    assert overlapping > len(board_seats) / 2


def test_calls_e_mails_and_visits_involve_one_organisation(session):
    generate(session, **SMALL, seed=1, now=NOW)
    sizes = session.execute(
        select(Meeting.kind, func.count())
        .join(meeting_companies, meeting_companies.c.meeting_id == Meeting.id)
        .group_by(Meeting.id, Meeting.kind)
    ).all()
    assert {kind for kind, _ in sizes} >= {"phone", "email", "visit", "meeting"}
    assert all(n == 1 for kind, n in sizes if kind in ("phone", "email"))
    # A visit may have an incubator or the cluster organisation along.
    assert all(n <= 2 for kind, n in sizes if kind == "visit")
    assert any(n > 1 for kind, n in sizes if kind == "meeting")


def test_the_command_leaves_postgresql_with_statistics_of_what_it_made(runner, session):
    """Without ANALYZE the planner takes the new tables for empty (the people list took 2.4 s)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("ANALYZE runs on PostgreSQL only; this run uses SQLite")
    result = runner.invoke(
        args=["crm", "generate", "--companies=30", "--contacts=40", "--meetings=50"]
    )
    assert result.exit_code == 0, result.output
    estimated = session.execute(
        text("SELECT reltuples FROM pg_class WHERE relname = 'contacts'")
    ).scalar_one()
    assert estimated == 40
