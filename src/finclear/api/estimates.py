"""The estimate endpoints of the API (mounted at ``/api/estimates/``).

The same actions as the encounter page: the current estimate with its lines and reasoning,
the history, make or recalculate, record delivery, a patient's GFE request, and the document
(the estimate letter or the Good Faith Estimate, as PDF). Permissions and facility scoping are
the token user's; every read is audited, a document download as an export.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from finclear.accounts.scoping import get_encounter_for_user_or_404
from finclear.audit.models import AuditAction
from finclear.audit.services import record_event, record_list_view, record_view
from finclear.estimates import letters, queries, services
from finclear.estimates.models import Estimate

router = Router(tags=["estimates"])
VIEW = "estimates.view_estimate"
ADD = "estimates.add_estimate"
DELIVER = "estimates.deliver_estimate"


class LineOut(Schema):
    line_number: int
    code: str
    description: str
    units: Decimal
    category: str
    status: str
    diagnosis_codes: list[str]
    charge: Decimal
    allowed: Decimal | None
    plan_pays: Decimal
    copay: Decimal
    deductible: Decimal
    coinsurance: Decimal
    non_covered: Decimal
    secondary_pays: Decimal
    patient_total: Decimal
    explanation: str


class EstimateOut(Schema):
    id: int
    encounter_id: int
    kind: str
    is_current: bool
    reason: str
    benefits_source: str
    plan_name: str
    charge: Decimal
    allowed: Decimal
    plan_pays: Decimal
    secondary_pays: Decimal
    copay: Decimal
    deductible: Decimal
    coinsurance: Decimal
    non_covered: Decimal
    patient_total: Decimal
    complete: bool
    deductible_remaining: Decimal | None
    oop_remaining: Decimal | None
    notes: list[str]
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    delivered_method: str
    gfe_due: dt.date | None
    gfe_rule: str
    gfe_problems: list[str]
    lines: list[LineOut]


class DeliverIn(Schema):
    method: str


class GfeRequestIn(Schema):
    requested_on: dt.date | None = None
    channel: str = ""


def need(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied(f"permission denied: needs {permission}")
    return user


def estimate_for(request: HttpRequest, estimate_id: int) -> Estimate:
    """The estimate, or 404 when its encounter is outside the user's facilities."""
    estimate = get_object_or_404(
        Estimate.objects.select_related("encounter__facility", "encounter__patient"),
        pk=estimate_id,
    )
    get_encounter_for_user_or_404(request.auth, estimate.encounter_id)  # type: ignore[attr-defined]
    return estimate


def estimate_out(estimate: Estimate) -> EstimateOut:
    lines = [
        LineOut(
            line_number=line.line_number,
            code=line.code,
            description=line.description,
            units=line.units,
            category=line.category,
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
        for line in estimate.lines.all()
    ]
    return EstimateOut(
        id=estimate.pk,
        encounter_id=estimate.encounter_id,
        kind=estimate.kind,
        is_current=estimate.is_current,
        reason=estimate.reason,
        benefits_source=estimate.benefits_source,
        plan_name=estimate.plan_name,
        charge=estimate.charge,
        allowed=estimate.allowed,
        plan_pays=estimate.plan_pays,
        secondary_pays=estimate.secondary_pays,
        copay=estimate.copay,
        deductible=estimate.deductible,
        coinsurance=estimate.coinsurance,
        non_covered=estimate.non_covered,
        patient_total=estimate.patient_total,
        complete=estimate.complete,
        deductible_remaining=estimate.deductible_remaining,
        oop_remaining=estimate.oop_remaining,
        notes=list(estimate.notes),
        created_at=estimate.created_at,
        delivered_at=estimate.delivered_at,
        delivered_method=estimate.delivered_method,
        gfe_due=estimate.gfe_due,
        gfe_rule=estimate.gfe_rule,
        gfe_problems=list(estimate.gfe_problems),
        lines=lines,
    )


@router.get("/encounters/{encounter_id}/estimate", response=EstimateOut)
def current(request: HttpRequest, encounter_id: int) -> EstimateOut:
    """The encounter's current estimate (404 when none was made)."""
    user = need(request, VIEW)
    encounter = get_encounter_for_user_or_404(user, encounter_id)
    estimate = queries.current_estimate(encounter)
    if estimate is None:
        raise HttpError(404, f"encounter {encounter_id} has no estimate yet")
    record_view(request, estimate)
    return estimate_out(estimate)


@router.get("/encounters/{encounter_id}/estimates", response=list[EstimateOut])
def history(request: HttpRequest, encounter_id: int) -> list[EstimateOut]:
    """Every estimate of the encounter, newest first (superseded ones included)."""
    user = need(request, VIEW)
    encounter = get_encounter_for_user_or_404(user, encounter_id)
    rows = list(queries.estimates_of(encounter)[: queries.HISTORY])
    record_list_view(request, rows, "encounter estimates")
    return [estimate_out(e) for e in rows]


@router.post("/encounters/{encounter_id}/estimate", response={201: EstimateOut})
def create(request: HttpRequest, encounter_id: int) -> tuple[int, EstimateOut]:
    """Calculate the estimate now (a new one, superseding the current)."""
    user = need(request, ADD)
    encounter = get_encounter_for_user_or_404(user, encounter_id)
    estimate = services.do_create_estimate(encounter, user, reason="requested over the API")
    return 201, estimate_out(estimate_for(request, estimate.pk))


@router.post("/encounters/{encounter_id}/gfe-requests", response={201: EstimateOut})
def request_gfe(
    request: HttpRequest, encounter_id: int, body: GfeRequestIn
) -> tuple[int, EstimateOut]:
    """An uninsured or self-pay patient asked for a Good Faith Estimate."""
    user = need(request, ADD)
    encounter = get_encounter_for_user_or_404(user, encounter_id)
    services.do_request_gfe(encounter, user, body.requested_on, body.channel)
    estimate = queries.current_estimate(encounter)
    if estimate is None:
        raise HttpError(409, "the request is recorded; the visit has no service lines to estimate")
    return 201, estimate_out(estimate)


@router.get("/{estimate_id}", response=EstimateOut)
def detail(request: HttpRequest, estimate_id: int) -> EstimateOut:
    need(request, VIEW)
    estimate = estimate_for(request, estimate_id)
    record_view(request, estimate)
    return estimate_out(estimate)


@router.post("/{estimate_id}/deliver", response=EstimateOut)
def deliver(request: HttpRequest, estimate_id: int, body: DeliverIn) -> EstimateOut:
    """Record that the estimate (or GFE) went to the patient, and how."""
    user = need(request, DELIVER)
    estimate = services.do_deliver_estimate(estimate_for(request, estimate_id), body.method, user)
    return estimate_out(estimate_for(request, estimate.pk))


@router.get("/{estimate_id}/document")
def document(request: HttpRequest, estimate_id: int) -> HttpResponse:
    """The estimate letter or the Good Faith Estimate, as PDF."""
    need(request, VIEW)
    estimate = estimate_for(request, estimate_id)
    data, name = letters.build_document(estimate)
    record_event(AuditAction.EXPORT, obj=estimate, request=request, detail={"format": "pdf"})
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
