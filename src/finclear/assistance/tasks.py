"""Background tasks (django.tasks): thin shims onto the services.

``run_daily`` runs the daily jobs (``finclear.assistance.daily``) on a task worker: enqueue
it once a day (``finclear daily --enqueue``) instead of running ``finclear daily`` itself.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from finclear.assistance.daily import do_run_daily


@task()
def run_daily(as_of: str | None = None) -> dict[str, dict[str, int]]:
    """The daily jobs as of ``as_of`` (ISO date; each facility's today when empty): their
    counts by job. Idempotent, so a retried task does no harm."""
    day = dt.date.fromisoformat(as_of) if as_of else None
    return {result.name: result.counts for result in do_run_daily(day, channel="task")}
