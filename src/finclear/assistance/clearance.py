"""The counseling part of a clearance case: "counseling needed", for the clearance engine.

``load_facts`` (registered with ``workqueue.checks.register_facts``) puts the engine's
``CounselingFacts`` in each case's facts: uninsured or self-pay; where the patient stands with
financial assistance (the latest application: incomplete or pending, approved, denied; with
none, a done counseling task counts as counseled); the prior balance not on a payment plan;
the deposit the point-of-service rules ask for this visit and the deposit collected.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection

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
from finclear.workqueue.rows import Columns, Read, build_read, in_marks, in_params

# Each visit kind found, by (encounter type, place of service, codes): a function of those
# and the static code tables (``assistance.pos.visit_kind``), kept across batches.
_KINDS: dict[tuple[str, str, tuple[str, ...]], str] = {}
KINDS_KEPT = 4096

STANDING = {
    ApplicationStatus.INCOMPLETE: Assistance.PENDING,
    ApplicationStatus.PENDING: Assistance.PENDING,
    ApplicationStatus.APPROVED: Assistance.APPROVED,
    ApplicationStatus.DENIED: Assistance.NOT_NEEDED,
}


def load_facts(cases: Sequence[ClearanceCase], facts: dict[int, CaseFacts]) -> None:
    encounter_ids = [case.encounter_id for case in cases]
    patient_ids = {facts[case.pk].encounter.patient_id for case in cases}
    applications, estimates_read, lines, deposits_read = _reads()
    latest: dict[int, str] = {}
    for patient_id, status in applications(sorted(patient_ids)):
        latest.setdefault(patient_id, status)
    balances = prior_balances(patient_ids)
    estimates: dict[int, tuple[Decimal, Decimal]] = {
        encounter_id: (copay, total)
        for encounter_id, copay, total in estimates_read(encounter_ids, [True])
    }
    codes: dict[int, list[str]] = defaultdict(list)
    for encounter_id, code in lines(encounter_ids):
        codes[encounter_id].append(code)
    deposits = dict(deposits_read(encounter_ids, [PosKind.DEPOSIT]))
    policies = _policies({facts[c.pk].encounter.facility_id for c in cases})
    kinds = _KINDS
    if len(kinds) > KINDS_KEPT:
        kinds.clear()
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


@functools.cache
def _reads() -> tuple[Read, Read, Read, Read]:
    """The applications (patient, status; latest first), the current estimates (encounter,
    copay, patient total), the service lines' codes and the deposits (encounter, sum), as the
    ORM's ``values_list`` queries read them, in their order, as plain SQL
    (``finclear.workqueue.rows``: the ORM built each query in more CPU than the database took
    for a batch's hundred cases)."""
    app = Columns(AssistanceApplication, "a", ("patient", "status"))
    estimate = Columns(Estimate, "s", ("encounter", "copay", "patient_total"))
    line = Columns(ServiceLine, "l", ("encounter", "cpt_hcpcs"))
    deposit = Columns(PosPayment, "p", ("encounter", "amount"))
    return (
        build_read(
            app,
            f"{app.column('patient')} {{}}",
            app.ordering("patient"),
        ),
        build_read(
            estimate,
            f"{estimate.column('encounter')} {{}} AND {estimate.column('is_current')} = %s",
            estimate.ordering(),
        ),
        build_read(
            line,
            f"{line.column('encounter')} {{}}",
            f"{line.column('encounter')}, {line.column('line_number')}",
        ),
        build_read(
            deposit,
            f"{deposit.column('encounter')} {{}} AND {deposit.column('kind')} = %s",
            select=f"{deposit.column('encounter')}, SUM({deposit.column('amount')})",
            group=deposit.column("encounter"),
        ),
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
    place of service and codes (``kinds``: visits share a few)."""
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
    """The facilities' policies, latest first: the ORM's instances of
    ``filter(facility_id__in=...).order_by("-effective_from", "-pk")``, read with plain SQL."""
    out: dict[int, list[AssistancePolicy]] = defaultdict(list)
    if not facility_ids:
        return out
    columns, sql = _policy_read()
    ids = sorted(facility_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(in_marks(ids)), in_params(ids))
        rows = cursor.fetchall()
    build = columns.builder()
    for row in rows:
        policy = build(row)
        out[policy.facility_id].append(policy)
    return out


@functools.cache
def _policy_read() -> tuple[Columns, str]:
    policy = Columns(AssistancePolicy, "ap")
    sql = (
        f"SELECT {policy.select} FROM {policy.table} WHERE {policy.column('facility')} {{}} "
        f"ORDER BY {policy.column('effective_from')} DESC, {policy.column('id')} DESC"
    )
    return policy, sql


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
