"""Running a batch to its end from one process: task workers in threads or processes.

The CLI and the demo enqueue a run's chunk tasks like any other caller; on the database task
backend they then run ``count`` of django-tasks-db's own workers until the queue is drained
(like ``db_worker --batch``: they run whatever is queued): in threads of this process, or as
``processes`` separate worker processes, which the GIL does not hold to one core. On another
backend (RQ) outside workers do the work and this only follows the run.

A worker process is forked from this one where the platform can fork (Linux, the BSDs): it
starts with Django set up, every module imported and the payer endpoints this process holds,
and works at once, where a new interpreter spends a second or more importing. It opens its
own database connections (the inherited ones are left to this process, untouched) and leaves
with ``os._exit`` once the queue is drained, without tearing its heap down. Elsewhere it is
an ordinary ``python -m django db_worker --batch``, which reads the settings from the
environment and the payer endpoints from the payers file (``FINCLEAR_PAYERS_FILE``).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from typing import Any

from django.db import connection, connections

from finclear.eligibility.models import EligibilityBatchRun

POLL_SECONDS = 0.2
WORKER_INTERVAL = 0.05  # seconds a worker waits before asking the queue again
# A forked worker's garbage collector: a young collection after 50,000 net new container
# objects rather than 700. A batch frees almost everything by reference counting, so at 700
# the collector ran 2,000 young collections per 6,000 encounters for little (0.1 ms of CPU an
# encounter, gc.callbacks timing); at 50,000 it runs a few, and reference cycles are still
# collected (generations 1 and 2 keep their default ratios).
WORKER_GC_THRESHOLD = (50_000, 10, 10)

Worker = threading.Thread | subprocess.Popen[bytes] | BaseProcess
# The inherited connections' state, kept in a forked worker so that nothing closes the sockets
# this process still uses (a closed psycopg connection tells the server the session is over).
_INHERITED: list[Any] = []


class WorkerFailed(RuntimeError):
    """A worker process exited with an error: its chunks are left to the next worker."""


def uses_database_tasks() -> bool:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def do_work_queue(worker_id: str) -> None:
    """Run one django-tasks-db worker until the queue is empty (``db_worker --batch``)."""
    from django_tasks_db.management.commands.db_worker import Worker as DbWorker

    DbWorker(
        queue_names=["default"],
        interval=WORKER_INTERVAL,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


def start_task_workers(count: int) -> list[threading.Thread]:
    """``count`` database task workers in daemon threads; each stops when the queue is empty."""

    def work(n: int) -> None:
        try:
            do_work_queue(f"finclear-eligibility-{n}")
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


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def forget_inherited_connections() -> None:
    """In a forked child: new database connections from here on, the parent's left open.

    The inherited wrappers (their sockets, and the parent's transaction state if it was in
    one) are kept, unused, until the child leaves with ``os._exit``.
    """
    from asgiref.local import Local

    _INHERITED.append(connections._connections)
    connections._connections = Local(connections.thread_critical)


def work_forked(worker_id: str) -> None:
    """A forked worker process's life: its own connections, the queue, its connections closed."""
    forget_inherited_connections()
    gc.set_threshold(*WORKER_GC_THRESHOLD)
    try:
        do_work_queue(worker_id)
    finally:
        connections.close_all()


def start_forked_workers(count: int) -> list[BaseProcess]:
    """``count`` database task workers forked from this process (see the module's docstring)."""
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(
            target=work_forked,
            args=(f"finclear-eligibility-{os.getpid()}-{n}",),
            name=f"finclear-eligibility-{n}",
        )
        for n in range(count)
    ]
    for process in processes:
        process.start()
    return processes


def start_worker_processes(
    count: int, environ: dict[str, str] | None = None
) -> list[subprocess.Popen[bytes]]:
    """``count`` database task workers as new interpreters (``python -m django db_worker``);
    each exits when the queue is empty. Where the platform forks, ``start_forked_workers``."""
    env = dict(os.environ if environ is None else environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "finclear.app.settings")
    return [
        subprocess.Popen(
            build_worker_command(n), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        for n in range(count)
    ]


def _alive(worker: Worker) -> bool:
    if isinstance(worker, subprocess.Popen):
        return worker.poll() is None
    return worker.is_alive()


def _wait(worker: Worker) -> int:
    """Wait for the worker to end: its exit code (0 for a thread)."""
    if isinstance(worker, subprocess.Popen):
        return worker.wait()
    worker.join()
    return 0 if isinstance(worker, threading.Thread) else worker.exitcode or 0


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
        code = _wait(worker)
        if code != 0:
            failed.append(f"pid {worker.pid} exited with {code}")
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
        if processes and can_fork():
            started.extend(start_forked_workers(processes))
        elif processes:
            started.extend(start_worker_processes(processes))
        else:
            started.extend(start_task_workers(workers))
    return follow_run(run, started, on_progress)
