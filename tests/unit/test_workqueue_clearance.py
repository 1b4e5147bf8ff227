"""The pure clearance status engine: hand-worked cases and properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.rules.clearance import (
    AT_RISK_DAYS,
    Assistance,
    AuthorizationFacts,
    ClearanceFacts,
    CounselingFacts,
    EligibilityFacts,
    EstimateFacts,
    Item,
    ItemFlag,
    OpenItem,
    Status,
    build_clearance,
    build_priority,
)

TODAY = dt.date(2026, 3, 2)
VERIFIED = EligibilityFacts(cleared=True, checked_on=TODAY)


def facts(days: int = 10, **fields) -> ClearanceFacts:
    values = {
        "today": TODAY,
        "visit_date": TODAY + dt.timedelta(days=days),
        "eligibility": VERIFIED,
        "authorization": AuthorizationFacts(0),
        "charges": Decimal("1000.00"),
    }
    values.update(fields)
    return ClearanceFacts(**values)


def test_everything_clear_is_cleared_with_no_priority() -> None:
    result = build_clearance(facts())
    assert result.status == Status.CLEARED
    assert result.items == ()
    assert result.priority.score == 0
    assert result.flags == ItemFlag.NONE
    assert (result.payer_at_risk, result.patient_at_risk) == (Decimal(0), Decimal(0))


def test_unverified_eligibility_needs_eligibility_with_its_reason() -> None:
    result = build_clearance(facts(eligibility=EligibilityFacts(False, None, "no 271 on file")))
    assert result.status == Status.NEEDS_ELIGIBILITY
    assert result.items == (OpenItem(Item.ELIGIBILITY, "no 271 on file"),)
    assert result.reason == "no 271 on file"
    assert result.payer_at_risk == Decimal("1000.00")


def test_a_verification_older_than_the_limit_no_longer_clears() -> None:
    old = TODAY - dt.timedelta(days=31)
    result = build_clearance(facts(eligibility=EligibilityFacts(True, old)))
    assert result.status == Status.NEEDS_ELIGIBILITY
    assert "31 days old (over 30)" in result.reason
    fresh = build_clearance(facts(eligibility=EligibilityFacts(True, TODAY - dt.timedelta(30))))
    assert fresh.status == Status.CLEARED


def test_items_come_in_order_and_the_first_sets_the_status() -> None:
    result = build_clearance(
        facts(
            authorization=AuthorizationFacts(2, "line 1 (70553) needs an authorization"),
            estimate=EstimateFacts(required=True, delivered=False),
            counseling=CounselingFacts(uninsured=False, deposit_due=Decimal("100.00")),
        )
    )
    assert [i.item for i in result.items] == [Item.AUTHORIZATION, Item.ESTIMATE, Item.COUNSELING]
    assert result.status == Status.NEEDS_AUTHORIZATION
    assert result.flags == ItemFlag.AUTHORIZATION | ItemFlag.ESTIMATE | ItemFlag.COUNSELING
    assert result.items[2].reason == "deposit of $100 due, $0 collected"


def test_service_within_three_days_and_not_cleared_is_at_risk() -> None:
    open_auth = AuthorizationFacts(1, "line 1 needs an authorization")
    assert build_clearance(facts(days=AT_RISK_DAYS, authorization=open_auth)).status == (
        Status.AT_RISK
    )
    at_four = build_clearance(facts(days=AT_RISK_DAYS + 1, authorization=open_auth))
    assert at_four.status == Status.NEEDS_AUTHORIZATION
    today = build_clearance(facts(days=0, authorization=open_auth))
    assert today.reason == "service today, not cleared: line 1 needs an authorization"
    assert build_clearance(facts(days=1)).status == Status.CLEARED


def test_gfe_due_and_overdue() -> None:
    due = TODAY + dt.timedelta(days=1)
    result = build_clearance(facts(estimate=EstimateFacts(True, False, gfe_due_by=due)))
    assert result.reason == "Good Faith Estimate due by 2026-03-03"
    late = build_clearance(
        facts(estimate=EstimateFacts(True, False, gfe_due_by=TODAY - dt.timedelta(1)))
    )
    assert late.reason == "Good Faith Estimate overdue (was due 2026-03-01)"
    delivered = build_clearance(facts(estimate=EstimateFacts(True, True, gfe_due_by=due)))
    assert delivered.status == Status.CLEARED


@pytest.mark.parametrize(
    ("counseling", "reason"),
    [
        (CounselingFacts(uninsured=True), "uninsured: screen for financial assistance"),
        (CounselingFacts(uninsured=True, assistance=Assistance.NOT_NEEDED), None),
        (
            CounselingFacts(uninsured=False, assistance=Assistance.PENDING),
            "financial assistance application pending",
        ),
        (CounselingFacts(uninsured=False, balance=Decimal("249.99")), None),
        (
            CounselingFacts(uninsured=False, balance=Decimal("250.00")),
            "prior balance of $250: arrange payment",
        ),
        (
            CounselingFacts(
                uninsured=False, balance=Decimal("900"), assistance=Assistance.APPROVED
            ),
            None,
        ),
        (
            CounselingFacts(uninsured=False, deposit_due=Decimal("50"), deposit_paid=Decimal("50")),
            None,
        ),
    ],
)
def test_counseling(counseling: CounselingFacts, reason: str | None) -> None:
    result = build_clearance(facts(counseling=counseling))
    if reason is None:
        assert result.status == Status.CLEARED
    else:
        assert result.status == Status.NEEDS_COUNSELING
        assert result.reason == reason


def test_uninsured_dollars_are_the_patients_not_the_payers() -> None:
    result = build_clearance(
        facts(
            eligibility=EligibilityFacts(False, None, "self-pay on file"),
            counseling=CounselingFacts(
                uninsured=True, balance=Decimal("300.00"), deposit_paid=Decimal("100.00")
            ),
        )
    )
    assert result.payer_at_risk == Decimal(0)
    assert result.patient_at_risk == Decimal("1200.00")


def test_insured_dollars_split_by_the_estimate() -> None:
    result = build_clearance(
        facts(
            eligibility=EligibilityFacts(False, None, "not verified"),
            estimate=EstimateFacts(True, False),
            patient_share=Decimal("250.00"),
        )
    )
    assert result.payer_at_risk == Decimal("750.00")
    assert result.patient_at_risk == Decimal("250.00")


def test_priority_parts_worked_by_hand() -> None:
    items = (OpenItem(Item.ELIGIBILITY, "x"),)
    # 2 days: 400 - 50 = 350; $999 payer: 30 * log10(1000) = 90; difficulty .5: 100; one item: 10.
    priority = build_priority(2, Decimal("999.00"), Decimal(0), Decimal("0.5"), items)
    assert (priority.time_points, priority.dollar_points, priority.difficulty_points) == (
        350,
        90,
        100,
    )
    assert priority.score == 550
    assert priority.explain().startswith("550 = 350 (days to service)")
    # Difficulty only counts while something payer-facing is open.
    patient_only = build_priority(
        2, Decimal(0), Decimal(0), Decimal(1), (OpenItem(Item.ESTIMATE, "x"),)
    )
    assert patient_only.difficulty_points == 0


def test_other_checks_items_join_after_the_known_ones_once() -> None:
    other = (
        OpenItem(Item.COUNSELING, "a check of another app"),
        OpenItem(Item.COUNSELING, "twice"),
    )
    result = build_clearance(facts(other=other))
    assert result.items == (OpenItem(Item.COUNSELING, "a check of another app"),)


money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
eligibility = st.builds(
    EligibilityFacts,
    cleared=st.booleans(),
    checked_on=st.one_of(st.none(), st.dates(TODAY - dt.timedelta(90), TODAY)),
    reason=st.text(max_size=20),
)
clearance_facts = st.builds(
    ClearanceFacts,
    today=st.just(TODAY),
    visit_date=st.dates(TODAY - dt.timedelta(5), TODAY + dt.timedelta(60)),
    eligibility=eligibility,
    authorization=st.one_of(st.none(), st.builds(AuthorizationFacts, st.integers(0, 5))),
    estimate=st.one_of(st.none(), st.builds(EstimateFacts, st.booleans(), st.booleans())),
    counseling=st.one_of(
        st.none(),
        st.builds(
            CounselingFacts,
            st.booleans(),
            st.sampled_from(Assistance),
            money,
            money,
            money,
        ),
    ),
    charges=money,
    patient_share=st.one_of(st.none(), money),
    payer_difficulty=st.decimals(min_value=0, max_value=1, places=2),
)


@given(clearance_facts)
def test_status_follows_items_and_days(f: ClearanceFacts) -> None:
    result = build_clearance(f)
    if not result.items:
        assert result.status == Status.CLEARED
        assert result.priority.score == 0
    elif (f.visit_date - f.today).days <= AT_RISK_DAYS:
        assert result.status == Status.AT_RISK
    else:
        assert result.status.value == f"needs_{result.items[0].item.value}"
    assert len({i.item for i in result.items}) == len(result.items)
    assert bin(int(result.flags)).count("1") == len(result.items)
    assert result.reason


@given(clearance_facts)
def test_dollars_are_bounded_and_never_negative(f: ClearanceFacts) -> None:
    result = build_clearance(f)
    assert Decimal(0) <= result.payer_at_risk <= f.charges
    assert result.patient_at_risk >= 0
    assert result.priority.score >= 0


@given(clearance_facts, st.integers(1, 30))
def test_a_later_visit_is_never_more_urgent(f: ClearanceFacts, later: int) -> None:
    sooner = build_clearance(f)
    moved = ClearanceFacts(
        **{
            **{k: getattr(f, k) for k in f.__slots__},
            "visit_date": f.visit_date + dt.timedelta(later),
        }
    )
    assert build_clearance(moved).priority.score <= sooner.priority.score


@given(st.integers(-3, 40), money, money, money, st.decimals(min_value=0, max_value=1, places=2))
def test_more_dollars_are_never_less_urgent(days, payer, patient, more, difficulty) -> None:
    items = (OpenItem(Item.ELIGIBILITY, "x"), OpenItem(Item.ESTIMATE, "y"))
    base = build_priority(days, payer, patient, difficulty, items).score
    assert build_priority(days, payer + more, patient, difficulty, items).score >= base
    assert build_priority(days, payer, patient + more, difficulty, items).score >= base
