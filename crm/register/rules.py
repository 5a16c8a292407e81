"""What a register change means: its category on the change page, and the flags it raises.

Pure: values in (the register fields of one organisation before and after an import), findings
out; no Flask, no session. `crm.register.services` writes the findings as WarningFlags.

Choices:
- Municipality numbers are compared after the 2024 renumbering (MUNICIPALITY_RENUMBERING):
  Lillestrøm was 3030 in Viken and is 3205 in Akershus, so a unit going from 3030 to 3205 has
  not moved. A unit has moved out when its number before (renumbered) is one of the import's
  municipalities and its number after is not; moved in the other way round.
- Each finding carries a key that names the change itself (the status reached, the new
  municipality, the employee counts, the year of accounts expected, the sub-unit). A flag is
  raised once per organisation, rule and key: rerunning a file, or the next night's file that
  still says "bankrupt", raises nothing new.
- Accounts: annual accounts for a year are due at the register by 31 July of the next year.
  A unit that has filed before (a last year is given) but not for the last year due is
  flagged; a unit that never files (sole proprietorships) is not.
- Employees down: both counts must be reported; "not reported" is not zero.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crm.register.models import RuleKey

# Municipality numbers that changed on 1 January 2024, when Viken was split: old → new. The
# import compares numbers after this mapping. Akershus's municipalities (Lillestrøm and its
# neighbours) from SSB's classification of municipalities (KLASS 131); add others as needed.
MUNICIPALITY_RENUMBERING: dict[str, str] = {
    "3024": "3201",  # Bærum
    "3025": "3203",  # Asker
    "3030": "3205",  # Lillestrøm
    "3020": "3207",  # Nordre Follo
    "3033": "3209",  # Ullensaker
    "3023": "3212",  # Nesodden
    "3022": "3214",  # Frogn
    "3019": "3216",  # Vestby
    "3021": "3218",  # Ås
    "3028": "3220",  # Enebakk
    "3029": "3222",  # Lørenskog
    "3027": "3224",  # Rælingen
    "3026": "3226",  # Aurskog-Høland
    "3034": "3228",  # Nes
    "3032": "3230",  # Gjerdrum
    "3031": "3232",  # Nittedal
    "3054": "3234",  # Lunner
    "3053": "3236",  # Jevnaker
    "3036": "3238",  # Nannestad
    "3035": "3240",  # Eidsvoll
    "3037": "3242",  # Hurdal
}

# The statuses that end an organisation's life in the municipality, for the change page.
CLOSED_STATUSES = frozenset({"bankrupt", "under_liquidation", "deleted"})
# Each status rule watches for one status.
_STATUS_RULES = {
    RuleKey.BANKRUPTCY: "bankrupt",
    RuleKey.LIQUIDATION: "under_liquidation",
    RuleKey.DELETED: "deleted",
}
# Accounts for a year are due by this day of the next year (regnskapsloven § 8-2).
ACCOUNTS_DUE = (7, 31)


class Category(enum.StrEnum):
    """What a change means for the municipality, on the change page."""

    NEW = "new"
    MOVED_IN = "moved_in"
    MOVED_OUT = "moved_out"
    CLOSED = "closed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """One rule as an admin set it."""

    rule: str
    kind: str
    severity: str
    enabled: bool = True
    threshold_percent: int | None = None
    threshold_people: int | None = None


# The rules every installation starts with (issue 18); admins change them on /register/rules.
DEFAULT_RULES: tuple[RuleSettings, ...] = (
    RuleSettings(RuleKey.BANKRUPTCY, "moving_or_closing", "red"),
    RuleSettings(RuleKey.MOVED_OUT, "moving_or_closing", "red"),
    RuleSettings(RuleKey.LIQUIDATION, "moving_or_closing", "red"),
    RuleSettings(RuleKey.DELETED, "moving_or_closing", "red"),
    RuleSettings(RuleKey.EMPLOYEES_DOWN, "downsizing", "yellow", True, 30, 5),
    RuleSettings(RuleKey.ACCOUNTS_NOT_FILED, "other", "yellow"),
    RuleSettings(RuleKey.NEW_SUB_UNIT, "expanding", "yellow"),
)


@dataclass(slots=True)
class Observation:
    """One organisation as an import found it: its register fields before and after."""

    company_id: int
    orgnr: str
    created: bool
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    is_sub_unit: bool = False
    # The parent's id when the database knows it (a new sub-unit's flag goes to its parent).
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A flag a rule raises: on which organisation, for which change, from which fields."""

    company_id: int
    rule: str
    key: str
    fields: dict[str, list[Any]] = field(default_factory=dict)


