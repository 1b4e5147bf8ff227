"""Eligibility outcome of the open encounters: for the demo's summary and the batch page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from finclear.eligibility.models import CheckStatus, CoverageState, EligibilityCheck
from finclear.scheduling.models import Encounter, EncounterStatus

LABELS = (
    ("verified", "Verified active"),
    ("inactive", "Coverage inactive"),
    ("rejected", "Rejected by the payer"),
    ("needs_review", "Needs review"),
    ("error", "Error (no usable answer)"),
    ("not_verified", "No check (no payer to ask, or not due)"),
)


@dataclass(frozen=True)
class EligibilitySummary:
    counts: dict[str, int]

    @property
    def rows(self) -> list[tuple[str, int]]:
        return [(label, self.counts.get(key, 0)) for key, label in LABELS]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def outcome_of(status: str, coverage_status: str) -> str:
    if coverage_status == CoverageState.INACTIVE:
        return "inactive"
    if status in (CheckStatus.VERIFIED, CheckStatus.MANUALLY_VERIFIED):
        return "verified"
    return str(status)


def build_eligibility_summary() -> EligibilitySummary:
    """Open encounters counted by the outcome of their latest check."""
    open_ids = set(
        Encounter.objects.filter(
            status__in=(EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED)
        ).values_list("pk", flat=True)
    )
    latest: dict[int, str] = {}
    rows = (
        EligibilityCheck.objects.filter(encounter_id__in=open_ids)
        .order_by("encounter_id", "-requested_at", "-pk")
        .values_list("encounter_id", "status", "coverage_status")
    )
    for encounter_id, status, coverage_status in rows.iterator(2000):
        if encounter_id not in latest:
            latest[encounter_id] = outcome_of(status, coverage_status)
    counts = Counter(latest.values())
    counts["not_verified"] = len(open_ids) - len(latest)
    return EligibilitySummary(dict(counts))
