"""Hand-made register files for the early-warning tests, in the register's own layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from crm.common.dates import local_today
from crm.establishments.models import WarningFlag
from crm.imports.brreg import import_register_file
from crm.imports.models import ImportRun
from crm.register.rules import accounts_year_due
from tests.imports.brreg_fixtures import (
    AS_FORM,
    SUB_UNIT_FORM,
    address,
    lillestrom,
    make_orgnr,
    write_fixture,
)

MAIN = make_orgnr(501)
OTHER = make_orgnr(502)
BRANCH = make_orgnr(503)
# A sub-unit in the baseline, so that the sub-units' own first file is behind (see
# RegisterWatcher.sub_unit_baseline).
FIRST_BRANCH = make_orgnr(504)


def main_unit(orgnr: str = MAIN, name: str = "KJELLER SOLKRAFT AS", **fields: Any) -> dict:
    """A main unit in Lillestrøm (3205) as /enheter returns it; fields override."""
    unit: dict[str, Any] = {
        "organisasjonsnummer": orgnr,
        "navn": name,
        "organisasjonsform": AS_FORM,
        "naeringskode1": {"kode": "35.110", "beskrivelse": "Produksjon av elektrisitet"},
        "harRegistrertAntallAnsatte": True,
        "antallAnsatte": 40,
        "forretningsadresse": lillestrom(["Instituttveien 18"], "2007", "KJELLER"),
        # Filed for the last year due: no accounts warning unless a test asks for one.
        "sisteInnsendteAarsregnskap": str(accounts_year_due(local_today())),
        "konkurs": False,
        "underAvvikling": False,
        "underTvangsavviklingEllerTvangsopplosning": False,
    }
    unit.update(fields)
    return unit


def sub_unit(orgnr: str = BRANCH, parent: str = MAIN, **fields: Any) -> dict:
    """A sub-unit in Lillestrøm as /underenheter returns it."""
    unit: dict[str, Any] = {
        "organisasjonsnummer": orgnr,
        "navn": "KJELLER SOLKRAFT AS AVD. HEIA",
        "organisasjonsform": SUB_UNIT_FORM,
        "overordnetEnhet": parent,
        "harRegistrertAntallAnsatte": True,
        "antallAnsatte": 8,
        "beliggenhetsadresse": lillestrom(["Heiaveien 2"], "1925", "BLAKER"),
    }
    unit.update(fields)
    return unit


def in_oslo() -> dict:
    """A business address in Oslo (0301)."""
    return address(["Karl Johans gate 1"], "0154", "OSLO", "0301", "OSLO")


def import_units(
    session, folder: Path, name: str, units: list[dict], *, fmt: str = "json"
) -> ImportRun:
    """Write the units as a register file and import it (Lillestrøm), committed."""
    path = write_fixture(folder / f"{name}.{fmt}", units, fmt=fmt, gz=False)  # type: ignore[arg-type]
    run = import_register_file(session, path, kommuner={"3205"})
    session.commit()
    return run


def flags_of(session, run: ImportRun | None = None) -> list[WarningFlag]:
    """The register's flags (of one run, or all), in order."""
    query = select(WarningFlag).where(WarningFlag.register_rule.is_not(None))
    if run is not None:
        query = query.where(WarningFlag.run_id == run.id)
    return list(session.scalars(query.order_by(WarningFlag.id)))
