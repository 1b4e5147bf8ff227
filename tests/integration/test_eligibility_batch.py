"""Batch verification: selection of missing or stale checks, chunks, tasks, idempotent re-runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from finclear.audit.models import AuditEvent
from finclear.eligibility import batch
from finclear.eligibility.models import (
    BatchChunk,
    CheckStatus,
    EligibilityBatchRun,
    EligibilityCheck,
)
from finclear.patients.services import do_add_coverage
from finclear.workqueue.models import CaseStatus, ClearanceCase
from tests.integration.model_builders import (
    EASTERN,
    Clinic,
    build_coverage,
    build_patient,
    build_payer,
)

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def at(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=EASTERN)


@pytest.fixture
def schedule():
    """Six patients with an encounter each over the coming days, and one far ahead."""
    clinic = Clinic()
    encounters = [clinic.encounter(scheduled_at=at(0))]
    for n in range(1, 6):
        patient = build_patient(clinic.facility)
        build_coverage(patient, clinic.plan)
        encounters.append(clinic.encounter(patient=patient, scheduled_at=at(n)))
    far = clinic.encounter(scheduled_at=at(30))
    return clinic, encounters, far


def run_all_chunks(run: EligibilityBatchRun) -> None:
    for chunk_id in run.chunks.values_list("pk", flat=True):
        batch.do_run_chunk(chunk_id, worker="test")


def test_the_window_holds_the_next_days_with_something_to_verify(payer, schedule):
    clinic, encounters, far = schedule
    self_pay = build_payer("self_pay", name="Self pay")
    uninsured = build_patient(clinic.facility)
    do_add_coverage(uninsured, payer=self_pay, effective_date=dt.date(2020, 1, 1))
    clinic.encounter(patient=uninsured, scheduled_at=at(2))

    selection = batch.select_due(7)

    assert selection.scheduled == 7
    assert {e for e, _ in selection.pairs} == {e.pk for e in encounters}
    assert far.pk not in {e for e, _ in selection.pairs}
    assert selection.window_end - selection.window_start == dt.timedelta(days=6)


@override_settings(TASKS=IMMEDIATE)
def test_a_batch_verifies_records_counts_and_is_safe_to_run_again(
    payer, schedule, django_capture_on_commit_callbacks
):
    clinic, encounters, _ = schedule
    payer.inactive.add(clinic.coverage.member_id)  # the first patient's coverage

    run = batch.do_start_batch(7, triggered_by="test", chunk_size=2, enqueue=False)
    assert (run.selected, run.chunks.count()) == (6, 3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run_all_chunks(run)
    case_status_tasks = [c for c in callbacks if "do_record_chunk" in c.__qualname__]
    assert len(case_status_tasks) == 3  # one case-status task per chunk

    run.refresh_from_db()
    assert run.status == EligibilityBatchRun.Status.DONE
    assert (run.processed, run.verified, run.inactive, run.errors) == (6, 5, 1, 0)
    assert EligibilityCheck.objects.filter(batch_run=run).count() == 6
    cleared = ClearanceCase.objects.filter(encounter__in=encounters[1:])
    assert not cleared.filter(status=CaseStatus.NEEDS_ELIGIBILITY).exists()
    assert AuditEvent.objects.filter(object_type="eligibility.eligibilitycheck").count() == 6

    again = batch.do_start_batch(7, triggered_by="test", enqueue=False)
    assert (again.selected, again.skipped, again.status) == (0, 6, "done")
    assert EligibilityCheck.objects.count() == 6


def test_a_chunk_run_twice_sends_nothing_twice(payer, schedule):
    run = batch.do_start_batch(7, triggered_by="test", chunk_size=10, enqueue=False)
    chunk = run.chunks.get()
    batch.do_run_chunk(chunk.pk, worker="a")
    sent = len(payer.received)
    # A worker whose lease ran out, after the first one finished: the keys exist.
    BatchChunk.objects.filter(pk=chunk.pk).update(status="running", lease_until=timezone.now())
    batch.do_run_chunk(chunk.pk, worker="b")
    assert len(payer.received) == sent
    assert EligibilityCheck.objects.count() == 6


def test_a_chunk_held_by_a_live_worker_is_not_taken(payer, schedule):
    run = batch.do_start_batch(7, triggered_by="test", chunk_size=10, enqueue=False)
    chunk = run.chunks.get()
    assert batch.do_claim_chunk(chunk.pk, "a")
    assert not batch.do_claim_chunk(chunk.pk, "b")
    assert batch.do_run_chunk(chunk.pk, worker="b") == 0


def test_errors_are_retried_by_the_next_run_and_kept_in_history(payer, schedule):
    clinic, encounters, _ = schedule
    payer.malformed.add(clinic.coverage.member_id)
    first = batch.do_start_batch(7, triggered_by="test", enqueue=False)
    run_all_chunks(first)
    first.refresh_from_db()
    assert first.errors == 1

    payer.malformed.clear()
    second = batch.do_start_batch(7, triggered_by="test", enqueue=False)
    assert second.selected == 1
    run_all_chunks(second)

    checks = EligibilityCheck.objects.filter(encounter=encounters[0]).order_by("pk")
    assert [c.status for c in checks] == [CheckStatus.ERROR, CheckStatus.VERIFIED]
    assert checks[0].idempotency_key is None and checks[1].idempotency_key


def test_a_chunk_that_keeps_failing_ends_the_run_as_failed(payer, schedule, monkeypatch):
    run = batch.do_start_batch(7, triggered_by="test", chunk_size=10, enqueue=False)
    chunk = run.chunks.get()

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(batch, "do_record_chunk", explode)
    monkeypatch.setattr(batch, "do_enqueue_chunks", lambda ids: None)
    for attempt in range(1, batch.MAX_ATTEMPTS + 1):
        with pytest.raises(RuntimeError):
            batch.do_run_chunk(chunk.pk, worker="w")
        chunk.refresh_from_db()
        assert chunk.attempts == attempt
        assert "database went away" in chunk.last_error
    assert chunk.status == BatchChunk.Status.FAILED
    run.refresh_from_db()
    assert (run.status, run.processed, run.errors) == ("failed", 6, 6)
    assert not EligibilityCheck.objects.exists()


@override_settings(TASKS=IMMEDIATE)
def test_the_tasks_api_runs_the_chunks(payer, schedule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = batch.do_start_batch(7, triggered_by="test", chunk_size=4)
    run.refresh_from_db()
    assert run.status == EligibilityBatchRun.Status.DONE
    assert run.verified == 6
    assert set(run.chunks.values_list("status", flat=True)) == {"done"}


@override_settings(TASKS=IMMEDIATE)
def test_the_scheduled_task_starts_a_run(payer, schedule, django_capture_on_commit_callbacks):
    from finclear.eligibility.tasks import verify_upcoming

    with django_capture_on_commit_callbacks(execute=True):
        result = verify_upcoming.enqueue(3)
    run = EligibilityBatchRun.objects.get(pk=result.return_value)
    assert (run.triggered_by, run.days, run.selected) == ("task", 3, 3)


@pytest.mark.parametrize("mode", ["core", "realtime"])
def test_both_batch_modes_verify_alike(payer, schedule, monkeypatch, mode):
    clinic, _, _ = schedule
    payer.rejections[clinic.coverage.member_id] = "75"
    monkeypatch.setenv("FINCLEAR_ELIGIBILITY_BATCH_MODE", mode)
    run = batch.do_start_batch(7, triggered_by="test", chunk_size=4, enqueue=False)
    run_all_chunks(run)
    run.refresh_from_db()
    assert (run.verified, run.rejected, run.errors) == (5, 1, 0)
    sent = [text.count("ST*270*") for text in payer.received]
    assert sent == ([4, 2] if mode == "core" else [1] * 6)
    check = EligibilityCheck.objects.filter(status="rejected").get()
    assert (
        check.raw_270.startswith("ST*270*") if mode == "core" else check.raw_270.startswith("ISA")
    )
    assert "AAA*N**75*C" in check.raw_271


def test_a_batch_answer_without_the_trace_echo_is_found_by_bht03(payer, schedule):
    clinic, encounters, _ = schedule
    payer.rejections[clinic.coverage.member_id] = "75"
    payer.no_echo.add(clinic.coverage.member_id)
    run = batch.do_start_batch(7, triggered_by="test", chunk_size=10, enqueue=False)
    run_all_chunks(run)
    run.refresh_from_db()
    assert (run.rejected, run.errors) == (1, 0)
    check = EligibilityCheck.objects.get(encounter=encounters[0])
    assert check.rejections[0]["code"] == "75"
