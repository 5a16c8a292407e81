"""Factories with readable defaults; they flush, the test decides whether to commit."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from crm.auth import services as auth_services
from crm.auth.models import User
from crm.clusters.models import Cluster, Membership
from crm.common.dates import local_today
from crm.companies.models import Company, Place, Sector
from crm.contacts.models import Affiliation, Contact
from crm.meetings.models import Meeting
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod
from crm.tasks.models import Task

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(session: Session, **overrides) -> User:
    """A user; every field can be overridden."""
    n = next(_counter)
    values = {
        "email": f"user{n}@lillestrom.kommune.no",
        "name": f"Test User {n}",
        "role": "editor",
        "password": DEFAULT_PASSWORD,
    }
    values.update(overrides)
    return auth_services.create_user(session, **values)


def make_place(session: Session, **overrides) -> Place:
    """A place in the municipality."""
    n = next(_counter)
    values = {"name": f"Sted {n}", "growth_area": False, "position": n}
    values.update(overrides)
    place = Place(**values)
    session.add(place)
    session.flush()
    return place


def make_sector(session: Session, **overrides) -> Sector:
    """A sector."""
    n = next(_counter)
    values = {"name": f"Sektor {n}", "position": n}
    values.update(overrides)
    sector = Sector(**values)
    session.add(sector)
    session.flush()
    return sector


def make_company(session: Session, **overrides) -> Company:
    """An organisation without organisation number unless one is given."""
    n = next(_counter)
    values = {"name": f"Bedrift {n} AS", "kind": "company"}
    values.update(overrides)
    company = Company(**values)
    session.add(company)
    session.flush()
    return company


def make_contact(session: Session, **overrides) -> Contact:
    """A person."""
    n = next(_counter)
    values = {"name": f"Person {n}", "email": f"person{n}@example.no"}
    values.update(overrides)
    contact = Contact(**values)
    session.add(contact)
    session.flush()
    return contact


def make_affiliation(session: Session, **overrides) -> Affiliation:
    """A person's role at an organisation (both made if not given)."""
    values = {"title": "Daglig leder", "start_date": date(2020, 1, 1)}
    values.update(overrides)
    if "contact" not in values and "contact_id" not in values:
        values["contact"] = make_contact(session)
    if "company" not in values and "company_id" not in values:
        values["company"] = make_company(session)
    affiliation = Affiliation(**values)
    session.add(affiliation)
    session.flush()
    return affiliation


def make_cluster(session: Session, **overrides) -> Cluster:
    """A cluster."""
    n = next(_counter)
    values = {"name": f"Klynge {n}", "kind": "cluster"}
    values.update(overrides)
    cluster = Cluster(**values)
    session.add(cluster)
    session.flush()
    return cluster


def make_membership(session: Session, **overrides) -> Membership:
    """A current membership (cluster and organisation made if not given)."""
    values = {"role": "member", "joined_on": date(2021, 1, 1)}
    values.update(overrides)
    if "cluster" not in values and "cluster_id" not in values:
        values["cluster"] = make_cluster(session)
    if "company" not in values and "company_id" not in values:
        values["company"] = make_company(session)
    membership = Membership(**values)
    session.add(membership)
    session.flush()
    return membership


def make_strategy(session: Session, **overrides) -> Strategy:
    """A strategy under a focus area of a current period (made if not given)."""
    n = next(_counter)
    if "focus_area" not in overrides and "focus_area_id" not in overrides:
        period = StrategyPeriod(name=f"Strategi {n}", start_year=2022, end_year=2030, current=True)
        area = FocusArea(period=period, number="1", name=f"Innsatsområde {n}", sdgs="8,9")
        session.add_all([period, area])
        overrides["focus_area"] = area
    values = {"number": f"1.{n}", "name": f"Strategi {n}"}
    values.update(overrides)
    strategy = Strategy(**values)
    session.add(strategy)
    session.flush()
    return strategy


def make_meeting(session: Session, **overrides) -> Meeting:
    """A meeting yesterday at ten."""
    n = next(_counter)
    values = {
        "title": f"Møte {n}",
        "kind": "meeting",
        "starts_at": datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
        - timedelta(days=1),
    }
    values.update(overrides)
    meeting = Meeting(**values)
    session.add(meeting)
    session.flush()
    return meeting


def make_task(session: Session, **overrides) -> Task:
    """An open task due in a week."""
    n = next(_counter)
    values = {"title": f"Oppfølging {n}", "due_on": local_today() + timedelta(days=7)}
    values.update(overrides)
    task = Task(**values)
    session.add(task)
    session.flush()
    return task


def make_plan(session: Session, **overrides):
    """An action plan for 2022–2024 (no measures copied)."""
    from crm.plans import services as plan_services

    n = next(_counter)
    values = {"name": f"Handlingsplan {n}", "start_year": 2022, "end_year": 2024}
    values.update(overrides)
    return plan_services.create_plan(session, copy_open_measures=False, **values)


def make_measure(session: Session, **overrides):
    """A planned measure in a plan (made if not given)."""
    from crm.plans import services as plan_services

    n = next(_counter)
    values = {"title": f"Tiltak {n}"}
    values.update(overrides)
    if "plan" not in values:
        values["plan"] = make_plan(session)
    return plan_services.create_measure(session, **values)


def make_indicator_value(session: Session, **overrides):
    """Jobs in the municipality in 2020."""
    from crm.indicators import services as indicator_services

    values = {"indicator": "jobs", "year": 2020, "value": 40_000, "source": "SSB"}
    values.update(overrides)
    return indicator_services.record_value(session, **values)


def make_token(session: Session, *, user: User | None = None, scope: str = "write", **overrides):
    """A personal API token (and its text) for `user`, or for a new editor."""
    from crm.api import services as api_services

    user = user or make_user(session)
    values = {"name": "script", "scope": scope, "expires_at": None}
    values.update(overrides)
    return api_services.create_token(session, user=user, **values)


def merge_into(session: Session, kept, other):
    """Merge organisation or person `other` into `kept` as the merge page does when the user
    keeps every field of `kept`; committed. Returns the merge's run."""
    from crm.imports.merge import merge_companies, merge_contacts

    merge = merge_companies if isinstance(kept, Company) else merge_contacts
    run = merge(
        session,
        kept=kept,
        other=other,
        choices={},
        kept_version=kept.version,
        other_version=other.version,
        user_id=None,
    )
    session.commit()
    return run
