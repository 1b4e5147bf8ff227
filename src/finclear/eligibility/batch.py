"""Batch verification: every encounter of the next N days whose verification is missing or stale.

``do_start_batch`` chooses the encounters, records an ``EligibilityBatchRun`` and splits the
work into ``BatchChunk`` ledger rows, one ``verify_chunk`` task each (django.tasks), so any
number of workers verify concurrently. ``do_run_chunk`` claims a chunk with a lease, sends
its 270s, and writes its checks, tasks, case statuses and the run's counts in one
transaction. Re-running is safe: a check's idempotency key (encounter, coverage, day,
coverage version) exists at most once, and chunks already done are skipped.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import F, Prefetch, Q, prefetch_related_objects
from django.db.models.base import ModelState
from django.utils import timezone

from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.services import build_event
from finclear.connect.gateway import PayerGateway
from finclear.eligibility.bulk import do_copy_create
from finclear.eligibility.clearance import load_latest
from finclear.eligibility.corebatch import Item, exchange_batch
from finclear.eligibility.inquiry import build_fingerprint
from finclear.eligibility.models import (
    BatchChunk,
    CheckChannel,
    CheckStatus,
    CoverageState,
    EligibilityBatchRun,
    EligibilityCheck,
)
from finclear.eligibility.reads import (
    fetch,
    load_coverages,
    load_encounters,
    match_any,
    match_text,
)
from finclear.eligibility.services import (
    Exchanged,
    build_check,
    do_apply_tasks,
    do_exchange,
    do_refresh_estimates,
)
from finclear.patients.models import Coverage
from finclear.payers.models import PayerIdentifier
from finclear.rules.benefits import is_stale
from finclear.scheduling.models import Encounter, EncounterStatus, ServiceLine
from finclear.workqueue.models import ClearanceCase
from finclear.workqueue.rows import Columns
from finclear.workqueue.services import do_ensure_cases

log = logging.getLogger("finclear.eligibility")

CHUNK_SIZE = 50
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 3
OPEN_STATUSES = (EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED)


@dataclass(frozen=True)
class Selection:
    scheduled: int  # open encounters in the window
    pairs: list[tuple[int, int]]  # (encounter id, coverage id) to verify
    window_start: dt.date
    window_end: dt.date


def build_window(days: int, today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of ``today`` to the start of the day ``days`` later (site time zone)."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(today + dt.timedelta(days=days), dt.time.min, tzinfo=zone)


def build_idempotency_key(encounter_id: int, coverage_id: int, day: dt.date, fp: str) -> str:
    return f"{encounter_id}:{coverage_id}:{day.isoformat()}:{fp[:16]}"


def select_due(days: int, today: dt.date | None = None) -> Selection:
    """The (encounter, primary coverage) pairs of the window whose last check is missing or stale.

    The coverage is the first active one in force on the visit date; self-pay and uncovered
    encounters have nothing to verify. A check that ended in ``error`` is no verification.
    """
    today = today or timezone.localdate()
    start, end = build_window(days, today)
    rows = list(
        Encounter.objects.filter(
            scheduled_at__gte=start, scheduled_at__lt=end, status__in=OPEN_STATUSES
        )
        .order_by("scheduled_at", "pk")
        .values_list("pk", "patient_id", "scheduled_at", "facility__time_zone")
    )
    patient_ids = {patient_id for _, patient_id, _, _ in rows}
    by_patient: dict[int, list[Coverage]] = {}
    coverages = (
        Coverage.objects.filter(patient_id__in=patient_ids, is_active=True)
        .select_related("payer")
        .order_by("patient_id", "order", "pk")
    )
    for coverage in coverages.iterator(2000):
        by_patient.setdefault(coverage.patient_id, []).append(coverage)
    chosen: dict[tuple[int, int], Coverage] = {}
    order: dict[tuple[int, int], tuple[dt.date, int]] = {}
    zones: dict[str, dt.tzinfo] = {}
    for pk, patient_id, scheduled_at, zone_name in rows:
        zone = zones.get(zone_name)
        if zone is None:
            zone = zones[zone_name] = ZoneInfo(zone_name)
        day = scheduled_at.astimezone(zone).date()
        primary = next((c for c in by_patient.get(patient_id, ()) if c.is_in_force_on(day)), None)
        if primary is not None and not primary.payer.is_self_pay:
            chosen[(pk, primary.pk)] = primary
            order[(pk, primary.pk)] = (primary.payer_id, day)
    latest = load_latest(set(chosen))
    pairs = []
    for key, coverage in chosen.items():
        last = latest.get(key)
        if (
            last is None
            or last.status == CheckStatus.ERROR
            or is_stale(
                last.requested_on,
                today,
                coverage_changed=last.fingerprint != build_fingerprint(coverage),
            )
        ):
            pairs.append(key)
    # Each payer's encounters together, day by day: a chunk then goes to one payer or two, in
    # one batch interchange each (the sort is stable: visit time order within a payer's day).
    pairs.sort(key=order.__getitem__)
    return Selection(len(rows), pairs, today, today + dt.timedelta(days=days - 1))


def do_start_batch(
    days: int,
    *,
    triggered_by: str,
    user: object = None,
    chunk_size: int = CHUNK_SIZE,
    enqueue: bool = True,
) -> EligibilityBatchRun:
    """Record a run and its chunks; enqueue one ``verify_chunk`` task per chunk after commit."""
    if days < 1:
        raise ValueError(f"days: {days} must be at least 1")
    selection = select_due(days)
    with transaction.atomic():
        run = EligibilityBatchRun.objects.create(
            started_at=timezone.now(),
            days=days,
            window_start=selection.window_start,
            window_end=selection.window_end,
            triggered_by=triggered_by,
            user=user if getattr(user, "is_authenticated", False) else None,
            scheduled=selection.scheduled,
            selected=len(selection.pairs),
            skipped=selection.scheduled - len(selection.pairs),
        )
        chunks = [
            BatchChunk(
                run=run, number=n, pairs=[list(p) for p in selection.pairs[i : i + chunk_size]]
            )
            for n, i in enumerate(range(0, len(selection.pairs), chunk_size), start=1)
        ]
        BatchChunk.objects.bulk_create(chunks)
        if not chunks:
            run.status = EligibilityBatchRun.Status.DONE
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "finished_at", "updated_at"])
        if enqueue and chunks:
            chunk_ids = list(run.chunks.order_by("number").values_list("pk", flat=True))
            transaction.on_commit(lambda: do_enqueue_chunks(chunk_ids))
    log.info(
        "eligibility batch #%s: %s encounters in %s days, %s to verify in %s chunks",
        run.pk,
        selection.scheduled,
        days,
        len(selection.pairs),
        len(chunks),
    )
    return run


def do_enqueue_chunks(chunk_ids: Iterable[int]) -> None:
    from finclear.eligibility.tasks import verify_chunk

    for chunk_id in chunk_ids:
        verify_chunk.enqueue(chunk_id)


# A chunk's case statuses go ahead of the chunks still queued: a worker free after a chunk
# takes them next, so the statuses follow the checks through a long batch (rather than all
# waiting for its end), and their work, which needs no payer, fills the time the other
# workers wait for theirs.
RECOMPUTE_PRIORITY = 10


def do_enqueue_recompute(case_ids: list[int]) -> None:
    from finclear.eligibility.tasks import recompute_cases

    if case_ids:
        recompute_cases.using(priority=RECOMPUTE_PRIORITY).enqueue(case_ids)


def do_claim_chunk(chunk_id: int, worker: str) -> bool:
    """Take a chunk that is pending, or whose worker's lease ran out; False if taken or done."""
    now = timezone.now()
    claimable = Q(status=BatchChunk.Status.PENDING) | Q(
        status=BatchChunk.Status.RUNNING, lease_until__lt=now
    )
    return bool(
        BatchChunk.objects.filter(claimable, pk=chunk_id).update(
            status=BatchChunk.Status.RUNNING,
            lease_until=now + LEASE,
            attempts=F("attempts") + 1,
            worker=worker[:100],
        )
    )


