"""``SegmentMaker`` refuses exactly the values that hold a delimiter or a control character."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.x12.build.segments import SegmentMaker
from finclear.x12.errors import X12Error
from finclear.x12.tree import Delimiters

PUNCTUATION = "*:^~|>!+`\\]-[.{}"
delimiters = st.builds(
    Delimiters,
    element=st.sampled_from("*|!"),
    component=st.sampled_from(":>\\"),
    repetition=st.sampled_from(["^", "]", "-", ""]),
    segment=st.sampled_from("~\\`"),
)
values = st.text(st.one_of(st.characters(max_codepoint=0x7F), st.sampled_from(PUNCTUATION)))


def refused(value: str, d: Delimiters) -> bool:
    """The rule, spelled out: a delimiter or a control character anywhere in the value."""
    forbidden = {d.element, d.component, d.repetition, d.segment}
    return any(char in forbidden or ord(char) < 32 for char in value)


@given(delimiters, values)
def test_a_value_is_refused_exactly_when_it_holds_a_delimiter_or_control(d, value):
    make = SegmentMaker(d)
    if refused(value, d):
        with pytest.raises(X12Error, match="a delimiter or a control character"):
            make("REF", "ZZ", value)
    else:
        expected = ["REF", "ZZ", value] if value else ["REF", "ZZ"]  # trailing empties dropped
        assert make("REF", "ZZ", value).elements == expected
