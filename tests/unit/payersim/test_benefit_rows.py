"""The simulator keeps each plan's service-type rows: a member's rows are the same as built whole."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from finclear.payersim.benefits import ALL_SERVICE_TYPES, build_benefits, build_service_rows
from finclear.payersim.index import ScenarioIndex
from tests.unit.payersim.inquiries import scenario

SCENARIO = scenario()
INDEX = ScenarioIndex(SCENARIO)
PLANS = {(p.payer_id, p.plan_code): p for p in SCENARIO.plans}


@given(
    member=st.sampled_from(SCENARIO.members),
    asked=st.lists(st.sampled_from(ALL_SERVICE_TYPES), min_size=1, max_size=6, unique=True),
)
def test_a_members_rows_with_the_plans_kept_rows_are_those_built_whole(member, asked):
    plan = PLANS[(member.payer_id, member.plan_code)]
    types = ("30", *(t for t in asked if t != "30"))
    family = INDEX.family(member)
    kept = build_service_rows(plan, types)
    assert build_benefits(member, plan, family, types, service_rows=kept) == build_benefits(
        member, plan, family, types
    )


def test_the_kept_rows_are_the_plans_alone():
    """Two members of one plan with different accumulators share the service rows only."""
    by_plan: dict[tuple[str, str], list] = {}
    for member in SCENARIO.members:
        by_plan.setdefault((member.payer_id, member.plan_code), []).append(member)
    first, second = next(
        (m[0], m[1])
        for m in by_plan.values()
        if len(m) > 1 and m[0].accumulators.deductible_met != m[1].accumulators.deductible_met
    )
    plan = PLANS[(first.payer_id, first.plan_code)]
    kept = build_service_rows(plan)
    one = build_benefits(first, plan, INDEX.family(first))
    two = build_benefits(second, plan, INDEX.family(second))
    assert one[-len(kept) :] == two[-len(kept) :] == kept
    assert one[: -len(kept)] != two[: -len(kept)]
