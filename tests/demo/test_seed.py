"""The demo data: what the strategy names is there, once, and without invented org numbers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.clusters.models import Cluster
from crm.companies.models import Company, Place, Sector
from crm.contacts.models import Contact
from crm.demo.seed import seed_demo
from crm.meetings.models import Meeting
from crm.tasks.models import Task
from tests.factories import make_place, make_user

# Every actor named in /work/shared/DOMAIN.md, as the department would search for it.
ACTORS = (
    "IFE", "NILU", "FFI", "Norsar", "Kjeller Innovasjon", "Kunnskapsbyen Lillestrøm",
    "Infinitum", "RainPower", "Akershus Energi", "Auto-Maskin", "Pon Equipment", "Ahus",
    "Thermo Fisher", "Bergman Diagnostica", "Aidee", "OsloMet", "UiO", "Fagskolen i Viken",
    "Nova Spektrum", "X Meeting Point", "Strømmen Storsenter", "Lillestrøm kultursenter",
    "Nitja", "Lillestrøm Culture Hub", "Blaker Skanse", "Business Lillestrøm",
    "Business Sørumsand", "Scale Up", "Ungt Entreprenørskap",
)  # fmt: skip
CLUSTERS = (
    "Solenergiklyngen", "H2Cluster", "Hydrogenklyngen", "Romerike Helsehub", "Tømmerruta",
    "Visit Greater Oslo", "LUP",
)  # fmt: skip


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _find(session, model, name: str):
    return session.scalars(select(model).where(model.name.contains(name))).first()


def test_every_actor_and_cluster_of_the_strategy_is_loaded(session):
    seed_demo(session)
    names = list(session.scalars(select(Company.name)))
    missing = [a for a in ACTORS if not any(a in n for n in names)]
    assert missing == []
    cluster_names = list(session.scalars(select(Cluster.name)))
    assert [c for c in CLUSTERS if not any(c in n for n in cluster_names)] == []


def test_clusters_have_the_kind_and_facilitator_the_strategy_gives(session):
    seed_demo(session)
    h2 = _find(session, Cluster, "H2Cluster")
    assert h2.kind == "cluster" and h2.facilitator.name == "Kjeller Innovasjon"
    assert _find(session, Cluster, "LUP").kind == "programme"
    assert _find(session, Cluster, "Tømmerruta").kind == "network"
    helsehub = _find(session, Cluster, "Romerike Helsehub")
    assert "Lillestrøm helseklynge" in helsehub.description
    assert len(helsehub.memberships) >= 5
    assert any(m.left_on is not None for m in helsehub.memberships)


def test_no_demo_organisation_has_an_organisation_number(session):
    seed_demo(session)
    demo = session.scalar(select(func.count()).select_from(Company).where(Company.is_demo))
    with_number = session.scalar(
        select(func.count()).select_from(Company).where(Company.org_number.is_not(None))
    )
    assert demo >= len(ACTORS) and with_number == 0


def test_second_run_adds_nothing(session):
    first = seed_demo(session)
    before = {m: _count(session, m) for m in (Company, Cluster, Contact, Meeting, Task, Place)}
    second = seed_demo(session)
    after = {m: _count(session, m) for m in (Company, Cluster, Contact, Meeting, Task, Place)}
    assert first["companies"] > 0 and first["meetings"] >= 40
    assert set(second.values()) == {0}
    assert after == before


def test_growth_areas_and_prioritised_sectors_follow_the_strategy(session):
    seed_demo(session)
    growth = {p.name: p.growth_area for p in session.scalars(select(Place))}
    assert growth["Lillestrøm sentrum"] and growth["Berger"] and growth["Heia"]
    assert growth["Kjeller"] and growth["Fetsund sentrum"]
    assert not growth["Blaker"] and not growth["Skjetten"]
    prioritised = {s.name: s.prioritised for s in session.scalars(select(Sector))}
    assert prioritised["Helse"] and prioritised["Energi"] and prioritised["Klima"]
    assert not prioritised["Handel"]
    assert _find(session, Company, "Pon Equipment").place.name == "Berger"


def test_places_an_admin_made_already_are_reused(session):
    make_place(session, name="Berger", growth_area=True)
    counts = seed_demo(session)
    assert counts["places"] == 12
    assert session.scalar(select(func.count()).where(Place.name == "Berger")) == 1


def test_a_cluster_an_admin_registered_already_is_left_alone(session):
    session.add(Cluster(name="Tømmerruta", kind="network", description="Vår egen"))
    session.flush()
    seed_demo(session)
    mine = session.scalars(select(Cluster).where(Cluster.name == "Tømmerruta")).one()
    assert mine.description == "Vår egen" and mine.memberships == [] and not mine.is_demo
    assert _find(session, Cluster, "Solenergiklyngen").is_demo


def test_people_are_fictitious_and_meetings_tagged_with_strategies(session):
    seed_demo(session)
    contacts = list(session.scalars(select(Contact)))
    assert len(contacts) >= 25
    assert all(c.email.endswith("@example.no") and c.is_demo for c in contacts)
    meetings = list(session.scalars(select(Meeting)))
    assert all(m.companies and m.strategies for m in meetings)
    assert {m.kind for m in meetings} >= {"meeting", "visit", "phone", "workshop", "conference"}
    assert min(m.starts_at for m in meetings).year == 2022
    assert max(m.starts_at for m in meetings).year == 2026
    assert any(m.strategies[0].number == "1.1" for m in meetings)


def test_meetings_and_tasks_go_to_the_first_admin_when_there_is_one(session):
    admin = make_user(session, role="admin")
    seed_demo(session)
    meeting = session.scalars(select(Meeting).where(Meeting.title.contains("Hydrogen"))).first()
    assert meeting.staff == [admin]
    tasks = list(session.scalars(select(Task)))
    assert tasks and all(t.assignee == admin and t.meeting is not None for t in tasks)
    assert any(not t.done for t in tasks) and any(t.done for t in tasks)
    assert all(t.due_on > date(2022, 1, 1) for t in tasks)


def test_demo_has_collaboration_links_and_establishment_cases_with_history(session):
    from crm.establishments.models import EstablishmentCase, StageChange
    from crm.network.models import CollaborationLink

    counts = seed_demo(session)
    links = session.scalars(select(CollaborationLink)).all()
    cases = session.scalars(select(EstablishmentCase)).all()
    assert counts["links"] == len(links) >= 5
    assert all(link.source_id < link.target_id for link in links)
    assert counts["cases"] == len(cases) >= 3
    assert {case.stage.key for case in cases} >= {"site_search", "established"}
    established = [case for case in cases if case.stage.key == "established"]
    assert all(c.established_place and c.established_on and c.actual_jobs for c in established)
    # Every case starts with its first stage recorded, so the pipeline report has history.
    first = session.scalars(select(StageChange).where(StageChange.from_stage_id.is_(None))).all()
    assert len(first) == len(cases)


def test_the_demo_has_two_action_plans_and_the_strategys_2020_figures(session):
    from crm.indicators.queries import indicator_series
    from crm.plans import queries as plan_queries

    seed_demo(session)
    plans = {p.name: p for p in plan_queries.list_plans(session)}
    assert set(plans) == {"Handlingsplan 2022–2024", "Handlingsplan 2025–2027"}
    old, new = plans["Handlingsplan 2022–2024"], plans["Handlingsplan 2025–2027"]
    old_counts = plan_queries.status_counts(session, old.id)
    # The new plan took over the old one's open measures (planned or started) and adds its own.
    taken_over = [m for m in plan_queries.plan_measures(session, new.id) if m.copied_from_id]
    assert len(taken_over) == old_counts["planned"] + old_counts["started"]
    assert old_counts["done"] and old_counts["dropped"]
    assert any(not plan_queries.measure_evidence(session, m.id).empty for m in old.measures)
    series = indicator_series(session)
    assert series["jobs"][0].year == 2020 and series["jobs"][0].value == 40_000
    first = series["value_per_employee"][0]
    assert (first.value, first.national_value) == (650_000, 692_000)
