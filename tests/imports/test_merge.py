"""Duplicates are found at scale; a merge moves everything to the kept record and loses nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.clusters.models import Cluster, Membership
from crm.common.errors import StaleObjectError
from crm.companies.models import Company
from crm.contacts.models import Affiliation, Contact
from crm.establishments.models import EstablishmentCase, Stage, WarningFlag
from crm.extensions import db
from crm.imports import queries
from crm.imports.labels import RECORD_USE
from crm.imports.merge import COMPANY_MOVES, CONTACT_MOVES, merge_companies, merge_contacts
from crm.imports.models import ImportRun
from crm.imports.queries import (
    Candidate,
    find_duplicate_companies,
    find_duplicate_contacts,
    find_duplicates,
    normalise_name,
)
from crm.meetings.models import meeting_companies, meeting_contacts
from crm.network.models import CollaborationLink, LinkType
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_membership,
    make_place,
    make_sector,
    make_task,
    merge_into,
)
from tests.imports.brreg_fixtures import make_orgnr


def test_normalised_names_drop_legal_forms_and_punctuation():
    assert normalise_name("Kjeller Innovasjon AS") == "kjeller innovasjon"
    assert normalise_name("H2 Cluster, SA.") == "h2 cluster"
    assert normalise_name("ÆRLIG GRØNN ANS") == "ærlig grønn"


def test_duplicate_organisations_need_a_similar_name_in_the_same_town(session):
    a = make_company(session, name="Romerike Helsehub AS", post_town="LILLESTRØM")
    b = make_company(session, name="Romerike Helsehub", post_town="Lillestrøm")
    make_company(session, name="Romerike Helsehub AS", post_town="Kjeller")
    make_company(session, name="Noe Helt Annet AS", post_town="Lillestrøm")
    pairs = find_duplicates(session, table="companies")
    assert [(p.first.id, p.second.id, p.score) for p in pairs] == [(a.id, b.id, 100)]


def test_duplicate_people_by_email_or_name(session):
    a = make_contact(session, name="Kari Nordmann", email="kari@example.no")
    b = make_contact(session, name="K. Nordmann", email="KARI@example.no")
    c = make_contact(session, name="Per Hansen", email=None)
    d = make_contact(session, name="Hansen, Per", email="per@example.no")
    pairs = {
        (p.first.id, p.second.id): p.reason for p in find_duplicates(session, table="contacts")
    }
    assert pairs == {(a.id, b.id): "email", (c.id, d.id): "name"}


def test_duplicate_finder_compares_within_blocks_at_eleven_thousand_organisations(monkeypatch):
    """A bound on the work, not on the clock (timings belong in bench/): the finder compares
    names only within blocks, so 11,000 organisations cost a small share of all n² pairs and
    the quadratic version that took minutes cannot come back unnoticed."""
    towns = ["lillestrøm", "kjeller", "strømmen", "skjetten", "fetsund", "sørumsand", ""]
    words = ["nordisk", "grønn", "energi", "helse", "bygg", "data", "kraft", "hub", "lab", "mat"]
    candidates = [
        Candidate(
            id=i,
            name=f"{words[i % 10]} {words[(i // 10) % 10]} {i}",
            key=normalise_name(f"{words[i % 10]} {words[(i // 10) % 10]} {i}"),
            town=towns[i % len(towns)],
            email="",
            detail="",
        )
        for i in range(11_000)
    ]
    compared = []
    real_cdist = queries.process.cdist

    def counting_cdist(keys, choices, **kwargs):
        compared.append(len(keys) * len(choices))
        return real_cdist(keys, choices, **kwargs)

    monkeypatch.setattr(queries.process, "cdist", counting_cdist)
    find_duplicate_companies(candidates)
    find_duplicate_contacts(candidates)
    # Comparing every name with every other, in both finders, would cost 2 × n² (242 million).
    quadratic = 2 * len(candidates) ** 2
    assert compared, "the finder compared nothing: the count is not looking"
    assert sum(compared) < quadratic / 5


def _count(session, table, column, value) -> int:
    return session.scalar(select(func.count()).select_from(table).where(column == value))


def test_merging_organisations_moves_everything_and_loses_nothing(session):
    place = make_place(session, name="Kjeller")
    kept = make_company(session, name="Kjeller Innovasjon AS", place=place)
    other = make_company(
        session, name="Kjeller Innovasjon", org_number=make_orgnr(1), website="https://ki.no"
    )
    partner = make_company(session, name="IFE")
    sub_unit = make_company(session, name="Kjeller Innovasjon avd. Berger", parent=other)
    shared = make_meeting(session, companies=[kept, other])
    only_other = make_meeting(session, companies=[other])
    make_membership(session, company=other, cluster=make_cluster(session))
    facilitated = make_cluster(session, facilitator=other)
    make_affiliation(session, company=other, contact=make_contact(session))
    make_task(session, company=other)
    link_type = LinkType(key="project", name="Prosjekt")
    session.add(link_type)
    session.flush()
    session.add_all(
        [
            CollaborationLink(
                source=kept, target=other, link_type=link_type
            ),  # becomes a self-link
            CollaborationLink(source=kept, target=partner, link_type=link_type),
            CollaborationLink(source=other, target=partner, link_type=link_type),  # duplicate
            CollaborationLink(
                source=other, target=partner, link_type=link_type, directed=True
            ),  # directed: a different relation, kept
        ]
    )
    stage = Stage(key="first", name="Første kontakt")
    session.add(stage)
    session.flush()
    session.add(EstablishmentCase(company=other, stage=stage, opened_on=date(2025, 1, 1)))
    session.add(WarningFlag(company=other, note="Kan flytte"))
    sector_a, sector_b = make_sector(session), make_sector(session)
    kept.sectors = [sector_a]
    other.sectors = [sector_a, sector_b]
    session.commit()
    other_id = other.id

    run = merge_companies(
        session,
        kept=kept,
        other=other,
        choices={"org_number": "other", "website": "other", "name": "kept"},
        kept_version=kept.version,
        other_version=other.version,
        user_id=None,
    )
    session.commit()
    session.expire_all()

    assert session.get(Company, other_id) is None
    kept = session.get(Company, kept.id)
    assert (kept.name, kept.org_number, kept.website) == (
        "Kjeller Innovasjon AS",
        make_orgnr(1),
        "https://ki.no",
    )
    assert kept.place_id == place.id
    assert {s.id for s in kept.sectors} == {sector_a.id, sector_b.id}
    assert _count(session, meeting_companies, meeting_companies.c.company_id, kept.id) == 2
    assert _count(session, meeting_companies, meeting_companies.c.meeting_id, shared.id) == 1
    assert _count(session, meeting_companies, meeting_companies.c.meeting_id, only_other.id) == 1
    assert session.scalar(select(Membership.company_id)) == kept.id
    assert session.get(Cluster, facilitated.id).facilitator_id == kept.id
    assert session.scalar(select(Affiliation.company_id)) == kept.id
    assert session.scalar(select(EstablishmentCase.company_id)) == kept.id
    assert session.scalar(select(WarningFlag.company_id)) == kept.id
    assert session.get(Company, sub_unit.id).parent_id == kept.id
    links = {
        (link.source_id, link.target_id, link.directed)
        for link in session.scalars(select(CollaborationLink))
    }
    assert links == {(kept.id, partner.id, False), (kept.id, partner.id, True)}
    assert run.kind == "merge" and run.summary["removed_name"] == "Kjeller Innovasjon"
    assert session.scalar(select(ImportRun.summary)) == run.summary


def test_merging_people_moves_meetings_and_affiliations(session):
    kept = make_contact(session, name="Kari Nordmann", email="kari@example.no")
    other = make_contact(session, name="Kari N.", email="kari.n@example.no", phone="+4722222222")
    make_meeting(session, contacts=[kept, other])
    make_meeting(session, contacts=[other])
    make_affiliation(session, contact=other)
    session.commit()
    merge_contacts(
        session,
        kept=kept,
        other=other,
        choices={"phone": "other"},
        kept_version=kept.version,
        other_version=other.version,
        user_id=None,
    )
    session.commit()
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Contact)) == 1
    assert session.get(Contact, kept.id).phone == "+4722222222"
    assert session.get(Contact, kept.id).email == "kari@example.no"
    assert _count(session, meeting_contacts, meeting_contacts.c.contact_id, kept.id) == 2
    assert session.scalar(select(Affiliation.contact_id)) == kept.id


def test_merge_refuses_a_stale_form_and_changes_nothing(session):
    kept, other = make_company(session), make_company(session)
    make_task(session, company=other)
    session.commit()
    with pytest.raises(StaleObjectError):
        merge_companies(
            session,
            kept=kept,
            other=other,
            choices={},
            kept_version=kept.version,
            other_version=other.version - 1,
            user_id=None,
        )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Company)) == 2


def _references_to(table_name: str) -> set[tuple[str, str]]:
    """Every (table, column) of the schema with a foreign key to `table_name`."""
    return {
        (table.name, key.parent.name)
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name == table_name
    }


@pytest.mark.parametrize(
    "table_name,moves", [("companies", COMPANY_MOVES), ("contacts", CONTACT_MOVES)]
)
def test_every_foreign_key_to_organisations_and_people_is_handled_by_the_merge(
    app, table_name, moves
):
    # A foreign key the merge does not know would lose its rows to ON DELETE CASCADE (or make
    # the merge fail) when the removed record is deleted: declare its strategy in merge.py.
    references = _references_to(table_name)
    assert references, "the walk found no foreign keys: it is not looking at the schema"
    assert references - set(moves) == set(), "not handled by the merge"
    assert set(moves) - references == set(), "handled by the merge but not in the schema"
    # The merge page names what it moved: every kind of row it moves has its words.
    unnamed = {move.label for move in moves.values()} - set(RECORD_USE)
    assert unnamed == set(), "no label in crm/imports/labels.py RECORD_USE"


def test_merging_organisations_deletes_only_rows_that_would_repeat(session):
    kept, other, partner = (make_company(session) for _ in range(3))
    cluster = make_cluster(session, facilitator=other)
    make_membership(session, company=other, cluster=cluster)
    make_meeting(session, companies=[kept, other])
    make_meeting(session, companies=[other, partner])
    make_task(session, company=other)
    sector = make_sector(session)
    kept.sectors, other.sectors = [sector], [sector, make_sector(session)]
    session.commit()
    referring = {name for name, _column in _references_to("companies")}
    before = {name: _rows(session, name) for name in referring}

    run = merge_into(session, kept, other)

    after = {name: _rows(session, name) for name in referring}
    lost = {name: before[name] - after[name] for name in referring if before[name] != after[name]}
    # The removed organisation itself, its place in the shared meeting and its copy of the sector.
    assert lost == {"companies": 1, "meeting_companies": 1, "company_sectors": 1}
    moved = run.summary["moved"]
    assert (moved["meetings"], moved["cluster_facilitators"], moved["sectors"]) == (1, 1, 1)
    for table_name, column in _references_to("companies"):
        table = db.metadata.tables[table_name]
        assert _count(session, table, table.c[column], other.id) == 0, table_name


def _rows(session, table_name: str) -> int:
    return session.scalar(select(func.count()).select_from(db.metadata.tables[table_name]))
