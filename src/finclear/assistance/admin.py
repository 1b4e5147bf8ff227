from __future__ import annotations

from django.contrib import admin

from finclear.assistance.models import (
    ApplicationDocument,
    AssistanceApplication,
    AssistancePolicy,
    CollectionAction,
    DiscountTier,
    PaymentPlan,
    PlanInstallment,
    PlanPayment,
    PosPayment,
    PovertyGuideline,
)
from finclear.audit.admin_mixins import AuditedModelAdmin

TIMESTAMPS = ("created_at", "updated_at")


AGB_HELP = (
    "finclear does not compute AGB: it has no claims or remittance to do it with. Enter the "
    "percentage your hospital computed (the look-back method: the allowed amounts of a past "
    "12-month period over their gross charges) and, in the basis, its source: the look-back "
    "period and the claims used. The prospective Medicare method is not supported. The "
    "figure applies for this policy's effective dates; a new figure is a new policy."
)


class DiscountTierInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DiscountTier
    extra = 0


@admin.register(AssistancePolicy)
class AssistancePolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "name",
        "facility",
        "effective_from",
        "effective_to",
        "agb_percent",
        "agb_source",
    )
    list_filter = ("facility",)
    readonly_fields = ("agb_in_force", *TIMESTAMPS)
    inlines = (DiscountTierInline,)
    fieldsets = (
        (None, {"fields": ("facility", "name", ("effective_from", "effective_to"))}),
        (
            "Financial assistance",
            {
                "fields": (
                    "asset_limit",
                    "presumptive_sources",
                    "presumptive_discount",
                )
            },
        ),
        (
            "Amounts generally billed (AGB)",
            {
                "description": AGB_HELP,
                "fields": (("agb_percent", "agb_basis"), "agb_in_force"),
            },
        ),
        (
            "Payment plans",
            {
                "fields": (
                    ("plan_min_monthly", "plan_max_months"),
                    ("plan_down_percent", "plan_down_minimum"),
                    "plan_apr_percent",
                    ("plan_default_after", "plan_grace_days"),
                )
            },
        ),
        (
            "Point-of-service collection",
            {
                "fields": (
                    "pos_collect_prior_balance",
                    ("pos_deposit_percent", "pos_deposit_cap"),
                    "pos_deposit_visit_kinds",
                )
            },
        ),
        ("Record", {"fields": TIMESTAMPS}),
    )

    @admin.display(description="AGB source")
    def agb_source(self, obj: AssistancePolicy) -> str:
        if obj.agb_percent is None:
            return "no AGB cap"
        return obj.agb_basis or "not recorded"

    @admin.display(description="AGB in force")
    def agb_in_force(self, obj: AssistancePolicy) -> str:
        return build_agb_summary(obj)


def build_agb_summary(policy: AssistancePolicy) -> str:
    """The AGB figure with its effective dates and source, in words."""
    if policy.pk is None:
        return "saved with the policy"
    start = policy.effective_from.isoformat()
    end = policy.effective_to.isoformat() if policy.effective_to else None
    dates = f"from {start} to {end}" if end else f"from {start} until replaced"
    if policy.agb_percent is None:
        return f"No AGB percentage: approved charges are capped at gross charges ({dates})"
    source = policy.agb_basis or "source not recorded"
    return f"{policy.agb_percent}% of gross charges, {dates}; hand-entered; {source}"


@admin.register(PovertyGuideline)
class PovertyGuidelineAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("year", "region", "first_person", "each_additional", "source")
    readonly_fields = TIMESTAMPS


class DocumentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ApplicationDocument
    extra = 0


@admin.register(AssistanceApplication)
class AssistanceApplicationAdmin(AuditedModelAdmin):
    list_display = ("pk", "patient", "status", "received_on", "discount_percent", "amount_due")
    list_filter = ("status",)
    raw_id_fields = ("patient", "encounter")
    readonly_fields = TIMESTAMPS
    inlines = (DocumentInline,)


@admin.register(CollectionAction)
class CollectionActionAdmin(AuditedModelAdmin):
    """Recorded through the service, which refuses what 501(r) blocks: read-only here."""

    list_display = ("pk", "patient", "kind", "taken_on")
    raw_id_fields = ("patient",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class InstallmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PlanInstallment
    extra = 0
    can_delete = False
    readonly_fields = ("version", "number", "due", "amount", "principal", "interest")


class PlanPaymentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PlanPayment
    extra = 0
    can_delete = False
    readonly_fields = ("paid_on", "amount", "method", "reference", "recorded_by")


@admin.register(PaymentPlan)
class PaymentPlanAdmin(AuditedModelAdmin):
    """Plans are made and paid through the services (schedules are calculated): read-only."""

    list_display = (
        "pk",
        "patient",
        "state",
        "balance",
        "monthly_payment",
        "months",
        "missed",
        "past_due_amount",
        "status_on",
    )
    list_filter = ("state",)
    raw_id_fields = ("patient", "encounter")
    inlines = (InstallmentInline, PlanPaymentInline)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PosPayment)
class PosPaymentAdmin(AuditedModelAdmin):
    list_display = ("receipt_number", "encounter", "kind", "amount", "method", "received_at")
    list_filter = ("kind", "method")
    raw_id_fields = ("encounter",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