def next_chunk_id(run_id: int) -> int | None:
    """A chunk of the run a worker could claim now, if any."""
    now = timezone.now()
    claimable = Q(status=BatchChunk.Status.PENDING) | Q(
        status=BatchChunk.Status.RUNNING, lease_until__lt=now
    )
    chunk_id: int | None = (
        BatchChunk.objects.filter(claimable, run_id=run_id)
        .order_by("number")
        .values_list("pk", flat=True)
        .first()
    )
    return chunk_id


@dataclass(frozen=True)
class Pairs:
    """What a chunk's 270s are built from: its encounters (with patient and facility), their
    service lines' codes in line order, and the coverages (with payer, plan and the payer's
    identifiers)."""

    encounters: dict[int, Encounter]
    codes: dict[int, list[str]]
    coverages: dict[int, Coverage]


def load_pairs(pairs: list[tuple[int, int]]) -> Pairs:
    """The pairs' rows with plain SQL (``finclear.eligibility.reads``): the ORM's
    ``select_related`` and ``prefetch_related`` of them cost more CPU than the 270s."""
    encounters = load_encounters(e for e, _ in pairs)
    codes: dict[int, list[str]] = {pk: [] for pk in encounters}
    if encounters:
        line = _line_columns()
        where, params = match_any(line.column("encounter"), encounters)
        order = ", ".join(line.column(name) for name in ("encounter", "line_number", "id"))
        convert = line.converter()
        for row in fetch(
            f"SELECT {line.select} FROM {line.table} WHERE {where} ORDER BY {order}", params
        ):
            encounter_id, code = convert(row)
            codes[encounter_id].append(code)
    coverages = load_coverages(c for _, c in pairs)
    payers = {c.payer_id: c.payer for c in coverages.values()}
    prefetch_related_objects(
        list(payers.values()),
        Prefetch("identifiers", queryset=PayerIdentifier.objects.order_by("pk")),
    )
    return Pairs(encounters, codes, coverages)


