"""The register import: upsert by organisation number, curated fields kept, bad files, revert."""

from __future__ import annotations

import gzip
from pathlib import Path

import click
import pytest
from sqlalchemy import func, select, text

from crm.common.errors import DomainError
from crm.companies.models import Company
from crm.imports import brreg
from crm.imports.brreg import import_register_file
from crm.imports.cli import run_import_cli
from crm.imports.models import ImportChange, ImportRun
from crm.imports.services import revert_import
from tests.factories import make_company, make_meeting, make_place, make_sector
from tests.imports.brreg_fixtures import (
    AS_FORM,
    SUB_UNIT_FORM,
    address,
    lillestrom,
    make_orgnr,
    tricky_units,
    write_fixture,
)


def companies(session) -> dict[str, Company]:
    return {c.org_number: c for c in session.scalars(select(Company))}


@pytest.fixture(
    params=[("csv", True), ("json", True), ("csv", False)], ids=["csv.gz", "json.gz", "csv"]
)
def tricky_file(request, tmp_path: Path) -> Path:
    fmt, gz = request.param
    return write_fixture(tmp_path / "enheter", tricky_units(), fmt=fmt, gz=gz)


def test_tricky_file_creates_the_municipalitys_units_with_the_registers_fields(
    session, tricky_file
):
    run = import_register_file(session, tricky_file, kommuner={"3205"}, user_id=None)
    session.commit()

    assert run.status == "finished"
    found = companies(session)
    first = found[make_orgnr(1)]
    assert first.name == "ÆRLIG GRØNN ÅKERBRUK AS"
    assert (first.org_form, first.industry_code, first.industry_standard) == (
        "AS",
        "01.130",
        "SN2007",
    )
    assert (first.employees, first.postcode, first.post_town) == (12, "1920", "SØRUMSAND")
    assert first.municipality_number == "3205"
    assert first.website == "www.aerlig-gronn.example"
    assert found[make_orgnr(3)].employees is None  # not reported is not zero
    assert found[make_orgnr(4)].register_status == "bankrupt"
    assert found[make_orgnr(5)].register_status == "under_liquidation"
    assert found[make_orgnr(7)].register_status == "deleted"
    assert found[make_orgnr(14)].industry_standard == "SN2025"
    assert found[make_orgnr(13)].address == "c/o Hvam gård, Hvamsvegen 5"
    # The branch in Lillestrøm of a company in Oslo is found; its parent is not in the database.
    branch = found[make_orgnr(10)]
    assert branch.post_town == "FJERDINGBY" and branch.parent_id is None
    assert make_orgnr(9) not in found and make_orgnr(12) not in found
    # 3030 is Lillestrøm's number before 2024: asking for 3205 keeps it (crm.register.rules).
    assert found[make_orgnr(16)].municipality_number == "3030"
    assert run.summary["created"] == len(found) == run.summary["kept"]
    assert run.summary["rejected"] == 2
    # Stored in bokmål, the language of the command line (no request): "Rad 5: …".
    assert any("kontrollsiffer" in m.lower() and m.startswith("Rad ") for m in run.messages)
    assert any("ikke noe navn" in m for m in run.messages)
    assert session.scalar(select(func.count()).select_from(ImportChange)) == len(found)


def test_several_municipality_numbers_keep_units_registered_under_the_old_number(session, tmp_path):
    path = write_fixture(tmp_path / "f.csv.gz", tricky_units(), fmt="csv", gz=True)
    import_register_file(session, path, kommuner={"3205", "3030"}, user_id=None)
    assert make_orgnr(16) in companies(session)


def test_second_run_changes_nothing_and_keeps_what_users_curated(session, tmp_path):
    path = write_fixture(tmp_path / "f.csv.gz", tricky_units(), fmt="csv", gz=True)
    import_register_file(session, path, kommuner={"3205"}, user_id=None)
    session.commit()
    company = companies(session)[make_orgnr(1)]
    place, sector = make_place(session), make_sector(session)
    company.description, company.kind, company.place = "Vår beste kontakt", "research", place
    company.sectors = [sector]
    session.commit()

    units = tricky_units()
    units[0]["navn"] = "ÆRLIG GRØNN ÅKERBRUK OG GARTNERI AS"
    units[0]["antallAnsatte"] = 15
    path2 = write_fixture(tmp_path / "g.csv.gz", units, fmt="csv", gz=True)
    run = import_register_file(session, path2, kommuner={"3205"}, user_id=None)
    session.commit()
    session.expire_all()

    assert (run.summary["created"], run.summary["updated"]) == (0, 1)
    assert run.summary["unchanged"] == run.summary["kept"] - 1
    company = session.get(Company, company.id)
    assert company.name == "ÆRLIG GRØNN ÅKERBRUK OG GARTNERI AS" and company.employees == 15
    assert company.description == "Vår beste kontakt" and company.kind == "research"
    assert company.place_id == place.id and [s.id for s in company.sectors] == [sector.id]
    assert company.version == 3  # created 1, edited 2, imported 3: open forms go stale
    change = session.scalars(select(ImportChange).where(ImportChange.run_id == run.id)).one()
    assert change.before == {"name": "ÆRLIG GRØNN ÅKERBRUK AS", "employees": 12}


