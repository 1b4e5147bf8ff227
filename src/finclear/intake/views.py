"""The Imports page: past import runs with their counts and problems."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from finclear.intake.access import check_can_view_runs
from finclear.intake.models import ImportRun

PAGE_SIZE = 25


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    if not check_can_view_runs(request.user):
        raise PermissionDenied
    runs = ImportRun.objects.select_related("user")
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "intake/import_list.html", {"page": page, "query": ""})
