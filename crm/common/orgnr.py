"""Norwegian organisation numbers (organisasjonsnummer): normalising and the MOD11 check."""

from __future__ import annotations

import re

from crm.common.messages import N_, Message, message

# Weights the register uses for the MOD11 check digit over the first eight digits.
_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)

# What people paste around a number: spaces (also non-breaking), dots, a "NO" country prefix
# and an "MVA" suffix from VAT numbers such as "NO 923 609 016 MVA".
_SEPARATORS = re.compile(r"[\s\u00a0\u202f.]+")
_PREFIX = re.compile(r"^NO", re.IGNORECASE)
_SUFFIX = re.compile(r"MVA$", re.IGNORECASE)


def normalise_orgnr(value: str) -> str:
    """Strip separators, a leading "NO" and a trailing "MVA" from a pasted number."""
    cleaned = _SEPARATORS.sub("", value or "")
    cleaned = _PREFIX.sub("", cleaned)
    return _SUFFIX.sub("", cleaned)


def check_digit(first_eight: str) -> int | None:
    """Return the MOD11 check digit for eight digits, or None when no digit can be valid."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, _WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        # 11 - 1 = 10 is not a digit: the register never issues such numbers.
        return None
    return 11 - remainder


def orgnr_problem(value: str) -> Message | None:
    """What is wrong with an organisation number, as a message to translate; None when valid."""
    if not value:
        return message(N_("The organisation number is empty."))
    if not value.isascii() or not value.isdigit():
        return message(N_("The organisation number may only contain digits."))
    if len(value) != 9:
        return message(N_("The organisation number must have 9 digits, not %(n)d."), n=len(value))
    expected = check_digit(value[:8])
    if expected is None:
        return message(
            N_("The organisation number is not valid: no check digit fits its first 8 digits.")
        )
    if int(value[8]) != expected:
        return message(N_("The organisation number's check digit is wrong (a typing error?)."))
    return None


def orgnr_error(value: str) -> str | None:
    """Say in English what is wrong with an organisation number, or None when it is valid."""
    problem = orgnr_problem(value)
    return None if problem is None else str(problem)


def is_valid_orgnr(value: str) -> bool:
    """Tell whether a normalised string is a valid organisation number."""
    return orgnr_error(value) is None
