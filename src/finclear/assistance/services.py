"""Financial assistance: screening, applications with documents and a decision, 501(r) and AGB.

The arithmetic is ``finclear.rules`` (``poverty``, ``assistance``); this module records. A
screening that lacks a fact the policy needs (assets, with an asset test) makes the
application ``incomplete``; otherwise it is ``pending`` until a counselor decides. Approval
applies the screening's discount to the visit's gross charges, capped at the policy's AGB
percentage (``charge_for_eligible``). Extraordinary collection actions are recorded only when
``may_take_extraordinary_collection_action`` allows them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from finclear.assistance.models import (
    ApplicationDocument,
    ApplicationStatus,
    AssistanceApplication,
    CollectionAction,
)
from finclear.assistance.policies import build_fap, guideline_table, require_policy
from finclear.organizations.validation import do_save_checked
from finclear.patients.models import Patient
from finclear.rules import assistance
from finclear.rules.poverty import GuidelineNotFound, Region, region_of_state
from finclear.scheduling.models import Encounter, ServiceLine
from finclear.workqueue.receivers import mark


def today_at(patient: Patient) -> dt.date:
    return timezone.localtime(timezone.now(), patient.facility.zone).date()


def region_for(patient: Patient) -> Region:
    try:
        return region_of_state(patient.state) if patient.state else Region.CONTIGUOUS
    except ValueError as exc:
        raise ValidationError({"state": str(exc)}) from None


def do_screen(
    patient: Patient,
    household_size: int,
    annual_income: Decimal,
    *,
    assets: Decimal | None = None,
    presumptive: list[str] | None = None,
    year: int | None = None,
    day: dt.date | None = None,
) -> tuple[assistance.Screening, int, Region]:
    """The screening against the facility's policy (nothing is recorded)."""
    day = day or today_at(patient)
    year = year or day.year
    region = region_for(patient)
    policy = build_fap(require_policy(patient.facility, day))
    try:
        household = assistance.Household(
            size=household_size,
            annual_income=annual_income,
            region=region,
            assets=assets,
            presumptive=frozenset(presumptive or ()),
        )
        return assistance.screen(household, policy, year, guideline_table()), year, region
    except GuidelineNotFound as exc:
        raise ValidationError({"year": f"year: {exc}"}) from None
    except ValueError as exc:
        raise ValidationError({"household": f"household: {exc}"}) from None


def gross_charges(encounter: Encounter | None) -> Decimal | None:
    if encounter is None:
        return None
    total = ServiceLine.objects.filter(encounter=encounter).aggregate(total=Sum("charge"))["total"]
    return total if total is not None else Decimal("0.00")


@transaction.atomic
def do_submit_application(
    patient: Patient,
    *,
    household_size: int,
    annual_income: Decimal,
    user: Any = None,
    encounter: Encounter | None = None,
    assets: Decimal | None = None,
    presumptive: list[str] | None = None,
    received_on: dt.date | None = None,
    first_statement_on: dt.date | None = None,
) -> AssistanceApplication:
    received_on = received_on or today_at(patient)
    if encounter is not None and encounter.patient_id != patient.pk:
        raise ValidationError({"encounter": "encounter: not this patient's visit"})
    screening, year, region = do_screen(
        patient,
        household_size,
        annual_income,
        assets=assets,
        presumptive=presumptive,
        day=received_on,
    )
    status = (
        ApplicationStatus.INCOMPLETE
        if screening.status is assistance.ScreeningStatus.INCOMPLETE
        else ApplicationStatus.PENDING
    )
    application = AssistanceApplication(
        patient=patient,
        encounter=encounter,
        policy=require_policy(patient.facility, received_on),
        status=status,
        received_on=received_on,
        year=year,
        household_size=household_size,
        annual_income=annual_income,
        region=region.value,
        assets=assets,
        presumptive=sorted(presumptive or []),
        screening_status=screening.status.value,
        screening_tier=screening.tier,
        percent_of_poverty=screening.percent_of_poverty,
        discount_percent=screening.discount_percent,
        screening_reason=screening.reason,
        first_statement_on=first_statement_on,
        gross_charges=gross_charges(encounter),
        created_by=user,
    )
    do_save_checked(application)
    _mark_patient(patient)
    return application


@transaction.atomic
def do_add_document(
    application: AssistanceApplication,
    kind: str,
    reference: str,
    received_on: dt.date | None = None,
    note: str = "",
) -> ApplicationDocument:
    document = ApplicationDocument(
        application=application,
        kind=kind,
        reference=reference,
        received_on=received_on or today_at(application.patient),
        note=note,
    )
    do_save_checked(document)
    return document


