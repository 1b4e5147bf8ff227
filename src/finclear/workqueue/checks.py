"""The facts a case's clearance status is computed from, loaded once per batch of cases.

``build_facts`` loads, for many cases at once, what the checks look at (the encounter, its
visit date, the patient's coverages in force that day); the apps' loaders
(``register_facts``) add theirs to ``CaseFacts.extra``. Each app's check reads one
``CaseFacts`` and returns a ``Finding`` (what is still needed, and why) or None when its part
is cleared. ``build_clearance_facts`` turns the findings and the facts into the plain
``finclear.rules.clearance.ClearanceFacts``, and that pure engine computes the status, the
open items and the priority (``build_case_clearance``).

An app that knows more than a finding says may put the engine's own facts in ``extra``
under ``ESTIMATE_KEY`` (``EstimateFacts``), ``COUNSELING_KEY`` (``CounselingFacts``) or
``PATIENT_SHARE_KEY`` (the estimate's total): the engine then uses them as they are.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from finclear.patients.models import Coverage
from finclear.rules import clearance as engine
from finclear.rules.money import ZERO
from finclear.scheduling.models import Encounter
from finclear.workqueue.models import CaseStatus, ClearanceCase

ESTIMATE_KEY = "clearance.estimate"
COUNSELING_KEY = "clearance.counseling"
PATIENT_SHARE_KEY = "clearance.patient_share"
# The workqueue's own facts, loaded by ``finclear.workqueue.facts``.
CHARGES_KEY = "workqueue.charges"
DIFFICULTY_KEY = "workqueue.payer_difficulty"
COUNSELED_KEY = "workqueue.counseled"


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
    """The first check's finding, or cleared (the status before the engine weighs days)."""
    for check in checks:
        finding = check(facts)
        if finding is not None:
            return finding
    return Finding(CaseStatus.CLEARED, "every check passed")


def build_findings(facts: CaseFacts, checks: Sequence[Check] = CHECKS) -> list[Finding]:
    """Every check's finding, in the order of the checks."""
    return [finding for check in checks if (finding := check(facts)) is not None]


def primary_payer(facts: CaseFacts) -> Any:
    return facts.coverages[0].payer if facts.coverages else None


def is_uninsured(facts: CaseFacts) -> bool:
    payer = primary_payer(facts)
    return payer is None or bool(payer.is_self_pay)


def build_clearance_facts(
    facts: CaseFacts, today: dt.date, checks: Sequence[Check] = CHECKS
) -> engine.ClearanceFacts:
    """The engine's facts: findings become the parts they name, the rest comes from ``extra``.

    Eligibility is cleared when no check finds it missing; its date is the latest check's
    (``requested_on`` of what the eligibility app loads). Authorization is open when a check
    finds it so. Estimate facts come from the estimates app when it loads them; counseling
    facts default to: uninsured (no coverage, or self-pay) until a counseling task is done.
    """
    by_item: dict[engine.Item, Finding] = {}
    for finding in build_findings(facts, checks):
        item = engine.STATUS_ITEM.get(engine.Status(finding.status))
        if item is not None and item not in by_item:
            by_item[item] = finding
    eligibility = by_item.get(engine.Item.ELIGIBILITY)
    latest = facts.extra.get("eligibility")
    checked_on = getattr(latest, "requested_on", None)
    authorization = by_item.get(engine.Item.AUTHORIZATION)
    other = tuple(
        engine.OpenItem(item, finding.reason)
        for item, finding in by_item.items()
        if item in engine.PATIENT_ITEMS
    )
    counseling = facts.extra.get(COUNSELING_KEY)
    if counseling is None:
        counseled = bool(facts.extra.get(COUNSELED_KEY))
        counseling = engine.CounselingFacts(
            uninsured=is_uninsured(facts),
            assistance=engine.Assistance.NOT_NEEDED
            if counseled
            else engine.Assistance.NOT_SCREENED,
        )
    return engine.ClearanceFacts(
        today=today,
        visit_date=facts.visit_date,
        eligibility=engine.EligibilityFacts(
            cleared=eligibility is None,
            checked_on=checked_on if isinstance(checked_on, dt.date) else None,
            reason=eligibility.reason if eligibility else "",
        ),
        authorization=engine.AuthorizationFacts(
            1 if authorization else 0, authorization.reason if authorization else ""
        ),
        estimate=facts.extra.get(ESTIMATE_KEY),
        counseling=counseling,
        charges=facts.extra.get(CHARGES_KEY, ZERO),
        patient_share=facts.extra.get(PATIENT_SHARE_KEY),
        payer_difficulty=facts.extra.get(DIFFICULTY_KEY, Decimal(0)),
        other=other,
    )


def build_case_clearance(
    facts: CaseFacts, today: dt.date, checks: Sequence[Check] = CHECKS
) -> engine.Clearance:
    return engine.build_clearance(build_clearance_facts(facts, today, checks))
