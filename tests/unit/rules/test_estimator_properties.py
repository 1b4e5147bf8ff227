"""Properties of the estimator over generated plans and encounters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.rules.estimator import (
    Accumulator,
    Benefits,
    CategoryBenefit,
    CobMethod,
    EstimateLine,
    LineStatus,
    Network,
    SecondaryCoverage,
    TierAccumulators,
    estimate,
)
from finclear.rules.money import ZERO

DOS = dt.date(2026, 6, 1)
CATEGORIES = ("a", "b", "c", "d")

money = st.integers(0, 2_000_000).map(lambda c: Decimal(c) / 100)
percent = st.integers(0, 100).map(Decimal)


@st.composite
def accumulator(draw: st.DrawFn) -> Accumulator | None:
    if draw(st.booleans()) and draw(st.booleans()):
        return None
    limit = draw(money)
    met = Decimal(draw(st.integers(0, int(limit * 100) + 10_000))) / 100
    return Accumulator(limit, met)


@st.composite
def tier(draw: st.DrawFn) -> TierAccumulators:
    family = draw(st.booleans())
    return TierAccumulators(
        deductible=draw(accumulator()),
        out_of_pocket=draw(accumulator()),
        family_deductible=draw(accumulator()) if family else None,
        family_out_of_pocket=draw(accumulator()) if family else None,
        deductible_embedded=draw(st.booleans()),
        oop_embedded=draw(st.booleans()),
    )


@st.composite
def category(draw: st.DrawFn, name: str, network: Network) -> CategoryBenefit:
    limit = draw(st.none() | st.integers(0, 5))
    return CategoryBenefit(
        category=name,
        label=name,
        network=network,
        covered=draw(st.booleans()) or draw(st.booleans()),
        copay=draw(st.sampled_from([ZERO, Decimal(20), Decimal(40), Decimal(250)])),
        coinsurance_percent=draw(percent),
        deductible_applies=draw(st.booleans()),
        visit_limit=limit,
        visits_used=draw(st.integers(0, 6)) if limit is not None else 0,
    )


@st.composite
def benefits(draw: st.DrawFn, copay_counts: bool | None = None) -> Benefits:
    cats = [draw(category(c, Network.IN)) for c in CATEGORIES if draw(st.booleans()) or c == "a"]
    has_oon = draw(st.booleans())
    if has_oon:
        cats += [draw(category(c, Network.OUT)) for c in CATEGORIES if draw(st.booleans())]
    return Benefits(
        categories=tuple(cats),
        in_network=draw(tier()),
        out_of_network=draw(tier()) if has_oon else None,
        copay_counts_to_oop=draw(st.booleans()) if copay_counts is None else copay_counts,
        copay_counts_to_deductible=draw(st.booleans()),
    )


@st.composite
def lines(draw: st.DrawFn) -> list[EstimateLine]:
    out = []
    for number in range(draw(st.integers(1, 6))):
        allowed = draw(money)
        out.append(
            EstimateLine(
                code=f"C{number}",
                units=Decimal(1),
                charge=allowed + draw(st.sampled_from([ZERO, Decimal(100), Decimal("0.01")])),
                category=draw(st.sampled_from(CATEGORIES)),
                service_date=DOS,
                network=draw(st.sampled_from(list(Network))),
                allowed=allowed,
                surprise_protected=draw(st.booleans()),
                line_number=number + 1,
            )
        )
    return out


def remaining(t: TierAccumulators | None) -> Decimal | None:
    """The remaining OOP maximum of a tier before the encounter (None: not capped)."""
    if t is None:
        return ZERO
    ind = t.out_of_pocket.remaining if t.out_of_pocket is not None else None
    fam = t.family_out_of_pocket.remaining if t.family_out_of_pocket is not None else None
    if fam is None:
        return ind
    if ind is None or not t.oop_embedded:
        return fam
    return min(ind, fam)


@settings(max_examples=100, deadline=None)
@given(benefits(), lines())
def test_patient_share_between_zero_and_allowed(plan, encounter):
    result = estimate(encounter, plan)
    for line in result.lines:
        if line.status is not LineStatus.ESTIMATED:
            continue
        assert line.allowed is not None
        for amount in (
            line.copay,
            line.deductible,
            line.coinsurance,
            line.non_covered,
            line.plan_pays,
        ):
            assert amount >= 0, line.text
        assert ZERO <= line.cost_share <= line.allowed, line.text
        assert line.plan_pays + line.cost_share == line.allowed
        assert line.patient_total >= 0


@settings(max_examples=100, deadline=None)
@given(benefits(copay_counts=True), lines())
def test_total_never_above_remaining_oop_plus_non_covered(plan, encounter):
    result = estimate(encounter, plan)
    caps = [remaining(plan.in_network), remaining(plan.out_of_network)]
    if any(c is None for c in caps):
        return
    bound = sum((c for c in caps if c is not None), ZERO) + result.non_covered
    assert result.patient_total <= bound


@settings(max_examples=100, deadline=None)
@given(benefits(copay_counts=True), lines())
def test_in_network_share_never_above_its_remaining_oop(plan, encounter):
    result = estimate(encounter, plan)
    cap = remaining(plan.in_network)
    if cap is None:
        return
    in_network = sum(
        (
            x.cost_share
            for x, line in zip(result.lines, encounter, strict=True)
            if x.status is LineStatus.ESTIMATED
            and (line.network is Network.IN or line.surprise_protected)
        ),
        ZERO,
    )
    assert in_network <= cap


@settings(max_examples=100, deadline=None)
@given(benefits(), benefits(), lines(), st.sampled_from(list(CobMethod)))
def test_secondary_never_pays_more_than_the_primary_share(primary, second, encounter, method):
    result = estimate(encounter, primary, secondary=SecondaryCoverage(second, method))
    for line in result.lines:
        assert ZERO <= line.secondary_pays <= line.cost_share
        assert line.patient_total >= line.non_covered
