from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.rules.payment_plans import (
    Payment,
    PlanError,
    PlanPolicy,
    PlanState,
    add_months,
    build_schedule,
    build_terms,
    level_payment,
    plan_status,
    rebuild_schedule,
)

D = Decimal
POLICY = PlanPolicy(min_monthly_payment=D(25), max_months=24, down_payment_percent=D(10))
START = dt.date(2026, 1, 31)


def test_terms_from_policy():
    # 1,000: 10% down = 100; 900 financed; 900 / 25 = 36 months > 24, so 24 months of 37.50.
    terms = build_terms(D(1000), POLICY)
    assert (terms.down_payment, terms.financed, terms.months, terms.monthly_payment) == (
        D("100.00"),
        D("900.00"),
        24,
        D("37.50"),
    )
    # 300: 30 down, 270 financed: 270 / 25 = 10 months of 27.00.
    small = build_terms(D(300), POLICY)
    assert (small.months, small.monthly_payment) == (10, D("27.00"))


def test_asked_months_are_checked():
    assert build_terms(D(1000), POLICY, months=12).monthly_payment == D("75.00")
    with pytest.raises(PlanError, match="below the \\$25 minimum"):
        build_terms(D(300), POLICY, months=12)
    with pytest.raises(PlanError, match="between 1 and the policy's 24"):
        build_terms(D(10000), POLICY, months=36)
    with pytest.raises(PlanError, match="nothing to finance"):
        build_terms(D(0), POLICY)


def test_down_payment_floor_and_whole_balance():
    policy = PlanPolicy(D(25), 12, down_payment_percent=D(0), down_payment_minimum=D(50))
    assert build_terms(D(40), policy).financed == D(0)
    assert build_schedule(build_terms(D(40), policy), START) == ()


def test_zero_percent_schedule_last_absorbs_rounding():
    # 1,000 over 3 months: 333.33, 333.33, 333.34.
    terms = build_terms(D(1000), PlanPolicy(D(25), 3))
    schedule = build_schedule(terms, START)
    assert [i.amount for i in schedule] == [D("333.33"), D("333.33"), D("333.34")]
    # Due monthly on the 31st, or the month's last day: Jan 31, Feb 28, Mar 31.
    assert [i.due for i in schedule] == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
    ]


def test_apr_schedule_amortizes():
    # 1,200 at 12% APR (1% a month) over 12 months: payment 106.62 (standard formula);
    # first month's interest 12.00, principal 94.62.
    policy = PlanPolicy(D(25), 12, apr_percent=D(12))
    terms = build_terms(D(1200), policy, months=12)
    assert terms.monthly_payment == D("106.62")
    schedule = build_schedule(terms, START)
    assert (schedule[0].interest, schedule[0].principal) == (D("12.00"), D("94.62"))
    assert sum(i.principal for i in schedule) == D(1200)
    assert all(i.amount == D("106.62") for i in schedule[:-1])
    assert abs(schedule[-1].amount - D("106.62")) < D("0.10")


@given(
    st.integers(1, 5_000_000).map(lambda c: D(c) / 100),
    st.integers(1, 60),
    st.sampled_from([D(0), D(0), D("4.99"), D(18)]),
    st.integers(0, 50).map(D),
)
def test_every_schedule_sums_to_the_balance(balance, max_months, apr, down_pct):
    policy = PlanPolicy(D(25), max_months, down_payment_percent=down_pct, apr_percent=apr)
    terms = build_terms(balance, policy)
    schedule = build_schedule(terms, START)
    assert terms.down_payment + sum(i.principal for i in schedule) == balance
    assert len(schedule) == terms.months <= max_months
    assert all(i.amount > 0 for i in schedule)
    if apr == 0:
        assert sum(i.amount for i in schedule) == terms.financed
        assert all(i.interest == 0 for i in schedule)
    if len(schedule) > 1:
        assert terms.monthly_payment >= policy.min_monthly_payment


