"""Background tasks (django.tasks): thin shims onto the batch service.

``verify_chunk`` is enqueued once per chunk of a batch run; any number of workers run them
concurrently (``finclear manage db_worker``, or the RQ backend). ``verify_upcoming`` starts a
batch run itself: schedule it daily (cron: ``finclear eligibility batch --enqueue-only``, or
enqueue this task) to keep the coming days verified.
"""

from __future__ import annotations

import os
import threading

from django_tasks import task

from finclear.audit.context import audit_context
from finclear.eligibility.batch import do_run_chunk, do_start_batch
from finclear.workqueue.services import do_recompute_cases

# What a chunk's transaction changes for its cases' clearance (estimates: those its benefits
# recalculate; rerunning what reads them when none changed only costs time).
BATCH_CHANGED = frozenset({"eligibility", "estimates"})


@task()
def verify_chunk(chunk_id: int) -> int:
    worker = f"task:{os.getpid()}:{threading.get_ident()}"
    with audit_context(channel="task"):
        return do_run_chunk(chunk_id, worker=worker)


@task()
def verify_upcoming(days: int = 7) -> int:
    """Start a batch run over the next ``days`` days; returns the run's id."""
    with audit_context(channel="task"):
        return do_start_batch(days, triggered_by="task").pk


@task()
def recompute_cases(case_ids: list[int]) -> int:
    """Derive the clearance status of the cases a batch chunk verified (idempotent).

    In part, like a real-time check's (``services.build_changed``): the chunk wrote checks,
    eligibility tasks and estimates; a case without usable stored parts is recomputed in full.
    """
    with audit_context(channel="task"):
        return do_recompute_cases(case_ids, changed=BATCH_CHANGED)
