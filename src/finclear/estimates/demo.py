"""The demo's estimates step: contracts and self-pay prices for the synthetic clinic, then an
estimate (or a Good Faith Estimate) for every open encounter of the seeded schedule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from finclear.audit.context import audit_context
from finclear.contracts.importing import do_import_fee_schedules
from finclear.contracts.models import SelfPayPolicy
from finclear.estimates.queries import open_encounter_ids
from finclear.estimates.services import do_estimate_encounters
from finclear.organizations.models import Facility

DEMO_CONTRACTS = (
    Path(__file__).resolve().parents[1] / "contracts" / "data" / "demo_fee_schedules.csv"
)
DEMO_SELF_PAY_DISCOUNT = Decimal(40)


def do_load_demo_contracts() -> None:
    """The demo payers' fee schedules (idempotent) and a self-pay discount where none is set."""
    report = do_import_fee_schedules(
        DEMO_CONTRACTS.read_text(encoding="utf-8"), DEMO_CONTRACTS.name
    )
    if report.errors:
        raise ValueError("; ".join(report.errors[:5]))
    for facility in Facility.objects.filter(self_pay_policies__isnull=True):
        SelfPayPolicy.objects.create(
            facility=facility,
            discount_percent=DEMO_SELF_PAY_DISCOUNT,
            effective_from=dt.date(2020, 1, 1),
            note="demo self-pay discount",
        )


def do_estimate_demo_schedule() -> int:
    """Estimates for the open encounters; returns how many were written."""
    with audit_context(channel="task"):
        do_load_demo_contracts()
        # The pipeline's last step recomputes every case: no recompute per batch here.
        return do_estimate_encounters(open_encounter_ids(), reason="demo pipeline", recompute=False)
