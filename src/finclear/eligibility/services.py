"""Verifying eligibility: send the 270, read the 271, record the check (one transaction).

``do_verify`` is the real-time path (a user pressed "verify now", or the API was called);
``finclear.eligibility.batch`` verifies many encounters with the same steps, writing a
chunk's checks at once. The exchange with the payer happens outside any transaction; what it
produced is then written in one ``transaction.atomic``: the check, the tasks it opens or
closes, the case's recomputed status. A failure at any point leaves no partial row.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.services import build_event
from finclear.connect.gateway import GatewayError, PayerGateway
from finclear.eligibility import endpoints
from finclear.eligibility.bulk import DumpedList, Maker, do_copy_create
from finclear.eligibility.inquiry import (
    PAYLOAD_TYPE_270,
    build_fingerprint,
    build_inquiry,
    build_realtime_trace,
    visit_date,
)
from finclear.eligibility.models import (
    CheckChannel,
    CheckStatus,
    CoverageState,
    EligibilityBatchRun,
    EligibilityCheck,
    ManualMethod,
)
from finclear.eligibility.queries import rows_from_json
from finclear.patients.models import Coverage
from finclear.rules.benefits import (
    BenefitRow,
    EligibilityResult,
    ResponseError,
    Verdict,
    normalize_271,
    parse_271,
)
from finclear.scheduling.models import Encounter
from finclear.workqueue.models import ClearanceCase, Task, TaskKind, TaskStatus
from finclear.workqueue.services import (
    do_lock_case,
    do_recompute_locked,
)

log = logging.getLogger("finclear.eligibility")

SUCCESS = "Success"
STATUS_BY_VERDICT = {
    Verdict.VERIFIED: CheckStatus.VERIFIED,
    Verdict.NEEDS_REVIEW: CheckStatus.NEEDS_REVIEW,
    Verdict.REJECTED: CheckStatus.REJECTED,
    Verdict.ERROR: CheckStatus.ERROR,
}
SYSTEM_TASK_KINDS = (TaskKind.COVERAGE_INACTIVE, TaskKind.ELIGIBILITY)


class NothingToVerify(Exception):
    """The encounter has no coverage a payer could be asked about (none, or self-pay)."""


@dataclass
class Exchanged:
    """What one 270/271 exchange produced, ready to be written."""

    encounter: Encounter
    coverage: Coverage
    trace: str
    fingerprint: str
    date_of_service: dt.date
    service_types: tuple[str, ...]
    payer_key: str
    requested_at: dt.datetime
    responded_at: dt.datetime | None
    raw_270: str = ""
    raw_271: str = ""
    payload_id: str = ""
    attempts: int = 0
    elapsed_ms: float | None = None
    error: str = ""
    result: EligibilityResult | None = None

    @property
    def status(self) -> str:
        if self.result is None:
            return CheckStatus.ERROR
        return STATUS_BY_VERDICT[self.result.verdict]


def primary_coverage(encounter: Encounter) -> Coverage:
    """The coverage to verify: the first active one in force on the visit date, by order."""
    day = visit_date(encounter)
    coverages = (
        Coverage.objects.filter(patient_id=encounter.patient_id, is_active=True)
        .select_related("payer", "plan")
        .order_by("order", "pk")
    )
    for coverage in coverages:
        if coverage.is_in_force_on(day):
            if coverage.payer.is_self_pay:
                raise NothingToVerify(
                    f"encounter #{encounter.pk}: self-pay on file for {day.isoformat()}; "
                    "there is no payer to ask"
                )
            return coverage
    raise NothingToVerify(
        f"encounter #{encounter.pk}: no active coverage in force on {day.isoformat()}"
    )


def do_exchange(
    encounter: Encounter,
    coverage: Coverage,
    trace: str,
    gateway: PayerGateway | None = None,
    codes: list[str] | None = None,
) -> Exchanged:
    """Build the 270, send it, read the 271: no database write (the caller records it).
    ``codes``: the service lines' codes when the caller has read them (``build_inquiry_set``).

    Every failure becomes an ``error`` outcome that says what failed: no endpoint configured,
    the gateway gave up (with its CORE error code and attempts), the payer answered with a
    CORE error, or the 271 is malformed (where, and what).
    """
    now = timezone.now()
    out = Exchanged(
        encounter=encounter,
        coverage=coverage,
        trace=trace,
        fingerprint=build_fingerprint(coverage),
        date_of_service=visit_date(encounter),
        service_types=(),
        payer_key="",
        requested_at=now,
        responded_at=None,
    )
    try:
        endpoint = endpoints.endpoint_for(coverage.payer)
    except endpoints.NoEndpoint as exc:
        out.error = str(exc)
        return out
    out.payer_key = endpoint.payer_key
    built = build_inquiry(
        encounter,
        coverage,
        trace,
        endpoint,
        endpoints.payer_id_for(coverage.payer, endpoint),
        now,
        codes,
    )
    out.raw_270 = built.text
    out.service_types = built.service_types
    try:
        reply = (gateway or endpoints.gateway()).exchange_realtime(
            endpoint, PAYLOAD_TYPE_270, built.text
        )
    except GatewayError as exc:
        out.responded_at = timezone.now()
        out.attempts = exc.attempts
        out.error = f"{exc} [CORE error code {exc.core_error_code}]"
        return out
    out.responded_at = timezone.now()
    out.raw_271 = reply.payload
    out.payload_id = reply.payload_id
    out.attempts = reply.attempts
    out.elapsed_ms = reply.elapsed_ms
    if reply.core_error_code != SUCCESS:
        out.error = (
            f"payer {endpoint.payer_key}: CORE error {reply.core_error_code}"
            f"{': ' + reply.core_error_message if reply.core_error_message else ''}"
        )
        return out
    try:
        view = parse_271(reply.payload, source=f"271 from {endpoint.payer_key}")
        out.result = normalize_271(view, trace, built.date_of_service, dependent=built.dependent)
    except ResponseError as exc:
        out.error = str(exc)
    return out


ROW_FIELDS = tuple(f.name for f in fields(BenefitRow))
# The JSON of a row (and its ``json.dumps`` text) by the row's id, with the row (alive while
# its entry is, so its id is not reused): the 271 reader shares one BenefitRow among the 271s
# that repeat an EB row.
_ROW_JSON: dict[int, tuple[BenefitRow, dict[str, Any], str]] = {}
MAX_CACHED = 50_000


def _row_json(row: BenefitRow) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ROW_FIELDS:
        value = getattr(row, name)
        kind = type(value)
        if kind is Decimal:
            value = str(value)
        elif kind is tuple:
            value = list(value)
        out[name] = value
    out["kind"] = str(row.kind)
    return out


def _kept(row: BenefitRow) -> tuple[BenefitRow, dict[str, Any], str]:
    found = _ROW_JSON.get(id(row))
    if found is None or found[0] is not row:
        made = _row_json(row)
        found = (row, made, json.dumps(made))
        if len(_ROW_JSON) >= MAX_CACHED:
            _ROW_JSON.clear()
        _ROW_JSON[id(row)] = found
    return found


def build_row_json(row: BenefitRow, *, shared: bool = False) -> dict[str, Any]:
    """One normalized row as JSON: Decimals as strings (never floats), tuples as lists.

    A new dict each call (its messages a new list): callers may change what they get.
    ``shared``: the kept dict itself, for a caller that only reads and writes it.
    """
    found = _kept(row)
    if shared:
        return found[1]
    out = found[1].copy()
    out["messages"] = list(row.messages)
    return out


def benefit_rows_json(result: EligibilityResult, *, shared: bool = False) -> list[dict[str, Any]]:
    """The normalized rows as JSON (a 271 holds dozens: this runs per row of every check).

    ``shared``: the kept dicts (see ``build_row_json``), as a ``DumpedList`` whose text is
    joined from each row's kept text (what ``json.dumps`` of the list gives), so a COPY
    writes it without encoding the rows again.
    """
    if not shared:
        return [build_row_json(row) for row in result.rows]
    kept = [_kept(row) for row in result.rows]
    return DumpedList([k[1] for k in kept], "[" + ", ".join(k[2] for k in kept) + "]")


_make_check = Maker(EligibilityCheck)


def build_check(
    done: Exchanged,
    *,
    channel: str,
    user: Any = None,
    batch_run: EligibilityBatchRun | None = None,
    idempotency_key: str | None = None,
    shared_rows: bool = False,
) -> EligibilityCheck:
    """The check row of an exchange (unsaved). ``shared_rows``: its benefit rows' JSON dicts
    are the kept ones (``build_row_json``), for a check written and read, never changed."""
    result = done.result
    check = _make_check(
        encounter=done.encounter,
        coverage=done.coverage,
        batch_run=batch_run,
        channel=channel,
        user=user,
        trace_number=done.trace,
        idempotency_key=idempotency_key,
        coverage_fingerprint=done.fingerprint,
        date_of_service=done.date_of_service,
        service_types=list(done.service_types),
        payer_key=done.payer_key,
        requested_at=done.requested_at,
        responded_at=done.responded_at,
        status=done.status,
        raw_270=done.raw_270,
        raw_271=done.raw_271,
        payload_id=done.payload_id,
        attempts=done.attempts,
        elapsed_ms=done.elapsed_ms,
        error=done.error,
    )
    if result is not None:
        check.coverage_status = str(result.coverage)
        check.reasons = list(result.reasons)
        check.rejections = [
            {
                "loop": r.loop,
                "code": r.code,
                "reason": r.reason,
                "follow_up": r.follow_up,
                "follow_up_meaning": r.follow_up_meaning,
                "message": r.message,
            }
            for r in result.rejections
        ]
        check.benefits = benefit_rows_json(result, shared=shared_rows)
        check.rows = result.rows
        check.plan_name = result.plan_name[:200]
        check.group_number = result.group_number[:50]
        check.member_id = result.member_id[:80]
        check.plan_begin = result.plan_begin
        check.plan_end = result.plan_end
        check.eligibility_begin = result.eligibility_begin
        check.eligibility_end = result.eligibility_end
    return check


def build_task(check: EligibilityCheck, case: ClearanceCase) -> Task | None:
    """The task a check opens: inactive coverage, or a rejection a specialist must fix."""
    payer = check.coverage.payer.name
    if check.coverage_status == CoverageState.INACTIVE:
        return Task(
            case=case,
            kind=TaskKind.COVERAGE_INACTIVE,
            title=f"Coverage inactive with {payer}"[:200],
            detail="; ".join(check.reasons)
            or "The payer reports the coverage inactive for the date of service.",
        )
    if check.status == CheckStatus.REJECTED:
        advice = "; ".join(r["message"] for r in check.rejections)
        return Task(
            case=case,
            kind=TaskKind.ELIGIBILITY,
            title=f"Eligibility rejected by {payer}"[:200],
            detail=advice,
        )
    return None


def do_apply_tasks(checks: list[tuple[EligibilityCheck, ClearanceCase]]) -> int:
    """Open the tasks the checks call for (one open per kind and case); close resolved ones.

    A clearing check closes the open tasks the system opened about eligibility on its case.
    One query reads the open system tasks; the new ones are validated and inserted at once,
    the resolved ones closed with one UPDATE, each with its audit event (bulk writes send no
    signals). Returns how many tasks were opened.
    """
    case_ids = [case.pk for _, case in checks]
    open_rows = list(
        Task.objects.filter(
            case_id__in=case_ids, status=TaskStatus.OPEN, kind__in=SYSTEM_TASK_KINDS
        ).values_list("pk", "case_id", "kind", "created_by_id")
    )
    open_kinds = {(case_id, kind) for _, case_id, kind, _ in open_rows}
    patient_of = {case.pk: check.encounter.patient_id for check, case in checks}
    new_tasks = []
    cleared = set()
    for check, case in checks:
        if check.is_clearing:
            cleared.add(case.pk)
            continue
        task = build_task(check, case)
        if task is not None and (case.pk, task.kind) not in open_kinds:
            open_kinds.add((case.pk, task.kind))
            task.full_clean(exclude=["case"])  # the case is the one just loaded
            new_tasks.append(task)
    events = []
    if new_tasks:
        do_copy_create(Task, new_tasks)
        events.extend(
            build_event(AuditAction.CREATE, obj=task, patient_id=patient_of[task.case_id])
            for task in new_tasks
        )
    closing = [
        (pk, case_id)
        for pk, case_id, _, created_by in open_rows
        if case_id in cleared and created_by is None
    ]
    if closing:
        now = timezone.now()
        Task.objects.filter(pk__in=[pk for pk, _ in closing]).update(
            status=TaskStatus.DONE, closed_at=now, updated_at=now
        )
        events.extend(
            build_event(
                AuditAction.UPDATE,
                obj=Task(pk=pk, case_id=case_id),
                patient_id=patient_of[case_id],
                detail={"fields": ["status", "closed_at"]},
            )
            for pk, case_id in closing
        )
    if events:
        do_copy_create(AuditEvent, events)
    return len(new_tasks)


# Checked by the database (foreign keys, unique trace number and key, the manual-method
# constraint) rather than by a query each before the insert; ``clean`` checks the rest.
CHECKED_BY_DATABASE = ["encounter", "coverage", "batch_run", "user"]


# The benefit rows are built here (``benefit_rows_json``: strings, numbers, lists): validating
# them would encode every row to JSON once more only to find it encodable, as the insert does.
NOT_VALIDATED = [*CHECKED_BY_DATABASE, "benefits"]


def do_save_check(check: EligibilityCheck) -> None:
    """Validate and insert one check (its audit event is written by the save signal)."""
    check.full_clean(exclude=NOT_VALIDATED, validate_unique=False, validate_constraints=False)
    check.save()


def do_refresh_estimates(checks: list[EligibilityCheck]) -> int:
    """Recalculate the current estimates the checks' new benefits change.

    Only an active coverage's rows feed an estimate; an estimate already made from the same
    rows is left as it is. The case statuses are left to the caller, which recomputes them
    once with the new estimates. Nothing when the estimates app is not installed.
    """
    new_rows = {
        check.encounter_id: (check.coverage_id, check.benefits)
        for check in checks
        if check.benefits and check.coverage_status == CoverageState.ACTIVE
    }
    if not new_rows or not apps.is_installed("finclear.estimates"):
        return 0
    from finclear.estimates.services import do_refresh_for_benefits

    # The rows just written, by check, as the values they were stored from: the
    # recalculation neither reads them back nor converts their JSON.
    written = {
        check.pk: check.rows if check.rows is not None else rows_from_json(check.benefits)
        for check in checks
        if check.encounter_id in new_rows
    }
    return do_refresh_for_benefits(new_rows, recompute=False, check_rows=written)


def build_changed(estimates_refreshed: int) -> set[str]:
    """What a recorded check changes, for the case's partial recompute: the checks (and the
    payer's difficulty), and the estimates when it recalculated any. The tasks it opens or
    closes are eligibility tasks, which no clearance fact reads."""
    return {"eligibility", "estimates"} if estimates_refreshed else {"eligibility"}


def do_record_check(
    done: Exchanged,
    *,
    channel: str,
    user: Any = None,
    batch_run: EligibilityBatchRun | None = None,
    idempotency_key: str | None = None,
) -> EligibilityCheck:
    """Write one exchange's check, its tasks, the estimate it changes and the case's new
    status, all or nothing."""
    with transaction.atomic():
        check = build_check(
            done,
            channel=channel,
            user=user,
            batch_run=batch_run,
            idempotency_key=idempotency_key,
        )
        # The case first, locked: one read serves the tasks and the recompute, and two
        # verifications of one case take their turns from the start.
        case = do_lock_case(done.encounter)
        do_save_check(check)
        do_apply_tasks([(check, case)])
        refreshed = do_refresh_estimates([check])
        do_recompute_locked(case, changed=build_changed(refreshed))
    log.info(
        "eligibility check #%s encounter #%s payer %s: %s (%s attempts)",
        check.pk,
        done.encounter.pk,
        done.payer_key or "-",
        check.status,
        done.attempts,
    )
    return check


def do_verify(
    encounter: Encounter,
    coverage: Coverage | None = None,
    *,
    user: Any = None,
    gateway: PayerGateway | None = None,
) -> EligibilityCheck:
    """Verify one encounter's coverage now (real time); returns the check as recorded."""
    if coverage is None:
        coverage = primary_coverage(encounter)
    elif coverage.patient_id != encounter.patient_id:
        raise ValidationError({"coverage": "coverage: not a coverage of the encounter's patient"})
    elif coverage.payer.is_self_pay:
        raise NothingToVerify(f"coverage #{coverage.pk} is self-pay: there is no payer to ask")
    done = do_exchange(encounter, coverage, build_realtime_trace(encounter, coverage), gateway)
    return do_record_check(done, channel=CheckChannel.REALTIME, user=user)


