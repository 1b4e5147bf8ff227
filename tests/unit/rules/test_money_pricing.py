from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.rules.money import allocate, cents, format_money, percent_of, to_money
from finclear.rules.pricing import (
    BaseSchedule,
    FeeSchedule,
    Method,
    PriceStatus,
    SelfPayPolicy,
    StayLine,
    price_line,
    price_on,
    price_self_pay,
    price_stay,
    schedule_in_force,
)

D = Decimal


def test_to_money_rounds_half_up_and_refuses_floats():
    assert to_money("10.005") == D("10.01")
    assert to_money(D("2.675")) == D("2.68")
    assert to_money(7) == D("7.00")
    with pytest.raises(TypeError, match="float"):
        to_money(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an amount"):
        to_money("ten")
    with pytest.raises(ValueError, match="not an amount"):
        to_money("NaN")


def test_cents_percent_and_format():
    assert cents(D("0.125")) == D("0.13")
    assert percent_of(D("333.33"), D(20)) == D("66.67")
    assert format_money(D("1500")) == "$1,500"
    assert format_money(D("40.5")) == "$40.50"
    assert format_money(D("-12")) == "-$12"


def test_allocate_equal_parts_gives_leftover_cents_to_the_first():
    assert allocate(D("100.00"), 3) == (D("33.34"), D("33.33"), D("33.33"))
    assert allocate(D("-0.05"), 2) == (D("-0.03"), D("-0.02"))


def test_allocate_by_weights():
    assert allocate(D("12000"), [D(30000), D(10000)]) == (D("9000.00"), D("3000.00"))
    assert allocate(D("10"), [D(0), D(0)]) == (D("5.00"), D("5.00"))
    with pytest.raises(ValueError, match="at least one"):
        allocate(D(1), 0)
    with pytest.raises(ValueError, match="negative"):
        allocate(D(1), [D(-1)])


@given(
    st.decimals(min_value=-100000, max_value=100000, places=2),
    st.lists(st.decimals(min_value=0, max_value=10000, places=2), min_size=1, max_size=12),
)
def test_allocate_sums_exactly_and_stays_within_a_cent(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    if weight_sum > 0:
        for part, w in zip(parts, weights, strict=True):
            assert abs(part - total * w / weight_sum) < D("0.01")


MEDICARE = BaseSchedule("Medicare PFS", {"99213": D("92.05"), "99214": D("130.00")})
V1 = FeeSchedule(
    name="ACME 2025",
    effective_from=dt.date(2025, 1, 1),
    effective_to=dt.date(2025, 12, 31),
    rates={"99213": D("95.00")},
)
V2 = FeeSchedule(
    name="ACME 2026",
    effective_from=dt.date(2026, 1, 1),
    rates={"99213": D("105.00")},
    base=MEDICARE,
    base_percent=D(120),
    charges_percent=D(55),
)


def test_the_schedule_in_force_prices_the_line():
    assert schedule_in_force([V1, V2], dt.date(2025, 12, 31)) is V1
    assert schedule_in_force([V1, V2], dt.date(2026, 1, 1)) is V2
    assert schedule_in_force([V1, V2], dt.date(2024, 12, 31)) is None
    assert price_on([V1, V2], dt.date(2025, 6, 1), "99213", D(1)).allowed == D("95.00")
    assert price_on([V1, V2], dt.date(2026, 6, 1), "99213", D(2)).allowed == D("210.00")


def test_rate_then_percent_of_base_then_percent_of_charges():
    # 99214 is not on the rate list: 120% of Medicare's 130.00 = 156.00.
    p = price_line(V2, "99214", D(1))
    assert (p.allowed, p.method) == (D("156.00"), Method.PERCENT_OF_BASE)
    assert "120% of Medicare PFS" in p.detail
    # 80053 is on neither: 55% of the 48.00 charge = 26.40.
    p = price_line(V2, "80053", D(1), D("48.00"))
    assert (p.allowed, p.method) == (D("26.40"), Method.PERCENT_OF_CHARGES)


def test_unknown_code_says_so_and_is_not_zero():
    p = price_line(V1, "99999", D(1), D("100"))
    assert p.status is PriceStatus.UNKNOWN_CODE
    assert p.allowed is None
    assert "99999 is not on fee schedule ACME 2025 (2025-01-01 to 2025-12-31)" in p.detail
    p = price_on([V1], dt.date(2027, 1, 1), "99213", D(1))
    assert p.status is PriceStatus.NO_SCHEDULE
    assert "2027-01-01" in p.detail
    p = price_line(V2, "80053", D(1))
    assert p.status is PriceStatus.UNKNOWN_CODE and "no charge" in p.detail


def test_bad_schedules_and_units_are_refused():
    with pytest.raises(ValueError, match="before effective_from"):
        FeeSchedule(name="x", effective_from=dt.date(2026, 2, 1), effective_to=dt.date(2026, 1, 1))
    with pytest.raises(ValueError, match="both the base and the percent"):
        FeeSchedule(name="x", effective_from=dt.date(2026, 1, 1), base=MEDICARE)
    with pytest.raises(ValueError, match="units"):
        price_line(V1, "99213", D(0))


def test_stays_by_case_rate_and_per_diem():
    case = FeeSchedule(name="IP", effective_from=dt.date(2026, 1, 1), case_rate=D("10000"))
    lines = [StayLine("0110", D("3000")), StayLine("0250", D("1000")), StayLine("0360", D("2000"))]
    prices = price_stay(case, lines, days=4)
    assert [p.allowed for p in prices] == [D("5000.00"), D("1666.67"), D("3333.33")]
    assert sum(p.allowed or 0 for p in prices) == D("10000")
    diem = FeeSchedule(name="IP", effective_from=dt.date(2026, 1, 1), per_diem=D("2250.50"))
    prices = price_stay(diem, lines, days=3)
    assert sum(p.allowed or 0 for p in prices) == D("6751.50")
    assert prices[0].method is Method.PER_DIEM
    none = price_stay(V1, lines, days=2)
    assert all(p.status is PriceStatus.UNKNOWN_CODE for p in none)
    with pytest.raises(ValueError, match="at least one day"):
        price_stay(case, lines, days=0)


def test_self_pay_discount():
    policy = SelfPayPolicy(D(40), dt.date(2026, 1, 1))
    p = price_self_pay(D("1234.56"), policy)
    # 40% of 1,234.56 = 493.824 -> 493.82; 1,234.56 - 493.82 = 740.74.
    assert p.allowed == D("740.74")
    assert "40% self-pay discount" in p.detail
    assert price_self_pay(D("100"), None).allowed == D("100.00")
    with pytest.raises(ValueError, match="between 0 and 100"):
        SelfPayPolicy(D(101), dt.date(2026, 1, 1))
