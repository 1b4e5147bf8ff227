"""The fast 271 reader gives the very view the typed view reads from the loop tree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.rules.benefits import ResponseError, parse_271
from finclear.x12.build.eligibility import (
    EligibilityAnswer,
    EligibilityResponse,
    MemberAnswer,
    build_271,
)
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.build.parties import Organization, Person
from finclear.x12.views.common import Address, DatePeriod, Party, Reference, RequestError, Trace
from finclear.x12.views.eligibility import AdditionalInfo, Benefit
from tests.conftest import SHARED_X12

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
SAMPLES_5010 = [
    "linuxforhealth-x12/src/tests/resources/271_005010X279A1/dependent-health-benefit-check.271",
    "linuxforhealth-x12/src/tests/resources/271_005010X279A1/subscriber-health-benefit-check.271",
    "linuxforhealth-x12/src/tests/resources/271_005010X279A1/"
    "subscriber-health-benefit-check-error.271",
]

names = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", min_size=1, max_size=12).map(str.strip)
money = st.one_of(st.none(), st.decimals(min_value=0, max_value=9999, places=2))
day = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


OTHER_PAYER = Party(
    "PR",
    "OTHER PAYER",
    entity_type="2",
    id_qualifier="PI",
    id="X1",
    address=Address("1 MAIN ST", city="AUSTIN", state="TX", postal_code="78701"),
)


@st.composite
def benefit(draw) -> Benefit:
    return Benefit(
        draw(st.sampled_from(["1", "6", "A", "B", "C", "G", "R", "F", "I"])),
        draw(st.sampled_from(["", "IND", "FAM"])),
        tuple(draw(st.lists(st.sampled_from(["30", "98", "62", "PT"]), max_size=3))),
        time_period=draw(st.sampled_from(["", "23", "29", "27"])),
        amount=draw(money),
        percent=draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=2))),
        in_plan_network=draw(st.sampled_from(["", "Y", "N", "W"])),
        authorization_required=draw(st.sampled_from(["", "Y", "N"])),
        references=(Reference("18", "PLAN1"),) if draw(st.booleans()) else (),
        dates=(DatePeriod("292", draw(day), draw(day)),) if draw(st.booleans()) else (),
        messages=tuple(draw(st.lists(names.filter(bool), max_size=2))),
        additional_info=(AdditionalInfo("ZZ", "11"),) if draw(st.booleans()) else (),
        related_entities=(OTHER_PAYER,) if draw(st.booleans()) else (),
    )


@st.composite
def member(draw, dependent: bool = False) -> MemberAnswer:
    rejected = draw(st.integers(0, 4)) == 0
    return MemberAnswer(
        Person(
            draw(names.filter(bool)),
            draw(names),
            member_id="" if dependent else draw(st.sampled_from(["M1", "ZZ9"])),
            birth_date=draw(st.one_of(st.none(), day)),
            gender=draw(st.sampled_from(["", "F", "M"])),
        ),
        (Trace("2", draw(st.sampled_from(["T1", "T2"])), "9FINCLEAR0"),),
        relationship="19" if dependent else "",
        dates=(DatePeriod("346", draw(day), draw(day)),),
        errors=(RequestError("", "N", "72", "C"),) if rejected else (),
        benefits=() if rejected else tuple(draw(st.lists(benefit(), max_size=6))),
    )


@st.composite
def response_271(draw) -> str:
    answers = []
    for _ in range(draw(st.integers(0, 3))):
        dependent = draw(member(dependent=True)) if draw(st.booleans()) else None
        answers.append(EligibilityAnswer(draw(member()), dependent))
    source_errors = (RequestError("", "N", "42", "R"),) if not answers else ()
    response = EligibilityResponse(
        "REF1",
        NOW,
        Organization("PAYER", "ZZ301", "PI"),
        Organization("CLINIC", "1234567893", "XX", address=Address("2 ELM", city="X", state="NY")),
        answers=tuple(answers),
        source_errors=source_errors,
    )
    segments = build_271(response, "0001")
    return build_interchange(
        Envelope("ZZ301", "FINCLEAR01", NOW), [segments], SequentialControlNumbers()
    )


@settings(max_examples=80, deadline=None)
@given(response_271())
def test_both_readers_agree_on_generated_271s(text: str) -> None:
    assert parse_271(text) == parse_271(text, fast=False)


@pytest.mark.parametrize("name", SAMPLES_5010)
def test_both_readers_agree_on_real_samples(name: str) -> None:
    path = SHARED_X12 / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    text = path.read_text()
    assert outcome(text, fast=True) == outcome(text, fast=False)


def outcome(text: str, *, fast: bool) -> object:
    """The view, or the error's message: a sample both readers refuse must say the same."""
    try:
        return parse_271(text, fast=fast)
    except ResponseError as exc:
        return str(exc)


def test_an_unknown_level_is_named() -> None:
    text = build_interchange(
        Envelope("A", "B", NOW),
        [build_271(EligibilityResponse("R", NOW, Organization("P"), Organization("C")), "0001")],
        SequentialControlNumbers(),
    ).replace("HL*2*1*21*", "HL*2*1*99*", 1)
    with pytest.raises(ResponseError, match=r"HL03 '99' is not a 271 level"):
        parse_271(text)


def test_amounts_stay_decimal() -> None:
    answer = EligibilityAnswer(
        MemberAnswer(
            Person("DOE", member_id="M1"),
            (Trace("2", "T1"),),
            benefits=(Benefit("C", "IND", ("30",), amount=Decimal("1234.56")),),
        )
    )
    text = build_interchange(
        Envelope("A", "B", NOW),
        [build_271(EligibilityResponse("R", NOW, Organization("P"), Organization("C"), (answer,)), "0001")],
        SequentialControlNumbers(),
    )  # fmt: skip
    (sub,) = parse_271(text).subscribers
    assert sub.benefits[0].amount == Decimal("1234.56")
