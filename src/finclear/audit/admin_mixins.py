"""``AuditedModelAdmin``: admin pages that show patient data record who read what.

Changes made through the admin are recorded by the save/delete signal receivers; this mixin
adds the reads: each change page shown, each history page, and each row of a change list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse

from finclear.audit.services import record_list_view, record_view


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: models.Model | None = None,
    ) -> HttpResponse:
        if change and obj is not None and obj.pk is not None:
            record_view(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        obj = getattr(response, "context_data", {}).get("object")
        if response.status_code == 200 and isinstance(obj, models.Model):
            record_view(request, obj, detail={"via": "history"})
        return response

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            record_list_view(request, changelist.result_list, f"admin:{self.opts.label_lower}")
        return response
