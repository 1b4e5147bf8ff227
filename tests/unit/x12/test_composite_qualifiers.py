"""Segments told apart by the first component of a composite (the 837's HI segments by
HI01-1: ABK principal diagnosis, ABF other diagnoses, BP, BG...): the loop parser places
them by that component and the validator checks it, not the whole composite."""

from __future__ import annotations

import pytest

from finclear.x12.build.claims import build_837i, build_837p
from finclear.x12.reader import read
from finclear.x12.validate import validate
from tests.unit.x12.test_views_claims import interchange, submission


@pytest.mark.parametrize("institutional", [False, True])
def test_builder_837_validates_clean(institutional: bool) -> None:
    segments = (build_837i if institutional else build_837p)(submission(institutional), "0001")
    report = validate(read(interchange(segments)))
    assert [(e.segment_id, e.message) for e in report.errors] == []


def test_hi_segments_get_the_spec_of_their_qualifier() -> None:
    segments = build_837i(submission(True), "0001")
    (tx,) = list(read(interchange(segments)).transactions())
    his = [seg for seg in tx.segments if seg.id == "HI"]
    assert his, "the 837I has HI segments"
    for seg in his:
        assert seg.spec is not None and seg.spec.qualifier is not None
        pos, allowed = seg.spec.qualifier
        assert seg.get(pos, 1) in allowed


def test_a_wrong_hi_qualifier_is_reported_on_its_element() -> None:
    segments = build_837p(submission(False), "0001")
    text = interchange(segments).replace("HI*ABK:E119", "HI*ZZZ:E119", 1)
    report = validate(read(text))
    found = [e for e in report.errors if e.segment_id == "HI"]
    assert found and found[0].element_position == 1
