"""`flask crm import-brreg-updates`: the register's change lists, written as it publishes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.companies.models import Company
from crm.imports.models import ImportRun
from crm.register.updates import ChangeListError, apply_change_list, read_change_list
from tests.imports.brreg_fixtures import make_orgnr, write_fixture
from tests.register.helpers import (
    BRANCH,
    FIRST_BRANCH,
    MAIN,
    OTHER,
    flags_of,
    import_units,
    in_oslo,
    main_unit,
    sub_unit,
)

API = "https://data.brreg.no/enhetsregisteret/api"


def change_list(entries: list[tuple[int, str, str]], *, sub_units: bool = False) -> dict:
    """A page of /oppdateringer/enheter (or /underenheter) as the register returns it."""
    kind, link = ("underenheter", "underenhet") if sub_units else ("enheter", "enhet")
    key = "oppdaterteUnderenheter" if sub_units else "oppdaterteEnheter"
    return {
        "_embedded": {
            key: [
                {
                    "oppdateringsid": update_id,
                    "dato": "2026-12-01T05:01:33.213Z",
                    "organisasjonsnummer": orgnr,
                    "endringstype": change_type,
                    "_links": {link: {"href": f"{API}/{kind}/{orgnr}"}},
                }
                for update_id, orgnr, change_type in entries
            ]
        },
        "_links": {
            "first": {"href": f"{API}/oppdateringer/{kind}?dato=2026-12-01T00:00:00.000Z&page=0"},
            "self": {"href": f"{API}/oppdateringer/{kind}?dato=2026-12-01T00:00:00.000Z"},
            "last": {"href": f"{API}/oppdateringer/{kind}?dato=2026-12-01T00:00:00.000Z&page=0"},
        },
        "page": {"size": 20, "totalElements": len(entries), "totalPages": 1, "number": 0},
    }


def write_json(path: Path, document) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def unit_folder(folder: Path, units: list[dict]) -> Path:
    """The units' own documents as /enheter/{orgnr} returns them, one file each."""
    folder.mkdir()
    for unit in units:
        document = {
            **unit,
            "_links": {"self": {"href": f"{API}/enheter/{unit['organisasjonsnummer']}"}},
        }
        write_json(folder / f"{unit['organisasjonsnummer']}.json", document)
    return folder


def test_the_reader_takes_the_published_page_and_refuses_what_is_not_one(tmp_path):
    path = write_json(tmp_path / "l.json", change_list([(7, MAIN, "Endring"), (8, OTHER, "Ny")]))
    changes = read_change_list(path)
    assert changes.kind == "enheter"
    assert [(u.update_id, u.orgnr, u.change_type) for u in changes.updates] == [
        (7, MAIN, "Endring"),
        (8, OTHER, "Ny"),
    ]
    subs = read_change_list(
        write_json(tmp_path / "s.json", change_list([(3, BRANCH, "Ny")], sub_units=True))
    )
    assert subs.kind == "underenheter"
    # An empty day: the register leaves out _embedded.
    empty = {"_links": {}, "page": {"size": 20, "totalElements": 0, "totalPages": 0, "number": 0}}
    assert read_change_list(write_json(tmp_path / "e.json", empty)).updates == []

    bad = {
        "list.json": ([main_unit()], "no _embedded"),
        "id.json": (
            {
                "_embedded": {
                    "oppdaterteEnheter": [{"organisasjonsnummer": MAIN, "endringstype": "Ny"}]
                }
            },
            "oppdateringsid",
        ),
        "type.json": (change_list([(1, MAIN, "Flyttet")]), "Flyttet"),
        "orgnr.json": (change_list([(1, "123", "Ny")]), "Entry 1"),
    }
    for name, (document, words) in bad.items():
        with pytest.raises(ChangeListError) as raised:
            read_change_list(write_json(tmp_path / name, document))
        assert words in str(raised.value.message), name
    (tmp_path / "cut.json").write_text('{"_embedded": {', encoding="utf-8")
    with pytest.raises(ChangeListError, match="not valid JSON"):
        read_change_list(tmp_path / "cut.json")


