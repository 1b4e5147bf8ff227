"""The worklist and the encounter workspace: views stay thin (reads in ``queries``, writes in
``services``); every case outside the user's facilities answers 404; every read of patient
data is audited; every action checks its permission here and in the API alike.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.views.decorators.http import require_GET, require_POST

from finclear.audit.services import record_view
from finclear.workqueue import queries, services
from finclear.workqueue.forms import (
    NoteForm,
    OverrideForm,
    ReassignForm,
    SavedViewForm,
    WorklistFilterForm,
)
from finclear.workqueue.models import ClearanceCase, SavedView
from finclear.workqueue.queries import TAB_ORDER, TODO
from finclear.workqueue.rendering import build_rows_html, build_tabs_html

VIEW = "workqueue.view_clearancecase"
WORK = "workqueue.change_clearancecase"
REASSIGN = "workqueue.assign_task"
OVERRIDE = "workqueue.override_clearance"
NOTE = "workqueue.add_casenote"
VERIFY = "eligibility.verify_eligibility"
BULK_ACTIONS = {
    "claim": WORK,
    "release": WORK,
    "verify_eligibility": VERIFY,
}
TAB_LABELS = dict([(TODO, "To do"), *[(s.value, s.label) for s in TAB_ORDER], (queries.ALL, "All")])


@functools.lru_cache(maxsize=16)
def _urls_for(prefix: str, urlconf: str | None) -> dict[str, str]:
    urls = {name: reverse(f"workqueue:{name}") for name in ("worklist", "claim_next", "save_view")}
    urls["bulk"] = reverse("workqueue:bulk")
    # Rows link to "<cases><pk>/", saved views are deleted at "<views><pk>/delete/".
    urls["cases"] = reverse("workqueue:workspace", args=[0])[: -len("0/")]
    urls["views"] = reverse("workqueue:delete_view", args=[0])[: -len("0/delete/")]
    return urls


def worklist_urls() -> dict[str, str]:
    """The worklist page's own addresses, reversed once per script prefix and URLconf (the
    page reversed six on every request)."""
    return _urls_for(get_script_prefix(), get_urlconf())


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def case_or_404(request: HttpRequest, pk: int) -> ClearanceCase:
    try:
        return queries.workspace_case(request.user, pk)
    except ClearanceCase.DoesNotExist:
        raise Http404("No such case in your facilities") from None


def _filter_query(request: HttpRequest) -> QueryDict:
    query = request.GET.copy()
    for name in ("page", "csrfmiddlewaretoken"):
        query.pop(name, None)
    return query


def build_worklist_context(request: HttpRequest) -> dict[str, Any]:
    form = WorklistFilterForm(request.GET or None, user=request.user)
    worklist = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        try:
            page = int(request.GET.get("page", "1"))
        except ValueError:
            page = 1
        worklist = queries.build_worklist(
            request.user,
            data,
            tab=data.get("tab") or TODO,
            sort=data.get("sort") or "priority",
            page=page,
            request=request,  # every row shown is recorded as viewed
        )
    query = _filter_query(request)
    tab_query = query.copy()
    tab_query.pop("tab", None)
    tabs = []
    if worklist is not None:
        # Each tab's query is the filters' and then its own tab, as QueryDict writes it (a
        # copy and an encoding of the whole query per tab cost more than the tabs' markup).
        others = tab_query.urlencode()
        lead = f"{others}&" if others else ""
        for value, label in TAB_LABELS.items():
            tabs.append(
                {
                    "value": value,
                    "label": label,
                    "count": worklist.counts.get(value, 0),
                    "query": lead + urlencode({"tab": value}),
                    "active": value == worklist.tab,
                }
            )
    urls = worklist_urls()
    cases_url = urls["cases"]  # rows link to "<cases_url><pk>/"
    can_work = request.user.has_perm(WORK)
    return {
        "form": form,
        "worklist": worklist,
        "rows_html": build_rows_html(worklist.page.rows, cases_url, can_work) if worklist else "",
        "page": worklist.page if worklist else None,
        "tabs": tabs,
        "tabs_html": build_tabs_html(tabs),
        "query": query.urlencode(),
        "saved_views": list(queries.saved_views(request.user)),
        "can_work": can_work,
        "can_verify": request.user.has_perm(VERIFY),
        "cases_url": cases_url,
        "urls": urls,
    }


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    context = build_worklist_context(request)
    if is_htmx(request):
        template = "workqueue/_results.html"
    else:
        template = "workqueue/worklist.html"
        context["filter_fields_html"] = context["form"].fields_html()
    status = 200 if context["worklist"] is not None else 422
    return render(request, template, context, status=status)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        name = form.cleaned_data["name"].strip()
        try:
            SavedView.objects.update_or_create(
                user=request.user, name=name, defaults={"query": query[:1000]}
            )
            messages.success(request, f"Saved the view “{name}”.")
        except IntegrityError:
            messages.error(request, f"name: could not save “{name}”")
    else:
        messages.error(request, "name: required (up to 60 characters)")
    return redirect(f"{reverse('workqueue:worklist')}?{query}")


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    deleted, _ = SavedView.objects.filter(user=request.user, pk=pk).delete()
    if not deleted:
        raise Http404("No such saved view")
    messages.success(request, "Saved view deleted.")
    return redirect(reverse("workqueue:worklist"))


def _after_action(request: HttpRequest, case: ClearanceCase, message: str = "") -> HttpResponse:
    if message:
        messages.info(request, message)
    url = reverse("workqueue:workspace", args=[case.pk])
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _refused(request: HttpRequest, text: str, back: str) -> HttpResponse:
    if is_htmx(request):
        return render(request, "workqueue/_error.html", {"error": text}, status=409)
    messages.error(request, text)
    return redirect(back)


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    try:
        services.do_claim_case(case.pk, request.user)
    except services.ClaimRefused as exc:
        return _refused(request, str(exc), reverse("workqueue:worklist"))
    return _after_action(request, case, "Claimed: the item is yours.")


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def claim_next(request: HttpRequest) -> HttpResponse:
    case = services.do_claim_next(request.user, queries.cases_for_user(request.user))
    if case is None:
        messages.info(request, "Nothing left to claim: every open item is taken or cleared.")
        return redirect(reverse("workqueue:worklist"))
    return _after_action(request, case, "Next item claimed.")


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    force = request.user.has_perm(REASSIGN)
    try:
        services.do_release_case(case.pk, request.user, force=force)
    except services.ClaimRefused as exc:
        return _refused(request, str(exc), reverse("workqueue:workspace", args=[pk]))
    messages.info(request, "Released back to the queue.")
    return redirect(reverse("workqueue:worklist"))


@login_required
@permission_required(REASSIGN, raise_exception=True)
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = ReassignForm(request.POST, user=request.user)
    if not form.is_valid():
        return _refused(request, "owner: choose someone of your facilities", _workspace(pk))
    services.do_reassign_case(case.pk, form.cleaned_data["owner"], request.user)
    return _after_action(request, case, f"Given to {form.cleaned_data['owner'].get_username()}.")


@login_required
@permission_required(OVERRIDE, raise_exception=True)
@require_POST
def override(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _refused(request, "reason: an override needs a status and a reason", _workspace(pk))
    services.do_override_status(
        case.pk, form.cleaned_data["status"], form.cleaned_data["reason"], request.user
    )
    return _after_action(request, case, "Status overridden.")


@login_required
@permission_required(OVERRIDE, raise_exception=True)
@require_POST
def lift_override(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    services.do_lift_override(case.pk, request.user)
    return _after_action(request, case, "Override lifted: the status is computed again.")


@login_required
@permission_required(NOTE, raise_exception=True)
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, "body: a note needs some text", _workspace(pk))
    services.do_add_note(case, request.user, form.cleaned_data["body"])
    return _after_action(request, case, "Note added.")


@login_required
@permission_required(NOTE, raise_exception=True)
@permission_required(WORK, raise_exception=True)
@require_POST
def record_counseling(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, "body: say what was agreed with the patient", _workspace(pk))
    services.do_record_counseling(case.pk, request.user, form.cleaned_data["body"])
    return _after_action(request, case, "Counseling recorded.")


def _workspace(pk: int) -> str:
    return reverse("workqueue:workspace", args=[pk])


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Claim, release or verify eligibility for the selected items of the worklist."""
    action = request.POST.get("action", "")
    permission = BULK_ACTIONS.get(action)
    if permission is None:
        return _refused(request, f"action: {action!r} is not a bulk action", _list(request))
    if not request.user.has_perm(permission):
        raise PermissionDenied(f"{action}: not allowed for your role")
    try:
        ids = sorted({int(v) for v in request.POST.getlist("case")})
    except ValueError:
        return _refused(request, "case: not a case number", _list(request))
    if not ids:
        return _refused(request, "case: select at least one item", _list(request))
    result = services.do_bulk(action, ids, request.user, queries.cases_for_user(request.user))
    messages.info(request, result.summary())
    return redirect(_list(request))


