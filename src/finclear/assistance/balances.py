"""What a patient owes from earlier visits, until remittance posting records it.

finclear has no patient ledger yet (claims and remittance come later): the prior balance is
the estimated patient share of the patient's earlier visits (discharged, current estimate)
less what was collected at their check-in, less what was financed by payment plans made for
those visits. A balance on an open payment plan is governed by the plan's schedule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum

from finclear.assistance.models import PaymentPlan, PlanState, PosPayment
from finclear.estimates.models import Estimate
from finclear.rules.money import ZERO
from finclear.scheduling.models import EncounterStatus

OPEN_PLAN_STATES = (PlanState.CURRENT, PlanState.PAST_DUE, PlanState.DEFAULTED)


def prior_balances(patient_ids: Iterable[int]) -> dict[int, tuple[Decimal, bool]]:
    """Per patient: (the balance from earlier visits not on a plan, whether a plan is open)."""
    ids = set(patient_ids)
    shares: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for patient_id, encounter_id, total in Estimate.objects.filter(
        encounter__patient_id__in=ids,
        encounter__status=EncounterStatus.DISCHARGED,
        is_current=True,
    ).values_list("encounter__patient_id", "encounter_id", "patient_total"):
        shares[patient_id][encounter_id] = total
    encounter_ids = {e for per in shares.values() for e in per}
    paid = dict(
        PosPayment.objects.filter(encounter_id__in=encounter_ids)
        .values_list("encounter_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    financed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    open_plan: set[int] = set()
    for patient_id, encounter_id, balance, state in (
        PaymentPlan.objects.filter(patient_id__in=ids)
        .exclude(state=PlanState.CANCELLED)
        .values_list("patient_id", "encounter_id", "balance", "state")
    ):
        if encounter_id in encounter_ids:
            financed[patient_id] += balance
        if state in OPEN_PLAN_STATES:
            open_plan.add(patient_id)
    out = {}
    for patient_id in ids:
        owed = sum(
            (max(total - paid.get(e, ZERO), ZERO) for e, total in shares[patient_id].items()),
            ZERO,
        )
        out[patient_id] = (max(owed - financed[patient_id], ZERO), patient_id in open_plan)
    return out
