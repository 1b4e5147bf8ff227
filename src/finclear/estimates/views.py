"""The encounter page's estimate section and its actions.

Reads are audited (the estimate shown; a PDF download as an export); writes go through the
services. Every action is scoped to the user's facilities and answers with the section again
(htmx) or a redirect to the encounter page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from finclear.accounts.scoping import get_encounter_for_user_or_404
from finclear.audit.models import AuditAction
from finclear.audit.services import record_event, record_view
from finclear.estimates import letters, queries, services
from finclear.estimates.models import DeliveryMethod, Estimate
from finclear.scheduling.models import Encounter

VIEW = "estimates.view_estimate"
ADD = "estimates.add_estimate"
DELIVER = "estimates.deliver_estimate"


def section_context(
    request: HttpRequest, encounter: Encounter, errors: list[str] | None = None
) -> dict[str, Any]:
    estimate = queries.current_estimate(encounter)
    if estimate is not None:
        record_view(request, estimate)
    earlier = list(
        queries.estimates_of(encounter)
        .filter(is_current=False)
        .values("pk", "created_at", "patient_total", "reason", "delivered_at")[: queries.HISTORY]
    )
    return {
        "encounter": encounter,
        "estimate": estimate,
        "earlier": earlier,
        "requests": list(queries.gfe_requests_of(encounter)),
        "errors": errors or [],
        "methods": DeliveryMethod.choices,
        "can_add": request.user.has_perm(ADD),
        "can_deliver": request.user.has_perm(DELIVER),
    }


def _section(request: HttpRequest, encounter: Encounter, errors: list[str]) -> HttpResponse:
    return render(request, "estimates/_panel.html", section_context(request, encounter, errors))


def _act(request: HttpRequest, encounter: Encounter, action: Callable[[], Any]) -> HttpResponse:
    errors: list[str] = []
    try:
        action()
    except ValidationError as exc:
        errors = [str(m) for m in exc.messages]
    if getattr(request, "htmx", False) or errors:
        return _section(request, encounter, errors)
    return redirect(reverse("web:encounter_detail", args=[encounter.pk]) + "#estimate-title")


def _estimate(encounter: Encounter, estimate_pk: int) -> Estimate:
    return get_object_or_404(Estimate.objects.filter(encounter=encounter), pk=estimate_pk)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    return _section(request, get_encounter_for_user_or_404(request.user, pk), [])


@login_required
@permission_required(ADD, raise_exception=True)
@require_POST
def create(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = get_encounter_for_user_or_404(request.user, pk)
    return _act(
        request,
        encounter,
        lambda: services.do_create_estimate(encounter, request.user, reason="made by a user"),
    )


@login_required
@permission_required(DELIVER, raise_exception=True)
@require_POST
def deliver(request: HttpRequest, pk: int, estimate_pk: int) -> HttpResponse:
    encounter = get_encounter_for_user_or_404(request.user, pk)
    estimate = _estimate(encounter, estimate_pk)
    method = request.POST.get("method", "")
    return _act(
        request, encounter, lambda: services.do_deliver_estimate(estimate, method, request.user)
    )


@login_required
@permission_required(ADD, raise_exception=True)
@require_POST
def request_gfe(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = get_encounter_for_user_or_404(request.user, pk)
    channel = request.POST.get("channel", "")[:20]
    return _act(
        request,
        encounter,
        lambda: services.do_request_gfe(encounter, request.user, channel=channel),
    )


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def document(request: HttpRequest, pk: int, estimate_pk: int) -> HttpResponse:
    encounter = get_encounter_for_user_or_404(request.user, pk)
    estimate = _estimate(encounter, estimate_pk)
    data, name = letters.build_document(estimate)
    record_event(AuditAction.EXPORT, obj=estimate, request=request, detail={"format": "pdf"})
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
