from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from finclear.audit.forms import AuditSearchForm
from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.queries import search_events
from finclear.audit.services import record_event

PAGE_SIZE = 50
EXPORT_COLUMNS = [
    "occurred_at",
    "username",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "channel",
    "ip_address",
    "path",
]


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
def search(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    page = None
    if not request.GET or form.is_valid():
        filters = form.cleaned_data if request.GET else {}
        # Recorded first, so the page and its count agree: an auditor's search is in the trail.
        record_event(
            AuditAction.VIEW,
            object_type="audit.auditevent",
            patient_id=filters.get("patient_id"),
            request=request,
            detail={"filters": form.used_filters() if request.GET else []},
        )
        page = Paginator(search_events(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "audit/_results.html" if getattr(request, "htmx", False) else "audit/search.html"
    return render(request, template, context)


@login_required
@permission_required("audit.export_auditevent", raise_exception=True)
def export(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "audit/search.html", {"form": form, "page": None}, status=400)
    filters = form.cleaned_data if request.GET else {}
    events = search_events(filters)
    record_event(
        AuditAction.EXPORT,
        object_type="audit.auditevent",
        patient_id=filters.get("patient_id"),
        request=request,
        detail={"filters": form.used_filters() if request.GET else [], "format": "csv"},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                event.occurred_at.isoformat(),
                event.username,
                event.action,
                event.object_type,
                event.object_id,
                "" if event.patient_id is None else event.patient_id,
                event.channel,
                event.ip_address or "",
                event.path,
            ]
        )
