"""Test fixtures in the register's own layout: tricky units and files written as brreg does.

The organisation numbers pass MOD11 but start with 1, a range the register does not issue, so
they look real without belonging to anyone. These are test fixtures, not demo data.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from crm.common.orgnr import check_digit
from crm.imports.brreg_columns import MAIN_UNIT_CSV_COLUMNS, SUB_UNIT_CSV_COLUMNS, SUB_UNIT_FORMS

SUB_UNIT_FORM = {
    "kode": "BEDR",
    "beskrivelse": "Underenhet til næringsdrivende og offentlig forvaltning",
}
AS_FORM = {"kode": "AS", "beskrivelse": "Aksjeselskap"}


def make_orgnr(n: int) -> str:
    """Return the n-th MOD11-valid organisation number of the unissued 1xxxxxxxx range."""
    # Neighbouring prefixes differ by the last weight (2), so at most one of two is unusable.
    prefix = 10_000_000 + 2 * n
    digit = check_digit(str(prefix))
    if digit is None:
        prefix += 1
        digit = check_digit(str(prefix))
    return f"{prefix}{digit}"


def with_wrong_check_digit(orgnr: str) -> str:
    """Return the number with its check digit changed, as a typing error would."""
    return orgnr[:8] + str((int(orgnr[8]) + 1) % 10)


def address(
    lines: list[str], postcode: str, town: str, kommunenummer: str, kommune: str
) -> dict[str, Any]:
    """Return an address object as the register writes one."""
    return {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": postcode,
        "poststed": town,
        "adresse": lines,
        "kommune": kommune,
        "kommunenummer": kommunenummer,
    }


def lillestrom(lines: list[str], postcode: str = "2000", town: str = "LILLESTRØM") -> dict:
    """Return an address in Lillestrøm (3205)."""
    return address(lines, postcode, town, "3205", "LILLESTRØM")


def _main(n: int, name: str, **fields: Any) -> dict[str, Any]:
    unit: dict[str, Any] = {
        "organisasjonsnummer": make_orgnr(n),
        "navn": name,
        "organisasjonsform": AS_FORM,
        "registreringsdatoEnhetsregisteret": "2015-03-02",
        "registrertIMvaregisteret": True,
        "registrertIForetaksregisteret": True,
        "registrertIStiftelsesregisteret": False,
        "registrertIFrivillighetsregisteret": False,
        "konkurs": False,
        "underAvvikling": False,
        "underTvangsavviklingEllerTvangsopplosning": False,
        "maalform": "Bokmål",
    }
    unit.update(fields)
    return unit


def tricky_units() -> list[dict[str, Any]]:
    """Return main units and sub-units covering every case the reader must get right."""
    parent = make_orgnr(9)
    agency = make_orgnr(40)
    return [
        _main(
            1,
            "ÆRLIG GRØNN ÅKERBRUK AS",
            naeringskode1={"kode": "01.130", "beskrivelse": "Dyrking av grønnsaker"},
            harRegistrertAntallAnsatte=True,
            antallAnsatte=12,
            hjemmeside="www.aerlig-gronn.example",
            stiftelsesdato="2015-02-20",
            forretningsadresse=lillestrom(["Fjærevegen 3"], "1920", "SØRUMSAND"),
            postadresse=lillestrom(["Postboks 12"], "1921", "SØRUMSAND"),
        ),
        # No industry, no employee fields, no website, no founding date.
        _main(2, "NAKEN DATA AS", forretningsadresse=lillestrom(["Storgata 2"])),
        # Employees not reported: the flag says so, whatever the count says.
        _main(
            3,
            "KJELLER KODEVERKSTED AS",
            naeringskode1={"kode": "62.010", "beskrivelse": "Programmeringstjenester"},
            harRegistrertAntallAnsatte=False,
            forretningsadresse=lillestrom(["Instituttveien 8"], "2007", "KJELLER"),
        ),
        _main(
            4,
            "STRØMMEN STÅLBYGG AS",
            konkurs=True,
            konkursdato="2024-11-05",
            forretningsadresse=lillestrom(["Stasjonsveien 1"], "2010", "STRØMMEN"),
        ),
        _main(
            5,
            "FETSUND FERGE AS",
            underAvvikling=True,
            underAvviklingDato="2025-01-15",
            forretningsadresse=lillestrom(["Fergeveien 2"], "1900", "FETSUND"),
        ),
        _main(
            6,
            "HEIA HANDEL AS",
            underTvangsavviklingEllerTvangsopplosning=True,
            forretningsadresse=lillestrom(["Heiaveien 40"], "1925", "BLAKER"),
        ),
        # Deleted units come with a reduced record and a slettedato.
        {
            "organisasjonsnummer": make_orgnr(7),
            "navn": "NEDLAGT KJELLER-LAB AS",
            "organisasjonsform": AS_FORM,
            "slettedato": "2023-06-30",
            "forretningsadresse": lillestrom(["Kjellerveien 1"], "2007", "KJELLER"),
        },
        # The parent of the sub-unit below: registered in Oslo, so not Lillestrøm's.
        _main(
            9,
            "NORDISK SOLKRAFT AS",
            naeringskode1={"kode": "35.110", "beskrivelse": "Produksjon av elektrisitet"},
            harRegistrertAntallAnsatte=True,
            antallAnsatte=140,
            forretningsadresse=address(["Karl Johans gate 1"], "0154", "OSLO", "0301", "OSLO"),
        ),
        {
            "organisasjonsnummer": make_orgnr(10),
            "navn": "NORDISK SOLKRAFT AS AVD LILLESTRØM",
            "organisasjonsform": SUB_UNIT_FORM,
            "overordnetEnhet": parent,
            "naeringskode1": {"kode": "35.110", "beskrivelse": "Produksjon av elektrisitet"},
            "harRegistrertAntallAnsatte": True,
            "antallAnsatte": 7,
            "oppstartsdato": "2021-09-01",
            "registreringsdatoIEnhetsregisteret": "2021-08-20",
            "registrertIMvaregisteret": True,
            "beliggenhetsadresse": lillestrom(["Solheimveien 5"], "2008", "FJERDINGBY"),
            "postadresse": address(["Postboks 1"], "0101", "OSLO", "0301", "OSLO"),
        },
        # A closed establishment: nedleggelsesdato instead of slettedato.
        {
            "organisasjonsnummer": make_orgnr(11),
            "navn": "NORDISK SOLKRAFT AS AVD BERGER",
            "organisasjonsform": SUB_UNIT_FORM,
            "overordnetEnhet": parent,
            "harRegistrertAntallAnsatte": False,
            "oppstartsdato": "2019-01-01",
            "nedleggelsesdato": "2024-12-31",
            "beliggenhetsadresse": lillestrom(["Bergerveien 3"], "1911", "FLATEBY"),
        },
        _main(
            12,
            "BERGENSKE BRYGGEKRAFT AS",
            forretningsadresse=address(["Bryggen 1"], "5003", "BERGEN", "4601", "BERGEN"),
        ),
        # A name with quotes and a line break; in CSV the field is quoted across two lines.
        _main(
            13,
            'HVAM "GÅRDSMAT"\nOG KAFÉ SA',
            organisasjonsform={"kode": "SA", "beskrivelse": "Samvirkeforetak"},
            forretningsadresse=lillestrom(["c/o Hvam gård", "Hvamsvegen 5"], "2013", "SKJETTEN"),
        ),
        # SN2025: 96.210 only exists in SN2025 (SN2007 put hairdressers under 96.020). The marker
        # field beside the code is this fixture's, not a documented register field.
        _main(
            14,
            "KLIPP OG KRØLL LILLESTRØM AS",
            naeringskode1={
                "kode": "96.210",
                "beskrivelse": "Frisering og barbering",
                "standard": "SN2025",
            },
            forretningsadresse=lillestrom(["Torget 1"]),
        ),
        {
            **_main(15, "FEILTAST NUMMER AS", forretningsadresse=lillestrom(["Storgata 9"])),
            "organisasjonsnummer": with_wrong_check_digit(make_orgnr(15)),
        },
        # Registered under 3030, Lillestrøm's number in Viken (2020-2023).
        _main(
            16,
            "GAMMEL KOMMUNENUMMER AS",
            forretningsadresse=address(["Skedsmogata 1"], "2020", "SKEDSMOKORSET", "3030", ""),
        ),
        _main(17, "", forretningsadresse=lillestrom(["Storgata 11"])),
        # An association with only a postal address counts where its mail goes.
        {
            "organisasjonsnummer": make_orgnr(18),
            "navn": "LILLESTRØM SJAKKLUBB",
            "organisasjonsform": {"kode": "FLI", "beskrivelse": "Forening/lag/innretning"},
            "registrertIFrivillighetsregisteret": True,
            "postadresse": lillestrom(["Postboks 77"], "2001"),
        },
        # An ORGL is a main unit even though it has an overordnetEnhet.
        _main(
            19,
            "ROMERIKE TESTETAT AVD NÆRING",
            organisasjonsform={"kode": "ORGL", "beskrivelse": "Organisasjonsledd"},
            overordnetEnhet=agency,
            forretningsadresse=lillestrom(["Jonas Lies gate 18"]),
        ),
    ]


def is_sub_unit(unit: Mapping[str, Any]) -> bool:
    """Tell whether a fixture unit is a sub-unit (it has a location address or a BEDR form)."""
    form = unit.get("organisasjonsform") or {}
    return "beliggenhetsadresse" in unit or form.get("kode") in SUB_UNIT_FORMS


def write_fixture(
    path: Path,
    units: list[dict[str, Any]],
    *,
    fmt: Literal["json", "csv"],
    gz: bool,
    encoding: str = "utf-8",
) -> Path:
    """Write units as the register's JSON array or dotted-name CSV, gzipped or not."""
    if gz:
        stream = gzip.open(path, "wt", encoding=encoding, newline="", compresslevel=6)  # noqa: SIM115
    else:
        stream = open(path, "w", encoding=encoding, newline="")  # noqa: SIM115
    with stream:
        if fmt == "json":
            json.dump(units, stream, ensure_ascii=False)
        else:
            write_csv(stream, units)
    return path


