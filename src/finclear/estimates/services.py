"""Writes: estimates made, recalculated, delivered; GFE requests and their workqueue tasks.

An estimate is never edited: recalculating writes a new one and marks the old one superseded,
so what a patient was told stays on record. ``do_refresh_estimates`` recalculates only the
estimates whose inputs changed (new 271 benefits, lines, coverage, contract); it runs when a
line or a coverage is saved (``finclear.estimates.receivers``), and when eligibility checks
are recorded, real time or batch (``finclear.eligibility.services``). Many
encounters are estimated in batches (``do_estimate_encounters``) with bulk writes, whose
audit events are written here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.services import build_event
from finclear.contracts.queries import ContractBook, load_book
from finclear.eligibility.bulk import Maker, do_copy_create
from finclear.eligibility.models import EligibilityCheck
from finclear.eligibility.reads import fetch, match_any
from finclear.estimates.calculation import Calculation, calculate
from finclear.estimates.gfe import build_deadline, build_gfe, scheduled_on
from finclear.estimates.inputs import EstimateInputs, load_inputs
from finclear.estimates.models import (
    DeliveryMethod,
    Estimate,
    EstimateKind,
    EstimateLine,
    GfeRequest,
)
from finclear.organizations.validation import do_save_checked
from finclear.rules.benefits import BenefitRow
from finclear.rules.gfe import check_gfe
from finclear.scheduling.models import Encounter, ServiceLine
from finclear.workqueue.models import ClearanceCase, Task, TaskKind, TaskStatus
from finclear.workqueue.receivers import mark
from finclear.workqueue.rows import Columns
from finclear.workqueue.services import do_close_task

BATCH = 500
GFE_TASK = "Good Faith Estimate due"


_make_estimate, _make_line = Maker(Estimate), Maker(EstimateLine)


def build_estimate(
    inputs: EstimateInputs, calc: Calculation, user: Any, reason: str
) -> tuple[Estimate, list[EstimateLine]]:
    """The unsaved estimate and its lines."""
    totals = calc.totals()
    estimate = _make_estimate(
        encounter=inputs.encounter,
        kind=inputs.kind,
        reason=reason[:200],
        benefits_source=inputs.source,
        eligibility_check_id=inputs.eligibility_check_id,
        coverage_id=inputs.coverage_id,
        secondary_coverage_id=inputs.secondary_coverage_id,
        plan_name=inputs.plan_name[:200],
        fingerprint=inputs.fingerprint,
        complete=calc.complete,
        deductible_remaining=calc.deductible_remaining,
        oop_remaining=calc.oop_remaining,
        notes=list(calc.notes),
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **totals,
    )
    if inputs.kind == EstimateKind.GFE:
        deadline = build_deadline(inputs.encounter, inputs.visit_date, inputs.gfe_requested_on)
        estimate.gfe_scheduled_on = scheduled_on(inputs.encounter)
        estimate.gfe_requested_on = inputs.gfe_requested_on
        estimate.gfe_due = deadline.due
        estimate.gfe_rule = deadline.rule[:200]
        estimate.gfe_problems = list(
            check_gfe(build_gfe(inputs.encounter, inputs.visit_date, calc.lines))
        )
    lines = [
        _make_line(
            line_number=line.line_number,
            code=line.code,
            description=line.description[:200],
            units=line.units,
            category=line.category,
            network=line.network,
            status=line.status,
            diagnosis_codes=list(line.diagnosis_codes),
            charge=line.charge,
            allowed=line.allowed,
            plan_pays=line.plan_pays,
            copay=line.copay,
            deductible=line.deductible,
            coinsurance=line.coinsurance,
            non_covered=line.non_covered,
            secondary_pays=line.secondary_pays,
            patient_total=line.patient_total,
            explanation=line.explanation,
        )
        for line in calc.lines
    ]
    return estimate, lines


@transaction.atomic
def _write(
    batch: Sequence[tuple[EstimateInputs, Calculation]],
    user: Any,
    reason: str,
    recompute: bool = True,
) -> list[Estimate]:
    """Supersede the current estimates of the batch's encounters and write the new ones."""
    if not batch:
        return []
    now = timezone.now()
    ids = [inputs.encounter.pk for inputs, _ in batch]
    patient_of = {inputs.encounter.pk: inputs.encounter.patient_id for inputs, _ in batch}
    old = do_supersede(ids, now)
    built = [build_estimate(inputs, calc, user, reason) for inputs, calc in batch]
    estimates = do_copy_create(Estimate, [estimate for estimate, _ in built])
    lines = []
    for estimate, (_, estimate_lines) in zip(estimates, built, strict=True):
        for line in estimate_lines:
            line.estimate = estimate
            lines.append(line)
    do_copy_create(EstimateLine, lines)
    events = [
        build_event(
            AuditAction.UPDATE,
            object_type="estimates.estimate",
            object_id=str(pk),
            patient_id=patient_of[encounter_id],
            user=user,
            detail={"fields": ["is_current", "superseded_at"], "reason": "recalculated"},
        )
        for pk, encounter_id in old
    ]
    events.extend(
        build_event(
            AuditAction.CREATE,
            obj=estimate,
            patient_id=patient_of[estimate.encounter_id],
            user=user,
            detail={"count": len(estimate_lines), "reason": reason[:100]},
        )
        for estimate, (_, estimate_lines) in zip(estimates, built, strict=True)
    )
    do_copy_create(AuditEvent, events)
    do_sync_gfe_tasks([e for e in estimates if e.kind == EstimateKind.GFE])
    if recompute:
        mark(ids)
    return estimates