@functools.cache
def _line_columns() -> Columns:
    return Columns(ServiceLine, "l", ("encounter", "cpt_hcpcs"))


def load_done_keys(keys: Iterable[str]) -> set[str]:
    """The idempotency keys among ``keys`` held by a check that is not an error."""
    keys = set(keys)
    if not keys:
        return set()
    check = _key_columns()
    where, params = match_text(check.column("idempotency_key"), keys)
    sql = (
        f"SELECT {check.select} FROM {check.table} WHERE {where} AND {check.column('status')} <> %s"
    )
    return {row[0] for row in fetch(sql, [*params, CheckStatus.ERROR.value])}


def do_release_error_keys(keys: list[str]) -> int:
    """A retried error check gives up its key: the new check takes it, the old one stays."""
    if not keys:
        return 0
    quote = connection.ops.quote_name
    where, params = match_text(quote("idempotency_key"), keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(EligibilityCheck._meta.db_table)} SET {quote('idempotency_key')} "
            f"= NULL WHERE {where} AND {quote('status')} = %s",
            [*params, CheckStatus.ERROR.value],
        )
        return int(cursor.rowcount)


def load_case_keys(encounter_ids: Iterable[int]) -> dict[int, ClearanceCase]:
    """The encounters' cases by encounter, with their primary key and encounter alone (what
    ``only("pk", "encounter_id")`` loads; the tasks need no more), built without the audit's
    snapshot: they are never saved."""
    ids = set(encounter_ids)
    if not ids:
        return {}
    case = _case_columns()
    where, params = match_any(case.column("encounter"), ids)
    alias = connection.alias
    found = {}
    for pk, encounter_id in fetch(f"SELECT {case.select} FROM {case.table} WHERE {where}", params):
        instance = ClearanceCase.__new__(ClearanceCase)
        state = instance._state = ModelState()
        state.adding, state.db = False, alias
        instance.__dict__.update(id=pk, encounter_id=encounter_id)
        found[encounter_id] = instance
    return found


