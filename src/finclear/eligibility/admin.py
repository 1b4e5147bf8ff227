"""Read-only admin pages for checks and batch runs: they are written by the service only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from finclear.audit.admin_mixins import AuditedModelAdmin
from finclear.eligibility.models import BatchChunk, EligibilityBatchRun, EligibilityCheck


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EligibilityCheck)
class EligibilityCheckAdmin(ReadOnly, AuditedModelAdmin):
    list_display = (
        "pk", "encounter", "coverage", "channel", "status", "coverage_status", "requested_at",
        "attempts",
    )  # fmt: skip
    list_filter = ("status", "coverage_status", "channel")
    list_select_related = ("encounter", "coverage")
    search_fields = ("trace_number", "payload_id")
    date_hierarchy = "requested_at"
    raw_id_fields = ("encounter", "coverage", "batch_run", "user")


class BatchChunkInline(ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = BatchChunk
    fields = ("number", "status", "attempts", "worker", "lease_until", "finished_at", "last_error")
    readonly_fields = fields
    extra = 0


@admin.register(EligibilityBatchRun)
class EligibilityBatchRunAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "pk", "started_at", "status", "days", "scheduled", "selected", "processed", "verified",
        "needs_review", "inactive", "rejected", "errors",
    )  # fmt: skip
    list_filter = ("status", "triggered_by")
    inlines = [BatchChunkInline]