@functools.cache
def _current_sql() -> tuple[Columns, Columns, str, str]:
    """The current estimates' reads (plain SQL, ``finclear.eligibility.reads``), to their
    WHERE: by encounter, the fingerprint; and the check each was made from."""
    estimate = Columns(Estimate, "s", ("encounter", "fingerprint"))
    check = Columns(EligibilityCheck, "k", ("coverage", "benefits"))
    order = estimate.ordering()
    current = (
        f"SELECT {estimate.select} FROM {estimate.table} "
        f"WHERE {estimate.column('is_current')} = %s AND {{}} ORDER BY {order}"
    )
    made_from = (
        f"SELECT {estimate.column('encounter')}, {check.select} FROM {estimate.table} "
        f"LEFT OUTER JOIN {check.table} "
        f"ON {check.column('id')} = {estimate.column('eligibility_check')} "
        f"WHERE {estimate.column('is_current')} = %s AND {{}} ORDER BY {order}"
    )
    return estimate, check, current, made_from


def load_current(encounter_ids: Sequence[int]) -> dict[int, str]:
    """The fingerprint of each encounter's current estimate, by encounter."""
    if not encounter_ids:
        return {}
    estimate, _, sql, _ = _current_sql()
    where, params = match_any(estimate.column("encounter"), encounter_ids)
    convert = estimate.converter()
    return dict(convert(row) for row in fetch(sql.format(where), [True, *params]))


def load_made_from(encounter_ids: Sequence[int]) -> dict[int, tuple[Any, Any]]:
    """The coverage and benefit rows (JSON) of the check each current estimate was made
    from, by encounter ((None, None) for an estimate made from no check)."""
    if not encounter_ids:
        return {}
    estimate, check, _, sql = _current_sql()
    where, params = match_any(estimate.column("encounter"), encounter_ids)
    convert = check.converter()
    out: dict[int, tuple[Any, Any]] = {}
    for row in fetch(sql.format(where), [True, *params]):
        coverage_id, rows = convert(row, 1)
        out[row[0]] = (coverage_id, rows)
    return out


def do_supersede(encounter_ids: Sequence[int], now: dt.datetime) -> list[tuple[int, int]]:
    """Lock the encounters' current estimates and mark them superseded at ``now``; their
    (pk, encounter id), by creation, newest first (plain SQL: ``select_for_update`` and
    ``update`` of the ORM, as ``finclear.eligibility.reads``)."""
    if not encounter_ids:
        return []
    estimate = _lock_columns()
    where, params = match_any(estimate.column("encounter"), encounter_ids)
    sql = (
        f"SELECT {estimate.select} FROM {estimate.table} "
        f"WHERE {estimate.column('is_current')} = %s AND {where} "
        f"ORDER BY {estimate.ordering()}"
    )
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    old = [(row[0], row[1]) for row in fetch(sql, [True, *params])]
    if old:
        quote = connection.ops.quote_name
        where, params = match_any(quote("id"), [pk for pk, _ in old])
        stamp = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(Estimate._meta.db_table)} SET {quote('is_current')} = %s, "
                f"{quote('superseded_at')} = %s, {quote('updated_at')} = %s WHERE {where}",
                [False, stamp, stamp, *params],
            )
    return old


