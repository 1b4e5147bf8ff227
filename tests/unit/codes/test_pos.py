from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.codes.pos import (
    PLACES_OF_SERVICE,
    POS_AS_OF,
    POS_SOURCE,
    check_place_of_service,
    is_place_of_service,
    pos_choices,
)


def test_common_codes_have_their_cms_names() -> None:
    assert check_place_of_service("11").name == "Office"
    assert check_place_of_service("21").name == "Inpatient Hospital"
    assert check_place_of_service("22").name == "On Campus-Outpatient Hospital"
    assert check_place_of_service("23").name == "Emergency Room - Hospital"
    assert check_place_of_service("27").name == "Outreach Site/Street"


def test_source_and_date_are_recorded() -> None:
    assert POS_SOURCE.startswith("CMS")
    assert POS_AS_OF.year == 2023


@pytest.mark.parametrize("code", ["28", "00", "98", "44"])
def test_unassigned_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match=f"{code} is not an assigned CMS place-of-service code"):
        check_place_of_service(code)


@pytest.mark.parametrize("code", ["1", "011", "A1", ""])
def test_malformed_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="expected two digits"):
        check_place_of_service(code)


def test_choices_cover_every_code_in_order() -> None:
    codes = [code for code, _ in pos_choices()]
    assert codes == sorted(codes) == list(PLACES_OF_SERVICE)


@given(st.text(max_size=3))
def test_is_place_of_service_agrees_with_check(text: str) -> None:
    try:
        check_place_of_service(text)
    except ValueError:
        assert not is_place_of_service(text)
    else:
        assert is_place_of_service(text)
