"""The clearance checks a case's status is computed from.

``build_facts`` loads, for many cases at once, what the checks look at (the encounter, its
visit date, the patient's coverages in force that day). Each check reads one ``CaseFacts``
and returns a ``Finding`` (what is still needed, and why) or None when its part is cleared.
``CHECKS`` runs in order of urgency and the first finding sets the status; a case with no
finding is cleared. Checks for authorization, estimate and counseling join the list, and
their facts join ``CaseFacts``, as their apps land (``finclear.rules.clearance``, a later
issue).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from finclear.patients.models import Coverage
from finclear.scheduling.models import Encounter
from finclear.workqueue.models import CaseStatus, ClearanceCase


@dataclass(frozen=True)
class Finding:
    status: str
    reason: str


@dataclass(frozen=True)
class CaseFacts:
    encounter: Encounter
    visit_date: dt.date
    coverages: Sequence[Coverage]
    """Active coverages in force on the visit date, primary first."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Facts other apps load for their checks (``register_facts``), by the app's label."""


Check = Callable[[CaseFacts], Finding | None]
FactLoader = Callable[[Sequence[ClearanceCase], dict[int, CaseFacts]], None]
FACT_LOADERS: list[FactLoader] = []


def register_facts(loader: FactLoader) -> None:
    """Add an app's facts loader: it fills ``CaseFacts.extra`` for many cases at once."""
    if loader not in FACT_LOADERS:
        FACT_LOADERS.append(loader)


def visit_date(encounter: Encounter) -> dt.date:
    return encounter.scheduled_at.astimezone(encounter.facility.zone).date()


def build_facts(cases: Sequence[ClearanceCase]) -> dict[int, CaseFacts]:
    """Facts per case pk, in a fixed number of queries (cases come with encounter__facility)."""
    patient_ids = {case.encounter.patient_id for case in cases}
    by_patient: dict[int, list[Coverage]] = defaultdict(list)
    coverages = (
        Coverage.objects.filter(patient_id__in=patient_ids, is_active=True)
        .select_related("payer")
        .order_by("patient_id", "order", "pk")
    )
    for coverage in coverages:
        by_patient[coverage.patient_id].append(coverage)
    facts = {}
    for case in cases:
        day = visit_date(case.encounter)
        in_force = [c for c in by_patient[case.encounter.patient_id] if c.is_in_force_on(day)]
        facts[case.pk] = CaseFacts(case.encounter, day, in_force)
    for loader in FACT_LOADERS:
        loader(cases, facts)
    return facts


def check_eligibility(facts: CaseFacts) -> Finding | None:
    """Eligibility is cleared only by a verified 271 response, which nothing records yet.

    Until the eligibility app exists, every open case therefore needs eligibility; the reason
    says whether there is a coverage to verify or none on file for the visit date.
    """
    if not facts.coverages:
        return Finding(
            CaseStatus.NEEDS_ELIGIBILITY,
            f"no active coverage on file for {facts.visit_date.isoformat()}",
        )
    primary = facts.coverages[0]
    if primary.payer.is_self_pay:
        return Finding(
            CaseStatus.NEEDS_ELIGIBILITY, "self-pay on file: confirm the patient has no coverage"
        )
    return Finding(
        CaseStatus.NEEDS_ELIGIBILITY,
        f"{primary.get_order_display().lower()} coverage with {primary.payer.name} "
        "not verified (no eligibility response on file)",
    )


CHECKS: list[Check] = [check_eligibility]


def register_check(check: Check) -> None:
    """Add an app's check after those above; apps call it from ``AppConfig.ready``."""
    if check not in CHECKS:
        CHECKS.append(check)


def replace_check(old: Check, new: Check) -> None:
    """Put an app's check in the place of an earlier one (eligibility replaces the default)."""
    CHECKS[:] = [new if check is old else check for check in CHECKS]
    if new not in CHECKS:
        CHECKS.insert(0, new)


def build_finding(facts: CaseFacts, checks: Sequence[Check] = CHECKS) -> Finding:
    """The first check's finding, or cleared."""
    for check in checks:
        finding = check(facts)
        if finding is not None:
            return finding
    return Finding(CaseStatus.CLEARED, "every check passed")
