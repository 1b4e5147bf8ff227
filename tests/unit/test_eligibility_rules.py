"""The pure parts of eligibility: CPT -> service type, AAA advice, 271 normalization, staleness."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.codes.aaa import ADVICE, advice_for
from finclear.codes.service_types import (
    PLAN_COVERAGE,
    SERVICE_TYPE_NAMES,
    service_type_for,
    service_types_for,
)
from finclear.rules.benefits import (
    ResponseError,
    Verdict,
    is_stale,
    normalize_271,
    parse_271,
    summarize_benefits,
)
from finclear.x12.build.eligibility import (
    EligibilityAnswer,
    EligibilityQuestion,
    EligibilityRequest,
    EligibilityResponse,
    MemberAnswer,
    build_270,
    build_271,
)
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.build.parties import Organization, Person
from finclear.x12.specs.codelists import SERVICE_TYPE_CODES
from finclear.x12.views.common import DatePeriod, Party, RequestError, Trace
from finclear.x12.views.eligibility import Benefit

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
DOS = dt.date(2026, 12, 3)
PAYER = Organization("ACME HEALTH", "ZZ301", "PI")
CLINIC = Organization("GOOD CLINIC", "1234567893", "XX")
PLAN_START = (DatePeriod("346", dt.date(2026, 1, 1), dt.date(2026, 1, 1)),)


def text_271(*answers: EligibilityAnswer, source_errors: tuple[RequestError, ...] = ()) -> str:
    response = EligibilityResponse(
        "REF", NOW, PAYER, CLINIC, answers=answers, source_errors=source_errors
    )
    envelope = Envelope("ZZ301", "FINCLEAR01", NOW)
    return build_interchange(envelope, [build_271(response, "0001")], SequentialControlNumbers())


def member(
    trace: str = "T1",
    member_id: str = "M1",
    benefits: tuple[Benefit, ...] = (Benefit("1", "IND", ("30",), plan_description="Gold"),),
    errors: tuple[RequestError, ...] = (),
    dates: tuple[DatePeriod, ...] = PLAN_START,
) -> MemberAnswer:
    return MemberAnswer(
        Person("DOE", "JANE", member_id=member_id),
        (Trace("2", trace, "9FINCLEAR0"),),
        dates=dates,
        errors=errors,
        benefits=benefits,
    )


def result_of(*answers: EligibilityAnswer, trace: str = "T1", **kwargs):
    return normalize_271(parse_271(text_271(*answers, **kwargs)), trace, DOS)


# -- service types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "service_type"),
    [
        ("99213", "98"),
        ("99396", "98"),
        ("72148", "62"),
        ("73721", "62"),
        ("70450", "62"),
        ("74177", "62"),
        ("71046", "4"),
        ("73560", "4"),
        ("80053", "5"),
        ("36415", "5"),
        ("97110", "PT"),
        ("97161", "PT"),
        ("97165", "AD"),
        ("99283", "86"),
        ("29881", "2"),
        ("59400", "69"),
        ("00100", "7"),
        ("90837", "MH"),
        ("92004", "AL"),
        ("93306", "73"),
        ("77300", "6"),
        ("78452", "73"),
        ("98940", "33"),
        ("E0601", "DM"),
        ("G0008", "30"),
        ("", "30"),
    ],
)
def test_cpt_codes_map_to_service_types(code: str, service_type: str) -> None:
    assert service_type_for(code) == service_type


def test_the_inquiry_asks_the_plan_first_then_the_setting_then_the_services() -> None:
    assert service_types_for(["99213", "72148", "99214"], "22") == ("30", "50", "98", "62")
    assert service_types_for([], "11") == ("30",)
    assert service_types_for(["99283"], "23") == ("30", "86")


@given(st.lists(st.text(alphabet="0123456789EGJ", min_size=0, max_size=5), max_size=150))
def test_service_types_are_valid_unique_and_start_with_the_plan(codes: list[str]) -> None:
    found = service_types_for(codes, "22")
    assert found[0] == PLAN_COVERAGE
    assert len(found) == len(set(found)) <= 99
    assert set(found) <= SERVICE_TYPE_CODES
    assert set(found) <= set(SERVICE_TYPE_NAMES)


# -- AAA advice --------------------------------------------------------------------------------


def test_aaa_advice_is_actionable() -> None:
    assert (
        advice_for("72").message == "member ID not found: check the card, try the subscriber's ID"
    )
    assert advice_for("42").transient and not advice_for("72").transient
    assert advice_for("43").setup
    unknown = advice_for("ZZ", "Something Odd")
    assert "Something Odd" in unknown.message and not unknown.transient
    assert all(message[0].islower() and ":" in message for message in ADVICE.values())


# -- parsing -----------------------------------------------------------------------------------


def test_what_is_not_a_271_is_refused_with_where_and_what() -> None:
    with pytest.raises(ResponseError, match="no X12 payload"):
        parse_271("  ")
    with pytest.raises(ResponseError, match=r"not readable as X12|no transaction set"):
        parse_271("<html>busy</html>")
    request = EligibilityRequest(
        "R", NOW, PAYER, CLINIC, (EligibilityQuestion(Trace("1", "T"), Person("DOE", "J")),)
    )
    text_270 = build_interchange(
        Envelope("A", "B", NOW), [build_270(request, "0001")], SequentialControlNumbers()
    )
    with pytest.raises(ResponseError, match="expected a 271 eligibility response, got a 270"):
        parse_271(text_270)
    broken = text_271(EligibilityAnswer(member())).replace("SE*", "SE*7", 1)
    with pytest.raises(ResponseError, match=r"malformed 271 .* SE01"):
        parse_271(broken)


# -- normalization -----------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False)
fraction = st.decimals(min_value=0, max_value=1, places=2, allow_nan=False)


@st.composite
def benefits(draw) -> tuple[Benefit, ...]:
    rows = [Benefit("1", "IND", ("30",), plan_description="Gold")]
    for _ in range(draw(st.integers(0, 12))):
        code = draw(st.sampled_from(["A", "B", "C", "G"]))
        rows.append(
            Benefit(
                code,
                draw(st.sampled_from(["IND", "FAM"])),
                (draw(st.sampled_from(["30", "98", "62", "PT", "UC"])),),
                time_period=draw(st.sampled_from(["23", "29", "27", ""])),
                amount=None if code == "A" else draw(money),
                percent=draw(fraction) if code == "A" else None,
                in_plan_network=draw(st.sampled_from(["Y", "N", "W"])),
            )
        )
    return tuple(rows)


@settings(max_examples=60, deadline=None)
@given(benefits())
def test_every_benefit_row_survives_with_its_amounts(rows: tuple[Benefit, ...]) -> None:
    result = result_of(EligibilityAnswer(member(benefits=rows)))
    assert result.verdict is Verdict.VERIFIED
    assert [r.amount for r in result.rows] == [b.amount for b in rows]
    assert [r.percent for r in result.rows] == [
        (b.percent * 100).quantize(Decimal("0.01")) if b.percent is not None else None for b in rows
    ]
    assert all(isinstance(r.amount, Decimal | None) for r in result.rows)
    table = summarize_benefits(result.rows)
    assert len({(s.service_type, s.network) for s in table}) == len(table)


def test_the_answer_to_our_trace_is_the_one_read() -> None:
    other = member(trace="OTHER", member_id="M2", benefits=(Benefit("6", "IND", ("30",)),))
    result = result_of(EligibilityAnswer(other), EligibilityAnswer(member()), trace="T1")
    assert (result.verdict, result.member_id, result.plan_name) == (Verdict.VERIFIED, "M1", "Gold")
    with pytest.raises(ResponseError, match="none echoes trace number NOPE"):
        result_of(EligibilityAnswer(other), EligibilityAnswer(member()), trace="NOPE")


def test_inactive_coverage_needs_review() -> None:
    result = result_of(EligibilityAnswer(member(benefits=(Benefit("6", "IND", ("30",)),))))
    assert (result.verdict, result.coverage.value) == (Verdict.NEEDS_REVIEW, "inactive")
    assert result.reasons == ("the payer reports the coverage inactive",)


def test_a_date_of_service_outside_the_plan_needs_review() -> None:
    ended = (
        DatePeriod("346", dt.date(2025, 1, 1), dt.date(2025, 1, 1)),
        DatePeriod("347", dt.date(2026, 11, 30), dt.date(2026, 11, 30)),
    )
    result = result_of(EligibilityAnswer(member(dates=ended)))
    assert result.verdict is Verdict.NEEDS_REVIEW
    assert "outside the plan dates" in result.reasons[0]


def test_another_payer_needs_review_and_is_named() -> None:
    rows = (
        Benefit("1", "IND", ("30",)),
        Benefit(
            "R",
            "",
            ("30",),
            related_entities=(Party("PR", "SYNTHETIC MEDICARE", entity_type="2"),),
        ),
    )
    result = result_of(EligibilityAnswer(member(benefits=rows)))
    assert result.verdict is Verdict.NEEDS_REVIEW
    assert result.other_payers == ("SYNTHETIC MEDICARE",)
    assert "check coordination of benefits" in result.reasons[-1]


def test_rejections_carry_advice_and_a_busy_payer_is_an_error() -> None:
    rejected = result_of(
        EligibilityAnswer(member(benefits=(), errors=(RequestError("", "N", "72", "C"),)))
    )
    assert rejected.verdict is Verdict.REJECTED
    assert rejected.rejections[0].message.startswith("member ID not found")
    assert rejected.rejections[0].follow_up_meaning == "Please Correct and Resubmit"
    busy = result_of(
        EligibilityAnswer(member(benefits=(), errors=(RequestError("", "N", "42", "R"),)))
    )
    assert busy.verdict is Verdict.ERROR
    source = normalize_271(
        parse_271(text_271(source_errors=(RequestError("", "N", "79", "C"),))), "T1", DOS
    )
    assert source.verdict is Verdict.REJECTED and source.rejections[0].loop.startswith("2000A")


def test_the_table_folds_totals_and_remaining() -> None:
    rows = (
        Benefit("1", "IND", ("30",)),
        Benefit("C", "IND", ("30",), time_period="23", amount=Decimal("1500"), in_plan_network="Y"),
        Benefit("C", "IND", ("30",), time_period="29", amount=Decimal("1100"), in_plan_network="Y"),
        Benefit("G", "FAM", ("30",), time_period="23", amount=Decimal("9000"), in_plan_network="Y"),
        Benefit("G", "FAM", ("30",), time_period="24", amount=Decimal("1000"), in_plan_network="Y"),
        Benefit("B", "IND", ("98",), time_period="27", amount=Decimal("25"), in_plan_network="Y"),
        Benefit("A", "IND", ("62",), percent=Decimal("0.2"), in_plan_network="W"),
        Benefit("I", "", ("35",)),
    )
    table = {
        (s.service_type, s.network): s
        for s in summarize_benefits(result_of(EligibilityAnswer(member(benefits=rows))).rows)
    }
    plan = table[("30", "in")]
    assert (plan.deductible.total, plan.deductible.remaining, plan.deductible.met) == (
        Decimal("1500"),
        Decimal("1100"),
        Decimal("400"),
    )
    assert plan.family_out_of_pocket.remaining == Decimal("8000")
    assert table[("98", "in")].copay == Decimal("25")
    assert table[("62", "in")].coinsurance_percent == table[("62", "out")].coinsurance_percent
    assert table[("35", "")].covered is False
    assert next(iter(table)) == ("30", "in")
    assert ("30", "") not in table  # the coverage status row (EB*1) is not a benefit line


# -- staleness ---------------------------------------------------------------------------------


def test_staleness_rules() -> None:
    day = dt.date(2026, 11, 10)
    assert not is_stale(day, day, coverage_changed=False)
    assert not is_stale(day, dt.date(2026, 11, 30), coverage_changed=False)
    assert is_stale(day, dt.date(2026, 12, 1), coverage_changed=False)  # a new month
    assert is_stale(day, day, coverage_changed=True)
    assert is_stale(dt.date(2026, 1, 1), dt.date(2026, 2, 1), coverage_changed=False)
    assert is_stale(
        dt.date(2026, 1, 1), dt.date(2026, 1, 31), coverage_changed=False, max_age_days=29
    )


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_once_stale_always_stale(checked: dt.date, first: int, more: int) -> None:
    """Staleness never goes away with time, and nothing is stale the day it was checked."""
    assert not is_stale(checked, checked, coverage_changed=False)
    later = checked + dt.timedelta(days=first)
    if is_stale(checked, later, coverage_changed=False):
        assert is_stale(checked, later + dt.timedelta(days=more), coverage_changed=False)
    if first > 30:
        assert is_stale(checked, later, coverage_changed=False)
