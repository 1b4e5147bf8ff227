"""The daily jobs: what time alone changes, brought up to date once a day, in order.

1. ``payment plans``: installments fall due unpaid; plans go past due, then default with a
   task (``plan_sweep``).
2. ``501(r) clocks``: counts of where the accounts stand (``eca_clocks``); nothing is stored,
   the ECA decision is made from the dates whenever it is asked.
3. ``clearance cases``: every open case recomputed (visits come within the at-risk window,
   verifications age, GFEs fall due, and the counseling facts the plans changed). Last, so
   it reads what the jobs before it wrote.

Each job is idempotent; they print counts, never patient data. ``finclear daily`` runs them;
``finclear.assistance.tasks.run_daily`` is the same for a task worker.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from finclear.assistance.eca_clocks import build_eca_clocks
from finclear.assistance.plan_sweep import do_sweep_plans
from finclear.audit.context import audit_context
from finclear.workqueue.models import ClearanceCase
from finclear.workqueue.services import do_recompute_cases


@dataclass(frozen=True)
class DailyJob:
    name: str
    description: str
    run: Callable[[dt.date | None], dict[str, int]]


@dataclass(frozen=True)
class DailyResult:
    name: str
    counts: dict[str, int]
    seconds: float
    cpu_seconds: float


def do_sweep_plans_counts(as_of: dt.date | None) -> dict[str, int]:
    return do_sweep_plans(as_of).as_counts()


def build_eca_counts(as_of: dt.date | None) -> dict[str, int]:
    return build_eca_clocks(as_of).as_counts()


def do_recompute_open_cases(as_of: dt.date | None) -> dict[str, int]:
    """Every open case; the clearance engine reads the clock, so this is as of now."""
    ids = list(ClearanceCase.objects.filter(is_open=True).values_list("pk", flat=True))
    return {"open cases recomputed": do_recompute_cases(ids)}


SWEEP_JOBS: list[DailyJob] = [
    DailyJob(
        "payment plans",
        "missed installments: past due, defaulted (a task opens)",
        do_sweep_plans_counts,
    ),
    DailyJob(
        "501(r) clocks",
        "notification and application periods, ECAs blocked or allowed",
        build_eca_counts,
    ),
]
DAILY_JOBS: list[DailyJob] = [
    *SWEEP_JOBS,
    DailyJob(
        "clearance cases",
        "recompute every open case (at-risk window, verification age, GFE due; as of now)",
        do_recompute_open_cases,
    ),
]


def do_run_daily(
    as_of: dt.date | None = None,
    jobs: list[DailyJob] | None = None,
    on_job: Callable[[DailyJob], None] | None = None,
    channel: str = "task",
) -> list[DailyResult]:
    """Run the jobs in order (all of ``DAILY_JOBS`` by default), timing each one; what they
    write is audited over ``channel`` (``task``, or ``cli`` from the command)."""
    results = []
    with audit_context(channel=channel):
        for job in DAILY_JOBS if jobs is None else jobs:
            if on_job is not None:
                on_job(job)
            wall, cpu = time.perf_counter(), time.process_time()
            counts = job.run(as_of)
            results.append(
                DailyResult(job.name, counts, time.perf_counter() - wall, time.process_time() - cpu)
            )
    return results
