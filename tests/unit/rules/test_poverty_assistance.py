from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.rules.assistance import (
    ApplicationStatus,
    AssistancePolicy,
    DiscountTier,
    Household,
    PresumptiveSource,
    ScreeningStatus,
    agb_percentage,
    agb_percentage_of_claims,
    application_period_end,
    build_sliding_scale,
    charge_for_eligible,
    may_take_extraordinary_collection_action,
    notification_period_end,
    screen,
)
from finclear.rules.poverty import (
    GUIDELINES,
    Guideline,
    GuidelineNotFound,
    Region,
    income_at_or_below,
    percent_of_poverty,
    poverty_line,
    region_of_state,
)

D = Decimal

# The published tables, household sizes 1 to 8, as printed in the Federal Register notices:
# 90 FR 5917 (2025) and 91 FR 1797-1798 (2026).
PUBLISHED = {
    (2025, Region.CONTIGUOUS): [15650, 21150, 26650, 32150, 37650, 43150, 48650, 54150],
    (2025, Region.ALASKA): [19550, 26430, 33310, 40190, 47070, 53950, 60830, 67710],
    (2025, Region.HAWAII): [17990, 24320, 30650, 36980, 43310, 49640, 55970, 62300],
    (2026, Region.CONTIGUOUS): [15960, 21640, 27320, 33000, 38680, 44360, 50040, 55720],
}
# 2026 Alaska and Hawaii: the rows for 1, 2 and 8 persons as quoted from the notice.
PUBLISHED_ROWS = {
    (2026, Region.ALASKA): {1: 19950, 2: 27050, 8: 69650},
    (2026, Region.HAWAII): {1: 18360, 2: 24890, 8: 64070},
}


@pytest.mark.parametrize(("key", "figures"), PUBLISHED.items(), ids=lambda v: str(v))
def test_poverty_tables_match_the_published_figures(key, figures):
    year, region = key
    for size, figure in enumerate(figures, start=1):
        assert poverty_line(size, year, region) == D(figure)


@pytest.mark.parametrize(("key", "rows"), PUBLISHED_ROWS.items(), ids=lambda v: str(v))
def test_2026_alaska_and_hawaii_match_the_published_rows(key, rows):
    year, region = key
    for size, figure in rows.items():
        assert poverty_line(size, year, region) == D(figure)


def test_additional_persons_beyond_eight():
    # 2026, 48 states: 55,720 for 8 + 5,680 for the 9th and 10th = 67,080.
    assert poverty_line(10, 2026) == D(67080)
    assert poverty_line(9, 2025, Region.ALASKA) == D(67710 + 6880)


def test_unknown_years_are_refused_not_guessed():
    with pytest.raises(GuidelineNotFound, match="2027 \\(alaska\\)"):
        poverty_line(1, 2027, Region.ALASKA)
    with pytest.raises(GuidelineNotFound, match="2024"):
        percent_of_poverty(D(1000), 1, 2024)
    extra = dict(GUIDELINES)
    extra[(2027, Region.HAWAII)] = Guideline(2027, Region.HAWAII, D(18000), D(6500), "test")
    assert poverty_line(2, 2027, Region.HAWAII, extra) == D(24500)


def test_percent_of_poverty():
    # 2026, household of 4: 33,000. 66,000 is 200%; 49,500 is 150%.
    assert percent_of_poverty(D(66000), 4, 2026) == D("200.00")
    assert percent_of_poverty(D(49500), 4, 2026) == D("150.00")
    # 2025 Alaska, 1 person 19,550: 25,000 is 127.877...% -> 127.88.
    assert percent_of_poverty(D(25000), 1, 2025, Region.ALASKA) == D("127.88")
    with pytest.raises(ValueError, match="household_size"):
        percent_of_poverty(D(1), 0, 2026)
    with pytest.raises(ValueError, match="negative"):
        percent_of_poverty(D(-1), 1, 2026)


def test_at_or_below_is_exact():
    assert income_at_or_below(D(66000), D(200), 4, 2026)
    assert not income_at_or_below(D("66000.01"), D(200), 4, 2026)