def write_csv(stream: Any, units: Iterable[Mapping[str, Any]]) -> None:
    """Write units with the register's CSV columns (main, sub or both), extra fields last."""
    units = list(units)
    flat_units = [_flatten(unit) for unit in units]
    has_main = any(not is_sub_unit(unit) for unit in units)
    has_sub = any(is_sub_unit(unit) for unit in units)
    columns = list(MAIN_UNIT_CSV_COLUMNS) if has_main else []
    if has_sub:
        columns += [c for c in SUB_UNIT_CSV_COLUMNS if c not in columns]
    # The register's CSV spells some names differently from its JSON: match ignoring case.
    by_lower = {c.lower(): c for c in columns}
    for flat in flat_units:
        for key in flat:
            if key.lower() not in by_lower:
                by_lower[key.lower()] = key
                columns.append(key)
    writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(columns)
    for flat in flat_units:
        lowered = {key.lower(): value for key, value in flat.items()}
        writer.writerow([_csv_value(lowered.get(c.lower())) for c in columns])


def _flatten(unit: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in unit.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        # Address lines share one quoted field, one line each.
        return "\n".join(str(line) for line in value)
    return str(value)


def synthetic_unit(i: int, kommunenummer: str) -> dict[str, Any]:
    """Return a main unit of realistic size (about 1 kB of JSON) for volume tests."""
    return _main(
        100_000 + i,
        f"SYNTETISK BEDRIFT NUMMER {i} AS",
        naeringskode1={"kode": "62.010", "beskrivelse": "Programmeringstjenester"},
        harRegistrertAntallAnsatte=True,
        antallAnsatte=i % 50,
        hjemmeside=f"www.syntetisk-{i}.example",
        stiftelsesdato="2010-01-01",
        institusjonellSektorkode={"kode": "2100", "beskrivelse": "Private aksjeselskaper mv."},
        forretningsadresse=address(
            [f"Testveien {i % 200}"], "2000", "LILLESTRØM", kommunenummer, "LILLESTRØM"
        ),
        postadresse=address([f"Postboks {i % 900}"], "2001", "LILLESTRØM", kommunenummer, ""),
        _links={"self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{i}"}},
    )


def write_synthetic_json(path: Path, count: int, *, lillestrom_every: int = 150) -> int:
    """Stream `count` synthetic units to a gzipped JSON array; return its decompressed size."""
    others = ("0301", "4601", "5001", "1103", "3201")
    written = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        written += out.write("[")
        for i in range(count):
            kommune = "3205" if i % lillestrom_every == 0 else others[i % len(others)]
            text = json.dumps(synthetic_unit(i, kommune), ensure_ascii=False)
            written += out.write(("," if i else "") + text)
        written += out.write("]")
    return written
