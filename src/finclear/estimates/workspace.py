"""The estimate card of the clearance workspace (the worklist item's page).

A compact view of the encounter's latest estimate (patient's share, complete or not,
delivered or not, the letter PDF) with a button to (re)calculate it, loaded and refreshed
by htmx; the encounter page keeps the full section with its lines. The workspace includes
``estimates/_workspace_estimate.html``, which loads ``card``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from finclear.accounts.scoping import get_encounter_for_user_or_404
from finclear.audit.services import record_view
from finclear.estimates import services
from finclear.estimates.models import Estimate
from finclear.estimates.views import ADD, VIEW
from finclear.scheduling.models import Encounter


def latest_estimate(encounter: Encounter) -> Estimate | None:
    """The current estimate, else the newest one (all superseded)."""
    return (
        Estimate.objects.filter(encounter=encounter)
        .select_related("delivered_by")
        .order_by("-is_current", "-created_at", "-pk")
        .first()
    )


def card_context(
    request: HttpRequest, encounter: Encounter, errors: list[str] | None = None
) -> dict[str, Any]:
    estimate = latest_estimate(encounter)
    if estimate is not None:
        record_view(request, estimate)
    return {
        "encounter": encounter,
        "estimate": estimate,
        "has_lines": encounter.service_lines.exists(),
        "errors": errors or [],
        "can_add": request.user.has_perm(ADD),
    }


def _card(request: HttpRequest, encounter: Encounter, errors: list[str]) -> HttpResponse:
    return render(
        request, "estimates/_workspace_card.html", card_context(request, encounter, errors)
    )


def _workspace_url(encounter: Encounter) -> str:
    try:
        case_pk = encounter.clearance_case.pk
    except ObjectDoesNotExist:
        return reverse("web:encounter_detail", args=[encounter.pk]) + "#estimate-title"
    return reverse("workqueue:workspace", args=[case_pk]) + "#workspace-estimate-title"


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def card(request: HttpRequest, pk: int) -> HttpResponse:
    return _card(request, get_encounter_for_user_or_404(request.user, pk), [])


@login_required
@permission_required(ADD, raise_exception=True)
@require_POST
def recalculate(request: HttpRequest, pk: int) -> HttpResponse:
    """Calculate the estimate now; the card again (htmx), or back to the workspace."""
    encounter = get_encounter_for_user_or_404(request.user, pk)
    errors: list[str] = []
    try:
        services.do_create_estimate(encounter, request.user, reason="recalculated in the workspace")
    except ValidationError as exc:
        errors = [str(m) for m in exc.messages]
    if getattr(request, "htmx", False) or errors:
        return _card(request, encounter, errors)
    return redirect(_workspace_url(encounter))
