"""Running a batch to its end from one process: task workers in threads, progress polled.

The CLI and the demo enqueue a run's chunk tasks like any other caller; on the database task
backend they then run ``count`` of django-tasks-db's own workers in threads until the queue is
drained (like ``db_worker --batch``: they run whatever is queued). On another backend
(RQ) outside workers do the work and this only follows the run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection

from finclear.eligibility.models import EligibilityBatchRun

POLL_SECONDS = 0.2


def uses_database_tasks() -> bool:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def start_task_workers(count: int) -> list[threading.Thread]:
    """``count`` database task workers in daemon threads; each stops when the queue is empty."""
    from django_tasks_db.management.commands.db_worker import Worker

    def work(n: int) -> None:
        try:
            Worker(
                queue_names=["default"],
                interval=0.05,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=f"finclear-eligibility-{n}",
                excluded_queue_names=[],
            ).run()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads


def follow_run(
    run: EligibilityBatchRun,
    threads: list[threading.Thread],
    on_progress: Callable[[EligibilityBatchRun], None] | None = None,
) -> EligibilityBatchRun:
    """Poll the run until it ends, or until the local workers stopped (work left for others)."""
    while True:
        run.refresh_from_db()
        if on_progress is not None:
            on_progress(run)
        if run.status != EligibilityBatchRun.Status.RUNNING:
            break
        if threads and not any(t.is_alive() for t in threads):
            run.refresh_from_db()
            if on_progress is not None:
                on_progress(run)
            break
        time.sleep(POLL_SECONDS)
    # The workers stop once the queue is empty: the chunks' follow-up tasks (case statuses)
    # are done too when they return.
    for thread in threads:
        thread.join()
    return run


def do_run_to_end(
    run: EligibilityBatchRun,
    workers: int,
    on_progress: Callable[[EligibilityBatchRun], None] | None = None,
) -> EligibilityBatchRun:
    """Work the run's queued chunks with ``workers`` local task workers and follow it."""
    threads = start_task_workers(workers) if workers and uses_database_tasks() else []
    return follow_run(run, threads, on_progress)