def _unit(n: int, name: str, **extra) -> dict:
    return {"organisasjonsnummer": make_orgnr(n), "navn": name, **extra}


def test_sub_units_are_linked_to_their_parent_even_when_it_comes_later(session, tmp_path):
    parent = _unit(300, "MOR AS", organisasjonsform=AS_FORM, forretningsadresse=lillestrom(["A 1"]))
    child = _unit(
        301,
        "MOR AS AVD KJELLER",
        organisasjonsform=SUB_UNIT_FORM,
        overordnetEnhet=make_orgnr(300),
        beliggenhetsadresse=lillestrom(["B 2"], "2007", "KJELLER"),
    )
    path = write_fixture(tmp_path / "u.json", [child, parent], fmt="json", gz=False)
    run = import_register_file(session, path, kommuner={"3205"}, user_id=None)
    session.commit()
    found = companies(session)
    assert found[make_orgnr(301)].parent_id == found[make_orgnr(300)].id
    assert run.summary["parents_linked"] == 1


def test_sub_unit_is_linked_to_a_parent_already_in_the_database(session, tmp_path):
    parent = make_company(session, name="Nordisk Solkraft AS", org_number=make_orgnr(9))
    session.commit()
    path = write_fixture(tmp_path / "f.csv.gz", tricky_units(), fmt="csv", gz=True)
    import_register_file(session, path, kommuner={"3205"}, user_id=None)
    assert companies(session)[make_orgnr(10)].parent_id == parent.id


def test_an_orgnr_twice_in_the_file_is_rejected_with_its_row(session, tmp_path):
    units = [
        _unit(400, "EN AS", forretningsadresse=lillestrom(["A"])),
        _unit(400, "TO AS", forretningsadresse=lillestrom(["B"])),
    ]
    path = write_fixture(tmp_path / "d.csv", units, fmt="csv", gz=False)
    run = import_register_file(session, path, kommuner={"3205"}, user_id=None)
    assert run.summary["created"] == 1 and run.summary["rejected"] == 1
    assert run.messages == [
        f"Rad 3: organisasjonsnummeret {make_orgnr(400)} står tidligere i filen. Raden hoppes over."
    ]


def _truncated(tmp_path: Path) -> Path:
    whole = write_fixture(tmp_path / "whole.csv.gz", tricky_units() * 1, fmt="csv", gz=True)
    data = whole.read_bytes()
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(data[: len(data) - 40])
    return cut


def _png(tmp_path: Path) -> Path:
    path = tmp_path / "logo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    return path


def _latin1(tmp_path: Path) -> Path:
    return write_fixture(
        tmp_path / "l.csv", tricky_units(), fmt="csv", gz=False, encoding="latin-1"
    )


def _no_name_column(tmp_path: Path) -> Path:
    path = tmp_path / "cols.csv"
    path.write_text(f"organisasjonsnummer,adresse\n{make_orgnr(1)},Storgata 1\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "make_file,expected",
    [
        (_truncated, "ufullstendig"),
        (_png, "PNG-bilde"),
        (_latin1, "ikke UTF-8"),
        (_no_name_column, "'navn'"),
    ],
    ids=["truncated-gzip", "other-format", "wrong-encoding", "missing-column"],
)
def test_a_bad_file_saves_nothing_and_leaves_a_failed_run_with_the_reason(
    session, tmp_path, make_file, expected
):
    make_company(session, name="Finnes fra før AS")
    session.commit()
    run = import_register_file(session, make_file(tmp_path), kommuner={"3205"}, user_id=None)
    session.commit()

    assert run.status == "failed" and expected in run.error
    assert [c.name for c in session.scalars(select(Company))] == ["Finnes fra før AS"]
    assert session.scalar(select(func.count()).select_from(ImportChange)) == 0
    runs = list(session.scalars(select(ImportRun)))
    assert [r.status for r in runs] == ["failed"]


