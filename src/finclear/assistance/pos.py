"""Point-of-service collection: what to ask for at check-in, and the payments taken.

``build_check_in`` gathers the facts (the current estimate's copay and patient share, the
prior balance and whether it is on a payment plan, the kind of visit) and
``finclear.rules.pos_collection.build_collection`` says what to collect, each amount with
its reason. A visit is ``emergency`` (nothing is asked before screening: EMTALA) for
emergency encounters, ``elective_surgery`` for a scheduled outpatient visit with a surgical
line, otherwise ``office_visit``. Each payment gets a receipt number
``<facility>-<yyyymmdd>-<id>``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from finclear.assistance.balances import prior_balances
from finclear.assistance.models import PaymentMethod, PosKind, PosPayment
from finclear.assistance.policies import build_pos_policy, policy_in_force
from finclear.codes.service_types import service_type_for
from finclear.estimates.models import Estimate
from finclear.organizations.validation import do_save_checked
from finclear.rules.money import ZERO, cents
from finclear.rules.pos_collection import CheckIn, PosCollection, build_collection
from finclear.scheduling.models import Encounter, EncounterType
from finclear.workqueue.receivers import mark

SURGICAL = "2"


def visit_kind(encounter: Encounter, codes: list[str]) -> str:
    if encounter.encounter_type == EncounterType.EMERGENCY or encounter.place_of_service == "23":
        return "emergency"
    if encounter.encounter_type == EncounterType.OUTPATIENT and any(
        service_type_for(code) == SURGICAL for code in codes
    ):
        return "elective_surgery"
    return "office_visit"


def build_check_in(
    encounter: Encounter,
    estimate: Estimate | None,
    prior: tuple[Decimal, bool],
    codes: list[str],
) -> CheckIn:
    kind = visit_kind(encounter, codes)
    return CheckIn(
        visit_kind=kind,
        copay=estimate.copay if estimate is not None else ZERO,
        estimated_patient_share=estimate.patient_total if estimate is not None else ZERO,
        prior_balance=prior[0],
        prior_balance_on_plan=prior[1],
        emergency=kind == "emergency",
    )


def what_to_collect(encounter: Encounter) -> PosCollection:
    estimate = Estimate.objects.filter(encounter=encounter, is_current=True).first()
    prior = prior_balances([encounter.patient_id])[encounter.patient_id]
    codes = list(encounter.service_lines.values_list("cpt_hcpcs", flat=True))
    day = timezone.localtime(encounter.scheduled_at, encounter.facility.zone).date()
    policy = build_pos_policy(policy_in_force(encounter.facility_id, day))
    return build_collection(build_check_in(encounter, estimate, prior, codes), policy)


def collected(encounter: Encounter) -> dict[str, Decimal]:
    """What was taken for the visit so far, by kind."""
    return {
        kind: cents(Decimal(total))
        for kind, total in PosPayment.objects.filter(encounter=encounter)
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    }


@transaction.atomic
def do_record_pos_payment(
    encounter: Encounter,
    amount: Decimal,
    method: str,
    kind: str,
    user: Any = None,
    reference: str = "",
) -> PosPayment:
    if method not in PaymentMethod.values:
        raise ValidationError(
            {"method": f"method: {method!r} is not one of {', '.join(PaymentMethod.values)}"}
        )
    if kind not in PosKind.values:
        raise ValidationError({"kind": f"kind: {kind!r} is not one of {', '.join(PosKind.values)}"})
    now = timezone.now()
    payment = PosPayment(
        encounter=encounter,
        kind=kind,
        amount=amount,
        method=method,
        reference=reference,
        received_at=now,
        received_by=user,
        receipt_number=f"pending-{now.timestamp()}",
    )
    do_save_checked(payment)
    day = timezone.localtime(now, encounter.facility.zone).strftime("%Y%m%d")
    payment.receipt_number = f"{encounter.facility.code}-{day}-{payment.pk:06d}"
    do_save_checked(payment, update_fields=["receipt_number", "updated_at"])
    mark([encounter.pk])
    return payment
