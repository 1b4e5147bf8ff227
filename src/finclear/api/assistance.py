"""Financial assistance, payment plan and point-of-service endpoints (``/api/assistance/``).

Screening against the facility's policy, applications (documents, missing assets, decision),
the 501(r) collection decision, payment plans (schedule, payments, recalculation, agreement
PDF) and point-of-service collection (what to collect, payments with receipts). Permissions
and facility scoping are the token user's; reads of patient data are audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from finclear.accounts.scoping import get_encounter_for_user_or_404, get_patient_for_user_or_404
from finclear.assistance import plans, pos, services
from finclear.assistance.documents import build_plan_agreement, build_receipt
from finclear.assistance.models import (
    AssistanceApplication,
    PaymentPlan,
    PosPayment,
)
from finclear.audit.models import AuditAction
from finclear.audit.services import record_event, record_list_view, record_view

router = Router(tags=["assistance"])
VIEW_APP = "assistance.view_assistanceapplication"
ADD_APP = "assistance.add_assistanceapplication"
DECIDE = "assistance.decide_application"
VIEW_PLAN = "assistance.view_paymentplan"
ADD_PLAN = "assistance.add_paymentplan"
ADD_PLAN_PAYMENT = "assistance.add_planpayment"
VIEW_POS = "assistance.view_pospayment"
ADD_POS = "assistance.add_pospayment"


class HouseholdIn(Schema):
    household_size: int
    annual_income: Decimal
    assets: Decimal | None = None
    presumptive: list[str] = []


class ApplicationIn(HouseholdIn):
    encounter_id: int | None = None
    received_on: dt.date | None = None
    first_statement_on: dt.date | None = None


class ScreeningOut(Schema):
    status: str
    tier: str
    discount_percent: Decimal
    percent_of_poverty: Decimal | None
    reason: str
    presumptive: bool
    year: int
    region: str


class DocumentIn(Schema):
    kind: str
    reference: str
    received_on: dt.date | None = None
    note: str = ""


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class AssetsIn(Schema):
    assets: Decimal


class DatesIn(Schema):
    first_statement_on: dt.date | None = None
    eca_notice_sent_on: dt.date | None = None


class DocumentOut(Schema):
    kind: str
    reference: str
    received_on: dt.date


class ApplicationOut(Schema):
    id: int
    patient_id: int
    encounter_id: int | None
    status: str
    received_on: dt.date
    household_size: int
    annual_income: Decimal
    screening_status: str
    screening_tier: str
    percent_of_poverty: Decimal | None
    discount_percent: Decimal
    screening_reason: str
    first_statement_on: dt.date | None
    eca_notice_sent_on: dt.date | None
    decided_on: dt.date | None
    gross_charges: Decimal | None
    amount_due: Decimal | None
    agb_capped: bool
    charge_reason: str
    documents: list[DocumentOut]


class EcaOut(Schema):
    allowed: bool
    reason: str
    earliest: dt.date | None


class PlanIn(Schema):
    balance: Decimal
    first_due: dt.date
    months: int | None = None
    encounter_id: int | None = None


class PaymentIn(Schema):
    amount: Decimal
    method: str
    paid_on: dt.date | None = None
    reference: str = ""


class RebalanceIn(Schema):
    balance: Decimal


class InstallmentOut(Schema):
    number: int
    due: dt.date
    amount: Decimal
    principal: Decimal
    interest: Decimal


class PlanOut(Schema):
    id: int
    patient_id: int
    encounter_id: int | None
    state: str
    balance: Decimal
    down_payment: Decimal
    financed: Decimal
    months: int
    monthly_payment: Decimal
    apr_percent: Decimal
    first_due: dt.date
    version: int
    missed: int
    past_due_amount: Decimal
    paid: Decimal
    schedule: list[InstallmentOut]


class CollectionLineOut(Schema):
    kind: str
    amount: Decimal
    reason: str


class CollectionOut(Schema):
    encounter_id: int
    lines: list[CollectionLineOut]
    notes: list[str]
    total: Decimal
    collected: dict[str, Decimal]


class PosIn(Schema):
    amount: Decimal
    method: str
    kind: str
    reference: str = ""


class PosOut(Schema):
    id: int
    encounter_id: int
    kind: str
    amount: Decimal
    method: str
    reference: str
    receipt_number: str
    received_at: dt.datetime


def need(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied(f"permission denied: needs {permission}")
    return user


def application_for(request: HttpRequest, pk: int) -> AssistanceApplication:
    application = get_object_or_404(
        AssistanceApplication.objects.select_related("patient__facility", "policy"), pk=pk
    )
    get_patient_for_user_or_404(request.auth, application.patient_id)  # type: ignore[attr-defined]
    return application


def plan_for(request: HttpRequest, pk: int) -> PaymentPlan:
    plan = get_object_or_404(
        PaymentPlan.objects.select_related("patient__facility", "policy"), pk=pk
    )
    get_patient_for_user_or_404(request.auth, plan.patient_id)  # type: ignore[attr-defined]
    return plan


def application_out(a: AssistanceApplication) -> ApplicationOut:
    return ApplicationOut(
        id=a.pk,
        patient_id=a.patient_id,
        encounter_id=a.encounter_id,
        status=a.status,
        received_on=a.received_on,
        household_size=a.household_size,
        annual_income=a.annual_income,
        screening_status=a.screening_status,
        screening_tier=a.screening_tier,
        percent_of_poverty=a.percent_of_poverty,
        discount_percent=a.discount_percent,
        screening_reason=a.screening_reason,
        first_statement_on=a.first_statement_on,
        eca_notice_sent_on=a.eca_notice_sent_on,
        decided_on=a.decided_on,
        gross_charges=a.gross_charges,
        amount_due=a.amount_due,
        agb_capped=a.agb_capped,
        charge_reason=a.charge_reason,
        documents=[
            DocumentOut(kind=d.kind, reference=d.reference, received_on=d.received_on)
            for d in a.documents.all()
        ],
    )


def plan_out(plan: PaymentPlan) -> PlanOut:
    return PlanOut(
        id=plan.pk,
        patient_id=plan.patient_id,
        encounter_id=plan.encounter_id,
        state=plan.state,
        balance=plan.balance,
        down_payment=plan.down_payment,
        financed=plan.financed,
        months=plan.months,
        monthly_payment=plan.monthly_payment,
        apr_percent=plan.apr_percent,
        first_due=plan.first_due,
        version=plan.version,
        missed=plan.missed,
        past_due_amount=plan.past_due_amount,
        paid=plan.paid,
        schedule=[
            InstallmentOut(
                number=i.number,
                due=i.due,
                amount=i.amount,
                principal=i.principal,
                interest=i.interest,
            )
            for i in plans.schedule_of(plan)
        ],
    )


def pos_out(p: PosPayment) -> PosOut:
    return PosOut(
        id=p.pk,
        encounter_id=p.encounter_id,
        kind=p.kind,
        amount=p.amount,
        method=p.method,
        reference=p.reference,
        receipt_number=p.receipt_number,
        received_at=p.received_at,
    )


def pdf_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/patients/{patient_id}/screen", response=ScreeningOut)
def screen(request: HttpRequest, patient_id: int, body: HouseholdIn) -> ScreeningOut:
    """Screen a household against the facility's policy (nothing is recorded)."""
    user = need(request, ADD_APP)
    patient = get_patient_for_user_or_404(user, patient_id)
    result, year, region = services.do_screen(
        patient,
        body.household_size,
        body.annual_income,
        assets=body.assets,
        presumptive=body.presumptive,
    )
    return ScreeningOut(
        status=result.status.value,
        tier=result.tier,
        discount_percent=result.discount_percent,
        percent_of_poverty=result.percent_of_poverty,
        reason=result.reason,
        presumptive=result.presumptive,
        year=year,
        region=region.value,
    )


