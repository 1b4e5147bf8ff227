from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.codes.icd10 import (
    billable_descendants,
    check_icd10,
    icd10_description,
    is_billable_icd10,
    is_icd10_code,
    normalize_icd10,
)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("E11.9", "E119"), (" e11.65 ", "E1165"), ("S72.001A", "S72001A"), ("I10", "I10")],
)
def test_normalize_strips_the_dot_and_upper_cases(raw: str, normalized: str) -> None:
    assert normalize_icd10(raw) == normalized


@pytest.mark.parametrize("code", ["E11.9", "E119", "e11.65", "I10", "S72.001A", "R69", "Z00.00"])
def test_billable_codes(code: str) -> None:
    assert is_billable_icd10(code)
    assert check_icd10(code) == normalize_icd10(code)


def test_a_category_with_children_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ValueError) as info:
        check_icd10("E11")
    assert str(info.value) == (
        "E11 is not a billable ICD-10-CM code (it has children); "
        "use a more specific code such as E119"
    )
    assert is_icd10_code("E11")
    assert not is_billable_icd10("E11")


def test_a_code_missing_its_seventh_character_is_not_billable() -> None:
    with pytest.raises(ValueError, match=r"^S72001 is not a billable .* such as S72001A$"):
        check_icd10("S72.001")


@pytest.mark.parametrize("code", ["U99.9", "Q99.99", "E08-E13", "XX", "", "E11.9.9"])
def test_unknown_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="is not an ICD-10-CM code"):
        check_icd10(code)
    assert not is_billable_icd10(code)


def test_description() -> None:
    assert icd10_description("E11.9") == "Type 2 diabetes mellitus without complications"
    with pytest.raises(ValueError):
        icd10_description("U99.9")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["E11", "I50", "J45", "M54", "S72", "Z00", "O09"]))
def test_every_suggested_code_is_billable_and_under_the_category(category: str) -> None:
    suggestions = billable_descendants(category)
    assert suggestions
    for code in suggestions:
        assert is_billable_icd10(code)
        assert code.startswith(category)


@settings(deadline=None)
@given(st.text(max_size=10))
def test_check_either_returns_a_billable_code_or_raises_value_error(text: str) -> None:
    try:
        code = check_icd10(text)
    except ValueError as exc:
        assert "ICD-10-CM" in str(exc)
    else:
        assert is_billable_icd10(code)
        assert "." not in code
