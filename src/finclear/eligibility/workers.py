"""Running a batch to its end from one process: task workers in threads or processes.

The CLI and the demo enqueue a run's chunk tasks like any other caller; on the database task
backend they then run ``count`` of django-tasks-db's own workers until the queue is drained
(like ``db_worker --batch``: they run whatever is queued): in threads of this process, or as
``processes`` separate worker processes (``django-admin db_worker --batch``), which the GIL
does not hold to one core. On another backend (RQ) outside workers do the work and this
only follows the run.

A worker process is an ordinary ``db_worker``: it reads the same settings from the
environment (database, task backend) and the payer endpoints from the payers file
(``FINCLEAR_PAYERS_FILE``), not from this process's memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

from django.db import connection

from finclear.eligibility.models import EligibilityBatchRun

POLL_SECONDS = 0.2
WORKER_INTERVAL = 0.05  # seconds a worker waits before asking the queue again

Worker = threading.Thread | subprocess.Popen[bytes]


class WorkerFailed(RuntimeError):
    """A worker process exited with an error: its chunks are left to the next worker."""


def uses_database_tasks() -> bool:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def start_task_workers(count: int) -> list[threading.Thread]:
    """``count`` database task workers in daemon threads; each stops when the queue is empty."""
    from django_tasks_db.management.commands.db_worker import Worker as DbWorker

    def work(n: int) -> None:
        try:
            DbWorker(
                queue_names=["default"],
                interval=WORKER_INTERVAL,
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


def build_worker_command(n: int) -> list[str]:
    """One worker process's command line: this interpreter's ``django-admin db_worker``."""
    return [
        sys.executable, "-m", "django", "db_worker",
        "--batch", "--queue-name", "default", "--backend", "default",
        "--interval", str(WORKER_INTERVAL), "--no-startup-delay",
        "--worker-id", f"finclear-eligibility-{os.getpid()}-{n}",
    ]  # fmt: skip


def start_worker_processes(
    count: int, environ: dict[str, str] | None = None
) -> list[subprocess.Popen[bytes]]:
    """``count`` database task workers as processes; each exits when the queue is empty."""
    env = dict(os.environ if environ is None else environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "finclear.app.settings")
    return [
        subprocess.Popen(
            build_worker_command(n), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        for n in range(count)
    ]


def _alive(worker: Worker) -> bool:
    return worker.is_alive() if isinstance(worker, threading.Thread) else worker.poll() is None


def follow_run(
    run: EligibilityBatchRun,
    workers: Sequence[Worker],
    on_progress: Callable[[EligibilityBatchRun], None] | None = None,
) -> EligibilityBatchRun:
    """Poll the run until it ends, or until the local workers stopped (work left for others).

    A worker process that exited with an error raises ``WorkerFailed`` once the others are
    done (the run stays as its chunks left it: a chunk it held is claimed again once its
    lease runs out).
    """
    while True:
        run.refresh_from_db()
        if on_progress is not None:
            on_progress(run)
        if run.status != EligibilityBatchRun.Status.RUNNING:
            break
        if workers and not any(_alive(w) for w in workers):
            run.refresh_from_db()
            if on_progress is not None:
                on_progress(run)
            break
        time.sleep(POLL_SECONDS)
    # The workers stop once the queue is empty: the chunks' follow-up tasks (case statuses)
    # are done too when they return.
    failed = []
    for worker in workers:
        if isinstance(worker, threading.Thread):
            worker.join()
        elif worker.wait() != 0:
            failed.append(f"pid {worker.pid} exited with {worker.returncode}")
    if failed:
        raise WorkerFailed(f"eligibility batch #{run.pk}: task worker " + "; ".join(failed))
    return run


def do_run_to_end(
    run: EligibilityBatchRun,
    workers: int,
    on_progress: Callable[[EligibilityBatchRun], None] | None = None,
    *,
    processes: int = 0,
) -> EligibilityBatchRun:
    """Work the run's queued chunks with local task workers and follow it: ``processes``
    worker processes when given, else ``workers`` threads of this process."""
    started: list[Worker] = []
    if (workers or processes) and uses_database_tasks():
        if processes:
            started.extend(start_worker_processes(processes))
        else:
            started.extend(start_task_workers(workers))
    return follow_run(run, started, on_progress)