def renumbered(number: str | None) -> str | None:
    """A municipality number as it is after the 2024 renumbering."""
    if number is None:
        return None
    return MUNICIPALITY_RENUMBERING.get(number, number)


def area(kommuner: Iterable[str]) -> frozenset[str]:
    """The municipalities of an import, renumbered."""
    return frozenset(renumbered(k) for k in kommuner if k)  # type: ignore[misc]


def with_former_numbers(kommuner: Iterable[str]) -> frozenset[str]:
    """The municipalities and their numbers before 2024, so units still filed under them load."""
    wanted = area(kommuner)
    return wanted | {old for old, new in MUNICIPALITY_RENUMBERING.items() if new in wanted}


def in_area(number: str | None, municipalities: frozenset[str] | None) -> bool:
    """Whether a municipality number (old or new) is one of the (renumbered) municipalities.

    None is the whole country (a national import): any municipality is in it, none is out.
    """
    if municipalities is None:
        return bool(number)
    return renumbered(number) in municipalities


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The register fields whose value differs, in the order of `after`."""
    return [name for name in after if name in before and before[name] != after[name]]


def category(observation: Observation, municipalities: frozenset[str] | None) -> Category | None:
    """What the change means, or None when the import changed nothing."""
    if observation.created:
        return Category.NEW
    before, after = observation.before, observation.after
    if not changed_fields(before, after):
        return None
    status_before, status_after = before.get("register_status"), after.get("register_status")
    if status_after in CLOSED_STATUSES and status_before not in CLOSED_STATUSES:
        return Category.CLOSED
    was_in = in_area(before.get("municipality_number"), municipalities)
    is_in = in_area(after.get("municipality_number"), municipalities)
    if was_in and not is_in:
        return Category.MOVED_OUT
    if is_in and not was_in:
        return Category.MOVED_IN
    return Category.CHANGED


def accounts_year_due(today: date) -> int:
    """The last year whose accounts should have been filed by `today`."""
    month, day = ACCOUNTS_DUE
    return today.year - 1 if (today.month, today.day) > (month, day) else today.year - 2


def findings(
    observation: Observation,
    rules: Iterable[RuleSettings],
    *,
    municipalities: frozenset[str] | None,
    today: date,
) -> list[Finding]:
    """The flags the enabled rules raise for one organisation's change."""
    found: list[Finding] = []
    before, after = observation.before, observation.after
    company = observation.company_id
    for rule in rules:
        if not rule.enabled:
            continue
        key = RuleKey(rule.rule)
        if observation.created:
            if (
                key is RuleKey.NEW_SUB_UNIT
                and observation.is_sub_unit
                and in_area(after.get("municipality_number"), municipalities)
            ):
                found.append(
                    Finding(
                        observation.parent_id or company,
                        key,
                        f"sub_unit:{observation.orgnr}",
                        {
                            "organisasjonsnummer": [None, observation.orgnr],
                            "municipality_number": [None, after.get("municipality_number")],
                        },
                    )
                )
            continue
        if key in _STATUS_RULES:
            status = _STATUS_RULES[key]
            if after.get("register_status") == status != before.get("register_status"):
                found.append(
                    Finding(
                        company,
                        key,
                        f"status:{status}",
                        {"register_status": [before.get("register_status"), status]},
                    )
                )
        elif key is RuleKey.MOVED_OUT:
            number_before = before.get("municipality_number")
            number_after = after.get("municipality_number")
            if in_area(number_before, municipalities) and not in_area(number_after, municipalities):
                found.append(
                    Finding(
                        company,
                        key,
                        f"municipality:{number_after or '-'}",
                        {"municipality_number": [number_before, number_after]}
                        | _changed(before, after, "address", "postcode", "post_town"),
                    )
                )
        elif key is RuleKey.EMPLOYEES_DOWN:
            was, now = before.get("employees"), after.get("employees")
            if was is None or now is None or now >= was:
                continue
            drop = was - now
            if (
                drop >= (rule.threshold_people or 0)
                and drop * 100 >= (rule.threshold_percent or 0) * was
            ):
                found.append(
                    Finding(company, key, f"employees:{was}:{now}", {"employees": [was, now]})
                )
        elif key is RuleKey.ACCOUNTS_NOT_FILED:
            last = after.get("last_accounts_year")
            due = accounts_year_due(today)
            if last is not None and last < due and after.get("register_status") == "active":
                found.append(
                    Finding(
                        company,
                        key,
                        f"accounts:{due}",
                        {"last_accounts_year": [before.get("last_accounts_year"), last]},
                    )
                )
    return found


def _changed(before: Mapping[str, Any], after: Mapping[str, Any], *names: str) -> dict:
    return {n: [before.get(n), after.get(n)] for n in names if before.get(n) != after.get(n)}
