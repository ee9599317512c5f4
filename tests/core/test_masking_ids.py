"""Resident ID numbers: validation (GB 11643) and masking for display."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from cunjing.core.masking import mask_id_number
from cunjing.core.validators import validate_id_number

REGION = "410481"  # 舞钢市, a county code since 1990 (its residents may be born before)


def with_check_digit(first17: str) -> str:
    # calc_check_digit expects the full number and ignores its last character.
    return first17 + ric.calc_check_digit(first17 + "0")


VALID = with_check_digit(f"{REGION}19900101123")
VALID_X = next(
    number
    for number in (with_check_digit(f"{REGION}19900101{n:03d}") for n in range(1000))
    if number.endswith("X")
)


@st.composite
def valid_ids(draw) -> str:
    born = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2025, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return with_check_digit(f"{REGION}{born:%Y%m%d}{sequence:03d}")


# --- Masking -------------------------------------------------------------------------------------


def test_mask_keeps_region_and_last_four():
    assert mask_id_number(VALID) == f"{REGION}********{VALID[-4:]}"
    assert mask_id_number(f"  {VALID} ") == mask_id_number(VALID)
    assert mask_id_number(VALID_X).endswith("X")


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        ("410481900101123", "410481*****1123"),  # a first-generation 15-digit number
        ("12345678", "******78"),
        ("1234", "***4"),
        ("123", "***"),
        ("1", "*"),
        ("4104811990010112345678", "410481************5678"),
    ],
)
def test_mask_other_lengths(value, masked):
    assert mask_id_number(value) == masked


@given(st.text(max_size=40))
def test_mask_never_shows_more_than_ten_characters(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value.strip())
    shown = sum(ch != "*" for ch in masked)
    assert shown <= 10
    if len(masked) < 15:
        assert shown <= len(masked) // 4


@given(valid_ids())
def test_mask_hides_birth_date_and_sequence_of_any_valid_id(number):
    assert ric.is_valid(number)
    masked = mask_id_number(number)
    assert len(masked) == len(number) == 18
    assert masked[:6] == number[:6]
    assert masked[-4:] == number[-4:]
    assert masked[6:14] == "*" * 8
    assert number[6:14] not in masked


# --- Validation ----------------------------------------------------------------------------------


@given(valid_ids())
def test_valid_ids_pass(number):
    validate_id_number(number)


def test_valid_ids_with_x_check_digit_pass():
    validate_id_number(VALID_X)
    validate_id_number(VALID_X.lower())


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


@pytest.mark.parametrize(
    "value",
    [
        _wrong_check_digit(VALID),
        with_check_digit(f"{REGION}19990230123"),  # 30 February
        with_check_digit(f"{REGION}19901301123"),  # month 13
        with_check_digit("99048119900101123"),  # no such region
        with_check_digit(f"{REGION}20990101123"),  # born in the future
        VALID[:-1],
        VALID + "1",
        VALID[:15],
        "",
        "41048119900101123A",
    ],
    ids=[
        "check-digit",
        "feb-30",
        "month-13",
        "unknown-region",
        "future-birth",
        "17-chars",
        "19-chars",
        "15-chars",
        "empty",
        "letter",
    ],
)
def test_invalid_ids_fail_with_a_translated_message(value):
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as err:
            validate_id_number(value)
        assert err.value.code == "id_number"
        assert err.value.messages == [gettext("Enter a valid resident ID number.")]
    with translation.override("en"):
        assert err.value.messages == ["Enter a valid resident ID number."]


def test_residents_born_before_the_region_code_existed_are_valid():
    """An ID's region is where it was first issued: a 舞钢市 resident born in 1960 carries
    410481 although the code dates from 1990 (python-stdnum alone would refuse it)."""
    validate_id_number(with_check_digit(f"{REGION}19600315123"))