def test_region_of_state():
    assert region_of_state("ak") is Region.ALASKA
    assert region_of_state("HI") is Region.HAWAII
    assert region_of_state("DC") is Region.CONTIGUOUS
    with pytest.raises(ValueError, match="do not cover PR"):
        region_of_state("PR")
    with pytest.raises(ValueError, match="not a USPS"):
        region_of_state("ZZ")


POLICY = AssistancePolicy(
    tiers=build_sliding_scale(D(200), D(400), 4),
    presumptive_sources=frozenset({PresumptiveSource.MEDICAID, PresumptiveSource.SNAP}),
)


def test_sliding_scale_tiers():
    tiers = build_sliding_scale(D(200), D(400), 4)
    assert [(t.max_percent, t.discount_percent) for t in tiers] == [
        (D(200), D(100)),
        (D(250), D(80)),
        (D(300), D(60)),
        (D(350), D(40)),
        (D(400), D(20)),
    ]


@pytest.mark.parametrize(
    ("income", "status", "discount"),
    [
        # Household of 3 in 2026: 27,320. 200% = 54,640; 250% = 68,300; 400% = 109,280.
        ("54640", ScreeningStatus.ELIGIBLE, "100"),
        ("54640.01", ScreeningStatus.ELIGIBLE, "80"),
        ("68300", ScreeningStatus.ELIGIBLE, "80"),
        ("109280", ScreeningStatus.ELIGIBLE, "20"),
        ("109280.01", ScreeningStatus.NOT_ELIGIBLE, "0"),
        ("0", ScreeningStatus.ELIGIBLE, "100"),
    ],
)
def test_screen_by_income(income, status, discount):
    result = screen(Household(3, D(income)), POLICY, 2026)
    assert result.status is status
    assert result.discount_percent == D(discount)
    assert result.reason


def test_screen_reason_words():
    result = screen(Household(3, D(60000)), POLICY, 2026)
    assert result.reason == (
        "income is 219.62% of the 2026 poverty guideline for a household of 3, at or below 250%"
    )


def test_presumptive_eligibility_wins():
    result = screen(Household(1, D(900000), presumptive=frozenset({"medicaid"})), POLICY, 2026)
    assert result.eligible and result.presumptive
    assert result.discount_percent == D(100)
    assert "medicaid" in result.reason
    # A source the policy does not accept changes nothing.
    result = screen(Household(1, D(900000), presumptive=frozenset({"wic"})), POLICY, 2026)
    assert result.status is ScreeningStatus.NOT_ELIGIBLE


def test_asset_test():
    policy = AssistancePolicy(tiers=POLICY.tiers, asset_limit=D(20000))
    assert screen(Household(2, D(10000)), policy, 2026).status is ScreeningStatus.INCOMPLETE
    over = screen(Household(2, D(10000), assets=D("20000.01")), policy, 2026)
    assert over.status is ScreeningStatus.NOT_ELIGIBLE
    assert "above the policy's $20,000 limit" in over.reason
    assert screen(Household(2, D(10000), assets=D(20000)), policy, 2026).eligible


def test_policy_validation():
    with pytest.raises(ValueError, match="rise"):
        AssistancePolicy(
            tiers=(DiscountTier("a", D(300), D(50)), DiscountTier("b", D(200), D(100)))
        )
    with pytest.raises(ValueError, match="at least one"):
        AssistancePolicy(tiers=())
    with pytest.raises(ValueError, match="household_size"):
        Household(0, D(1))


@given(st.integers(1, 12), st.integers(0, 500_000_00).map(lambda c: D(c) / 100))
def test_screening_discount_never_rises_with_income(size, income):
    lower = screen(Household(size, income), POLICY, 2026)
    higher = screen(Household(size, income + D(1000)), POLICY, 2026)
    assert higher.discount_percent <= lower.discount_percent


STATEMENT = dt.date(2026, 1, 15)


def test_501r_periods():
    # 2026-01-15 + 120 days = 2026-05-15; + 240 days = 2026-09-12.
    assert notification_period_end(STATEMENT) == dt.date(2026, 5, 15)
    assert application_period_end(STATEMENT) == dt.date(2026, 9, 12)


