from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.codes.npi import check_npi, is_valid_npi, npi_check_digit

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def test_cms_example_npi_is_valid() -> None:
    # The worked example of the CMS NPI check-digit paper: 123456789 -> check digit 3.
    assert npi_check_digit("123456789") == 3
    assert is_valid_npi("1234567893")


def test_wrong_check_digit_names_the_expected_digit() -> None:
    with pytest.raises(ValueError, match=r"1234567890 fails the NPI check digit \(expected 3"):
        check_npi("1234567890")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "123456789",
        "12345678933",
        "12345678a3",
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff13",
    ],
)
def test_malformed_npi_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="is not an NPI: an NPI is exactly 10 digits"):
        check_npi(bad)
    assert not is_valid_npi(bad)


def test_check_digit_needs_nine_digits() -> None:
    with pytest.raises(ValueError, match="is not nine digits"):
        npi_check_digit("12345678")


@given(nine_digits)
def test_every_npi_with_its_computed_check_digit_validates(first_nine: str) -> None:
    npi = first_nine + str(npi_check_digit(first_nine))
    assert check_npi(npi) == npi


@given(nine_digits, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_fails(first_nine: str, position: int, delta: int) -> None:
    npi = first_nine + str(npi_check_digit(first_nine))
    changed = npi[:position] + str((int(npi[position]) + delta) % 10) + npi[position + 1 :]
    assert not is_valid_npi(changed)


@given(nine_digits, st.integers(min_value=0, max_value=8))
def test_swapping_adjacent_different_digits_is_caught_except_09(first_nine: str, i: int) -> None:
    npi = first_nine + str(npi_check_digit(first_nine))
    a, b = npi[i], npi[i + 1]
    swapped = npi[:i] + b + a + npi[i + 2 :]
    if a == b or {a, b} == {"0", "9"}:
        return  # Luhn's known blind spot: a 0/9 transposition keeps the sum
    assert not is_valid_npi(swapped)
