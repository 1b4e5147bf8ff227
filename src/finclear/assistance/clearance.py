"""The counseling part of a clearance case: "counseling needed", for the clearance engine.

``load_facts`` (registered with ``workqueue.checks.register_facts``) puts the engine's
``CounselingFacts`` in each case's facts: uninsured or self-pay; where the patient stands with
financial assistance (the latest application: incomplete or pending, approved, denied; with
none, a done counseling task counts as counseled); the prior balance not on a payment plan;
the deposit the point-of-service rules ask for this visit and the deposit collected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Sum

from finclear.assistance.balances import prior_balances
from finclear.assistance.models import (
    ApplicationStatus,
    AssistanceApplication,
    AssistancePolicy,
    PosKind,
    PosPayment,
)
from finclear.assistance.policies import build_pos_policy
from finclear.assistance.pos import visit_kind
from finclear.estimates.models import Estimate
from finclear.rules.clearance import Assistance, CounselingFacts
from finclear.rules.money import ZERO
from finclear.rules.pos_collection import CheckIn, CollectionKind, build_collection
from finclear.scheduling.models import Encounter, ServiceLine
from finclear.workqueue.checks import COUNSELED_KEY, COUNSELING_KEY, CaseFacts, is_uninsured
from finclear.workqueue.models import ClearanceCase

STANDING = {
    ApplicationStatus.INCOMPLETE: Assistance.PENDING,
    ApplicationStatus.PENDING: Assistance.PENDING,
    ApplicationStatus.APPROVED: Assistance.APPROVED,
    ApplicationStatus.DENIED: Assistance.NOT_NEEDED,
}


def load_facts(cases: Sequence[ClearanceCase], facts: dict[int, CaseFacts]) -> None:
    encounter_ids = [case.encounter_id for case in cases]
    patient_ids = {facts[case.pk].encounter.patient_id for case in cases}
    latest: dict[int, str] = {}
    for patient_id, status in (
        AssistanceApplication.objects.filter(patient_id__in=patient_ids)
        .order_by("patient_id", "-received_on", "-pk")
        .values_list("patient_id", "status")
    ):
        latest.setdefault(patient_id, status)
    balances = prior_balances(patient_ids)
    estimates: dict[int, tuple[Decimal, Decimal]] = {
        encounter_id: (copay, total)
        for encounter_id, copay, total in Estimate.objects.filter(
            encounter_id__in=encounter_ids, is_current=True
        ).values_list("encounter_id", "copay", "patient_total")
    }
    codes: dict[int, list[str]] = defaultdict(list)
    for encounter_id, code in ServiceLine.objects.filter(
        encounter_id__in=encounter_ids
    ).values_list("encounter_id", "cpt_hcpcs"):
        codes[encounter_id].append(code)
    deposits = dict(
        PosPayment.objects.filter(encounter_id__in=encounter_ids, kind=PosKind.DEPOSIT)
        .values_list("encounter_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    policies = _policies({facts[c.pk].encounter.facility_id for c in cases})
    kinds: dict[tuple[str, str, tuple[str, ...]], str] = {}
    for case in cases:
        item = facts[case.pk]
        encounter = item.encounter
        status = latest.get(encounter.patient_id)
        if status is not None:
            standing = STANDING[ApplicationStatus(status)]
        elif item.extra.get(COUNSELED_KEY):
            standing = Assistance.NOT_NEEDED
        else:
            standing = Assistance.NOT_SCREENED
        balance, on_plan = balances[encounter.patient_id]
        policy = _in_force(policies.get(encounter.facility_id, []), item)
        collection = build_collection(
            build_check_in(
                encounter,
                estimates.get(encounter.pk),
                (balance, on_plan),
                codes[encounter.pk],
                kinds,
            ),
            build_pos_policy(policy),
        )
        item.extra[COUNSELING_KEY] = CounselingFacts(
            uninsured=is_uninsured(item),
            assistance=standing,
            balance=ZERO if on_plan else balance,
            deposit_due=collection.amount(CollectionKind.DEPOSIT),
            deposit_paid=Decimal(deposits.get(encounter.pk) or ZERO),
        )


def build_check_in(
    encounter: Encounter,
    estimate: tuple[Decimal, Decimal] | None,
    prior: tuple[Decimal, bool],
    codes: list[str],
    kinds: dict[tuple[str, str, tuple[str, ...]], str],
) -> CheckIn:
    """``finclear.assistance.pos.build_check_in`` of the current estimate's (copay, patient
    total): no Estimate instance built, and each visit kind found once per encounter type,
    place of service and codes (``kinds``: a batch's visits share a few)."""
    key = (encounter.encounter_type, encounter.place_of_service, tuple(codes))
    kind = kinds.get(key)
    if kind is None:
        kind = kinds[key] = visit_kind(encounter, codes)
    return CheckIn(
        visit_kind=kind,
        copay=estimate[0] if estimate is not None else ZERO,
        estimated_patient_share=estimate[1] if estimate is not None else ZERO,
        prior_balance=prior[0],
        prior_balance_on_plan=prior[1],
        emergency=kind == "emergency",
    )


def _policies(facility_ids: set[int]) -> dict[int, list[AssistancePolicy]]:
    out: dict[int, list[AssistancePolicy]] = defaultdict(list)
    for policy in AssistancePolicy.objects.filter(facility_id__in=facility_ids).order_by(
        "-effective_from", "-pk"
    ):
        out[policy.facility_id].append(policy)
    return out


def _in_force(policies: list[AssistancePolicy], facts: CaseFacts) -> AssistancePolicy | None:
    day = facts.visit_date
    return next(
        (
            p
            for p in policies
            if p.effective_from <= day and (p.effective_to is None or day <= p.effective_to)
        ),
        None,
    )
