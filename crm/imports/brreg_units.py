"""One register unit: from a flattened record (lower-case dotted names) to a RegisterUnit, or
the reason it is refused (a RejectedRow). Pure: no file, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

from crm.common.messages import N_, Message, message
from crm.common.orgnr import normalise_orgnr, orgnr_problem
from crm.imports.brreg_columns import (
    INDUSTRY_STANDARDS,
    NO_INDUSTRY,
    REGISTER_NAMES,
    SUB_UNIT_FORMS,
)

UnitStatus = Literal["active", "under_liquidation", "bankrupt", "deleted"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TRUE: Final = frozenset({"true", "j", "ja", "y", "yes", "1"})
_FALSE: Final = frozenset({"false", "n", "nei", "no", "0"})


@dataclass(frozen=True, slots=True)
class RegisterUnit:
    """One main unit or sub-unit, in the words of the CRM rather than of the register."""

    orgnr: str
    name: str
    org_form_code: str | None
    org_form_description: str | None
    industry_code: str | None
    industry_description: str | None
    industry_standard: str | None
    employees: int | None
    address: str | None
    postcode: str | None
    post_town: str | None
    municipality_number: str | None
    website: str | None
    status: UnitStatus
    parent_orgnr: str | None
    is_sub_unit: bool
    founded: date | None
    deleted_on: date | None
    # The last year of annual accounts filed (sisteInnsendteAarsregnskap); main units only.
    last_accounts_year: int | None = None


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A unit the file holds but the CRM refuses; CSV counts lines (header = 1), JSON units."""

    line_or_index: int
    orgnr: str | None
    reason: Message


class _RowProblem(Exception):
    """A field of one unit cannot be understood; the unit becomes a RejectedRow."""

    def __init__(self, template: str, **values: Any) -> None:
        self.message = Message(template, values)
        super().__init__(str(self.message))


def json_is_sub_unit(top: Mapping[str, Any]) -> bool:
    """Whether a JSON unit is a sub-unit (see crm/imports/brreg_reader.py for the rule)."""
    if "beliggenhetsadresse" in top:
        return True
    if as_text(lookup(top.get("organisasjonsform"), "kode")) in SUB_UNIT_FORMS:
        return True
    has_main_address = "forretningsadresse" in top or "postadresse" in top
    has_parent = "overordnetEnhet" in top or "overordnetenhet" in top
    return has_parent and not has_main_address


def lookup(mapping: Any, key: str) -> Any:
    """Look `key` (lower case) up in a JSON object, ignoring the case of the object's keys."""
    if not isinstance(mapping, Mapping):
        return None
    if key in mapping:
        return mapping[key]
    for name, value in mapping.items():
        if str(name).lower() == key:
            return value
    return None


def flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Name nested fields as the CSV does ("forretningsadresse.kommunenummer"), in lower case."""
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        name = prefix + str(key).lower()
        if isinstance(value, Mapping):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def build_unit(
    record: Mapping[str, Any], position: int, is_sub: bool, default_standard: str
) -> RegisterUnit | RejectedRow:
    """Turn one flattened record (lower-case dotted names) into a unit, or say why not."""
    raw_orgnr = as_text(record.get("organisasjonsnummer"))
    orgnr = normalise_orgnr(raw_orgnr)
    problem = orgnr_problem(orgnr)
    if problem:
        if raw_orgnr:
            problem = message(N_("%(problem)s Got %(raw)r."), problem=problem, raw=raw_orgnr)
        return RejectedRow(position, raw_orgnr or None, problem)
    name = " ".join(as_text(record.get("navn")).split())
    if not name:
        return RejectedRow(position, orgnr, message(N_("The unit has no name (navn).")))
    try:
        return _unit_fields(record, orgnr, name, is_sub, default_standard)
    except _RowProblem as exc:
        return RejectedRow(position, orgnr, exc.message)


def _unit_fields(
    record: Mapping[str, Any], orgnr: str, name: str, is_sub: bool, default_standard: str
) -> RegisterUnit:
    prefix = "beliggenhetsadresse" if is_sub else "forretningsadresse"
    # The same fallback as the municipality filter, so the address shown is the one that counted.
    if (
        not is_sub
        and not as_text(record.get("forretningsadresse.kommunenummer"))
        and as_text(record.get("postadresse.kommunenummer"))
    ):
        prefix = "postadresse"

    parent = as_text(record.get("overordnetenhet"))
    if parent:
        parent = normalise_orgnr(parent)
        problem = orgnr_problem(parent)
        if problem:
            raise _RowProblem(
                N_("Its parent unit (overordnetEnhet %(parent)r): %(problem)s"),
                parent=parent,
                problem=problem,
            )

    deleted_on = _date(record, "slettedato")
    if deleted_on is None and is_sub:
        # A sub-unit is closed (nedlagt) rather than deleted; for the CRM both mean "gone".
        deleted_on = _date(record, "nedleggelsesdato")
    if deleted_on is not None:
        status: UnitStatus = "deleted"
    elif _bool(record, "konkurs"):
        status = "bankrupt"
    elif _bool(record, "underavvikling") or _bool(
        record, "undertvangsavviklingellertvangsopplosning"
    ):
        status = "under_liquidation"
    else:
        status = "active"

    industry_code = as_text(record.get("naeringskode1.kode")) or None
    if industry_code == NO_INDUSTRY:
        industry_code = None

    return RegisterUnit(
        orgnr=orgnr,
        name=name,
        org_form_code=as_text(record.get("organisasjonsform.kode")) or None,
        org_form_description=as_text(record.get("organisasjonsform.beskrivelse")) or None,
        industry_code=industry_code,
        industry_description=(
            (as_text(record.get("naeringskode1.beskrivelse")) or None) if industry_code else None
        ),
        industry_standard=(_industry_standard(record, default_standard) if industry_code else None),
        employees=_employees(record),
        address=_address_lines(record.get(prefix + ".adresse")),
        postcode=as_text(record.get(prefix + ".postnummer")) or None,
        post_town=as_text(record.get(prefix + ".poststed")) or None,
        municipality_number=municipality_number(as_text(record.get(prefix + ".kommunenummer")))
        or None,
        website=as_text(record.get("hjemmeside")) or None,
        status=status,
        parent_orgnr=parent or None,
        is_sub_unit=is_sub,
        founded=_date(record, "oppstartsdato" if is_sub else "stiftelsesdato"),
        deleted_on=deleted_on,
        last_accounts_year=None if is_sub else _year(record, "sisteinnsendteaarsregnskap"),
    )


def _industry_standard(record: Mapping[str, Any], default: str) -> str:
    # Only a field beside the code can say which standard it follows (see the module docstring).
    for key, value in record.items():
        if key.startswith("naeringskode1.") and key not in (
            "naeringskode1.kode",
            "naeringskode1.beskrivelse",
        ):
            marker = as_text(value).upper().replace(" ", "")
            for standard in INDUSTRY_STANDARDS:
                if standard in marker:
                    return standard
    return default


def _employees(record: Mapping[str, Any]) -> int | None:
    # "Not reported" is not zero: the register hides small counts and leaves out the field.
    if _bool(record, "harregistrertantallansatte") is False:
        return None
    raw = as_text(record.get("antallansatte"))
    if not raw:
        return None
    try:
        count = int(raw)
    except ValueError:
        raise _RowProblem(N_("antallAnsatte %(value)r is not a whole number."), value=raw) from None
    if count < 0:
        raise _RowProblem(N_("antallAnsatte %(value)r is negative."), value=raw)
    return count


def _year(record: Mapping[str, Any], key: str) -> int | None:
    raw = as_text(record.get(key))
    if not raw:
        return None
    if not (raw.isdigit() and len(raw) == 4):
        raise _RowProblem(N_("%(field)s %(value)r is not a year."), field=_label(key), value=raw)
    return int(raw)


def _address_lines(value: Any) -> str | None:
    # JSON gives a list of lines; the CSV puts the same lines in one quoted, multi-line field.
    lines = value if isinstance(value, list) else _LINE_BREAK.split(as_text(value))
    kept = [" ".join(as_text(line).split()) for line in lines]
    return ", ".join(line for line in kept if line) or None


def municipality_number(value: str) -> str:
    """A municipality number with its four digits."""
    # Spreadsheets drop the leading zero of Oslo's 0301; the register always writes four digits.
    value = value.strip()
    if value.isdigit() and len(value) < 4:
        return value.zfill(4)
    return value


def as_text(value: Any) -> str:
    """A field's value as stripped text ("" for none; a list's items on their own lines)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "\n".join(as_text(item) for item in value)
    return str(value).strip()


def _bool(record: Mapping[str, Any], key: str) -> bool | None:
    value = record.get(key)
    if isinstance(value, bool) or value is None:
        return value
    text = as_text(value).lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _RowProblem(
        N_("%(field)s %(value)r is neither true nor false."), field=_label(key), value=value
    )


def _date(record: Mapping[str, Any], key: str) -> date | None:
    text = as_text(record.get(key))
    if not text:
        return None
    try:
        if len(text) == 10 and text[2] == "." and text[5] == ".":
            # A calendar date (no time, so no zone): the register's "dd.mm.yyyy".
            return datetime.strptime(text, "%d.%m.%Y").date()  # noqa: DTZ007
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _RowProblem(
            N_("%(field)s %(value)r is not a date (expected YYYY-MM-DD)."),
            field=_label(key),
            value=text,
        ) from None


def _label(key: str) -> str:
    return REGISTER_NAMES.get(key, key)