@functools.cache
def _key_columns() -> Columns:
    return Columns(EligibilityCheck, "k", ("idempotency_key",))


@functools.cache
def _case_columns() -> Columns:
    return Columns(ClearanceCase, "c", ("id", "encounter"))


def classify(check: EligibilityCheck) -> str:
    """The run counter a check adds to."""
    if check.coverage_status == CoverageState.INACTIVE:
        return "inactive"
    if check.status == CheckStatus.VERIFIED:
        return "verified"
    if check.status == CheckStatus.NEEDS_REVIEW:
        return "needs_review"
    if check.status == CheckStatus.REJECTED:
        return "rejected"
    return "errors"


def do_run_chunk(chunk_id: int, *, worker: str = "", gateway: PayerGateway | None = None) -> int:
    """Verify one chunk; returns how many checks it recorded (0 when another worker has it)."""
    if not do_claim_chunk(chunk_id, worker):
        return 0
    chunk = BatchChunk.objects.select_related("run").get(pk=chunk_id)
    run = chunk.run
    pairs = [(int(e), int(c)) for e, c in chunk.pairs]
    try:
        exchanged = do_exchange_pairs(run, pairs, gateway)
        recorded = do_record_chunk(chunk, exchanged)
    except Exception as exc:
        log.exception("eligibility batch #%s chunk %s failed", run.pk, chunk.number)
        do_fail_chunk(chunk, str(exc))
        raise
    return recorded


def do_fail_chunk(chunk: BatchChunk, error: str) -> None:
    """Put a failed chunk back in the queue, or after ``MAX_ATTEMPTS`` give up on it.

    A chunk given up on counts its encounters as processed with errors, so the run ends.
    """
    with transaction.atomic():
        if chunk.attempts < MAX_ATTEMPTS:
            BatchChunk.objects.filter(pk=chunk.pk).update(
                status=BatchChunk.Status.PENDING, lease_until=None, last_error=error[:2000]
            )
            transaction.on_commit(lambda: do_enqueue_chunks([chunk.pk]))
            return
        now = timezone.now()
        BatchChunk.objects.filter(pk=chunk.pk).update(
            status=BatchChunk.Status.FAILED, lease_until=None, last_error=error[:2000]
        )
        size = len(chunk.pairs)
        EligibilityBatchRun.objects.filter(pk=chunk.run_id).update(
            processed=F("processed") + size, errors=F("errors") + size, updated_at=now
        )
        do_finish_run_if_done(chunk.run_id, now)


def do_finish_run_if_done(run_id: int, now: dt.datetime) -> None:
    """Close the run once no chunk is pending or running: done, or failed if any chunk failed."""
    chunks = BatchChunk.objects.filter(run_id=run_id)
    if chunks.filter(status__in=(BatchChunk.Status.PENDING, BatchChunk.Status.RUNNING)).exists():
        return
    failed = chunks.filter(status=BatchChunk.Status.FAILED).count()
    EligibilityBatchRun.objects.filter(pk=run_id).update(
        status=EligibilityBatchRun.Status.FAILED if failed else EligibilityBatchRun.Status.DONE,
        error=f"{failed} chunks failed {MAX_ATTEMPTS} times: see their last error"
        if failed
        else "",
        finished_at=now,
        updated_at=now,
    )


