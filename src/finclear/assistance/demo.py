"""The demo's financial assistance policy: a sliding scale for each facility that has none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from finclear.assistance.daily import SWEEP_JOBS, do_run_daily
from finclear.assistance.models import AssistancePolicy, DiscountTier
from finclear.organizations.models import Facility
from finclear.rules.assistance import build_sliding_scale


def do_ensure_demo_policies() -> int:
    """Free at or below 200% of poverty, 80/60/40/20% off up to 400%; returns policies made."""
    made = 0
    for facility in Facility.objects.filter(fap_policies__isnull=True):
        policy = AssistancePolicy.objects.create(
            facility=facility,
            name="Demo financial assistance policy",
            effective_from=dt.date(2020, 1, 1),
            presumptive_sources=["medicaid", "snap", "homeless"],
            agb_percent=Decimal("38.50"),
            agb_basis="demo figure (no claims history yet)",
            pos_deposit_percent=Decimal(25),
            pos_deposit_cap=Decimal("500.00"),
            pos_deposit_visit_kinds=["elective_surgery"],
        )
        for tier in build_sliding_scale(Decimal(200), Decimal(400), 4):
            DiscountTier.objects.create(
                policy=policy,
                name=tier.name,
                max_percent=tier.max_percent,
                discount_percent=tier.discount_percent,
            )
        made += 1
    return made


def do_run_demo_daily_jobs() -> int:
    """The daily sweeps (payment plans, 501(r) clocks) before the pipeline's own case
    recompute; returns how many open payment plans were checked."""
    results = do_run_daily(jobs=SWEEP_JOBS, channel="cli")
    return results[0].counts["open plans checked"]
