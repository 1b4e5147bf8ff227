"""Point-of-service collection: what to collect at check-in and the payments taken, with receipts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from finclear.assistance import pos
from finclear.assistance.documents import build_receipt
from finclear.assistance.plans import do_create_plan
from finclear.estimates import services as estimates
from finclear.rules.pos_collection import CollectionKind
from finclear.scheduling.services import do_set_encounter_status
from finclear.workqueue.models import ClearanceCase
from tests.integration.estimates_support import EstimateClinic, build_policy
from tests.integration.model_builders import build_chargemaster_item

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def clinic():
    clinic = EstimateClinic()
    build_policy(
        clinic.facility,
        pos_deposit_percent=D(50),
        pos_deposit_cap=D("500.00"),
        pos_deposit_visit_kinds=["elective_surgery"],
    )
    build_chargemaster_item(
        clinic.facility, cpt="29881", charge="9800.00", description="Knee scope"
    )
    return clinic


def discharged_visit_with_share(clinic) -> None:
    earlier = clinic.visit("72148")
    estimates.do_create_estimate(earlier)  # $1,225 patient share
    do_set_encounter_status(earlier, "arrived")
    do_set_encounter_status(earlier, "discharged")


def test_copay_and_prior_balance(clinic):
    discharged_visit_with_share(clinic)
    visit = clinic.visit("99213")
    estimates.do_create_estimate(visit)
    collection = pos.what_to_collect(visit)
    assert collection.amount(CollectionKind.COPAY) == D("25.00")
    assert collection.amount(CollectionKind.PRIOR_BALANCE) == D("1225.00")
    assert collection.total == D("1250.00")


def test_a_balance_on_a_plan_is_not_asked_for(clinic):
    discharged_visit_with_share(clinic)
    do_create_plan(clinic.patient, D("1225.00"), dt.date(2026, 12, 31))
    visit = clinic.visit("99213")
    estimates.do_create_estimate(visit)
    collection = pos.what_to_collect(visit)
    assert collection.total == D("25.00")
    assert "payment plan" in collection.notes[0]


def test_elective_surgery_deposit_capped_and_nothing_before_emergency_screening(clinic):
    surgery = clinic.visit("29881")
    estimate = estimates.do_create_estimate(surgery)
    # 50% of $4,900 allowed = deductible $1,500 + 20% of $3,400 = $2,180 share; 50% = $1,090,
    # capped at $500.
    assert estimate.patient_total == D("2180.00")
    collection = pos.what_to_collect(surgery)
    deposit = collection.amount(CollectionKind.DEPOSIT)
    assert deposit == D("500.00")
    emergency = clinic.visit("99213", encounter_type="emergency", place_of_service="23")
    estimates.do_create_estimate(emergency)
    assert pos.what_to_collect(emergency).total == D("0.00")


def test_payments_get_a_receipt_and_count_toward_the_deposit(
    clinic, django_user_model, django_capture_on_commit_callbacks
):
    surgery = clinic.visit("29881")
    estimates.do_create_estimate(surgery)
    clerk = django_user_model.objects.create_user("frontdesk")
    with django_capture_on_commit_callbacks(execute=True):
        surgery.save()
    case = ClearanceCase.objects.get(encounter=surgery)
    assert (
        "deposit of $500 due, $0 collected"
        in {i["item"]: i["reason"] for i in case.open_items}["counseling"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        payment = pos.do_record_pos_payment(
            surgery, D("500.00"), "card", "deposit", clerk, "AUTH123"
        )
    assert payment.receipt_number.startswith(
        f"{clinic.facility.code}-"
    ) and payment.receipt_number.endswith(f"{payment.pk:06d}")
    assert pos.collected(surgery) == {"deposit": D("500.00")}
    case.refresh_from_db()
    assert "counseling" not in {i["item"] for i in case.open_items}
    text = " ".join(PdfReader(io.BytesIO(build_receipt(payment))).pages[0].extract_text().split())
    assert payment.receipt_number in text and "Amount paid $500" in text and "Deposit" in text
    with pytest.raises(ValidationError, match="method: 'bitcoin'"):
        pos.do_record_pos_payment(surgery, D("5.00"), "bitcoin", "copay")
    with pytest.raises(ValidationError, match=r"amount: -5\.00 must be positive"):
        pos.do_record_pos_payment(surgery, D("-5.00"), "cash", "copay")
