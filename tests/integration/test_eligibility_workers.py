"""Batch worker processes: forked from the CLI's process, or new interpreters where it cannot fork."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sys

import pytest
from django.db import connection
from django.utils import timezone

from finclear.eligibility import batch, workers
from finclear.eligibility.models import EligibilityBatchRun
from finclear.scheduling.models import Encounter
from tests.integration.model_builders import EASTERN, Clinic

pytestmark = pytest.mark.django_db

needs_fork = pytest.mark.skipif(not workers.can_fork(), reason="this platform does not fork")


@pytest.fixture
def schedule() -> list[Encounter]:
    """One encounter tomorrow, with a coverage to verify."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return [Clinic().encounter(scheduled_at=dt.datetime.combine(tomorrow, dt.time(10), EASTERN))]


def fail_to_work(worker_id: str) -> None:
    raise RuntimeError(f"{worker_id}: cannot reach the queue")


def query_in_child() -> None:
    """A forked child: its own connection works, and it leaves the parent's alone."""
    workers.forget_inherited_connections()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        connection.close()


@needs_fork
def test_a_forked_worker_uses_its_own_connection_and_leaves_the_parents_open(schedule):
    """The parent is inside a transaction (the test's): the child's connection is its own, and
    the parent's connection and transaction are still there after the child has gone."""
    assert connection.in_atomic_block
    child = multiprocessing.get_context("fork").Process(target=query_in_child)
    child.start()
    child.join()
    assert child.exitcode == 0
    assert connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert Encounter.objects.filter(pk=schedule[0].pk).exists()


@needs_fork
def test_a_forked_worker_that_fails_is_reported(schedule, monkeypatch):
    """A worker process that fails is an error the caller sees, naming its exit, not a run
    silently left half done."""
    run = batch.do_start_batch(7, triggered_by="test", enqueue=False)
    monkeypatch.setattr(workers, "do_work_queue", fail_to_work)
    with pytest.raises(workers.WorkerFailed, match="exited with 1"):
        workers.do_run_to_end(run, 0, processes=2)
    run.refresh_from_db()
    assert run.status == EligibilityBatchRun.Status.RUNNING and run.processed == 0


def check_the_collector(worker_id: str) -> None:
    import gc

    if gc.get_threshold() != workers.WORKER_GC_THRESHOLD:
        raise RuntimeError(f"{worker_id}: collector thresholds {gc.get_threshold()}")


@needs_fork
def test_a_forked_worker_collects_garbage_less_often_and_this_process_as_before(
    schedule, monkeypatch
):
    import gc

    before = gc.get_threshold()
    run = batch.do_start_batch(7, triggered_by="test", enqueue=False)
    monkeypatch.setattr(workers, "do_work_queue", check_the_collector)
    assert workers.do_run_to_end(run, 0, processes=1) == run
    assert gc.get_threshold() == before != workers.WORKER_GC_THRESHOLD


def test_without_fork_a_worker_process_that_cannot_start_is_reported(schedule, monkeypatch):
    """Where the platform cannot fork: a new interpreter, here with settings that do not exist."""
    run = batch.do_start_batch(7, triggered_by="test", enqueue=False)
    monkeypatch.setattr(workers, "can_fork", lambda: False)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "finclear.no_such_settings")
    with pytest.raises(workers.WorkerFailed, match="exited with 1"):
        workers.do_run_to_end(run, 0, processes=1)
    run.refresh_from_db()
    assert run.status == EligibilityBatchRun.Status.RUNNING and run.processed == 0


def test_a_worker_process_is_this_interpreter_running_db_worker_in_batch_mode():
    command = workers.build_worker_command(3)
    assert command[:4] == [sys.executable, "-m", "django", "db_worker"]
    assert "--batch" in command and command[command.index("--queue-name") + 1] == "default"
    assert command[-1].endswith("-3")


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "new interpreter"])
def test_the_cli_says_a_worker_process_failed_and_exits_with_an_error(
    payer,
    schedule,
    monkeypatch,
    django_capture_on_commit_callbacks,
    fork,
):
    from typer.testing import CliRunner

    from finclear.cli import build_app

    if fork and not workers.can_fork():
        pytest.skip("this platform does not fork")
    monkeypatch.setattr(workers, "can_fork", lambda: fork)
    monkeypatch.setattr(workers, "do_work_queue", fail_to_work)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "finclear.no_such_settings")
    with django_capture_on_commit_callbacks(execute=True):
        result = CliRunner().invoke(
            build_app(), ["eligibility", "batch", "--days", "7", "--processes", "1"]
        )
    assert result.exit_code == 1, result.output
    assert "task worker pid" in result.output and "exited with 1" in result.output


def test_a_chunks_case_statuses_are_taken_before_the_chunks_still_queued(
    payer, django_capture_on_commit_callbacks
):
    """The statuses follow the checks through the batch: the next task a worker takes after a
    chunk is that chunk's recompute, not the next chunk."""
    from django_tasks_db.models import DBTaskResult

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    clinic = Clinic()
    for hour in (9, 10, 11, 12):
        clinic.encounter(scheduled_at=dt.datetime.combine(tomorrow, dt.time(hour), EASTERN))
    with django_capture_on_commit_callbacks(execute=True):
        run = batch.do_start_batch(7, triggered_by="test", chunk_size=1)
    assert DBTaskResult.objects.ready().count() == run.chunks.count() >= 2
    first = run.chunks.order_by("number").first()
    with django_capture_on_commit_callbacks(execute=True):
        assert batch.do_run_chunk(first.pk, worker="test") == 1
    queued = list(DBTaskResult.objects.ready().values_list("task_path", flat=True))
    assert queued[0].endswith(".recompute_cases")
    assert [path.rsplit(".", 1)[1] for path in queued[1:]] == ["verify_chunk"] * (len(queued) - 1)
