"""What a patient owes from earlier visits, until remittance posting records it.

finclear has no patient ledger yet (claims and remittance come later): the prior balance is
the estimated patient share of the patient's earlier visits (discharged, current estimate)
less what was collected at their check-in, less what was financed by payment plans made for
those visits. A balance on an open payment plan is governed by the plan's schedule.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from finclear.assistance.models import PaymentPlan, PlanState, PosPayment
from finclear.estimates.models import Estimate
from finclear.rules.money import ZERO
from finclear.scheduling.models import Encounter, EncounterStatus
from finclear.workqueue.rows import Columns, Read, build_read

OPEN_PLAN_STATES = (PlanState.CURRENT, PlanState.PAST_DUE, PlanState.DEFAULTED)


def prior_balances(patient_ids: Iterable[int]) -> dict[int, tuple[Decimal, bool]]:
    """Per patient: (the balance from earlier visits not on a plan, whether a plan is open).

    Three plain-SQL reads (``_reads``: the ORM's queries, its converters and order), not three
    ORM queries built for every recomputed batch.
    """
    ids = set(patient_ids)
    shares_read, paid_read, plans_read = _reads()
    shares: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for patient_id, encounter_id, total in shares_read(
        sorted(ids), [EncounterStatus.DISCHARGED, True]
    ):
        shares[patient_id][encounter_id] = total
    encounter_ids = {e for per in shares.values() for e in per}
    paid = dict(paid_read(sorted(encounter_ids)))
    financed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    open_plan: set[int] = set()
    for patient_id, encounter_id, balance, state in plans_read(sorted(ids), [PlanState.CANCELLED]):
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


@functools.cache
def _reads() -> tuple[Read, Read, Read]:
    """(patient, encounter, patient total) of the current estimates of the patients'
    encounters in a status (the ORM's order); the sum paid at check-in per encounter; (patient,
    encounter, balance, state) of the patients' plans not in a state (the ORM's order)."""
    # The first value is the encounter's patient: a key, read as the (also unconverted) key
    # of the estimate's encounter.
    estimate = Columns(Estimate, "s", ("encounter", "encounter", "patient_total"))
    encounter = Columns(Encounter, "e")
    paid = Columns(PosPayment, "p", ("encounter", "amount"))
    plan = Columns(PaymentPlan, "n", ("patient", "encounter", "balance", "state"))
    return (
        build_read(
            estimate,
            f"{encounter.column('patient')} {{}} AND {encounter.column('status')} = %s "
            f"AND {estimate.column('is_current')} = %s",
            estimate.ordering(),
            select=f"{encounter.column('patient')}, {estimate.column('encounter')}, "
            f"{estimate.column('patient_total')}",
            join=f"INNER JOIN {encounter.table} ON {encounter.column('id')} = "
            f"{estimate.column('encounter')}",
        ),
        build_read(
            paid,
            f"{paid.column('encounter')} {{}}",
            select=f"{paid.column('encounter')}, SUM({paid.column('amount')})",
            group=paid.column("encounter"),
        ),
        build_read(
            plan,
            f"{plan.column('patient')} {{}} AND NOT ({plan.column('state')} = %s)",
            plan.ordering(),
        ),
    )