@functools.cache
def _lock_columns() -> Columns:
    return Columns(Estimate, "s", ("id", "encounter"))


def load_with_lines(encounter_ids: Sequence[int]) -> set[int]:
    """The encounters that have service lines."""
    if not encounter_ids:
        return set()
    line = _line_columns()
    where, params = match_any(line.column("encounter"), encounter_ids)
    return {
        row[0]
        for row in fetch(f"SELECT DISTINCT {line.select} FROM {line.table} WHERE {where}", params)
    }


@functools.cache
def _line_columns() -> Columns:
    return Columns(ServiceLine, "l", ("encounter",))


def do_create_estimate(
    encounter: Encounter,
    user: Any = None,
    reason: str = "requested",
    book: ContractBook | None = None,
) -> Estimate:
    """Calculate the encounter's estimate now (a new one even when nothing changed)."""
    if not encounter.service_lines.exists():
        raise ValidationError(
            {"service_lines": "service_lines: the encounter has none to estimate"}
        )
    inputs = load_inputs([encounter.pk], book)[encounter.pk]
    return _write([(inputs, calculate(inputs))], user, reason)[0]


def do_estimate_encounters(
    encounter_ids: Iterable[int],
    user: Any = None,
    *,
    only_existing: bool = False,
    reason: str = "",
    recompute: bool = True,
    known_rows: Mapping[int, tuple[BenefitRow, ...]] | None = None,
) -> int:
    """Estimate many encounters: those without a current estimate, or whose inputs changed.

    ``only_existing`` recalculates current estimates whose inputs changed and makes no new
    ones. ``recompute=False`` leaves the clearance cases to the caller (the demo pipeline
    recomputes every case in its last step). ``known_rows``: benefit rows by eligibility
    check id that the caller has just written, used rather than read back. Returns how many
    estimates were written.
    """
    ids = sorted(set(encounter_ids))
    book: ContractBook | None = None  # read once, and only when there is something to price
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        current = load_current(chunk)
        wanted = [pk for pk in chunk if pk in current] if only_existing else chunk
        if not wanted:
            continue
        with_lines = load_with_lines(wanted)
        if not with_lines:
            continue
        if book is None:
            book = load_book()
        inputs = load_inputs(sorted(with_lines), book, known_rows)
        batch = []
        for pk in sorted(with_lines):
            item = inputs[pk]
            if current.get(pk) == item.fingerprint:
                continue
            batch.append((item, calculate(item)))
        why = reason or ("the benefits, lines or prices changed" if only_existing else "batch")
        written += len(_write(batch, user, why, recompute))
    return written


def do_refresh_estimates(
    encounter_ids: Iterable[int],
    *,
    recompute: bool = True,
    known_rows: Mapping[int, tuple[BenefitRow, ...]] | None = None,
) -> int:
    """Recalculate the current estimates whose inputs changed (new benefits, lines, prices).

    ``recompute=False``: the caller recomputes the clearance cases itself, once, afterwards
    (the eligibility service does, in the transaction that records the checks).
    """
    return do_estimate_encounters(
        encounter_ids, only_existing=True, recompute=recompute, known_rows=known_rows
    )


def do_refresh_for_benefits(
    new_rows: Mapping[int, tuple[int, list[dict[str, Any]]]],
    *,
    recompute: bool = True,
    check_rows: Mapping[int, tuple[BenefitRow, ...]] | None = None,
) -> int:
    """Refresh the estimates of encounters that got new benefit rows from an active 271.

    ``new_rows``: encounter id -> (coverage id, the check's normalized rows). An encounter whose
    current estimate was made from the same coverage's identical rows is skipped with no more
    than the one query that reads them: its inputs did not change (what else feeds an estimate,
    lines, coverages, prices, refreshes it through its own path). ``check_rows``: the same
    rows by check id, as ``BenefitRow`` values (the caller has just written them): the
    recalculation uses them rather than reading them back.
    """
    if not new_rows:
        return 0
    made_from = load_made_from(list(new_rows))
    changed = [pk for pk, new in new_rows.items() if pk in made_from and made_from[pk] != new]
    if not changed:
        return 0
    return do_refresh_estimates(changed, recompute=recompute, known_rows=check_rows)


