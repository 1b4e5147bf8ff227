from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.codes.tin import check_tin, is_valid_tin, normalize_tin


@pytest.mark.parametrize("tin", ["123456789", "12-3456789", "123-45-6789", " 123456789 "])
def test_accepted_shapes_normalize_to_nine_digits(tin: str) -> None:
    assert normalize_tin(tin) == "123456789"
    assert check_tin(tin) == "123456789"


@pytest.mark.parametrize("tin", ["12345678", "1234567890", "1-23456789", "12 3456789", "abcdefghi"])
def test_other_shapes_are_refused(tin: str) -> None:
    with pytest.raises(ValueError, match="is not a TIN: expected 9 digits"):
        check_tin(tin)
    assert not is_valid_tin(tin)


def test_all_zeros_is_refused() -> None:
    with pytest.raises(ValueError, match="all zeros"):
        check_tin("00-0000000")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s != "0" * 9))
def test_any_nine_digits_round_trip_through_the_ein_shape(digits: str) -> None:
    assert normalize_tin(f"{digits[:2]}-{digits[2:]}") == digits
