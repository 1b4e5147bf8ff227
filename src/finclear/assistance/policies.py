"""The facility's policy in force, as the pure calculators' dataclasses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError

from finclear.assistance.models import AssistancePolicy, PovertyGuideline
from finclear.organizations.models import Facility
from finclear.rules import assistance, payment_plans, pos_collection
from finclear.rules.poverty import GUIDELINES, Guideline, Region


def policy_in_force(facility: Facility | int, day: dt.date) -> AssistancePolicy | None:
    """The facility's policy in force on ``day`` (the latest-starting one)."""
    facility_id = facility if isinstance(facility, int) else facility.pk
    return (
        AssistancePolicy.objects.filter(facility_id=facility_id, effective_from__lte=day)
        .exclude(effective_to__lt=day)
        .prefetch_related("tiers")
        .order_by("-effective_from", "-pk")
        .first()
    )


def require_policy(facility: Facility, day: dt.date) -> AssistancePolicy:
    policy = policy_in_force(facility, day)
    if policy is None:
        raise ValidationError(
            {
                "policy": f"policy: {facility.code} has no financial assistance policy in force on "
                f"{day.isoformat()} (add one in the admin)"
            }
        )
    return policy


def build_fap(policy: AssistancePolicy) -> assistance.AssistancePolicy:
    tiers = tuple(
        assistance.DiscountTier(t.name, t.max_percent, t.discount_percent)
        for t in sorted(policy.tiers.all(), key=lambda t: t.max_percent)
    )
    if not tiers:
        raise ValidationError({"tiers": f"tiers: policy {policy} has no discount tier"})
    return assistance.AssistancePolicy(
        tiers=tiers,
        asset_limit=policy.asset_limit,
        presumptive_sources=frozenset(policy.presumptive_sources or ()),
        presumptive_discount=policy.presumptive_discount,
    )


def build_plan_policy(policy: AssistancePolicy) -> payment_plans.PlanPolicy:
    return payment_plans.PlanPolicy(
        min_monthly_payment=policy.plan_min_monthly,
        max_months=policy.plan_max_months,
        down_payment_percent=policy.plan_down_percent,
        down_payment_minimum=policy.plan_down_minimum,
        apr_percent=policy.plan_apr_percent,
        default_after=policy.plan_default_after,
        grace_days=policy.plan_grace_days,
    )


def build_pos_policy(policy: AssistancePolicy | None) -> pos_collection.PosPolicy:
    if policy is None:
        return pos_collection.PosPolicy()
    return pos_collection.PosPolicy(
        collect_prior_balance=policy.pos_collect_prior_balance,
        deposit_percent=policy.pos_deposit_percent,
        deposit_cap=policy.pos_deposit_cap,
        deposit_visit_kinds=frozenset(policy.pos_deposit_visit_kinds or ()),
    )


def guideline_table() -> Mapping[tuple[int, Region], Guideline]:
    """The shipped HHS guidelines plus the ones an administrator entered (these win)."""
    table = dict(GUIDELINES)
    for row in PovertyGuideline.objects.all():
        region = Region(row.region)
        table[(row.year, region)] = Guideline(
            row.year, region, row.first_person, row.each_additional, row.source
        )
    return table