def test_truncated_gzip_late_in_a_large_file_rolls_back_earlier_batches(session, tmp_path):
    units = [
        _unit(1000 + i, f"BEDRIFT {i} AS", forretningsadresse=lillestrom([f"Gate {i}"]))
        for i in range(2500)
    ]
    whole = write_fixture(tmp_path / "big.csv.gz", units, fmt="csv", gz=True)
    cut = tmp_path / "cut.csv.gz"
    data = whole.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.9)])
    run = import_register_file(session, cut, kommuner={"3205"}, user_id=None)
    session.commit()
    assert run.status == "failed"
    assert run.summary["read"] > brreg.BATCH_SIZE  # batches had been written before the error
    assert session.scalar(select(func.count()).select_from(Company)) == 0


def test_revert_deletes_what_was_created_and_restores_what_was_updated(session, tmp_path):
    existing = make_company(session, name="Gammelt navn AS", org_number=make_orgnr(1))
    session.commit()
    path = write_fixture(tmp_path / "f.csv.gz", tricky_units(), fmt="csv", gz=True)
    run = import_register_file(session, path, kommuner={"3205"}, user_id=None)
    session.commit()
    assert session.get(Company, existing.id).name == "ÆRLIG GRØNN ÅKERBRUK AS"

    counts = revert_import(session, run=run, user_id=None)
    session.commit()
    session.expire_all()
    assert counts["restored"] == 1 and counts["deleted"] == run.summary["created"]
    assert [c.name for c in session.scalars(select(Company))] == ["Gammelt navn AS"]
    assert session.get(Company, existing.id).post_town is None
    assert session.get(ImportRun, run.id).status == "reverted"


def test_revert_is_refused_when_a_created_record_is_now_in_a_meeting(session, tmp_path):
    path = write_fixture(tmp_path / "f.csv.gz", tricky_units(), fmt="csv", gz=True)
    run = import_register_file(session, path, kommuner={"3205"}, user_id=None)
    session.commit()
    company = companies(session)[make_orgnr(1)]
    make_meeting(session, companies=[company])
    session.commit()
    with pytest.raises(DomainError, match=r"kan ikke angres: 1 av oppføringene.*\(møter: 1\)"):
        revert_import(session, run=run, user_id=None)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Company)) == run.summary["created"]


def test_cli_function_prints_the_summary_and_commits(app, session, tmp_path, capsys):
    path = write_fixture(tmp_path / "f.csv.gz", tricky_units(), fmt="csv", gz=True)
    run = run_import_cli(str(path), ["3205", "3030"], "SN2007")
    out = capsys.readouterr()
    assert f"Import {run.id} of f.csv.gz: finished" in out.out
    assert "rejected 2" in out.out and "Rad " in out.out
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Company)) == run.summary["created"]


def test_cli_function_fails_with_the_reason_after_recording_the_failed_run(
    app, session, tmp_path, capsys
):
    bad = tmp_path / "x.csv.gz"
    bad.write_bytes(gzip.compress(b"organisasjonsnummer,navn\n")[:-10])
    with pytest.raises(click.ClickException, match="ufullstendig"):
        run_import_cli(str(bad))
    session.expire_all()
    assert [r.status for r in session.scalars(select(ImportRun))] == ["failed"]


def test_a_bad_file_undoes_only_its_own_rows_not_the_callers_work(session, tmp_path):
    # The service runs in a savepoint: the caller's unsaved work in the same transaction stays.
    make_company(session, name="Lagt til før importen AS")
    units = [
        _unit(1000 + i, f"BEDRIFT {i} AS", forretningsadresse=lillestrom(["Gate 1"]))
        for i in range(1500)
    ]
    whole = write_fixture(tmp_path / "big.csv.gz", units, fmt="csv", gz=True)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.9)])

    run = import_register_file(session, cut, kommuner={"3205"}, user_id=None)
    session.commit()

    assert run.status == "failed" and run.summary["read"] > brreg.BATCH_SIZE
    assert [c.name for c in session.scalars(select(Company))] == ["Lagt til før importen AS"]
    assert session.scalar(select(func.count()).select_from(ImportChange)) == 0


def test_import_services_neither_commit_nor_speak_click():
    # Only the edges commit once and talk to people: the pages (routes.py) and the command
    # line (cli.py). Every other module of the feature flushes, so a change lands whole.
    edges = {"routes.py", "cli.py"}
    modules = [p for p in Path(brreg.__file__).parent.glob("*.py") if p.name not in edges]
    assert len(modules) >= 10
    for path in modules:
        source = path.read_text(encoding="utf-8")
        assert "import click" not in source and ".commit()" not in source, path.name


