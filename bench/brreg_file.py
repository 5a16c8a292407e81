"""Write a synthetic, national-size main-unit file in the register's CSV layout, gzipped.

The register's real file (enheter/lastned/csv) holds about 1.1 million units; this one has the
same columns, a similar spread over municipalities (about 0.7 % in Lillestrøm, 3205) and the
same awkward bits (multi-line quoted addresses, empty fields). Rows are written in batches, so
memory stays flat whatever --units is. Organisation numbers pass MOD11 but start with 1, a range
the register does not issue.

With --sub-out, the sub-units (underenheter/lastned/csv layout, about 0.44 per main unit: the
register has about 0.5 million against 1.1 million main units) are written in the same pass:
mostly for AS, associations and other forms with employees, each with its parent's number in
`overordnetEnhet`, located in the parent's municipality four times in five. They come from a
random generator of their own, so the main-unit file is the same with or without them.

    python bench/brreg_file.py --units 1200000 --out /tmp/enheter.csv.gz --seed 1
    python bench/brreg_file.py --out /tmp/enheter.csv.gz --sub-out /tmp/underenheter.csv.gz
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: make the repository importable without installing it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm.common.orgnr import check_digit
from crm.imports.brreg_columns import MAIN_UNIT_CSV_COLUMNS, SUB_UNIT_CSV_COLUMNS

BATCH = 10_000
_COLUMN = {name: index for index, name in enumerate(MAIN_UNIT_CSV_COLUMNS)}
ORGNR, NAME, FORM = (
    _COLUMN["organisasjonsnummer"],
    _COLUMN["navn"],
    _COLUMN["organisasjonsform.kode"],
)
INDUSTRY, WEBSITE = _COLUMN["naeringskode1.kode"], _COLUMN["hjemmeside"]
HAS_STAFF, STAFF = _COLUMN["harRegistrertAntallAnsatte"], _COLUMN["antallAnsatte"]
# The seven address fields follow each other: adresse, poststed, postnummer, kommune,
# kommunenummer, land, landkode.
POSTAL, BUSINESS = _COLUMN["postadresse.adresse"], _COLUMN["forretningsadresse.adresse"]
KOMMUNE = _COLUMN["forretningsadresse.kommunenummer"]
SECTOR, ACCOUNTS = _COLUMN["institusjonellSektorkode.kode"], _COLUMN["sisteInnsendteAarsregnskap"]
REGISTERED, FOUNDED = _COLUMN["registreringsdatoenhetsregisteret"], _COLUMN["stiftelsesdato"]
VAT, VOLUNTARY = _COLUMN["registrertIMvaRegisteret"], _COLUMN["registrertIFrivillighetsregisteret"]
BUSINESS_REGISTER = _COLUMN["registrertIForetaksregisteret"]
FOUNDATIONS = _COLUMN["registrertIStiftelsesregisteret"]
BANKRUPT, LIQUIDATION = _COLUMN["konkurs"], _COLUMN["underAvvikling"]
FORCED = _COLUMN["underTvangsavviklingEllerTvangsopplosning"]
LANGUAGE = _COLUMN["maalform"]
LILLESTROM_SHARE = 0.007
_SUB = {name: index for index, name in enumerate(SUB_UNIT_CSV_COLUMNS)}
SUB_LOCATION = _SUB["beliggenhetsadresse.adresse"]
# Main-unit forms that usually run an establishment of their own, and how often.
SUB_UNIT_SHARE = {"ENK": 0.1, "ESEK": 0.0, "SAM": 0.0, "BRL": 0.0}
SUB_UNIT_SHARE_OTHER = 0.5
# A few main units (chains, public bodies) have many establishments.
CHAIN_SHARE, CHAIN_MAX = 0.03, 20
SUB_UNIT_NUMBERS_START = 15_000_000

# (kommunenummer, kommune, post town, postcode prefix, share of the national register)
BIG_MUNICIPALITIES = (
    ("0301", "OSLO", "OSLO", "0", 0.140),
    ("4601", "BERGEN", "BERGEN", "50", 0.055),
    ("5001", "TRONDHEIM", "TRONDHEIM", "70", 0.040),
    ("1103", "STAVANGER", "STAVANGER", "40", 0.028),
    ("3201", "BÆRUM", "SANDVIKA", "13", 0.025),
    ("3203", "ASKER", "ASKER", "13", 0.018),
    ("3301", "DRAMMEN", "DRAMMEN", "30", 0.018),
    ("4204", "KRISTIANSAND", "KRISTIANSAND S", "46", 0.020),
    ("5501", "TROMSØ", "TROMSØ", "90", 0.014),
    ("3107", "FREDRIKSTAD", "FREDRIKSTAD", "16", 0.014),
    ("1108", "SANDNES", "SANDNES", "43", 0.013),
    ("3205", "LILLESTRØM", "LILLESTRØM", "20", LILLESTROM_SHARE),
)
COUNTY_PREFIXES = (
    "11",
    "15",
    "18",
    "31",
    "32",
    "33",
    "34",
    "39",
    "40",
    "42",
    "46",
    "50",
    "55",
    "56",
)
TOWNS = ("MOSS", "HAMAR", "GJØVIK", "ÅLESUND", "MOLDE", "BODØ", "HARSTAD", "ARENDAL", "SKIEN")

ORG_FORMS = (
    ("ENK", "Enkeltpersonforetak", 0.38),
    ("AS", "Aksjeselskap", 0.33),
    ("FLI", "Forening/lag/innretning", 0.07),
    ("ESEK", "Eierseksjonssameie", 0.04),
    ("NUF", "Norskregistrert utenlandsk foretak", 0.03),
    ("BRL", "Borettslag", 0.02),
    ("DA", "Ansvarlig selskap med delt ansvar", 0.02),
    ("ANS", "Ansvarlig selskap med solidarisk ansvar", 0.02),
    ("SA", "Samvirkeforetak", 0.01),
    ("STI", "Stiftelse", 0.01),
    ("ORGL", "Organisasjonsledd", 0.01),
    ("SAM", "Tingsrettslig sameie", 0.06),
)
INDUSTRIES = (
    ("00.000", "Uoppgitt"),
    ("01.130", "Dyrking av grønnsaker, meloner, rot- og knollvekster"),
    ("41.200", "Oppføring av bygninger"),
    ("43.210", "Elektrisk installasjonsarbeid"),
    ("46.900", "Uspesifisert engroshandel"),
    ("47.111", "Butikkhandel med bredt vareutvalg med hovedvekt på nærings- og nytelsesmidler"),
    ("49.320", "Drosjebiltransport"),
    ("56.101", "Drift av restauranter og kafeer"),
    ("62.010", "Programmeringstjenester"),
    ("64.209", "Annen holdingselskapsvirksomhet"),
    ("68.209", "Utleie av egen eller leid fast eiendom ellers"),
    ("69.201", "Regnskap og bokføring"),
    ("70.220", "Bedriftsrådgivning og annen administrativ rådgivning"),
    ("71.129", "Annen teknisk konsulentvirksomhet"),
    ("74.102", "Interiørarkitekter, interiørdesignere og interiørkonsulenter"),
    ("85.510", "Undervisning innen idrett og rekreasjon"),
    ("86.211", "Allmenn legetjeneste"),
    ("90.012", "Utøvende kunstnere og underholdningsvirksomhet innen scenekunst"),
    ("94.991", "Aktiviteter i andre interesseorganisasjoner ikke nevnt annet sted"),
    ("96.020", "Frisering og annen skjønnhetspleie"),
)
WORDS = (
    "NORDLYS", "FJORD", "BJØRK", "ELVE", "SKOG", "GRANITT", "HAVBRIS", "SOLSIDEN", "ØSTLANDS",
    "TINDE", "LYNGHEIM", "KVARTS", "ÅSEN", "BRYGGE", "FYRLYKT", "VIDDE", "MOLO", "STRØM",
)  # fmt: skip
TRADES = (
    "BYGG", "EIENDOM", "HOLDING", "INVEST", "REGNSKAP", "DATA", "ELEKTRO", "TRANSPORT", "DESIGN",
    "HELSE", "MASKIN", "RÅDGIVNING", "SNEKKERI", "KAFÉ", "MEDIA", "ENERGI", "TEKNIKK", "SERVICE",
)  # fmt: skip
STREETS = (
    "Storgata", "Kirkeveien", "Skolegata", "Industriveien", "Jernbanegata", "Fjordvegen",
    "Bjørkelia", "Sjøgata", "Ringveien", "Åsveien", "Kongens gate", "Nedre Storgate",
)  # fmt: skip
SECTORS = (("2100", "Private aksjeselskaper mv."), ("8200", "Personlig næringsdrivende"))


def orgnr_prefixes(start: int = 10_000_000) -> Iterator[str]:
    """Yield MOD11-valid organisation numbers in rising order, from the unissued 1xxxxxxxx range."""
    prefix = start
    while True:
        digit = check_digit(str(prefix))
        if digit is not None:
            yield f"{prefix}{digit}"
        prefix += 1


def municipality_table(rng: random.Random) -> tuple[list[tuple[str, str, str, str]], list[float]]:
    """Return the municipalities and their cumulative shares, the small ones spread evenly."""
    places = [m[:4] for m in BIG_MUNICIPALITIES]
    shares = [m[4] for m in BIG_MUNICIPALITIES]
    taken = {m[0] for m in BIG_MUNICIPALITIES}
    small = sorted(
        {f"{p}{n:02d}" for p in COUNTY_PREFIXES for n in range(1, 60) if rng.random() < 0.45}
        - taken
    )
    rest = (1.0 - sum(shares)) / len(small)
    for number in small:
        town = rng.choice(TOWNS)
        places.append((number, town, town, number[:2]))
        shares.append(rest)
    cumulative, total = [], 0.0
    for share in shares:
        total += share
        cumulative.append(total)
    return places, cumulative


def rows(units: int, seed: int) -> Iterator[list[list[str]]]:
    """Yield batches of CSV rows in MAIN_UNIT_CSV_COLUMNS order."""
    rng = random.Random(seed)
    places, place_weights = municipality_table(rng)
    forms = [f[:2] for f in ORG_FORMS]
    form_weights = [f[2] for f in ORG_FORMS]
    numbers = orgnr_prefixes()
    empty = [""] * len(MAIN_UNIT_CSV_COLUMNS)
    done = 0
    while done < units:
        size = min(BATCH, units - done)
        batch_places = rng.choices(places, cum_weights=place_weights, k=size)
        batch_forms = rng.choices(forms, weights=form_weights, k=size)
        batch: list[list[str]] = []
        for place, (form, form_text) in zip(batch_places, batch_forms, strict=True):
            kommunenummer, kommune, town, postcode_prefix = place
            row = empty.copy()
            code, text = rng.choice(INDUSTRIES)
            street = f"{rng.choice(STREETS)} {rng.randint(1, 140)}"
            # About one address in twenty has a c/o line: a quoted field over two lines.
            lines = (
                f"c/o {rng.choice(WORDS).title()} AS\n{street}" if rng.random() < 0.05 else street
            )
            postcode = (postcode_prefix + f"{rng.randint(0, 9999):04d}")[:4]
            founded = f"{rng.randint(1950, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            reports_staff = rng.random() < 0.25
            trouble = rng.random()
            sector = SECTORS[1] if form == "ENK" else SECTORS[0]
            row[ORGNR] = next(numbers)
            suffix = "" if form == "ENK" else f" {form}"
            row[NAME] = f"{rng.choice(WORDS)} {rng.choice(TRADES)}{suffix}"
            row[FORM], row[FORM + 1] = form, form_text
            row[INDUSTRY], row[INDUSTRY + 1] = code, text
            row[HAS_STAFF] = "true" if reports_staff else "false"
            row[STAFF] = str(int(rng.expovariate(0.1)) + 1) if reports_staff else ""
            row[WEBSITE] = f"www.{row[ORGNR]}.example" if rng.random() < 0.1 else ""
            if rng.random() < 0.3:
                box = f"Postboks {rng.randint(1, 999)}"
                row[POSTAL : POSTAL + 7] = [
                    box,
                    town,
                    postcode,
                    kommune,
                    kommunenummer,
                    "Norge",
                    "NO",
                ]
            row[BUSINESS : BUSINESS + 7] = [
                lines,
                town,
                postcode,
                kommune,
                kommunenummer,
                "Norge",
                "NO",
            ]
            row[SECTOR], row[SECTOR + 1] = sector
            row[ACCOUNTS] = "2024" if form in ("AS", "SA") else ""
            row[REGISTERED] = founded
            row[FOUNDED] = "" if form == "ENK" else founded
            row[VAT] = "true" if rng.random() < 0.4 else "false"
            row[VOLUNTARY] = "false"
            row[BUSINESS_REGISTER] = "true" if form in ("AS", "DA", "ANS", "SA", "NUF") else "false"
            row[FOUNDATIONS] = "true" if form == "STI" else "false"
            row[BANKRUPT] = "true" if trouble < 0.005 else "false"
            row[LIQUIDATION] = "true" if 0.005 <= trouble < 0.015 else "false"
            row[FORCED] = "true" if 0.015 <= trouble < 0.018 else "false"
            row[LANGUAGE] = "Bokmål"
            batch.append(row)
        done += size
        yield batch


class SubUnits:
    """Sub-unit rows for batches of main units, from a generator of their own."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed * 7919 + 17)
        self.places, self.place_weights = municipality_table(random.Random(seed))
        self.numbers = orgnr_prefixes(SUB_UNIT_NUMBERS_START)
        self.empty = [""] * len(SUB_UNIT_CSV_COLUMNS)

    def for_batch(self, batch: list[list[str]]) -> list[list[str]]:
        """The sub-units of these main units (none for most)."""
        rng, out = self.rng, []
        for parent in batch:
            share = SUB_UNIT_SHARE.get(parent[FORM], SUB_UNIT_SHARE_OTHER)
            count = 1 if rng.random() < share else 0
            if parent[FORM] != "ENK" and share and rng.random() < CHAIN_SHARE:
                count += rng.randint(1, CHAIN_MAX)
            for _ in range(count):
                out.append(self._row(parent))
        return out

    def _row(self, parent: list[str]) -> list[str]:
        rng = self.rng
        row = self.empty.copy()
        if rng.random() < 0.8:
            place = parent[BUSINESS + 1 : BUSINESS + 5]  # town, postcode, kommune, number
            town, postcode, kommune, number = place
        else:
            number, kommune, town, prefix = rng.choices(
                self.places, cum_weights=self.place_weights
            )[0]
            postcode = (prefix + f"{rng.randint(0, 9999):04d}")[:4]
        started = f"{rng.randint(1990, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        staffed = rng.random() < 0.6
        row[_SUB["organisasjonsnummer"]] = next(self.numbers)
        row[_SUB["navn"]] = f"{parent[NAME]} AVD {town}"[:180]
        row[_SUB["organisasjonsform.kode"]] = "BEDR"
        row[_SUB["organisasjonsform.beskrivelse"]] = (
            "Underenhet til næringsdrivende og offentlig forvaltning"
        )
        row[_SUB["naeringskode1.kode"]] = parent[INDUSTRY]
        row[_SUB["naeringskode1.beskrivelse"]] = parent[INDUSTRY + 1]
        row[_SUB["harRegistrertAntallAnsatte"]] = "true" if staffed else "false"
        row[_SUB["antallAnsatte"]] = str(int(rng.expovariate(0.08)) + 1) if staffed else ""
        row[SUB_LOCATION : SUB_LOCATION + 7] = [
            f"{rng.choice(STREETS)} {rng.randint(1, 140)}",
            town,
            postcode,
            kommune,
            number,
            "Norge",
            "NO",
        ]
        row[_SUB["registreringsdatoIEnhetsregisteret"]] = started
        row[_SUB["registrertIMvaregisteret"]] = parent[VAT]
        row[_SUB["oppstartsdato"]] = started
        row[_SUB["overordnetEnhet"]] = parent[ORGNR]
        if rng.random() < 0.02:
            row[_SUB["nedleggelsesdato"]] = f"2025-{rng.randint(1, 12):02d}-01"
        return row