@transaction.atomic
def do_verify_manually(
    encounter: Encounter,
    coverage: Coverage,
    *,
    user: Any,
    method: str,
    reference: str = "",
    note: str = "",
) -> EligibilityCheck:
    """Record that a specialist verified the coverage themselves: who, when, how.

    A manual verification clears eligibility like a verified 271 while it is fresh.
    """
    if coverage.patient_id != encounter.patient_id:
        raise ValidationError({"coverage": "coverage: not a coverage of the encounter's patient"})
    if method not in ManualMethod.values:
        raise ValidationError(
            {"manual_method": f"manual_method: {method!r} is not one of {ManualMethod.values}"}
        )
    if method == ManualMethod.OTHER and not note.strip():
        raise ValidationError({"manual_note": "manual_note: say how it was verified"})
    now = timezone.now()
    check = EligibilityCheck(
        encounter=encounter,
        coverage=coverage,
        channel=CheckChannel.MANUAL,
        user=user,
        trace_number=f"M-{build_realtime_trace(encounter, coverage)}"[:50],
        coverage_fingerprint=build_fingerprint(coverage),
        date_of_service=visit_date(encounter),
        requested_at=now,
        responded_at=now,
        status=CheckStatus.MANUALLY_VERIFIED,
        coverage_status=CoverageState.ACTIVE,
        manual_method=method,
        manual_reference=reference.strip()[:100],
        manual_note=note.strip(),
    )
    case = do_lock_case(encounter)
    do_save_check(check)
    do_apply_tasks([(check, case)])
    do_recompute_locked(case, changed=build_changed(0))
    return check
