"""Register imports keep the organisation's facts as dated points: changes only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.companies import queries as company_queries
from crm.companies.models import Company
from crm.imports.brreg import import_register_file
from crm.imports.services import revert_import
from tests.imports.brreg_fixtures import AS_FORM, lillestrom, make_orgnr, write_fixture


def _file(tmp_path, name: str, employees: int, *, street: str = "Storgata 1", bankrupt=False):
    unit = {
        "organisasjonsnummer": make_orgnr(700),
        "navn": "VEKST AS",
        "organisasjonsform": AS_FORM,
        "antallAnsatte": employees,
        "harRegistrertAntallAnsatte": True,
        "konkurs": bankrupt,
        "forretningsadresse": lillestrom([street]),
        "naeringskode1": {"kode": "62.010", "beskrivelse": "Programmering"},
    }
    return write_fixture(tmp_path / name, [unit], fmt="json", gz=False)


def _points(session) -> list[company_queries.RegisterLine]:
    company = session.scalar(select(Company).where(Company.org_number == make_orgnr(700)))
    return company_queries.register_history(session, company.id)


def test_each_import_keeps_only_the_changes_and_the_chart_shows_the_imports_numbers(
    session, tmp_path
):
    import_register_file(session, _file(tmp_path, "a.json", 12), observed_on=date(2022, 1, 3))
    import_register_file(session, _file(tmp_path, "a.json", 12), observed_on=date(2023, 1, 2))
    import_register_file(session, _file(tmp_path, "b.json", 19), observed_on=date(2024, 1, 8))
    moved = _file(tmp_path, "c.json", 19, street="Kjellerveien 9")
    import_register_file(session, moved, observed_on=date(2025, 1, 6))
    points = _points(session)
    # The rerun of the same file (2023) added nothing; the move (2025) is a point of its own.
    assert [(p.observed_on, p.employees) for p in points] == [
        (date(2022, 1, 3), 12),
        (date(2024, 1, 8), 19),
        (date(2025, 1, 6), 19),
    ]
    assert points[0].address == "Storgata 1, 2000 LILLESTRØM"
    assert points[-1].address == "Kjellerveien 9, 2000 LILLESTRØM"
    assert points[0].industry_code == "62.010"
    chart = company_queries.employee_chart(points)
    assert [(dot.day, dot.value) for dot in chart.dots] == [
        (p.observed_on, p.employees) for p in points
    ]
    assert (chart.low, chart.high) == (12, 19)


def test_reverting_an_import_removes_its_points(session, tmp_path):
    import_register_file(session, _file(tmp_path, "a.json", 12), observed_on=date(2022, 1, 3))
    run = import_register_file(session, _file(tmp_path, "b.json", 30), observed_on=date(2024, 1, 8))
    assert len(_points(session)) == 2
    revert_import(session, run=run, user_id=None)
    assert [p.employees for p in _points(session)] == [12]