def write(out: Path, units: int, seed: int, sub_out: Path | None = None) -> tuple[int, int]:
    """Write the file(s); return how many main units are in Lillestrøm (3205) and sub-units."""
    lillestrom = subs = 0
    sub_units = SubUnits(seed) if sub_out is not None else None
    with contextlib.ExitStack() as files:
        stream = files.enter_context(
            gzip.open(out, "wt", encoding="utf-8", newline="", compresslevel=6)
        )
        writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(MAIN_UNIT_CSV_COLUMNS)
        sub_writer = None
        if sub_out is not None:
            sub_stream = files.enter_context(
                gzip.open(sub_out, "wt", encoding="utf-8", newline="", compresslevel=6)
            )
            sub_writer = csv.writer(sub_stream, quoting=csv.QUOTE_ALL, lineterminator="\n")
            sub_writer.writerow(SUB_UNIT_CSV_COLUMNS)
        for batch in rows(units, seed):
            writer.writerows(batch)
            lillestrom += sum(1 for row in batch if row[KOMMUNE] == "3205")
            if sub_units is not None and sub_writer is not None:
                written = sub_units.for_batch(batch)
                sub_writer.writerows(written)
                subs += len(written)
    return lillestrom, subs


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and write the file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_200_000, help="units to write")
    parser.add_argument("--out", type=Path, required=True, help="the .csv.gz file to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same file)")
    parser.add_argument("--sub-out", type=Path, help="also write the sub-units to this .csv.gz")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lillestrom, subs = write(args.out, args.units, args.seed, args.sub_out)
    seconds = time.perf_counter() - started
    size = args.out.stat().st_size / 1024 / 1024
    print(
        f"{args.units:,} units ({lillestrom:,} in 3205) to {args.out}: "
        f"{size:.1f} MiB in {seconds:.1f} s"
    )
    if args.sub_out is not None:
        print(
            f"{subs:,} sub-units to {args.sub_out}: {args.sub_out.stat().st_size / 2**20:.1f} MiB"
        )


if __name__ == "__main__":
    main()
