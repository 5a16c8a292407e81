"""The register's bulk-file columns and codes, as the register publishes and spells them.

The CSV headers below are the register's own, in its order (enheter/lastned/csv and
underenheter/lastned/csv). Newer files may add columns; the reader looks columns up by name,
ignoring case, because the register itself is not consistent (`registreringsdatoenhetsregisteret`
in the CSV, camelCase in JSON).
"""

from __future__ import annotations

from typing import Final

# The parts of an address, as the register names them under each address column.
_ADDRESS_PARTS: Final = (
    "adresse",
    "poststed",
    "postnummer",
    "kommune",
    "kommunenummer",
    "land",
    "landkode",
)


def _address(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}.{part}" for part in _ADDRESS_PARTS)


# The columns both files begin with, in the register's order.
_SHARED_COLUMNS: Final = (
    "organisasjonsnummer",
    "navn",
    "organisasjonsform.kode",
    "organisasjonsform.beskrivelse",
    "naeringskode1.kode",
    "naeringskode1.beskrivelse",
    "naeringskode2.kode",
    "naeringskode2.beskrivelse",
    "naeringskode3.kode",
    "naeringskode3.beskrivelse",
    "hjelpeenhetskode.kode",
    "hjelpeenhetskode.beskrivelse",
    "harRegistrertAntallAnsatte",
    "antallAnsatte",
    "hjemmeside",
    *_address("postadresse"),
)

# The register's CSV header for main units (enheter/lastned/csv).
MAIN_UNIT_CSV_COLUMNS: Final = (
    *_SHARED_COLUMNS,
    *_address("forretningsadresse"),
    "institusjonellSektorkode.kode",
    "institusjonellSektorkode.beskrivelse",
    "sisteInnsendteAarsregnskap",
    "registreringsdatoenhetsregisteret",
    "stiftelsesdato",
    "registrertIMvaRegisteret",
    "frivilligMvaRegistrertBeskrivelser",
    "registrertIFrivillighetsregisteret",
    "registrertIForetaksregisteret",
    "registrertIStiftelsesregisteret",
    "konkurs",
    "konkursdato",
    "underAvvikling",
    "underAvviklingDato",
    "underTvangsavviklingEllerTvangsopplosning",
    "tvangsopplostPgaManglendeDagligLederDato",
    "tvangsopplostPgaManglendeRevisorDato",
    "tvangsopplostPgaManglendeRegnskapDato",
    "tvangsopplostPgaMangelfulltStyreDato",
    "tvangsavvikletPgaManglendeSlettingDato",
    "overordnetEnhet",
    "maalform",
    "vedtektsdato",
    "vedtektsfestetFormaal",
    "aktivitet",
)

# The register's CSV header for sub-units (underenheter/lastned/csv).
SUB_UNIT_CSV_COLUMNS: Final = (
    *_SHARED_COLUMNS,
    *_address("beliggenhetsadresse"),
    "registreringsdatoIEnhetsregisteret",
    "frivilligMvaRegistrertBeskrivelser",
    "registrertIMvaregisteret",
    "oppstartsdato",
    "datoEierskifte",
    "overordnetEnhet",
    "nedleggelsesdato",
)

REQUIRED_COLUMNS: Final = ("organisasjonsnummer", "navn")
SUB_UNIT_FORMS: Final = frozenset({"BEDR", "AAFY", "ADOS"})
INDUSTRY_STANDARDS: Final = ("SN2007", "SN2025")
# The register's code for "industry not stated"; storing it would read as a real industry.
NO_INDUSTRY: Final = "00.000"

# Messages name fields as the register spells them, not as the lower-cased lookup keys.
REGISTER_NAMES: Final = {
    name.lower(): name for name in (*MAIN_UNIT_CSV_COLUMNS, *SUB_UNIT_CSV_COLUMNS, "slettedato")
}
