from __future__ import annotations

from django.contrib import admin

from finclear.audit.admin_mixins import AuditedModelAdmin
from finclear.estimates.models import Estimate, EstimateLine, GfeRequest

TIMESTAMPS = ("created_at", "updated_at")


class EstimateLineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = EstimateLine
    extra = 0
    can_delete = False
    fields = ("line_number", "code", "status", "charge", "allowed", "patient_total", "explanation")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Estimate)
class EstimateAdmin(AuditedModelAdmin):
    """Estimates are calculated, never typed: the admin shows them read-only."""

    list_display = ("pk", "encounter", "kind", "is_current", "patient_total", "delivered_at")
    list_filter = ("kind", "is_current", "benefits_source")
    raw_id_fields = ("encounter",)
    inlines = (EstimateLineInline,)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(GfeRequest)
class GfeRequestAdmin(AuditedModelAdmin):
    list_display = ("pk", "encounter", "requested_on", "channel")
    raw_id_fields = ("encounter",)
    readonly_fields = TIMESTAMPS
