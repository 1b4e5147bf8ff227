"""Admin pages for patient data: every read is recorded by ``AuditedModelAdmin``."""

from __future__ import annotations

from django.contrib import admin

from finclear.audit.admin_mixins import AuditedModelAdmin
from finclear.patients.models import Coverage, Guarantor, Patient

TIMESTAMPS = ("created_at", "updated_at")


class CoverageInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Coverage
    extra = 0
    autocomplete_fields = ("payer", "plan")
    readonly_fields = TIMESTAMPS
    show_change_link = True


@admin.register(Patient)
class PatientAdmin(AuditedModelAdmin):
    list_display = ("pk", "mrn", "last_name", "first_name", "date_of_birth", "sex", "facility")
    list_display_links = ("pk", "mrn")
    list_filter = ("facility", "sex")
    list_select_related = ("facility",)
    search_fields = ("mrn", "last_name", "first_name")
    autocomplete_fields = ("facility",)
    raw_id_fields = ("guarantor",)
    readonly_fields = TIMESTAMPS
    inlines = (CoverageInline,)


@admin.register(Guarantor)
class GuarantorAdmin(AuditedModelAdmin):
    list_display = ("pk", "last_name", "first_name", "relationship_to_patient")
    list_filter = ("relationship_to_patient",)
    search_fields = ("last_name", "first_name")
    readonly_fields = TIMESTAMPS


@admin.register(Coverage)
class CoverageAdmin(AuditedModelAdmin):
    list_display = (
        "pk",
        "patient",
        "order",
        "payer",
        "plan",
        "effective_date",
        "termination_date",
        "is_active",
    )
    list_filter = ("order", "is_active", "payer__payer_type", "payer")
    list_select_related = ("patient", "payer", "plan")
    search_fields = ("member_id", "patient__mrn", "patient__last_name")
    raw_id_fields = ("patient",)
    autocomplete_fields = ("payer", "plan")
    readonly_fields = TIMESTAMPS
