"""A 271 built with the benefits' segments kept from earlier answers is the 271 built afresh."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.x12 import write_segments
from finclear.x12.build import eligibility
from finclear.x12.build.eligibility import (
    EligibilityAnswer,
    EligibilityResponse,
    MemberAnswer,
    build_271,
)
from finclear.x12.build.parties import Organization, Person
from finclear.x12.tree import Delimiters
from finclear.x12.views.common import Trace
from tests.unit.test_eligibility_fast271 import NOW, benefit


def response_of(benefits) -> EligibilityResponse:
    member = MemberAnswer(
        Person("DOE", "JANE", member_id="M1"), (Trace("2", "T1"),), benefits=benefits
    )
    return EligibilityResponse(
        "REF1", NOW, Organization("PAYER", "ZZ301", "PI"), Organization("CLINIC", "1234567893", "XX"),
        answers=(EligibilityAnswer(member),),
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(benefit(), max_size=5).map(tuple),
    st.sampled_from([None, Delimiters("|", ">", "^", "~")]),
)
def test_kept_benefit_segments_are_those_built_afresh(benefits, delimiters):
    eligibility._BENEFIT_ELEMENTS.clear()
    fresh = build_271(response_of(benefits), "0001", delimiters)
    kept = build_271(response_of(benefits), "0001", delimiters)  # every benefit found kept
    assert [(s.elements, s.position, s.delimiters) for s in kept] == [
        (s.elements, s.position, s.delimiters) for s in fresh
    ]
    assert write_segments(kept) == write_segments(fresh)
    assert not any(a is b or a.elements is b.elements for a, b in zip(kept, fresh, strict=True))