@transaction.atomic
def do_deliver_estimate(estimate: Estimate, method: str, user: Any) -> Estimate:
    """Record that the estimate went to the patient (and close the GFE's task)."""
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if not estimate.is_current:
        raise ValidationError(
            {"estimate": f"estimate: #{estimate.pk} was superseded: deliver the current one"}
        )
    if estimate.delivered_at is not None:
        raise ValidationError({"delivered_at": f"delivered_at: #{estimate.pk} already delivered"})
    if method not in DeliveryMethod.values:
        raise ValidationError(
            {
                "delivered_method": f"delivered_method: {method!r} is not one of "
                f"{', '.join(DeliveryMethod.values)}"
            }
        )
    if estimate.is_gfe and estimate.gfe_problems:
        raise ValidationError(
            {"gfe_problems": [f"gfe_problems: {p}" for p in estimate.gfe_problems]}
        )
    estimate.delivered_at = timezone.now()
    estimate.delivered_method = method
    estimate.delivered_by = user
    do_save_checked(
        estimate, update_fields=["delivered_at", "delivered_method", "delivered_by", "updated_at"]
    )
    do_sync_gfe_tasks([estimate])
    mark([estimate.encounter_id])
    return estimate


@transaction.atomic
def do_request_gfe(
    encounter: Encounter, user: Any, requested_on: dt.date | None = None, channel: str = ""
) -> GfeRequest:
    """An uninsured or self-pay patient asked for a GFE: recorded, and the GFE (re)made."""
    if requested_on is None:
        requested_on = timezone.localtime(timezone.now(), encounter.facility.zone).date()
    request = GfeRequest(
        encounter=encounter, requested_on=requested_on, requested_by=user, channel=channel[:20]
    )
    do_save_checked(request)
    if encounter.service_lines.exists():
        estimate = do_create_estimate(encounter, user, reason="the patient requested a GFE")
        if not estimate.is_gfe:
            raise ValidationError(
                {
                    "encounter": "encounter: the patient has insurance on file: a GFE is for "
                    "uninsured or self-pay patients (make a patient estimate instead)"
                }
            )
    return request


def _end_of_day(day: dt.date, zone: Any) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone)


def do_sync_gfe_tasks(estimates: Sequence[Estimate]) -> int:
    """Open (or move) the workqueue task of each undelivered GFE that is due; close delivered ones."""
    if not estimates:
        return 0
    by_encounter = {e.encounter_id: e for e in estimates}
    cases = {
        c.encounter_id: c
        for c in ClearanceCase.objects.filter(encounter_id__in=by_encounter).select_related(
            "encounter__facility"
        )
    }
    tasks: dict[int, Task] = {}
    for task in Task.objects.filter(
        case__encounter_id__in=by_encounter,
        kind=TaskKind.ESTIMATE,
        status=TaskStatus.OPEN,
        title__startswith=GFE_TASK,
    ):
        tasks[task.case_id] = task
    changed = 0
    for encounter_id, estimate in by_encounter.items():
        case = cases.get(encounter_id)
        if case is None:
            continue
        task = tasks.get(case.pk)
        due = estimate.gfe_due
        if estimate.delivered_at is not None or due is None or not estimate.is_current:
            if task is not None and estimate.delivered_at is not None:
                do_close_task(task)
                changed += 1
            continue
        zone = case.encounter.facility.zone
        title = f"{GFE_TASK} {due.isoformat()}"
        due_at = _end_of_day(due, zone)
        if task is None:
            do_save_checked(
                Task(
                    case=case,
                    kind=TaskKind.ESTIMATE,
                    title=title,
                    detail=estimate.gfe_rule,
                    due_at=due_at,
                )
            )
            changed += 1
        elif task.due_at != due_at:
            task.title, task.detail, task.due_at = title, estimate.gfe_rule, due_at
            do_save_checked(task, update_fields=["title", "detail", "due_at", "updated_at"])
            changed += 1
    return changed