def test_all_municipalities_keeps_every_unit_of_the_file(session, tmp_path):
    path = write_fixture(tmp_path / "f.csv.gz", tricky_units(), fmt="csv", gz=True)
    run = import_register_file(session, path, all_municipalities=True)
    session.commit()

    assert run.status == "finished"
    assert run.summary["other_municipalities"] == 0
    assert run.summary["kommuner"] == []
    found = companies(session)
    # Oslo's parent and Bergen's unit, which a Lillestrøm import leaves out, are kept, and the
    # sub-unit is linked to its parent.
    assert found[make_orgnr(9)].municipality_number == "0301"
    assert found[make_orgnr(12)].municipality_number == "4601"
    assert found[make_orgnr(10)].parent_id == found[make_orgnr(9)].id
    assert len(found) == run.summary["kept"] == run.summary["created"]


def test_a_national_import_raises_no_moved_out_flag_for_a_move_inside_the_country(
    session, tmp_path
):
    from crm.establishments.models import WarningFlag

    bergen = address(["Bryggen 1"], "5003", "BERGEN", "4601", "BERGEN")
    oslo = address(["Karl Johans gate 1"], "0154", "OSLO", "0301", "OSLO")
    unit = _unit(500, "FLYTTER AS", organisasjonsform=AS_FORM, forretningsadresse=bergen)
    first = write_fixture(tmp_path / "a.json", [unit], fmt="json", gz=False)
    import_register_file(session, first, all_municipalities=True)
    moved = write_fixture(
        tmp_path / "b.json", [{**unit, "forretningsadresse": oslo}], fmt="json", gz=False
    )
    run = import_register_file(session, moved, all_municipalities=True)
    session.commit()

    assert run.summary["updated"] == 1
    assert companies(session)[make_orgnr(500)].municipality_number == "0301"
    [change] = session.scalars(select(ImportChange).where(ImportChange.run_id == run.id))
    assert change.category == "changed"
    assert session.scalars(select(WarningFlag)).all() == []


def test_cli_all_municipalities_option_and_its_conflict_with_kommune(runner, session, tmp_path):
    path = write_fixture(tmp_path / "f.json.gz", tricky_units(), fmt="json", gz=True)
    refused = runner.invoke(
        args=["crm", "import-brreg", str(path), "--all-municipalities", "--kommune", "3205"]
    )
    assert refused.exit_code == 2 and "not both" in refused.output
    assert session.scalar(select(func.count()).select_from(Company)) == 0

    result = runner.invoke(args=["crm", "import-brreg", str(path), "--all-municipalities"])
    assert result.exit_code == 0, result.output
    assert "(municipalities all)" in result.output
    session.expire_all()
    assert session.scalar(
        select(func.count()).select_from(Company).where(Company.municipality_number == "4601")
    )


def test_a_large_import_leaves_postgresql_with_statistics_of_what_it_wrote(
    runner, session, tmp_path, monkeypatch
):
    """After a national-sized run the planner must not take the organisations for the few there
    were before: the import ends with ANALYZE on PostgreSQL (here "large" is made small)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("ANALYZE runs on PostgreSQL only; this run uses SQLite")
    path = write_fixture(tmp_path / "f.json.gz", tricky_units(), fmt="json", gz=True)
    monkeypatch.setattr(brreg, "BULK_WRITE_ROWS", 1)

    result = runner.invoke(args=["crm", "import-brreg", str(path), "--all-municipalities"])

    assert result.exit_code == 0, result.output
    session.expire_all()
    estimated = session.execute(
        text("SELECT reltuples FROM pg_class WHERE relname = 'companies'")
    ).scalar_one()
    assert estimated == session.scalar(select(func.count()).select_from(Company)) > 0


@pytest.mark.parametrize("bulk_rows, analyses", [(brreg.BULK_WRITE_ROWS, 0), (1, 1)])
def test_only_a_large_import_analyses_the_database(
    session, tmp_path, monkeypatch, bulk_rows, analyses
):
    calls = []
    monkeypatch.setattr(brreg, "refresh_statistics", calls.append)
    monkeypatch.setattr(brreg, "BULK_WRITE_ROWS", bulk_rows)
    path = write_fixture(tmp_path / "f.json.gz", tricky_units(), fmt="json", gz=True)

    run_import_cli(path, all_municipalities=True)

    assert len(calls) == analyses