@pytest.mark.parametrize(
    ("today", "application", "notice", "allowed", "earliest"),
    [
        # The 120th day itself is still inside the notification period.
        (
            dt.date(2026, 5, 15),
            ApplicationStatus.NONE,
            dt.date(2026, 4, 1),
            False,
            dt.date(2026, 5, 16),
        ),
        (dt.date(2026, 5, 16), ApplicationStatus.NONE, dt.date(2026, 4, 1), True, None),
        # No written notice yet: 30 days from today at the earliest.
        (dt.date(2026, 6, 1), ApplicationStatus.NONE, None, False, dt.date(2026, 7, 1)),
        # Notice sent 2026-05-10: ECAs from 2026-06-09.
        (
            dt.date(2026, 6, 8),
            ApplicationStatus.NONE,
            dt.date(2026, 5, 10),
            False,
            dt.date(2026, 6, 9),
        ),
        (dt.date(2026, 6, 9), ApplicationStatus.NONE, dt.date(2026, 5, 10), True, None),
        # A pending or incomplete application blocks ECAs, even after every period.
        (dt.date(2026, 12, 1), ApplicationStatus.PENDING, dt.date(2026, 5, 10), False, None),
        (dt.date(2026, 12, 1), ApplicationStatus.INCOMPLETE, dt.date(2026, 5, 10), False, None),
        (dt.date(2026, 12, 1), ApplicationStatus.DENIED, dt.date(2026, 5, 10), True, None),
    ],
)
def test_may_take_extraordinary_collection_action(today, application, notice, allowed, earliest):
    decision = may_take_extraordinary_collection_action(today, STATEMENT, application, notice)
    assert decision.allowed is allowed, decision.reason
    assert decision.earliest == earliest


def test_eca_without_statement_or_after_free_care():
    assert not may_take_extraordinary_collection_action(dt.date(2027, 1, 1), None).allowed
    free = may_take_extraordinary_collection_action(
        dt.date(2027, 1, 1), STATEMENT, ApplicationStatus.APPROVED, dt.date(2026, 6, 1), D(100)
    )
    assert not free.allowed and "free care" in free.reason
    partial = may_take_extraordinary_collection_action(
        dt.date(2027, 1, 1), STATEMENT, ApplicationStatus.APPROVED, dt.date(2026, 6, 1), D(60)
    )
    assert partial.allowed and "balance left after the approved discount" in partial.reason


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)), st.integers(0, 400))
def test_no_eca_ever_inside_the_notification_period(first, offset):
    today = first + dt.timedelta(days=offset)
    decision = may_take_extraordinary_collection_action(today, first, ApplicationStatus.NONE, first)
    if offset <= 120:
        assert not decision.allowed
    else:
        assert decision.allowed


def test_agb():
    # Look-back: insurers allowed 4,123,456.78 of 10,000,000.00 gross charges -> 41.23%.
    assert agb_percentage(D("4123456.78"), D("10000000.00")) == D("41.23")
    assert agb_percentage_of_claims([(D(30), D(100)), (D(50), D(100))]) == D("40.00")
    with pytest.raises(ValueError, match="positive"):
        agb_percentage(D(1), D(0))
    # 20% discount on 10,000 = 8,000; AGB 41.23% = 4,123: capped.
    capped = charge_for_eligible(D(10000), D(20), D("41.23"))
    assert (capped.amount, capped.capped) == (D("4123.00"), True)
    assert "amounts generally billed" in capped.reason
    # 80% discount: 2,000 is under the AGB limit.
    under = charge_for_eligible(D(10000), D(80), D("41.23"))
    assert (under.amount, under.capped) == (D("2000.00"), False)


@given(
    st.integers(0, 10_000_000).map(lambda c: D(c) / 100),
    st.integers(0, 100).map(D),
    st.integers(1, 10000).map(lambda c: D(c) / 100),
)
def test_eligible_charge_never_above_agb_or_the_discounted_charge(gross, discount, agb):
    result = charge_for_eligible(gross, discount, agb)
    assert result.amount <= result.agb_limit
    assert result.amount <= result.discounted
    assert result.amount >= 0
