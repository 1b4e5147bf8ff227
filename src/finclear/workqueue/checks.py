"""The clearance checks a case's status is computed from.

Each check looks at one encounter and returns a ``Finding`` (what is still needed, and why)
or None when that part is cleared. ``CHECKS`` runs in order of urgency and the first finding
sets the case status; a case with no finding is cleared. Checks for authorization, estimate
and counseling join the list as their apps land (``finclear.rules.clearance``, a later issue).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from finclear.patients.models import Coverage
from finclear.scheduling.models import Encounter
from finclear.workqueue.models import CaseStatus


@dataclass(frozen=True)
class Finding:
    status: str
    reason: str


Check = Callable[[Encounter], Finding | None]


def visit_date(encounter: Encounter) -> dt.date:
    return encounter.scheduled_at.astimezone(encounter.facility.zone).date()


def check_eligibility(encounter: Encounter) -> Finding | None:
    """Eligibility is cleared only by a verified 271 response, which nothing records yet.

    Until the eligibility app exists, every open case therefore needs eligibility; the reason
    says whether there is a coverage to verify or none on file for the visit date.
    """
    day = visit_date(encounter)
    coverages = [
        c
        for c in Coverage.objects.filter(patient_id=encounter.patient_id, is_active=True)
        .select_related("payer")
        .order_by("order")
        if c.is_in_force_on(day)
    ]
    if not coverages:
        return Finding(
            CaseStatus.NEEDS_ELIGIBILITY,
            f"no active coverage on file for {day.isoformat()}",
        )
    primary = coverages[0]
    if primary.payer.is_self_pay:
        return Finding(
            CaseStatus.NEEDS_ELIGIBILITY,
            "self-pay on file: confirm the patient has no coverage",
        )
    return Finding(
        CaseStatus.NEEDS_ELIGIBILITY,
        f"{primary.get_order_display().lower()} coverage with {primary.payer.name} "
        "not verified (no eligibility response on file)",
    )


CHECKS: list[Check] = [check_eligibility]
