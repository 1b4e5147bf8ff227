"""A small insured clinic with a contract, for the estimate, assistance and POS tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from finclear.contracts.models import FeeSchedule, SelfPayPolicy
from finclear.organizations.validation import do_save_checked
from finclear.patients.models import Coverage
from finclear.payers.models import Payer
from finclear.scheduling.models import Encounter
from finclear.scheduling.services import ServiceLineInput, do_add_service_line
from tests.integration.model_builders import EASTERN, Clinic, build_chargemaster_item

D = Decimal


class EstimateClinic(Clinic):
    """Plan: $1,500 deductible (family $3,000), 20% coinsurance, $25 primary care copay.

    Contract: 50% of charges. Chargemaster: MRI lumbar 72148 at $2,450, office visit 99213
    at $175. Self-pay discount 40%.
    """

    def __init__(self, code: str = "NORTH") -> None:
        super().__init__(code)
        do_save_checked(
            FeeSchedule(
                name=f"Acme {code} 2026",
                payer=self.payer,
                effective_from=dt.date(2026, 1, 1),
                charges_percent=D(50),
            )
        )
        do_save_checked(
            SelfPayPolicy(
                facility=self.facility, discount_percent=D(40), effective_from=dt.date(2025, 1, 1)
            )
        )
        build_chargemaster_item(
            self.facility, cpt="72148", charge="2450.00", description="MRI lumbar spine"
        )
        build_chargemaster_item(
            self.facility, cpt="99213", charge="175.00", description="Office visit, established"
        )

    def visit(self, *codes: str, scheduled_on: dt.datetime | None = None, **fields) -> Encounter:
        encounter = self.encounter(**fields)
        if scheduled_on is not None:
            Encounter.objects.filter(pk=encounter.pk).update(created_at=scheduled_on)
            encounter.refresh_from_db()
        for code in codes:
            do_add_service_line(encounter, ServiceLineInput(cpt_hcpcs=code))
        return encounter

    def make_self_pay(self) -> None:
        """The patient's only coverage becomes self-pay."""
        self_pay = Payer.objects.create(name="Self Pay", payer_type="self_pay")
        Coverage.objects.filter(pk=self.coverage.pk).update(is_active=False)
        Coverage.objects.create(
            patient=self.patient, payer=self_pay, order=1, effective_date=dt.date(2020, 1, 1)
        )


SCHEDULED = dt.datetime(2026, 11, 2, 10, 0, tzinfo=EASTERN)  # Monday


def build_policy(facility, **fields):
    """A sliding-scale FAP: free at or below 200% of poverty, 80/60/40/20% off up to 400%."""
    from finclear.assistance.models import AssistancePolicy, DiscountTier
    from finclear.rules.assistance import build_sliding_scale

    values = {
        "name": "Synthetic FAP",
        "effective_from": dt.date(2025, 1, 1),
        "presumptive_sources": ["medicaid", "snap"],
        "agb_percent": D("38.50"),
        "plan_min_monthly": D("50.00"),
        "plan_max_months": 12,
        "plan_default_after": 2,
        "plan_grace_days": 0,
    }
    values.update(fields)
    policy = AssistancePolicy(facility=facility, **values)
    do_save_checked(policy)
    for tier in build_sliding_scale(D(200), D(400), 4):
        DiscountTier.objects.create(
            policy=policy,
            name=tier.name,
            max_percent=tier.max_percent,
            discount_percent=tier.discount_percent,
        )
    return policy
