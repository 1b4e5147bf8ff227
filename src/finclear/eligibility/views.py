"""Eligibility in the web app: the encounter page's section (htmx), verify now, manual
verification, the raw X12 of a check (its own permission), and the batch runs.

Every page that shows a check is audited; a check outside the user's facilities answers 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from finclear.accounts.scoping import get_encounter_for_user_or_404, scope_encounters
from finclear.audit.services import record_list_view, record_view
from finclear.eligibility import queries
from finclear.eligibility.batch import do_start_batch
from finclear.eligibility.models import EligibilityCheck, ManualMethod
from finclear.eligibility.services import NothingToVerify, do_verify, do_verify_manually
from finclear.patients.models import Coverage
from finclear.scheduling.models import Encounter


class ManualVerificationForm(forms.Form):
    coverage = forms.ModelChoiceField(queryset=Coverage.objects.none())
    method = forms.ChoiceField(choices=ManualMethod.choices)
    reference = forms.CharField(max_length=100, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, encounter: Encounter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["coverage"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Coverage.objects.filter(
            patient_id=encounter.patient_id, is_active=True
        ).select_related("payer")
        field.label_from_instance = lambda c: f"{c.get_order_display()}: {c.payer.name}"


def _encounter(request: HttpRequest, pk: int) -> Encounter:
    queryset = Encounter.objects.select_related("patient", "facility")
    encounter: Encounter = get_encounter_for_user_or_404(request.user, pk, queryset=queryset)
    return encounter


def build_section_context(
    request: HttpRequest,
    encounter: Encounter,
    *,
    message: str = "",
    form: ManualVerificationForm | None = None,
) -> dict[str, Any]:
    """What the eligibility section shows; records the view of the checks it lists."""
    checks = list(queries.checks_of(encounter)[: queries.HISTORY_LIMIT])
    record_list_view(request, checks, "eligibility checks")
    answered = next((c for c in checks if c.benefits), None)
    user = request.user
    return {
        "encounter": encounter,
        "checks": checks,
        "latest": checks[0] if checks else None,
        "answered": answered,
        "benefits": queries.benefits_table(answered) if answered is not None else (),
        "form": form or ManualVerificationForm(encounter=encounter),
        "message": message,
        "can_verify": user.has_perm("eligibility.verify_eligibility"),
        "can_verify_manually": user.has_perm("eligibility.verify_manually"),
        "can_see_raw": user.has_perm("eligibility.view_raw_x12"),
    }


def _section(
    request: HttpRequest,
    encounter: Encounter,
    *,
    message: str = "",
    form: ManualVerificationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = build_section_context(request, encounter, message=message, form=form)
    return render(request, "eligibility/_section.html", context, status=status)


@login_required
@permission_required("eligibility.view_eligibilitycheck", raise_exception=True)
def encounter_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The eligibility section of an encounter's page (loaded by htmx, or on its own)."""
    return _section(request, _encounter(request, pk))


@login_required
@require_POST
@permission_required("eligibility.verify_eligibility", raise_exception=True)
def verify_now(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    try:
        check = do_verify(encounter, user=request.user)
    except NothingToVerify as exc:
        return _section(request, encounter, message=str(exc))
    message = f"Verified with the payer: {check.get_status_display().lower()}."
    if not getattr(request, "htmx", False):
        return redirect(reverse("web:encounter_detail", args=[encounter.pk]))
    return _section(request, encounter, message=message)


@login_required
@require_POST
@permission_required("eligibility.verify_manually", raise_exception=True)
def verify_manually(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    form = ManualVerificationForm(request.POST, encounter=encounter)
    if not form.is_valid():
        return _section(request, encounter, form=form, status=422)
    try:
        do_verify_manually(
            encounter,
            form.cleaned_data["coverage"],
            user=request.user,
            method=form.cleaned_data["method"],
            reference=form.cleaned_data["reference"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        for messages in exc.message_dict.values():
            for text in messages:
                form.add_error(None, text)
        return _section(request, encounter, form=form, status=422)
    if not getattr(request, "htmx", False):
        return redirect(reverse("web:encounter_detail", args=[encounter.pk]))
    return _section(request, encounter, message="Manual verification recorded.")


@login_required
@permission_required("eligibility.view_raw_x12", raise_exception=True)
def check_raw(request: HttpRequest, pk: int) -> HttpResponse:
    """The raw 270 and 271 of one check."""
    allowed = scope_encounters(Encounter.objects.all(), request.user)
    check = get_object_or_404(
        EligibilityCheck.objects.select_related("encounter", "coverage__payer"),
        pk=pk,
        encounter__in=allowed,
    )
    record_view(request, check, detail={"via": "raw x12"})
    return render(request, "eligibility/check_raw.html", {"check": check})


@login_required
@permission_required("eligibility.view_eligibilitybatchrun", raise_exception=True)
def batch_runs(request: HttpRequest) -> HttpResponse:
    runs = list(queries.latest_runs())
    context = {"runs": runs, "can_run": request.user.has_perm("eligibility.run_batch")}
    template = "eligibility/_batch_rows.html" if getattr(request, "htmx", False) else None
    return render(request, template or "eligibility/batch_runs.html", context)


@login_required
@require_POST
@permission_required("eligibility.run_batch", raise_exception=True)
def batch_start(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.POST.get("days", "7"))
    except ValueError:
        days = 0
    if not 1 <= days <= 366:
        return HttpResponse("days: a whole number from 1 to 366", status=422)
    do_start_batch(days, triggered_by="web", user=request.user)
    return redirect(reverse("eligibility:batch_runs"))
