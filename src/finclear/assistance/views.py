"""The encounter page's counseling section: point-of-service collection, financial assistance,
payment plans; its actions, and the agreement and receipt PDFs.

Reads are audited (each application, plan and payment shown; PDFs as exports); writes go
through the services. Every action is scoped to the user's facilities.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from finclear.accounts.scoping import get_encounter_for_user_or_404
from finclear.assistance import forms, plans, pos, services
from finclear.assistance.documents import build_plan_agreement, build_receipt
from finclear.assistance.models import AssistanceApplication, PaymentPlan, PosPayment
from finclear.assistance.policies import policy_in_force
from finclear.audit.models import AuditAction
from finclear.audit.services import record_event, record_list_view
from finclear.scheduling.models import Encounter

VIEW = "assistance.view_assistanceapplication"
ADD_APP = "assistance.add_assistanceapplication"
DECIDE = "assistance.decide_application"
ADD_PLAN = "assistance.add_paymentplan"
ADD_PLAN_PAYMENT = "assistance.add_planpayment"
ADD_POS = "assistance.add_pospayment"


def section_context(
    request: HttpRequest, encounter: Encounter, errors: list[str] | None = None
) -> dict[str, Any]:
    patient = encounter.patient
    applications = list(patient.fap_applications.prefetch_related("documents")[:5])
    plan_rows = [(plan, plans.schedule_of(plan)) for plan in patient.payment_plans.all()[:5]]
    payments = list(encounter.pos_payments.select_related("received_by"))
    record_list_view(request, applications, "encounter assistance applications")
    record_list_view(request, [p for p, _ in plan_rows], "encounter payment plans")
    record_list_view(request, payments, "encounter point-of-service payments")
    user = request.user
    return {
        "encounter": encounter,
        "errors": errors or [],
        "collection": pos.what_to_collect(encounter),
        "collected": pos.collected(encounter),
        "payments": payments,
        "applications": applications,
        "eca": services.eca_decision(patient),
        "plans": plan_rows,
        "has_policy": policy_in_force(encounter.facility_id, services.today_at(patient))
        is not None,
        "application_form": forms.ApplicationForm(),
        "document_form": forms.DocumentForm(),
        "decision_form": forms.DecisionForm(),
        "plan_form": forms.PlanForm(),
        "payment_form": forms.PaymentForm(prefix="plan"),
        "pos_form": forms.PosForm(prefix="pos"),
        "can_apply": user.has_perm(ADD_APP),
        "can_decide": user.has_perm(DECIDE),
        "can_plan": user.has_perm(ADD_PLAN),
        "can_plan_pay": user.has_perm(ADD_PLAN_PAYMENT),
        "can_collect": user.has_perm(ADD_POS),
    }


def _panel(request: HttpRequest, encounter: Encounter, errors: list[str]) -> HttpResponse:
    return render(request, "assistance/_panel.html", section_context(request, encounter, errors))


def _act(
    request: HttpRequest,
    encounter: Encounter,
    form: Form | None,
    action: Callable[[dict[str, Any]], Any],
) -> HttpResponse:
    errors: list[str] = []
    if form is not None and not form.is_valid():
        errors = [f"{field}: {messages[0]}" for field, messages in form.errors.items()]
    else:
        try:
            action(form.cleaned_data if form is not None else {})
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
    if getattr(request, "htmx", False) or errors:
        return _panel(request, encounter, errors)
    return redirect(reverse("web:encounter_detail", args=[encounter.pk]) + "#counseling-title")


def _encounter(request: HttpRequest, pk: int) -> Encounter:
    encounter: Encounter = get_encounter_for_user_or_404(request.user, pk)
    return encounter


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    return _panel(request, _encounter(request, pk), [])


@login_required
@permission_required(ADD_APP, raise_exception=True)
@require_POST
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    return _act(
        request,
        encounter,
        forms.ApplicationForm(request.POST),
        lambda data: services.do_submit_application(
            encounter.patient,
            household_size=data["household_size"],
            annual_income=data["annual_income"],
            assets=data["assets"],
            presumptive=data["presumptive"],
            encounter=encounter,
            user=request.user,
        ),
    )


def _application(encounter: Encounter, app_pk: int) -> AssistanceApplication:
    return get_object_or_404(
        AssistanceApplication.objects.filter(patient_id=encounter.patient_id), pk=app_pk
    )


@login_required
@permission_required(ADD_APP, raise_exception=True)
@require_POST
def add_document(request: HttpRequest, pk: int, app_pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    application = _application(encounter, app_pk)
    return _act(
        request,
        encounter,
        forms.DocumentForm(request.POST),
        lambda data: services.do_add_document(application, data["kind"], data["reference"]),
    )


@login_required
@permission_required(DECIDE, raise_exception=True)
@require_POST
def decide(request: HttpRequest, pk: int, app_pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    application = _application(encounter, app_pk)
    return _act(
        request,
        encounter,
        forms.DecisionForm(request.POST),
        lambda data: services.do_decide(application, data["approve"], request.user, data["note"]),
    )


@login_required
@permission_required(ADD_PLAN, raise_exception=True)
@require_POST
def create_plan(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    return _act(
        request,
        encounter,
        forms.PlanForm(request.POST),
        lambda data: plans.do_create_plan(
            encounter.patient,
            data["balance"],
            data["first_due"],
            user=request.user,
            encounter=encounter,
            months=data["months"],
        ),
    )


def _plan(encounter: Encounter, plan_pk: int) -> PaymentPlan:
    return get_object_or_404(
        PaymentPlan.objects.filter(patient_id=encounter.patient_id), pk=plan_pk
    )


@login_required
@permission_required(ADD_PLAN_PAYMENT, raise_exception=True)
@require_POST
def plan_payment(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    plan = _plan(encounter, plan_pk)
    return _act(
        request,
        encounter,
        forms.PaymentForm(request.POST, prefix="plan"),
        lambda data: plans.do_record_plan_payment(
            plan, data["amount"], data["method"], request.user, reference=data["reference"]
        ),
    )


@login_required
@permission_required(ADD_POS, raise_exception=True)
@require_POST
def pos_payment(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    return _act(
        request,
        encounter,
        forms.PosForm(request.POST, prefix="pos"),
        lambda data: pos.do_record_pos_payment(
            encounter, data["amount"], data["method"], data["kind"], request.user, data["reference"]
        ),
    )


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
@permission_required("assistance.view_paymentplan", raise_exception=True)
@require_GET
def agreement(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    plan = _plan(_encounter(request, pk), plan_pk)
    record_event(AuditAction.EXPORT, obj=plan, request=request, detail={"format": "pdf"})
    return _pdf(build_plan_agreement(plan), f"payment-plan-{plan.pk}.pdf")


@login_required
@permission_required("assistance.view_pospayment", raise_exception=True)
@require_GET
def receipt(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    payment = get_object_or_404(PosPayment.objects.filter(encounter=encounter), pk=payment_pk)
    record_event(AuditAction.EXPORT, obj=payment, request=request, detail={"format": "pdf"})
    return _pdf(build_receipt(payment), f"receipt-{payment.receipt_number}.pdf")
