from __future__ import annotations

from django.contrib import admin

from finclear.payers.models import Payer, PayerIdentifier, Plan

TIMESTAMPS = ("created_at", "updated_at")


class PayerIdentifierInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PayerIdentifier
    extra = 0
    fields = ("clearinghouse", "identifier")


class PlanInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Plan
    extra = 0
    fields = ("code", "name", "product", "network", "is_active")
    show_change_link = True


@admin.register(Payer)
class PayerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "payer_type", "primary_payer_id", "is_active")
    list_filter = ("payer_type", "is_active")
    search_fields = ("name", "primary_payer_id", "identifiers__identifier")
    readonly_fields = TIMESTAMPS
    inlines = (PayerIdentifierInline, PlanInline)


@admin.register(PayerIdentifier)
class PayerIdentifierAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("clearinghouse", "identifier", "payer")
    list_filter = ("clearinghouse",)
    list_select_related = ("payer",)
    search_fields = ("identifier", "payer__name")
    autocomplete_fields = ("payer",)
    readonly_fields = TIMESTAMPS


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "payer", "product", "network", "is_active")
    list_filter = ("product", "is_active", "payer")
    list_select_related = ("payer",)
    search_fields = ("code", "name", "payer__name", "group_number")
    autocomplete_fields = ("payer",)
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("payer", "code", "name", "product", "network", "group_number")}),
        (
            "Benefit design",
            {
                "fields": (
                    ("deductible_individual", "deductible_family"),
                    ("oop_max_individual", "oop_max_family"),
                    "coinsurance_percent",
                    ("copay_primary_care", "copay_specialist"),
                    ("copay_er", "copay_urgent_care"),
                )
            },
        ),
        (None, {"fields": ("is_active", *TIMESTAMPS)}),
    )
