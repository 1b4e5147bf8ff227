from __future__ import annotations

from django.contrib import admin

from finclear.contracts.models import (
    BaseRate,
    BaseSchedule,
    FeeSchedule,
    FeeScheduleRate,
    SelfPayPolicy,
)

TIMESTAMPS = ("created_at", "updated_at")


class BaseRateInline(admin.TabularInline):  # type: ignore[type-arg]
    model = BaseRate
    extra = 0
    fields = ("code", "rate")


class FeeScheduleRateInline(admin.TabularInline):  # type: ignore[type-arg]
    model = FeeScheduleRate
    extra = 0
    fields = ("code", "rate")


@admin.register(BaseSchedule)
class BaseScheduleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "effective_from", "effective_to", "source")
    search_fields = ("name",)
    readonly_fields = TIMESTAMPS
    inlines = (BaseRateInline,)


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "payer", "plan", "network", "effective_from", "effective_to")
    list_filter = ("network", "payer")
    list_select_related = ("payer", "plan")
    search_fields = ("name", "payer__name", "plan__code")
    autocomplete_fields = ("payer", "plan")
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("name", "payer", "plan", "network")}),
        ("In force", {"fields": (("effective_from", "effective_to"),)}),
        (
            "Terms (a rate per code below comes first)",
            {"fields": (("base", "base_percent"), "charges_percent", ("case_rate", "per_diem"))},
        ),
        ("Record", {"fields": TIMESTAMPS}),
    )
    inlines = (FeeScheduleRateInline,)


@admin.register(SelfPayPolicy)
class SelfPayPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("facility", "discount_percent", "effective_from", "effective_to")
    list_filter = ("facility",)
    readonly_fields = TIMESTAMPS
