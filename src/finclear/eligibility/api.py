"""The eligibility endpoints of the API (mounted at ``/api/eligibility/``).

The same actions as the web app: verify now, record a manual verification, the history of
checks, the benefits table, the raw X12 (its own permission), and batch runs. Permissions and
facility scoping are the token user's; every read of a check is audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from finclear.accounts.scoping import get_encounter_for_user_or_404, scope_encounters
from finclear.audit.services import record_list_view, record_view
from finclear.eligibility import queries
from finclear.eligibility.batch import do_start_batch
from finclear.eligibility.models import EligibilityBatchRun, EligibilityCheck
from finclear.eligibility.services import NothingToVerify, do_verify, do_verify_manually
from finclear.patients.models import Coverage
from finclear.rules.benefits import Amounts
from finclear.scheduling.models import Encounter

router = Router(tags=["eligibility"])


class RejectionOut(Schema):
    loop: str
    code: str
    reason: str
    follow_up: str
    follow_up_meaning: str
    message: str


class CheckOut(Schema):
    id: int
    encounter_id: int
    coverage_id: int
    payer: str
    channel: str
    user: str | None
    trace_number: str
    date_of_service: dt.date
    service_types: list[str]
    requested_at: dt.datetime
    responded_at: dt.datetime | None
    status: str
    coverage_status: str
    attempts: int
    elapsed_ms: float | None
    error: str
    reasons: list[str]
    rejections: list[RejectionOut]
    plan_name: str
    group_number: str
    plan_begin: dt.date | None
    plan_end: dt.date | None
    eligibility_begin: dt.date | None
    eligibility_end: dt.date | None
    manual_method: str
    manual_reference: str


class AmountsOut(Schema):
    total: Decimal | None
    remaining: Decimal | None
    met: Decimal | None


class BenefitOut(Schema):
    service_type: str
    service_type_name: str
    network: str
    covered: bool
    copay: Decimal | None
    coinsurance_percent: Decimal | None
    deductible: AmountsOut
    family_deductible: AmountsOut
    out_of_pocket: AmountsOut
    family_out_of_pocket: AmountsOut
    authorization_required: bool | None
    limits: list[str]
    messages: list[str]


class BenefitsOut(Schema):
    check_id: int | None
    benefits: list[BenefitOut]


class RawOut(Schema):
    check_id: int
    raw_270: str
    raw_271: str


class ManualIn(Schema):
    coverage_id: int
    method: str
    reference: str = ""
    note: str = ""


class BatchIn(Schema):
    days: int = 7


class BatchOut(Schema):
    id: int
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    days: int
    window_start: dt.date
    window_end: dt.date
    triggered_by: str
    scheduled: int
    selected: int
    skipped: int
    processed: int
    verified: int
    needs_review: int
    inactive: int
    rejected: int
    errors: int
    error: str


def need(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied(f"permission denied: needs {permission}")
    return user


def check_out(check: EligibilityCheck) -> CheckOut:
    return CheckOut(
        id=check.pk,
        encounter_id=check.encounter_id,
        coverage_id=check.coverage_id,
        payer=check.coverage.payer.name,
        channel=check.channel,
        user=check.user.get_username() if check.user else None,
        trace_number=check.trace_number,
        date_of_service=check.date_of_service,
        service_types=list(check.service_types),
        requested_at=check.requested_at,
        responded_at=check.responded_at,
        status=check.status,
        coverage_status=check.coverage_status,
        attempts=check.attempts,
        elapsed_ms=check.elapsed_ms,
        error=check.error,
        reasons=list(check.reasons),
        rejections=[RejectionOut(**r) for r in check.rejections],
        plan_name=check.plan_name,
        group_number=check.group_number,
        plan_begin=check.plan_begin,
        plan_end=check.plan_end,
        eligibility_begin=check.eligibility_begin,
        eligibility_end=check.eligibility_end,
        manual_method=check.manual_method,
        manual_reference=check.manual_reference,
    )


def amounts_out(a: Amounts) -> AmountsOut:
    return AmountsOut(total=a.total, remaining=a.remaining, met=a.met)


def encounter_for(request: HttpRequest, encounter_id: int) -> Encounter:
    queryset = Encounter.objects.select_related("patient", "facility")
    encounter: Encounter = get_encounter_for_user_or_404(
        request.auth,  # type: ignore[attr-defined]
        encounter_id,
        queryset=queryset,
    )
    return encounter


def batch_out(run: EligibilityBatchRun) -> BatchOut:
    return BatchOut(
        id=run.pk,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        days=run.days,
        window_start=run.window_start,
        window_end=run.window_end,
        triggered_by=run.triggered_by,
        scheduled=run.scheduled,
        selected=run.selected,
        skipped=run.skipped,
        processed=run.processed,
        verified=run.verified,
        needs_review=run.needs_review,
        inactive=run.inactive,
        rejected=run.rejected,
        errors=run.errors,
        error=run.error,
    )


@router.post("/encounters/{encounter_id}/verify", response={201: CheckOut})
def verify_now(request: HttpRequest, encounter_id: int) -> Status:
    """Verify the encounter's primary coverage with the payer now (real time)."""
    user = need(request, "eligibility.verify_eligibility")
    encounter = encounter_for(request, encounter_id)
    try:
        check = do_verify(encounter, user=user)
    except NothingToVerify as exc:
        raise HttpError(409, str(exc)) from None
    return Status(201, check_out(check))


