"""The encounter page's authorization panel (an htmx partial) and its actions.

Reads are audited (each authorization shown); writes go through the services, whose changes
the audit trail records. Every action is scoped to the user's facilities.
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
from finclear.audit.services import record_list_view
from finclear.authorizations import forms, queries, services
from finclear.authorizations.gateway import sender_for
from finclear.authorizations.models import Authorization
from finclear.scheduling.models import Encounter

CHANGE = "authorizations.change_authorization"


def panel_context(
    request: HttpRequest, encounter: Encounter, errors: list[str] | None = None
) -> dict[str, Any]:
    """What the panel shows; records a view of each authorization shown."""
    lines, rows = queries.build_panel(encounter)
    record_list_view(request, [row.authorization for row in rows], "encounter authorizations")
    return {
        "encounter": encounter,
        "lines": lines,
        "rows": rows,
        "errors": errors or [],
        "request_form": forms.RequestForm(),
        "obtained_form": forms.ObtainedForm(),
        "document_form": forms.DocumentForm(),
        "cancel_form": forms.CancelForm(),
        "can_change": request.user.has_perm(CHANGE),
    }


def _panel(
    request: HttpRequest, encounter: Encounter, errors: list[str] | None = None
) -> HttpResponse:
    """The partial for htmx (the encounter page loads it), a whole page otherwise."""
    template = "_panel.html" if getattr(request, "htmx", False) else "panel_page.html"
    context = panel_context(request, encounter, errors)
    return render(request, f"authorizations/{template}", context)


def _done(request: HttpRequest, encounter: Encounter, errors: list[str]) -> HttpResponse:
    if getattr(request, "htmx", False) or errors:
        return _panel(request, encounter, errors)
    return redirect(reverse("web:encounter_detail", args=[encounter.pk]))


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _act(request: HttpRequest, encounter: Encounter, action: Callable[[], Any]) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        return _done(request, encounter, _messages(exc))
    except services.RequestFailed as exc:
        return _done(request, encounter, [str(exc)])
    return _done(request, encounter, [])


def _authorization(encounter: Encounter, auth_pk: int) -> Authorization:
    return get_object_or_404(
        Authorization.objects.filter(coverage__patient_id=encounter.patient_id), pk=auth_pk
    )


@login_required
@permission_required("authorizations.view_authorization", raise_exception=True)
@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    return _panel(request, get_encounter_for_user_or_404(request.user, pk))


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = get_encounter_for_user_or_404(request.user, pk)

    def run() -> None:
        services.do_evaluate_encounter(encounter)
        services.do_open_authorizations(encounter, user=request.user)

    return _act(request, encounter, run)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def send_request(request: HttpRequest, pk: int, auth_pk: int) -> HttpResponse:
    encounter = get_encounter_for_user_or_404(request.user, pk)
    auth = _authorization(encounter, auth_pk)
    form = forms.RequestForm(request.POST)
    if not form.is_valid():
        return _done(request, encounter, [f"{k}: {v[0]}" for k, v in form.errors.items()])

    def run() -> None:
        try:
            send = sender_for(auth.payer)
        except Exception as exc:  # no endpoint configured: say which payer and where
            raise services.RequestFailed(str(exc)) from None
        services.do_request(
            auth,
            send,
            user=request.user,
            expedited=form.cleaned_data["expedited"],
            channel=form.cleaned_data["channel"],
        )

    return _act(request, encounter, run)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def record_obtained(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = get_encounter_for_user_or_404(request.user, pk)
    form = forms.ObtainedForm(request.POST)
    if not form.is_valid():
        return _done(request, encounter, [f"{k}: {v[0]}" for k, v in form.errors.items()])
    data = form.cleaned_data
    return _act(
        request,
        encounter,
        lambda: services.do_record_obtained(
            encounter,
            channel=data["channel"],
            status=data["status"],
            certification_number=data["certification_number"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            services=[services.ObtainedService(data["cpt_hcpcs"].upper(), data["approved_units"])],
            obtained_from=data["obtained_from"],
            obtained_at=data["obtained_at"],
            user=request.user,
        ),
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def attach_document(request: HttpRequest, pk: int, auth_pk: int) -> HttpResponse:
    encounter = get_encounter_for_user_or_404(request.user, pk)
    auth = _authorization(encounter, auth_pk)
    form = forms.DocumentForm(request.POST)
    if not form.is_valid():
        return _done(request, encounter, [f"{k}: {v[0]}" for k, v in form.errors.items()])
    return _act(
        request,
        encounter,
        lambda: services.do_attach_document(auth, user=request.user, **form.cleaned_data),
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def cancel(request: HttpRequest, pk: int, auth_pk: int) -> HttpResponse:
    encounter = get_encounter_for_user_or_404(request.user, pk)
    auth = _authorization(encounter, auth_pk)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        return _done(request, encounter, ["reason: say why the authorization is cancelled"])
    return _act(
        request,
        encounter,
        lambda: services.do_cancel(auth, form.cleaned_data["reason"], request.user),
    )
