"""The daily payment plan sweep: time alone makes an installment missed.

A payment, a rebalance or a look at the plan computes its state; a plan nobody touches would
stay "current" past its due dates. ``do_sweep_plans`` computes the state of every open plan
as of a day (each facility's today by default): past due after a missed installment (past its
grace days), defaulted after the policy's number of misses, with the default task opened once.
It is idempotent: a second sweep on the same day changes nothing and opens no second task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from finclear.assistance.models import PaymentPlan, PlanState
from finclear.assistance.plans import do_refresh_plan_state

SWEPT_STATES = (PlanState.CURRENT, PlanState.PAST_DUE, PlanState.DEFAULTED)


@dataclass
class PlanSweep:
    """What a sweep did, in counts (no patient data)."""

    checked: int = 0
    changed: int = 0
    became: dict[str, int] = field(default_factory=dict)
    tasks_opened: int = 0
    defaults_without_task: int = 0

    def as_counts(self) -> dict[str, int]:
        counts = {"open plans checked": self.checked, "state changed": self.changed}
        for state in PlanState:
            if state.value in self.became:
                counts[f"now {state.label.lower()}"] = self.became[state.value]
        counts["default tasks opened"] = self.tasks_opened
        counts["defaults without a new task (no visit, or one open)"] = self.defaults_without_task
        return counts


def do_sweep_plans(as_of: dt.date | None = None) -> PlanSweep:
    """Compute every open plan's state as of ``as_of``; one transaction per plan."""
    sweep = PlanSweep()
    ids = list(
        PaymentPlan.objects.filter(state__in=SWEPT_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for plan_id in ids:
        change = do_refresh_plan_state(plan_id, as_of)
        sweep.checked += 1
        if change.plan.state != change.before:
            sweep.changed += 1
            sweep.became[change.plan.state] = sweep.became.get(change.plan.state, 0) + 1
        if change.task is not None:
            sweep.tasks_opened += 1
        elif change.plan.state == PlanState.DEFAULTED and change.before != PlanState.DEFAULTED:
            sweep.defaults_without_task += 1
    return sweep
