"""The web shell's pages. Views stay thin: reads in ``queries``, every patient read audited."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from finclear.audit.services import record_list_view, record_view
from finclear.web import queries
from finclear.web.forms import EncounterFilterForm
from finclear.web.templatetags.shell import nav_items

PAGE_SIZE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Go to the first section the user may open."""
    items = nav_items({"request": request})
    if items:
        return redirect(items[0].url)
    return render(request, "web/home.html")


@login_required
@permission_required("scheduling.view_encounter", raise_exception=True)
def encounter_list(request: HttpRequest) -> HttpResponse:
    data = request.GET if request.GET else {"date_from": timezone.localdate().isoformat()}
    form = EncounterFilterForm(data, user=request.user)
    page = None
    if form.is_valid():
        encounters = queries.encounters_for_user(request.user, form.cleaned_data)
        page = Paginator(encounters, PAGE_SIZE).get_page(request.GET.get("page"))
        record_list_view(request, page.object_list, "encounters")
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "web/_encounter_rows.html" if getattr(request, "htmx", False) else None
    return render(request, template or "web/encounter_list.html", context)


@login_required
@permission_required("scheduling.view_encounter", raise_exception=True)
def encounter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = queries.encounter_page(request.user, pk)
    record_view(request, encounter)
    case = getattr(encounter, "clearance_case", None)
    return render(request, "web/encounter_detail.html", {"encounter": encounter, "case": case})


@login_required
@permission_required("patients.view_patient", raise_exception=True)
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient, encounters, total = queries.patient_page(request.user, pk)
    record_view(request, patient)
    context = {"patient": patient, "encounters": encounters, "encounter_total": total}
    return render(request, "web/patient_detail.html", context)