@router.get("/patients/{patient_id}/applications", response=list[ApplicationOut])
def applications(request: HttpRequest, patient_id: int) -> list[ApplicationOut]:
    user = need(request, VIEW_APP)
    patient = get_patient_for_user_or_404(user, patient_id)
    rows = list(patient.fap_applications.prefetch_related("documents"))
    record_list_view(request, rows, "assistance applications")
    return [application_out(a) for a in rows]


@router.post("/patients/{patient_id}/applications", response={201: ApplicationOut})
def apply(request: HttpRequest, patient_id: int, body: ApplicationIn) -> tuple[int, ApplicationOut]:
    user = need(request, ADD_APP)
    patient = get_patient_for_user_or_404(user, patient_id)
    encounter = (
        get_encounter_for_user_or_404(user, body.encounter_id) if body.encounter_id else None
    )
    application = services.do_submit_application(
        patient,
        household_size=body.household_size,
        annual_income=body.annual_income,
        user=user,
        encounter=encounter,
        assets=body.assets,
        presumptive=body.presumptive,
        received_on=body.received_on,
        first_statement_on=body.first_statement_on,
    )
    return 201, application_out(application)


@router.get("/applications/{application_id}", response=ApplicationOut)
def application_detail(request: HttpRequest, application_id: int) -> ApplicationOut:
    need(request, VIEW_APP)
    application = application_for(request, application_id)
    record_view(request, application)
    return application_out(application)


