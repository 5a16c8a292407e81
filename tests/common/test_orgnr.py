"""Organisation numbers: the MOD11 check and normalising what people paste."""

from __future__ import annotations

import pytest

from crm.common.orgnr import check_digit, is_valid_orgnr, normalise_orgnr, orgnr_error


@pytest.mark.parametrize(
    "orgnr",
    [
        "974760673",  # Registerenheten i Brønnøysund
        "923609016",  # Equinor ASA
        "971526920",  # Statistisk sentralbyrå (remainder 0: check digit 0)
    ],
)
def test_real_numbers_are_valid(orgnr: str) -> None:
    assert orgnr_error(orgnr) is None
    assert is_valid_orgnr(orgnr)


def test_remainder_one_has_no_valid_check_digit() -> None:
    # 10000013: 3*1 + 2*0 + ... + 3*1 + 2*3 = 12, remainder 1, so 11 - 1 = 10 is no digit.
    assert check_digit("10000013") is None
    for last in "0123456789":
        assert not is_valid_orgnr("10000013" + last)
    assert "no check digit" in orgnr_error("100000130")


def test_remainder_zero_gives_check_digit_zero() -> None:
    assert check_digit("97152692") == 0


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("974760674", "check digit"),
        ("97476067", "9 digits, not 8"),
        ("9747606730", "9 digits, not 10"),
        ("97476067a", "only contain digits"),
        ("974 760 673", "only contain digits"),
        ("٩٧٤٧٦٠٦٧٣", "only contain digits"),  # Arabic-Indic digits are digits, but not ours
        ("", "empty"),
    ],
)
def test_invalid_numbers_say_what_is_wrong(value: str, problem: str) -> None:
    assert problem in orgnr_error(value)
    assert not is_valid_orgnr(value)


@pytest.mark.parametrize(
    "pasted",
    [
        "974 760 673",
        "974\u00a0760\u00a0673",
        "974.760.673",
        "NO 974 760 673 MVA",
        "no974760673mva",
        " 974760673 ",
    ],
)
def test_normalising_strips_what_people_paste(pasted: str) -> None:
    assert normalise_orgnr(pasted) == "974760673"


def test_normalising_keeps_other_mistakes_visible() -> None:
    assert normalise_orgnr("97476067a") == "97476067a"
    assert orgnr_error(normalise_orgnr("974-760-673")) is not None
