"""Admin pages: rules are edited here; authorizations are patient data, so reads are audited."""

from __future__ import annotations

from django.contrib import admin

from finclear.audit.admin_mixins import AuditedModelAdmin
from finclear.authorizations.models import (
    Authorization,
    AuthorizationDocument,
    AuthorizationRule,
    AuthorizationService,
    AuthorizationUse,
)

TIMESTAMPS = ("created_at", "updated_at")


@admin.register(AuthorizationRule)
class AuthorizationRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "rule_id",
        "payer",
        "plan",
        "codes",
        "requires",
        "effective_date",
        "expiration_date",
        "is_active",
    )
    list_filter = ("requires", "is_active", "payer")
    list_select_related = ("payer", "plan")
    search_fields = ("rule_id", "codes", "source", "payer__name")
    autocomplete_fields = ("payer", "plan")
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("rule_id", "payer", "plan", "requires", "is_active")}),
        (
            "Matches",
            {"fields": ("codes", "places_of_service", "encounter_types", "diagnoses", "min_units")},
        ),
        ("In force", {"fields": (("effective_date", "expiration_date"), "source", "note")}),
        ("Record", {"fields": TIMESTAMPS}),
    )


class AuthorizationServiceInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AuthorizationService
    extra = 0
    fields = ("cpt_hcpcs", "requested_units", "approved_units", "decision", "decision_code")
    raw_id_fields = ("service_line",)


class AuthorizationDocumentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AuthorizationDocument
    extra = 0
    fields = ("kind", "reference", "transmission", "added_by", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("added_by",)


class AuthorizationUseInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AuthorizationUse
    extra = 0
    fields = ("service_line", "units")
    raw_id_fields = ("service_line",)


@admin.register(Authorization)
class AuthorizationAdmin(AuditedModelAdmin):
    list_display = (
        "pk",
        "payer",
        "status",
        "certification_number",
        "start_date",
        "end_date",
        "decision_due_at",
        "channel",
    )
    list_filter = ("status", "channel", "expedited", "payer")
    list_select_related = ("payer",)
    search_fields = ("certification_number", "request_reference")
    raw_id_fields = ("coverage", "encounter", "requested_by", "recorded_by")
    readonly_fields = (*TIMESTAMPS, "decision_due_at", "request_reference")
    inlines = (AuthorizationServiceInline, AuthorizationUseInline, AuthorizationDocumentInline)