@router.post("/applications/{application_id}/documents", response={201: ApplicationOut})
def add_document(
    request: HttpRequest, application_id: int, body: DocumentIn
) -> tuple[int, ApplicationOut]:
    need(request, ADD_APP)
    application = application_for(request, application_id)
    services.do_add_document(application, body.kind, body.reference, body.received_on, body.note)
    return 201, application_out(application)


@router.post("/applications/{application_id}/assets", response=ApplicationOut)
def add_assets(request: HttpRequest, application_id: int, body: AssetsIn) -> ApplicationOut:
    need(request, ADD_APP)
    application = services.do_complete_application(
        application_for(request, application_id), body.assets
    )
    return application_out(application)


@router.post("/applications/{application_id}/decision", response=ApplicationOut)
def decide(request: HttpRequest, application_id: int, body: DecisionIn) -> ApplicationOut:
    user = need(request, DECIDE)
    application = services.do_decide(
        application_for(request, application_id), body.approve, user, body.note
    )
    return application_out(application)


@router.post("/applications/{application_id}/collection-dates", response=ApplicationOut)
def collection_dates(request: HttpRequest, application_id: int, body: DatesIn) -> ApplicationOut:
    """The first post-discharge statement and the written ECA notice (the 501(r) clocks)."""
    need(request, DECIDE)
    application = services.do_set_collection_dates(
        application_for(request, application_id), body.first_statement_on, body.eca_notice_sent_on
    )
    return application_out(application)


@router.get("/patients/{patient_id}/eca", response=EcaOut)
def eca(request: HttpRequest, patient_id: int) -> EcaOut:
    """Whether 501(r) allows an extraordinary collection action today, and why."""
    user = need(request, VIEW_APP)
    decision = services.eca_decision(get_patient_for_user_or_404(user, patient_id))
    return EcaOut(allowed=decision.allowed, reason=decision.reason, earliest=decision.earliest)


@router.get("/patients/{patient_id}/plans", response=list[PlanOut])
def patient_plans(request: HttpRequest, patient_id: int) -> list[PlanOut]:
    user = need(request, VIEW_PLAN)
    patient = get_patient_for_user_or_404(user, patient_id)
    rows = list(patient.payment_plans.select_related("policy"))
    record_list_view(request, rows, "payment plans")
    return [plan_out(p) for p in rows]