def _list(request: HttpRequest) -> str:
    query = request.POST.get("query", "")
    return f"{reverse('workqueue:worklist')}?{query}" if query else reverse("workqueue:worklist")


def build_workspace_context(request: HttpRequest, case: ClearanceCase) -> dict[str, Any]:
    user = request.user
    before, after = queries.neighbours(user, case)
    encounter = case.encounter
    return {
        "case": case,
        "encounter": encounter,
        "patient": encounter.patient,
        "coverages": queries.coverages_of(encounter),
        "charges": sum((line.charge for line in encounter.service_lines.all()), Decimal("0.00")),
        "estimate_app": apps.is_installed("finclear.estimates"),
        "previous_case": before,
        "next_case": after,
        "is_mine": case.owner_id == user.pk,
        "can_work": user.has_perm(WORK),
        "can_reassign": user.has_perm(REASSIGN),
        "can_override": user.has_perm(OVERRIDE),
        "can_note": user.has_perm(NOTE),
        "note_form": NoteForm(),
        "override_form": OverrideForm(),
        "reassign_form": ReassignForm(user=user) if user.has_perm(REASSIGN) else None,
        "back_query": urlencode({"tab": TODO}),
    }


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def workspace(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    record_view(request, case)
    return render(request, "workqueue/workspace.html", build_workspace_context(request, case))


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status panel alone (htmx refreshes it after an action in another panel)."""
    case = case_or_404(request, pk)
    record_view(request, case, detail={"via": "status panel"})
    return render(request, "workqueue/_status.html", build_workspace_context(request, case))
