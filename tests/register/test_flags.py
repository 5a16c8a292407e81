"""Every flag rule on hand-made before/after register files, reruns, and the 2024 renumbering."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from crm.common.dates import local_today
from crm.companies.models import Company
from crm.establishments.models import WarningFlag
from crm.imports.brreg import import_register_file
from crm.imports.models import ImportChange
from crm.imports.services import revert_import
from crm.register import services
from crm.register.rules import accounts_year_due
from tests.factories import merge_into
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


def _company(session, orgnr: str) -> Company:
    return session.scalar(select(Company).where(Company.org_number == orgnr))


def _before_and_after(session, tmp_path, after_fields: dict, *, fmt: str = "json"):
    """Import a baseline with MAIN and OTHER, then a file where MAIN changed as given."""
    baseline = import_units(
        session, tmp_path, "before", [main_unit(), main_unit(OTHER, "HEIA HANDEL AS")], fmt=fmt
    )
    assert flags_of(session) == []  # the first import is the baseline
    assert baseline.summary["baseline"] is True
    run = import_units(
        session,
        tmp_path,
        "after",
        [main_unit(**after_fields), main_unit(OTHER, "HEIA HANDEL AS")],
        fmt=fmt,
    )
    return run, flags_of(session, run)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_bankruptcy_raises_a_red_flag_naming_the_run_and_the_field(session, tmp_path, fmt):
    run, [flag] = _before_and_after(
        session, tmp_path, {"konkurs": True, "konkursdato": "2026-11-30"}, fmt=fmt
    )
    assert flag.company_id == _company(session, MAIN).id
    assert (flag.severity, flag.kind, flag.register_rule) == (
        "red",
        "moving_or_closing",
        "bankruptcy",
    )
    assert flag.run_id == run.id
    assert flag.register_fields == {"register_status": ["active", "bankrupt"]}
    # The note says it in the department's language, with the run.
    assert f"Registerimport {run.id}" in flag.note and "Konkurs" in flag.note
    assert run.summary["flags_raised"] == 1


def test_a_rerun_of_the_same_file_raises_nothing(session, tmp_path):
    _run, [flag] = _before_and_after(session, tmp_path, {"underAvvikling": True})
    assert flag.register_rule == "liquidation" and flag.severity == "red"
    again = import_units(
        session, tmp_path, "after-again", [main_unit(underAvvikling=True), main_unit(OTHER, "X AS")]
    )
    assert flags_of(session, again) == []
    assert again.summary["flags_raised"] == 0
    assert len(flags_of(session)) == 1


def test_deleted_unit_raises_a_red_flag(session, tmp_path):
    _run, [flag] = _before_and_after(session, tmp_path, {"slettedato": "2026-11-30"})
    assert (flag.register_rule, flag.severity) == ("deleted", "red")
    assert flag.register_fields == {"register_status": ["active", "deleted"]}


def test_moving_out_of_the_municipality_is_red_and_the_file_must_not_be_filtered_away(
    session, tmp_path
):
    # The file puts MAIN in Oslo now: the import keeps it because the database has it here.
    run, [flag] = _before_and_after(session, tmp_path, {"forretningsadresse": in_oslo()})
    assert (flag.register_rule, flag.severity) == ("moved_out", "red")
    assert flag.register_fields["municipality_number"] == ["3205", "0301"]
    assert flag.register_fields["post_town"] == ["KJELLER", "OSLO"]
    assert _company(session, MAIN).municipality_number == "0301"
    change = session.scalar(select(ImportChange).where(ImportChange.run_id == run.id))
    assert change.category == "moved_out"


def test_the_2024_renumbering_3030_to_3205_is_not_a_move(session, tmp_path):
    old_number = {
        "forretningsadresse": {**main_unit()["forretningsadresse"], "kommunenummer": "3030"}
    }
    import_units(session, tmp_path, "before", [main_unit(**old_number)])
    assert _company(session, MAIN).municipality_number == "3030"  # kept under its old number
    run = import_units(session, tmp_path, "after", [main_unit()])
    assert _company(session, MAIN).municipality_number == "3205"
    assert flags_of(session) == []
    change = session.scalar(select(ImportChange).where(ImportChange.run_id == run.id))
    assert change.category == "changed" and change.fields == ",municipality_number,"


def test_moving_in_is_a_change_category_without_a_flag(session, tmp_path):
    import_units(session, tmp_path, "before", [main_unit(OTHER, "HEIA HANDEL AS")])
    # Known in the database with an Oslo address (added by hand, say), now in Lillestrøm.
    company = Company(name="KJELLER SOLKRAFT AS", org_number=MAIN, municipality_number="0301")
    session.add(company)
    session.commit()
    run = import_units(
        session, tmp_path, "after", [main_unit(), main_unit(OTHER, "HEIA HANDEL AS")]
    )
    change = session.scalar(select(ImportChange).where(ImportChange.run_id == run.id))
    assert change.category == "moved_in"
    assert flags_of(session) == []


@pytest.mark.parametrize(
    "before,after,flagged",
    [(40, 28, True), (40, 29, False), (12, 8, False), (10, 5, True), (None, 2, False)],
)
def test_employees_down_by_30_per_cent_and_5_people_is_yellow(
    session, tmp_path, before, after, flagged
):
    counts = (
        {"antallAnsatte": before} if before is not None else {"harRegistrertAntallAnsatte": False}
    )
    import_units(session, tmp_path, "before", [main_unit(**counts)])
    run = import_units(session, tmp_path, "after", [main_unit(antallAnsatte=after)])
    flags = flags_of(session, run)
    if not flagged:
        assert flags == []
        return
    [flag] = flags
    assert (flag.register_rule, flag.severity, flag.kind) == (
        "employees_down",
        "yellow",
        "downsizing",
    )
    assert flag.register_fields == {"employees": [before, after]}


def test_accounts_not_filed_for_the_last_year_is_yellow_once(session, tmp_path):
    due = accounts_year_due(local_today())
    import_units(session, tmp_path, "before", [main_unit(sisteInnsendteAarsregnskap=str(due))])
    late = main_unit(sisteInnsendteAarsregnskap=str(due - 1))
    run = import_units(session, tmp_path, "after", [late])
    [flag] = flags_of(session, run)
    assert (flag.register_rule, flag.severity) == ("accounts_not_filed", "yellow")
    assert flag.register_fields == {"last_accounts_year": [due, due - 1]}
    # Nothing changes the next night: the same year is not flagged again.
    assert flags_of(session, import_units(session, tmp_path, "after2", [late])) == []
    # A unit that never files accounts (no year given) is never flagged.
    never = main_unit(OTHER, "ENKEL ENK", sisteInnsendteAarsregnskap=None)
    import_units(session, tmp_path, "never", [late, never])
    assert len(flags_of(session)) == 1


def test_accounts_are_due_by_31_july_of_the_next_year():
    assert accounts_year_due(date(2026, 7, 31)) == 2024
    assert accounts_year_due(date(2026, 8, 1)) == 2025


def test_a_new_sub_unit_in_the_municipality_flags_its_main_unit_as_expanding(session, tmp_path):
    import_units(
        session, tmp_path, "before", [main_unit(), sub_unit(FIRST_BRANCH, name="FØRSTE AVD")]
    )
    run = import_units(session, tmp_path, "subs", [sub_unit()])
    [flag] = flags_of(session, run)
    assert flag.company_id == _company(session, MAIN).id
    assert (flag.register_rule, flag.severity, flag.kind) == ("new_sub_unit", "yellow", "expanding")
    assert flag.register_fields["organisasjonsnummer"] == [None, BRANCH]
    change = session.scalar(
        select(ImportChange).where(
            ImportChange.run_id == run.id, ImportChange.record_id == _company(session, BRANCH).id
        )
    )
    assert change.category == "new"
    assert flags_of(session, import_units(session, tmp_path, "subs-again", [sub_unit()])) == []


def test_the_first_file_of_sub_units_is_their_baseline(session, tmp_path):
    """Main units and sub-units come in separate files: the first sub-unit file would flag every
    branch in the municipality as expanding. Its sub-units are the baseline; the next new one
    is flagged."""
    import_units(session, tmp_path, "main-units", [main_unit(), main_unit(OTHER, "HEIA HANDEL AS")])
    first = import_units(
        session, tmp_path, "sub-units", [sub_unit(FIRST_BRANCH, name="FØRSTE AVD")]
    )
    assert flags_of(session, first) == [] and first.summary["created"] == 1
    later = import_units(session, tmp_path, "sub-units-2", [sub_unit(parent=OTHER)])
    [flag] = flags_of(session, later)
    assert (flag.register_rule, flag.company_id) == ("new_sub_unit", _company(session, OTHER).id)


def test_a_rule_turned_off_raises_nothing_and_thresholds_are_the_admins(session, tmp_path):
    rules = {rule.rule: rule for rule in services.ensure_flag_rules(session)}
    rules["bankruptcy"].enabled = False
    rules["employees_down"].threshold_percent = 10
    rules["employees_down"].threshold_people = 2
    rules["employees_down"].severity = "red"
    session.commit()
    _run, flags = _before_and_after(session, tmp_path, {"konkurs": True, "antallAnsatte": 36})
    assert [(f.register_rule, f.severity) for f in flags] == [("employees_down", "red")]


def test_a_broken_file_raises_no_flag_and_changes_nothing(session, tmp_path):
    import_units(session, tmp_path, "before", [main_unit()])
    path = tmp_path / "broken.json"
    path.write_text(
        '[{"organisasjonsnummer": "' + MAIN + '", "navn": "X", "konkurs": true}, {', "utf-8"
    )
    run = import_register_file(session, path, kommuner={"3205"})
    session.commit()
    assert run.status == "failed"
    assert flags_of(session) == []
    assert _company(session, MAIN).register_status == "active"


def test_reverting_an_import_takes_its_warnings_with_it(session, tmp_path):
    run, [_flag] = _before_and_after(session, tmp_path, {"konkurs": True})
    revert_import(session, run=run, user_id=None)
    session.commit()
    assert flags_of(session) == []
    assert _company(session, MAIN).register_status == "active"


def test_merging_two_organisations_with_the_same_register_warning_keeps_one(session, tmp_path):
    _before_and_after(session, tmp_path, {"konkurs": True})
    kept, other = _company(session, MAIN), _company(session, OTHER)
    session.add(
        WarningFlag(
            company_id=other.id,
            severity="red",
            kind="moving_or_closing",
            register_rule="bankruptcy",
            register_key="status:bankrupt",
            register_fields={},
        )
    )
    session.commit()
    merge_into(session, kept, other)
    [flag] = flags_of(session)
    assert flag.company_id == kept.id


def test_a_complete_file_that_leaves_a_unit_out_marks_it_deleted(session, tmp_path, runner):
    branch_before = [sub_unit()]
    import_units(session, tmp_path, "before", [main_unit(), main_unit(OTHER, "HEIA HANDEL AS")])
    import_units(session, tmp_path, "subs", branch_before)
    path = tmp_path / "enheter.json"
    path.write_text(json.dumps([main_unit()]), encoding="utf-8")
    # Without --complete a missing unit is only missing from this file.
    runner.invoke(args=["crm", "import-brreg", str(path)])
    assert _company(session, OTHER).register_status == "active"
    result = runner.invoke(args=["crm", "import-brreg", str(path), "--complete"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert _company(session, OTHER).register_status == "deleted"
    assert _company(session, BRANCH).register_status == "active"  # a sub-unit: another file
    deleted = [
        (f.company_id, f.register_rule)
        for f in flags_of(session)
        if f.register_rule != "new_sub_unit"
    ]
    assert deleted == [(_company(session, OTHER).id, "deleted")]