@router.post("/patients/{patient_id}/plans", response={201: PlanOut})
def create_plan(request: HttpRequest, patient_id: int, body: PlanIn) -> tuple[int, PlanOut]:
    """A plan on the policy's terms; its schedule sums to the amount financed."""
    user = need(request, ADD_PLAN)
    patient = get_patient_for_user_or_404(user, patient_id)
    encounter = (
        get_encounter_for_user_or_404(user, body.encounter_id) if body.encounter_id else None
    )
    plan = plans.do_create_plan(
        patient, body.balance, body.first_due, user=user, encounter=encounter, months=body.months
    )
    return 201, plan_out(plan)


@router.get("/plans/{plan_id}", response=PlanOut)
def plan_detail(request: HttpRequest, plan_id: int) -> PlanOut:
    need(request, VIEW_PLAN)
    plan = plan_for(request, plan_id)
    record_view(request, plan)
    return plan_out(plans.do_update_plan_state(plan))


@router.post("/plans/{plan_id}/payments", response={201: PlanOut})
def plan_payment(request: HttpRequest, plan_id: int, body: PaymentIn) -> tuple[int, PlanOut]:
    user = need(request, ADD_PLAN_PAYMENT)
    plan = plan_for(request, plan_id)
    plans.do_record_plan_payment(plan, body.amount, body.method, user, body.paid_on, body.reference)
    return 201, plan_out(plan_for(request, plan_id))


@router.post("/plans/{plan_id}/rebalance", response=PlanOut)
def rebalance(request: HttpRequest, plan_id: int, body: RebalanceIn) -> PlanOut:
    """Recalculate the installments left for a new balance."""
    user = need(request, ADD_PLAN)
    return plan_out(plans.do_rebalance_plan(plan_for(request, plan_id), body.balance, user))


@router.get("/plans/{plan_id}/agreement")
def agreement(request: HttpRequest, plan_id: int) -> HttpResponse:
    need(request, VIEW_PLAN)
    plan = plan_for(request, plan_id)
    record_event(AuditAction.EXPORT, obj=plan, request=request, detail={"format": "pdf"})
    return pdf_response(build_plan_agreement(plan), f"payment-plan-{plan.pk}.pdf")


@router.get("/encounters/{encounter_id}/collection", response=CollectionOut)
def collection(request: HttpRequest, encounter_id: int) -> CollectionOut:
    """What to collect at check-in (copay, prior balance, deposit) and what was collected."""
    user = need(request, VIEW_POS)
    encounter = get_encounter_for_user_or_404(user, encounter_id)
    result = pos.what_to_collect(encounter)
    record_view(request, encounter, {"reason": "point-of-service collection"})
    return CollectionOut(
        encounter_id=encounter.pk,
        lines=[
            CollectionLineOut(kind=line.kind.value, amount=line.amount, reason=line.reason)
            for line in result.lines
        ],
        notes=list(result.notes),
        total=result.total,
        collected=pos.collected(encounter),
    )


@router.post("/encounters/{encounter_id}/payments", response={201: PosOut})
def take_payment(request: HttpRequest, encounter_id: int, body: PosIn) -> tuple[int, PosOut]:
    user = need(request, ADD_POS)
    encounter = get_encounter_for_user_or_404(user, encounter_id)
    payment = pos.do_record_pos_payment(
        encounter, body.amount, body.method, body.kind, user, body.reference
    )
    return 201, pos_out(payment)


@router.get("/payments/{payment_id}/receipt")
def receipt(request: HttpRequest, payment_id: int) -> HttpResponse:
    user = need(request, VIEW_POS)
    payment = get_object_or_404(PosPayment.objects.select_related("encounter"), pk=payment_id)
    get_encounter_for_user_or_404(user, payment.encounter_id)
    record_event(AuditAction.EXPORT, obj=payment, request=request, detail={"format": "pdf"})
    return pdf_response(build_receipt(payment), f"receipt-{payment.receipt_number}.pdf")
