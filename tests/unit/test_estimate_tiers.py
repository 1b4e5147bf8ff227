"""The plan's accumulators of a network tier (``benefit_facts._tier``) read the plan coverage
(service type 30) rows alone: the same as summarizing every row and picking the plan's line."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.estimates.benefit_facts import _from_amounts, _plan_lines, _tier
from finclear.rules.benefits import PLAN_COVERAGE, BenefitKind, BenefitRow, summarize_benefits
from finclear.rules.estimator import TierAccumulators

rows = st.builds(
    BenefitRow,
    info_code=st.sampled_from(["1", "A", "B", "C", "G", "F", "I", "R"]),
    kind=st.sampled_from(list(BenefitKind)),
    service_type=st.sampled_from([PLAN_COVERAGE, "1", "98", "UC", "PT"]),
    service_type_name=st.just(""),
    network=st.sampled_from(["in", "out", "any", ""]),
    coverage_level=st.sampled_from(["IND", "FAM", ""]),
    time_period=st.sampled_from(["23", "29", "24", "33", ""]),
    amount=st.one_of(st.none(), st.decimals(0, 20000, places=2)),
    percent=st.one_of(st.none(), st.decimals(0, 100, places=0)),
    quantity=st.one_of(st.none(), st.decimals(1, 60, places=0)),
    authorization_required=st.sampled_from(["Y", "N", ""]),
    messages=st.lists(st.sampled_from(["a", "b"]), max_size=2).map(tuple),
)


def tier_from_every_row(items: Sequence[BenefitRow], network: str) -> TierAccumulators | None:
    """The reference: every service type summarized, then the plan's line of the tier."""
    networks = (network, "") if network == "in" else (network,)
    plan = next(
        (
            s
            for s in summarize_benefits(items)
            if s.service_type == PLAN_COVERAGE and s.network in networks
        ),
        None,
    )
    if plan is None:
        return None
    tier = TierAccumulators(
        deductible=_from_amounts(plan.deductible),
        out_of_pocket=_from_amounts(plan.out_of_pocket),
        family_deductible=_from_amounts(plan.family_deductible),
        family_out_of_pocket=_from_amounts(plan.family_out_of_pocket),
    )
    return tier if tier != TierAccumulators() else None


@settings(max_examples=300)
@given(st.lists(rows, max_size=30), st.sampled_from(["in", "out"]))
def test_a_tier_is_the_plan_line_of_every_row_summarized(items, network) -> None:
    assert _tier(items, network) == tier_from_every_row(items, network)
    assert _tier(items, network, _plan_lines(items)) == _tier(items, network)


def test_rows_of_other_service_types_leave_the_tier_alone() -> None:
    plan = BenefitRow(
        "C", BenefitKind.DEDUCTIBLE, PLAN_COVERAGE, "", "in", "IND", "23", Decimal(500)
    )
    other = BenefitRow("C", BenefitKind.DEDUCTIBLE, "98", "", "in", "IND", "23", Decimal(50))
    assert _tier([other, plan], "in") == _tier([plan], "in")
    assert _tier([plan], "in") is not None
    assert _tier([other], "in") is None
