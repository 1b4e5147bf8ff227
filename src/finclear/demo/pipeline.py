"""The clearance pipeline the demo runs after seeding, as far as it exists.

``STEPS`` lists the steps in order. Each later issue appends its own (batch eligibility 270s
to the payer simulator, authorization rules, estimates, counseling screening) before the
final ``clearance status`` step, which derives every open case's status from what the earlier
steps recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from finclear.assistance.demo import do_ensure_demo_policies, do_run_demo_daily_jobs
from finclear.authorizations.demo import do_authorize_demo_schedule
from finclear.eligibility.simulator import do_verify_demo_schedule
from finclear.estimates.demo import do_estimate_demo_schedule
from finclear.workqueue.models import ClearanceCase
from finclear.workqueue.receivers import deferred_recompute
from finclear.workqueue.services import do_recompute_cases


@dataclass(frozen=True)
class PipelineStep:
    name: str
    description: str
    run: Callable[[], int]  # returns how many items it processed


@dataclass(frozen=True)
class StepResult:
    name: str
    processed: int
    seconds: float


def do_recompute_all_cases() -> int:
    """Recompute the status of every clearance case (closed ones are left as they are)."""
    return do_recompute_cases(ClearanceCase.objects.values_list("pk", flat=True))


STEPS: list[PipelineStep] = [
    PipelineStep(
        name="eligibility",
        description="start the payer simulator, batch-verify the seeded schedule (270/271)",
        run=do_verify_demo_schedule,
    ),
    PipelineStep(
        name="authorizations",
        description="evaluate the authorization rules on the schedule, request what is needed",
        run=do_authorize_demo_schedule,
    ),
    PipelineStep(
        name="estimates",
        description="price the schedule with the demo contracts; estimates and GFEs per encounter",
        run=do_estimate_demo_schedule,
    ),
    PipelineStep(
        name="assistance policy",
        description="a sliding-scale financial assistance policy for each facility without one",
        run=do_ensure_demo_policies,
    ),
    PipelineStep(
        name="daily jobs",
        description="the daily sweeps of `finclear daily`: payment plans, 501(r) clocks",
        run=do_run_demo_daily_jobs,
    ),
    PipelineStep(
        name="clearance status",
        description="derive each open case's status from the clearance checks",
        run=do_recompute_all_cases,
    ),
]


def do_run_pipeline(
    steps: list[PipelineStep] | None = None,
    on_step: Callable[[PipelineStep], None] | None = None,
) -> list[StepResult]:
    """Run the steps in order; ``on_step`` is told before each one starts."""
    results = []
    for step in STEPS if steps is None else steps:
        if on_step is not None:
            on_step(step)
        clock = time.perf_counter()
        # A step's many small commits recompute the cases they touch once, at the step's end.
        with deferred_recompute():
            processed = step.run()
        results.append(StepResult(step.name, processed, time.perf_counter() - clock))
    return results