def do_exchange_pairs(
    run: EligibilityBatchRun, pairs: list[tuple[int, int]], gateway: PayerGateway | None
) -> list[tuple[Exchanged, str]]:
    """Send the 270s of the pairs not verified yet today (by idempotency key)."""
    loaded = load_pairs(pairs)
    encounters, coverages = loaded.encounters, loaded.coverages
    today = timezone.localdate()
    keys = {}
    for enc_id, cov_id in pairs:
        coverage = coverages.get(cov_id)
        if coverage is None or enc_id not in encounters:
            continue  # deleted since the run started: nothing to verify
        keys[(enc_id, cov_id)] = build_idempotency_key(
            enc_id, cov_id, today, build_fingerprint(coverage)
        )
    done_keys = load_done_keys(keys.values())
    todo = []
    for (enc_id, cov_id), key in keys.items():
        if key in done_keys:
            continue
        trace = f"B{run.pk}-{enc_id}-{cov_id}-{today:%y%m%d}-{timezone.now():%H%M%S%f}"[:50]
        todo.append((Item(encounters[enc_id], coverages[cov_id], trace, loaded.codes[enc_id]), key))
    if batch_mode() == "core":
        exchanged = exchange_batch([item for item, _ in todo], gateway)
        return list(zip(exchanged, [key for _, key in todo], strict=True))
    return [
        (do_exchange(item.encounter, item.coverage, item.trace, gateway, item.codes), key)
        for item, key in todo
    ]


def batch_mode() -> str:
    """``core`` (CAQH CORE batch mode, the default) or ``realtime`` (one exchange each)."""
    mode = os.environ.get("FINCLEAR_ELIGIBILITY_BATCH_MODE", "core").strip().lower()
    if mode not in ("core", "realtime"):
        raise ValueError(f"FINCLEAR_ELIGIBILITY_BATCH_MODE={mode!r}: core or realtime")
    return mode


@transaction.atomic
def do_record_chunk(chunk: BatchChunk, exchanged: list[tuple[Exchanged, str]]) -> int:
    """Write a chunk's checks, audit events, tasks, case statuses and the run's counts."""
    run = chunk.run
    # A retried error check gives up its key: the new check takes it, the old one stays.
    do_release_error_keys([key for _, key in exchanged])
    checks = [
        build_check(
            done,
            channel=CheckChannel.BATCH,
            batch_run=run,
            idempotency_key=key,
            shared_rows=True,  # the checks are copied to the database, then dropped
        )
        for done, key in exchanged
    ]
    do_copy_create(EligibilityCheck, checks)
    do_copy_create(
        AuditEvent,
        [
            build_event(AuditAction.CREATE, obj=check, patient_id=check.encounter.patient_id)
            for check in checks
        ],
    )
    encounter_ids = [check.encounter_id for check in checks]
    do_ensure_cases(encounter_ids)
    # The tasks need a case's id alone (its JSON parts would be decoded and copied for nothing).
    cases = load_case_keys(encounter_ids)
    do_apply_tasks([(check, cases[check.encounter_id]) for check in checks])
    # New benefits change estimates: bulk inserts send no signals, so refresh them here, before
    # the cases' statuses are derived from them.
    do_refresh_estimates(checks)
    # The cases' statuses are derived by every app's checks: a task of its own does it, so a
    # chunk's transaction (and the verification rate) does not wait on other apps' checks.
    case_ids = sorted(case.pk for case in cases.values())
    transaction.on_commit(lambda: do_enqueue_recompute(case_ids))
    counts = Counter(classify(check) for check in checks)
    processed = len(chunk.pairs)
    EligibilityBatchRun.objects.filter(pk=run.pk).update(
        processed=F("processed") + processed,
        verified=F("verified") + counts["verified"],
        needs_review=F("needs_review") + counts["needs_review"],
        inactive=F("inactive") + counts["inactive"],
        rejected=F("rejected") + counts["rejected"],
        errors=F("errors") + counts["errors"],
        updated_at=timezone.now(),
    )
    now = timezone.now()
    BatchChunk.objects.filter(pk=chunk.pk).update(
        status=BatchChunk.Status.DONE, finished_at=now, lease_until=None, last_error=""
    )
    do_finish_run_if_done(run.pk, now)
    return len(checks)