@transaction.atomic
def do_complete_application(
    application: AssistanceApplication, assets: Decimal | None
) -> AssistanceApplication:
    """Add the missing fact (assets) to an incomplete application and screen it again."""
    application = AssistanceApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.INCOMPLETE:
        raise ValidationError({"status": f"status: application is {application.status}"})
    screening, _, _ = do_screen(
        application.patient,
        application.household_size,
        application.annual_income,
        assets=assets,
        presumptive=application.presumptive,
        year=application.year,
        day=application.received_on,
    )
    application.assets = assets
    application.screening_status = screening.status.value
    application.screening_tier = screening.tier
    application.percent_of_poverty = screening.percent_of_poverty
    application.discount_percent = screening.discount_percent
    application.screening_reason = screening.reason
    if screening.status is not assistance.ScreeningStatus.INCOMPLETE:
        application.status = ApplicationStatus.PENDING
    do_save_checked(application)
    _mark_patient(application.patient)
    return application


@transaction.atomic
def do_decide(
    application: AssistanceApplication, approve: bool, user: Any, note: str = ""
) -> AssistanceApplication:
    """Approve (the screening's discount, capped at AGB) or deny a pending application."""
    application = AssistanceApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(
            {
                "status": f"status: only a pending application is decided; this one is "
                f"{application.status}"
            }
        )
    if approve and application.screening_status != assistance.ScreeningStatus.ELIGIBLE:
        raise ValidationError(
            {
                "status": f"status: the screening found the household not eligible "
                f"({application.screening_reason})"
            }
        )
    application.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.DENIED
    application.decided_on = today_at(application.patient)
    application.decided_by = user
    application.decision_note = note
    if approve and application.gross_charges is not None:
        agb = application.policy.agb_percent
        # Without an AGB percentage the cap is the gross charge itself (100%).
        charge = assistance.charge_for_eligible(
            application.gross_charges,
            application.discount_percent,
            agb if agb is not None else Decimal(100),
        )
        application.amount_due = charge.amount
        application.agb_capped = charge.capped
        application.charge_reason = (
            charge.reason if agb is not None else f"{charge.reason}; the policy sets no AGB cap"
        )[:300]
    do_save_checked(application)
    _mark_patient(application.patient)
    return application


@transaction.atomic
def do_set_collection_dates(
    application: AssistanceApplication,
    first_statement_on: dt.date | None = None,
    eca_notice_sent_on: dt.date | None = None,
) -> AssistanceApplication:
    """Record the first post-discharge statement and the written ECA notice (501(r) clocks)."""
    if first_statement_on is not None:
        application.first_statement_on = first_statement_on
    if eca_notice_sent_on is not None:
        application.eca_notice_sent_on = eca_notice_sent_on
    do_save_checked(
        application, update_fields=["first_statement_on", "eca_notice_sent_on", "updated_at"]
    )
    return application


def latest_application(patient: Patient) -> AssistanceApplication | None:
    return (
        AssistanceApplication.objects.filter(patient=patient)
        .select_related("policy")
        .order_by("-received_on", "-pk")
        .first()
    )


def eca_decision(patient: Patient, day: dt.date | None = None) -> assistance.EcaDecision:
    """Whether 501(r) lets the hospital take an extraordinary collection action today."""
    day = day or today_at(patient)
    application = latest_application(patient)
    first_statement = None
    status = assistance.ApplicationStatus.NONE
    notice = None
    discount = Decimal(0)
    if application is not None:
        first_statement = application.first_statement_on
        status = assistance.ApplicationStatus(application.status)
        notice = application.eca_notice_sent_on
        discount = application.discount_percent
    return assistance.may_take_extraordinary_collection_action(
        day, first_statement, status, notice, discount
    )


@transaction.atomic
def do_take_collection_action(
    patient: Patient, kind: str, user: Any, day: dt.date | None = None
) -> CollectionAction:
    """Record an ECA, refused (naming why) while 501(r) blocks it."""
    day = day or today_at(patient)
    decision = eca_decision(patient, day)
    if not decision.allowed:
        raise ValidationError(
            {"kind": f"kind: 501(r) blocks collection actions: {decision.reason}"}
        )
    action = CollectionAction(
        patient=patient, kind=kind, taken_on=day, reason=decision.reason[:300], recorded_by=user
    )
    do_save_checked(action)
    return action


def _mark_patient(patient: Patient) -> None:
    mark(
        Encounter.objects.filter(patient=patient, clearance_case__is_open=True).values_list(
            "pk", flat=True
        )
    )
