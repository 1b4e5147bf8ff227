"""Reads behind the eligibility pages and API: checks of an encounter, their benefit tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from finclear.eligibility.models import EligibilityBatchRun, EligibilityCheck
from finclear.rules.benefits import BenefitKind, BenefitRow, ServiceBenefits, summarize_benefits
from finclear.scheduling.models import Encounter

HISTORY_LIMIT = 25
# Columns the history and the API read: the raw X12 stays out unless asked for.
SUMMARY_FIELDS = (
    "pk",
    "encounter_id",
    "coverage_id",
    "coverage__payer__name",
    "coverage__order",
    "batch_run_id",
    "channel",
    "user__username",
    "trace_number",
    "date_of_service",
    "service_types",
    "payer_key",
    "requested_at",
    "responded_at",
    "status",
    "coverage_status",
    "attempts",
    "elapsed_ms",
    "error",
    "reasons",
    "rejections",
    "plan_name",
    "group_number",
    "member_id",
    "plan_begin",
    "plan_end",
    "eligibility_begin",
    "eligibility_end",
    "manual_method",
    "manual_reference",
    "manual_note",
)


def checks_of(encounter: Encounter) -> QuerySet[EligibilityCheck]:
    """The encounter's checks, newest first, without the raw X12 (deferred)."""
    return (
        EligibilityCheck.objects.filter(encounter=encounter)
        .select_related("coverage__payer", "user")
        .defer("raw_270", "raw_271")
        .order_by("-requested_at", "-pk")
    )


def rows_from_json(items: list[dict[str, Any]]) -> tuple[BenefitRow, ...]:
    """The stored benefit rows back as ``BenefitRow`` values (amounts back to Decimal)."""
    rows = []
    for item in items:
        rows.append(
            BenefitRow(
                info_code=item["info_code"],
                kind=BenefitKind(item["kind"]),
                service_type=item["service_type"],
                service_type_name=item["service_type_name"],
                network=item.get("network", ""),
                coverage_level=item.get("coverage_level", ""),
                time_period=item.get("time_period", ""),
                amount=_decimal(item.get("amount")),
                percent=_decimal(item.get("percent")),
                quantity=_decimal(item.get("quantity")),
                quantity_qualifier=item.get("quantity_qualifier", ""),
                authorization_required=item.get("authorization_required", ""),
                plan_description=item.get("plan_description", ""),
                messages=tuple(item.get("messages", ())),
            )
        )
    return tuple(rows)


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def benefits_table(check: EligibilityCheck) -> tuple[ServiceBenefits, ...]:
    return summarize_benefits(rows_from_json(check.benefits or []))


def latest_runs(limit: int = 20) -> QuerySet[EligibilityBatchRun]:
    return EligibilityBatchRun.objects.select_related("user").order_by("-started_at", "-pk")[:limit]