def test_recalculation_on_a_balance_change():
    terms = build_terms(D(1200), PlanPolicy(D(25), 12))
    # After 4 installments of 100, an adjustment leaves 500: 8 months of 62.50.
    new_terms, schedule = rebuild_schedule(
        terms, D(500), 4, dt.date(2026, 6, 1), PlanPolicy(D(25), 12)
    )
    assert (new_terms.months, new_terms.monthly_payment) == (8, D("62.50"))
    assert sum(i.amount for i in schedule) == D(500)
    # 100 left over 8 months would be 12.50 < 25: 4 months of 25.
    new_terms, schedule = rebuild_schedule(
        terms, D(100), 4, dt.date(2026, 6, 1), PlanPolicy(D(25), 12)
    )
    assert (new_terms.months, [i.amount for i in schedule]) == (4, [D(25)] * 4)
    assert rebuild_schedule(terms, D(0), 4, dt.date(2026, 6, 1), PlanPolicy(D(25), 12))[1] == ()


SCHEDULE = build_schedule(build_terms(D(400), PlanPolicy(D(25), 4)), dt.date(2026, 1, 15))


@pytest.mark.parametrize(
    ("payments", "today", "state", "missed", "past_due"),
    [
        # Nothing due yet.
        ([], dt.date(2026, 1, 15), PlanState.CURRENT, 0, "0"),
        # Jan 15 passed unpaid: past due 100.
        ([], dt.date(2026, 1, 16), PlanState.PAST_DUE, 1, "100"),
        # Paid on time.
        ([Payment(dt.date(2026, 1, 15), D(100))], dt.date(2026, 2, 1), PlanState.CURRENT, 0, "0"),
        # A partial payment leaves the installment missed: 40 past due.
        ([Payment(dt.date(2026, 1, 10), D(60))], dt.date(2026, 2, 1), PlanState.PAST_DUE, 1, "40"),
        # Three installments missed (Jan, Feb, Mar): defaulted.
        ([], dt.date(2026, 3, 16), PlanState.DEFAULTED, 3, "300"),
        # Caught up late: current again.
        ([Payment(dt.date(2026, 3, 20), D(300))], dt.date(2026, 3, 21), PlanState.CURRENT, 0, "0"),
        # Paid in full.
        ([Payment(dt.date(2026, 1, 2), D(400))], dt.date(2026, 1, 3), PlanState.PAID_OFF, 0, "0"),
        # A payment recorded for a later date does not count yet.
        (
            [Payment(dt.date(2026, 2, 1), D(100))],
            dt.date(2026, 1, 20),
            PlanState.PAST_DUE,
            1,
            "100",
        ),
    ],
)
def test_plan_status(payments, today, state, missed, past_due):
    status = plan_status(SCHEDULE, payments, today)
    assert (status.state, status.missed, status.past_due_amount) == (state, missed, D(past_due))


def test_grace_days_and_default_threshold():
    assert plan_status(SCHEDULE, [], dt.date(2026, 1, 20), grace_days=5).state is PlanState.CURRENT
    assert plan_status(SCHEDULE, [], dt.date(2026, 1, 21), grace_days=5).state is PlanState.PAST_DUE
    assert (
        plan_status(SCHEDULE, [], dt.date(2026, 2, 16), default_after=2).state
        is PlanState.DEFAULTED
    )
    status = plan_status(SCHEDULE, [Payment(dt.date(2026, 1, 15), D(100))], dt.date(2026, 1, 20))
    assert status.next_due is not None and status.next_due.number == 2
    assert status.remaining == D(300)


def test_helpers_and_policy_validation():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2026, 11, 30), 3, 31) == dt.date(2027, 2, 28)
    assert level_payment(D(0), 3, D(0)) == D(0)
    with pytest.raises(PlanError, match="months"):
        level_payment(D(10), 0, D(0))
    with pytest.raises(PlanError, match="min_monthly_payment"):
        PlanPolicy(D(0), 12)
    with pytest.raises(PlanError, match="max_months"):
        PlanPolicy(D(25), 0)