def test_a_change_list_with_the_units_documents_flags_and_continues_from_its_last_id(
    session, tmp_path, runner
):
    import_units(session, tmp_path, "baseline", [main_unit(), main_unit(OTHER, "HEIA HANDEL AS")])
    newcomer = make_orgnr(520)
    units = unit_folder(
        tmp_path / "units",
        [
            main_unit(konkurs=True),  # bankrupt
            main_unit(newcomer, "NYTT PÅ KJELLER AS"),  # new in Lillestrøm
            main_unit(make_orgnr(521), "OSLO-FIRMA AS", forretningsadresse=in_oslo()),  # not ours
        ],
    )
    listing = write_json(
        tmp_path / "oppdateringer.json",
        change_list(
            [
                (1001, MAIN, "Endring"),
                (1002, newcomer, "Ny"),
                (1003, make_orgnr(521), "Ny"),
                (1004, OTHER, "Sletting"),  # no document: deleted as the database has it
            ]
        ),
    )
    result = runner.invoke(
        args=["crm", "import-brreg-updates", str(listing), "--units", str(units)]
    )
    assert result.exit_code == 0, result.output
    assert "next: ?oppdateringsid=1005" in result.output
    run = session.scalar(select(ImportRun).order_by(ImportRun.id.desc()))
    assert run.summary["last_update_id"] == 1004 and run.summary["update_kind"] == "enheter"
    assert {(f.company.org_number, f.register_rule) for f in flags_of(session, run)} == {
        (MAIN, "bankruptcy"),
        (OTHER, "deleted"),
    }
    assert (
        session.scalar(select(Company.name).where(Company.org_number == newcomer))
        == "NYTT PÅ KJELLER AS"
    )
    assert session.scalar(select(Company.id).where(Company.org_number == make_orgnr(521))) is None

    # The next night's list repeats 1004 and adds nothing new: nothing is applied twice.
    again = write_json(
        tmp_path / "again.json", change_list([(1004, OTHER, "Sletting"), (1005, MAIN, "Endring")])
    )
    result = runner.invoke(args=["crm", "import-brreg-updates", str(again), "--units", str(units)])
    assert result.exit_code == 0, result.output
    latest = session.scalar(select(ImportRun).order_by(ImportRun.id.desc()))
    assert latest.summary["changes_new"] == 1 and latest.summary["last_update_id"] == 1005
    assert flags_of(session, latest) == []


def test_sub_units_from_a_bulk_file_raise_the_expanding_flag(session, tmp_path):
    import_units(
        session, tmp_path, "baseline", [main_unit(), sub_unit(FIRST_BRANCH, name="FØRSTE AVD")]
    )
    bulk = write_fixture(
        tmp_path / "underenheter.json",
        [sub_unit(), sub_unit(make_orgnr(530), name="ANNEN AVD", beliggenhetsadresse=in_oslo())],
        fmt="json",
        gz=False,
    )
    listing = write_json(
        tmp_path / "l.json",
        change_list([(55, BRANCH, "Ny"), (56, make_orgnr(530), "Ny")], sub_units=True),
    )
    run = apply_change_list(session, listing, units_path=bulk, kommuner=["3205"])
    session.commit()
    [flag] = flags_of(session, run)
    assert flag.register_rule == "new_sub_unit" and flag.company.org_number == MAIN
    assert run.summary["read"] == 1 and run.summary["created"] == 1


def test_a_bad_list_writes_nothing(session, tmp_path, runner):
    listing = write_json(tmp_path / "l.json", {"hello": "world"})
    units = unit_folder(tmp_path / "units", [])
    result = runner.invoke(
        args=["crm", "import-brreg-updates", str(listing), "--units", str(units)]
    )
    assert result.exit_code == 1
    assert "oppdaterteEnheter" in result.output
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0
