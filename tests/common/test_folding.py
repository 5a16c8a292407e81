"""Names compare case-insensitively for every letter (æ, ø, å, é, ü …) on both databases.

crm.common.folding is the one way to do it; the guard below fails on a bare ilike/icontains/
lower( in crm/ outside it, so a new filter cannot fall back to SQLite's ASCII-only folding.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import literal, select

from crm.clusters import services as cluster_services
from crm.common.errors import DomainError
from crm.common.folding import fold
from crm.companies import queries as company_queries
from crm.contacts import queries as contact_queries
from tests.factories import make_cluster, make_company, make_contact

CRM = Path(__file__).resolve().parents[2] / "crm"
ALLOWED = {CRM / "common" / "folding.py"}
# SQLAlchemy's ASCII-folding operators, and LOWER()/UPPER() in SQL or through func.
BARE = re.compile(
    r"\.(ilike|not_ilike|icontains|istartswith|iendswith)\(|func\.(lower|upper)\("
    r"|(?<![.\w])(lower|upper)\(",
    re.IGNORECASE,
)


def test_no_bare_case_folding_outside_the_helper():
    offenders = []
    for path in sorted(CRM.rglob("*.py")):
        if path in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BARE.search(line):
                offenders.append(f"{path.relative_to(CRM.parent)}:{number}: {line.strip()}")
    assert offenders == [], "use crm.common.folding:\n" + "\n".join(offenders)


def test_the_guard_would_catch_each_bare_form():
    for line in (
        "Company.name.ilike(q)",
        "Contact.name.icontains(q, autoescape=True)",
        "func.lower(Cluster.name) == name",
        'text("SELECT * FROM companies WHERE lower(name) = :n")',
    ):
        assert BARE.search(line), line
    assert not BARE.search("email.strip().lower()")


def test_fold_in_sql_folds_every_letter_and_keeps_diacritics(session):
    folded = session.scalar(select(fold(literal("ÆØÅ ÉÜ Bør Straße"))))
    assert folded == "æøå éü bør straße"


@pytest.mark.parametrize("typed", ["ørsted", "ØRSTED", "Ørsted"])
def test_organisation_list_filter(session, typed):
    company = make_company(session, name="Ørsted Lillestrøm AS")
    make_company(session, name="Orsted AS")
    query, _sort = company_queries.company_list_query(company_queries.CompanyFilters(q=typed))
    assert [c.id for c in session.scalars(query)] == [company.id]


def test_people_list_filter(session):
    aase = make_contact(session, name="Åse Ødegård", email="ase@example.no")
    make_contact(session, name="Ase Odegard")
    pagination, _sort = contact_queries.list_contacts(
        session, filters=contact_queries.ContactFilters(q="ÅSE ØDEGÅRD")
    )
    assert [row.contact.id for row in pagination.items] == [aase.id]


def test_duplicate_check_sees_the_same_name_in_other_case(session):
    make_cluster(session, name="Østlandets Ånd og Ære")
    with pytest.raises(DomainError):
        cluster_services.create_cluster(session, name="ØSTLANDETS ÅND OG ÆRE")
    cluster_services.create_cluster(session, name="Ostlandets And og Aere")  # other letters


@pytest.mark.parametrize(("typed", "found"), [("RSTED", True), ("ørs", True), ("ors", False)])
def test_an_ascii_term_meets_a_name_with_other_letters(session, typed, found):
    company = make_company(session, name="ØRSTED Å AS")
    query, _sort = company_queries.company_list_query(company_queries.CompanyFilters(q=typed))
    assert [c.id for c in session.scalars(query)] == ([company.id] if found else [])
