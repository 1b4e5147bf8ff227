"""The estimate part of a clearance case: "estimate delivered", for the clearance engine.

``load_facts`` (registered with ``workqueue.checks.register_facts``) puts the engine's
``EstimateFacts`` in each case's facts, with the current estimate's patient share:

- uninsured or self-pay: a Good Faith Estimate is required when 45 CFR 149.610 sets a
  deadline (scheduled 3+ business days ahead, or requested), due by that date; delivered when
  the current GFE went to the patient;
- insured: an estimate is required when the patient will owe more than the copay (the copay
  alone is on the insurance card), or, before any estimate is made, when the visit has
  charges; delivered when the current estimate went to the patient.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from finclear.estimates.gfe import build_deadline
from finclear.estimates.models import Estimate, EstimateKind, GfeRequest
from finclear.rules.clearance import EstimateFacts
from finclear.rules.money import ZERO
from finclear.workqueue.checks import (
    CHARGES_KEY,
    ESTIMATE_KEY,
    PATIENT_SHARE_KEY,
    CaseFacts,
    is_uninsured,
)
from finclear.workqueue.models import ClearanceCase
from finclear.workqueue.rows import Columns, Read, build_read


@dataclass(frozen=True)
class CurrentEstimate:
    """What the clearance reads of an encounter's current estimate."""

    kind: str
    patient_total: Decimal
    copay: Decimal
    delivered_at: dt.datetime | None


def build_estimate_facts(
    facts: CaseFacts, estimate: Estimate | CurrentEstimate | None, requested_on: dt.date | None
) -> EstimateFacts:
    if is_uninsured(facts):
        deadline = build_deadline(facts.encounter, facts.visit_date, requested_on)
        delivered = (
            estimate is not None
            and estimate.kind == EstimateKind.GFE
            and estimate.delivered_at is not None
        )
        return EstimateFacts(deadline.required, delivered, deadline.due)
    if estimate is None:
        return EstimateFacts(facts.extra.get(CHARGES_KEY, ZERO) > 0, False)
    required = estimate.patient_total > estimate.copay
    return EstimateFacts(required, estimate.delivered_at is not None)


@functools.cache
def _reads() -> tuple[Read, Read]:
    """The current estimates (encounter, kind, patient total, copay, delivered at; the ORM's
    order) and each encounter's earliest GFE request, as plain SQL
    (``finclear.workqueue.rows``: no Estimate built, with its audit snapshot, per case)."""
    estimate = Columns(
        Estimate, "s", ("encounter", "kind", "patient_total", "copay", "delivered_at")
    )
    request = Columns(GfeRequest, "g", ("encounter", "requested_on"))
    return (
        build_read(
            estimate,
            f"{estimate.column('encounter')} {{}} AND {estimate.column('is_current')} = %s",
            estimate.ordering(),
        ),
        build_read(
            request,
            f"{request.column('encounter')} {{}}",
            select=f"{request.column('encounter')}, MIN({request.column('requested_on')})",
            group=request.column("encounter"),
        ),
    )


def load_facts(cases: Sequence[ClearanceCase], facts: dict[int, CaseFacts]) -> None:
    encounter_ids = [case.encounter_id for case in cases]
    estimates, gfe_requests = _reads()
    current = {
        encounter_id: CurrentEstimate(kind, patient_total, copay, delivered_at)
        for encounter_id, kind, patient_total, copay, delivered_at in estimates(
            encounter_ids, [True]
        )
    }
    requests: dict[int, dt.date] = dict(gfe_requests(encounter_ids))
    for case in cases:
        item = facts[case.pk]
        estimate = current.get(case.encounter_id)
        item.extra[ESTIMATE_KEY] = build_estimate_facts(
            item, estimate, requests.get(case.encounter_id)
        )
        if estimate is not None:
            item.extra[PATIENT_SHARE_KEY] = estimate.patient_total