@router.post("/encounters/{encounter_id}/manual", response={201: CheckOut})
def verify_manually(request: HttpRequest, encounter_id: int, body: ManualIn) -> Status:
    """Record a manual verification (who: the token's user; when: now; how: the method)."""
    user = need(request, "eligibility.verify_manually")
    encounter = encounter_for(request, encounter_id)
    coverage = get_object_or_404(
        Coverage.objects.select_related("payer"), pk=body.coverage_id, patient=encounter.patient
    )
    check = do_verify_manually(
        encounter,
        coverage,
        user=user,
        method=body.method,
        reference=body.reference,
        note=body.note,
    )
    return Status(201, check_out(check))


@router.get("/encounters/{encounter_id}/checks", response=list[CheckOut])
def history(request: HttpRequest, encounter_id: int) -> list[CheckOut]:
    """The encounter's checks, newest first."""
    need(request, "eligibility.view_eligibilitycheck")
    encounter = encounter_for(request, encounter_id)
    checks = list(queries.checks_of(encounter)[: queries.HISTORY_LIMIT])
    record_list_view(request, checks, "eligibility checks")
    return [check_out(c) for c in checks]


@router.get("/encounters/{encounter_id}/benefits", response=BenefitsOut)
def benefits(request: HttpRequest, encounter_id: int) -> BenefitsOut:
    """The benefits table of the latest check that brought benefits back."""
    need(request, "eligibility.view_eligibilitycheck")
    encounter = encounter_for(request, encounter_id)
    answered = next((c for c in queries.checks_of(encounter) if c.benefits), None)
    if answered is None:
        return BenefitsOut(check_id=None, benefits=[])
    record_view(request, answered, detail={"via": "benefits"})
    rows = [
        BenefitOut(
            service_type=b.service_type,
            service_type_name=b.service_type_name,
            network=b.network,
            covered=b.covered,
            copay=b.copay,
            coinsurance_percent=b.coinsurance_percent,
            deductible=amounts_out(b.deductible),
            family_deductible=amounts_out(b.family_deductible),
            out_of_pocket=amounts_out(b.out_of_pocket),
            family_out_of_pocket=amounts_out(b.family_out_of_pocket),
            authorization_required=b.authorization_required,
            limits=list(b.limits),
            messages=list(b.messages),
        )
        for b in queries.benefits_table(answered)
    ]
    return BenefitsOut(check_id=answered.pk, benefits=rows)


def _check(request: HttpRequest, check_id: int) -> EligibilityCheck:
    allowed = scope_encounters(Encounter.objects.all(), request.auth)  # type: ignore[attr-defined]
    check: EligibilityCheck = get_object_or_404(
        EligibilityCheck.objects.select_related("coverage__payer", "user"),
        pk=check_id,
        encounter__in=allowed,
    )
    return check


@router.get("/checks/{check_id}", response=CheckOut)
def check_detail(request: HttpRequest, check_id: int) -> CheckOut:
    need(request, "eligibility.view_eligibilitycheck")
    check = _check(request, check_id)
    record_view(request, check)
    return check_out(check)


@router.get("/checks/{check_id}/raw", response=RawOut)
def check_raw(request: HttpRequest, check_id: int) -> RawOut:
    """The raw 270 sent and 271 received (permission ``eligibility.view_raw_x12``)."""
    need(request, "eligibility.view_raw_x12")
    check = _check(request, check_id)
    record_view(request, check, detail={"via": "raw x12"})
    return RawOut(check_id=check.pk, raw_270=check.raw_270, raw_271=check.raw_271)


@router.get("/batches", response=list[BatchOut])
def batches(request: HttpRequest) -> list[BatchOut]:
    need(request, "eligibility.view_eligibilitybatchrun")
    return [batch_out(run) for run in queries.latest_runs()]


@router.get("/batches/{run_id}", response=BatchOut)
def batch_detail(request: HttpRequest, run_id: int) -> BatchOut:
    need(request, "eligibility.view_eligibilitybatchrun")
    return batch_out(get_object_or_404(EligibilityBatchRun, pk=run_id))


@router.post("/batches", response={201: BatchOut})
def batch_start(request: HttpRequest, body: BatchIn) -> Status:
    """Start a batch run over the next ``days`` days; task workers do the work."""
    user = need(request, "eligibility.run_batch")
    if not 1 <= body.days <= 366:
        raise HttpError(422, "days: a whole number from 1 to 366")
    return Status(201, batch_out(do_start_batch(body.days, triggered_by="api", user=user)))
