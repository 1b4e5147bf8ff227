"""Financial assistance in the app: screening, applications with documents and a decision,
the AGB cap, 501(r) clocks blocking collection actions, and the "counseling needed" condition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finclear.assistance import services
from finclear.assistance.models import ApplicationStatus, CollectionAction, PovertyGuideline
from finclear.workqueue.models import ClearanceCase
from tests.integration.estimates_support import EstimateClinic, build_policy

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def clinic():
    clinic = EstimateClinic()
    build_policy(clinic.facility)
    return clinic


def test_screening_gives_the_tier_from_household_and_income(clinic):
    # 2026, household of 3: $15,960 + 2 x $5,680 = $27,320. $50,000 is 183.02%: free care.
    screening, year, region = services.do_screen(clinic.patient, 3, D("50000"), day=DAY)
    assert (year, region.value) == (2026, "contiguous")
    assert (screening.status.value, screening.discount_percent) == ("eligible", D(100))
    assert screening.percent_of_poverty == D("183.02")
    # $60,000 is 219.62%: the first band above 200%, 80% off.
    screening, _, _ = services.do_screen(clinic.patient, 3, D("60000"), day=DAY)
    assert screening.discount_percent == D("80.00")
    # $120,000 is above 400%.
    screening, _, _ = services.do_screen(clinic.patient, 3, D("120000"), day=DAY)
    assert screening.status.value == "not_eligible"
    screening, _, _ = services.do_screen(
        clinic.patient, 3, D("120000"), presumptive=["snap"], day=DAY
    )
    assert screening.presumptive and screening.discount_percent == D(100)


def test_alaska_has_its_own_guideline_and_an_administrator_entry_wins(clinic):
    clinic.patient.state = "AK"
    clinic.patient.save()
    screening, _, _ = services.do_screen(clinic.patient, 2, D("30000"), day=DAY)
    # 2026 Alaska: $19,950 + $7,100 = $27,050 for two; $30,000 / $27,050 = 110.905...% -> 110.91%.
    assert screening.percent_of_poverty == D("110.91")
    PovertyGuideline.objects.create(
        year=DAY.year,
        region="alaska",
        first_person=D("20000"),
        each_additional=D("10000"),
        source="entered for the test (synthetic figures)",
    )
    screening, _, _ = services.do_screen(clinic.patient, 2, D("30000"), day=DAY)
    # The entry wins: $30,000 for two; $30,000 / $30,000 = 100.00%.
    assert screening.percent_of_poverty == D("100.00")


def test_application_workflow_documents_decision_and_agb_cap(clinic, django_user_model):
    encounter = clinic.visit("72148", "99213")  # $2,625 gross charges
    counselor = django_user_model.objects.create_user("fc1")
    application = services.do_submit_application(
        clinic.patient,
        household_size=3,
        annual_income=D("100000"),  # 366.03%: the 20% band
        encounter=encounter,
        user=counselor,
        received_on=DAY,
    )
    assert application.status == ApplicationStatus.PENDING
    assert application.discount_percent == D("20.00") and application.gross_charges == D("2625.00")
    services.do_add_document(application, "pay_stub", "scan-0001", DAY)
    services.do_add_document(application, "tax_return", "scan-0002", DAY)
    decided = services.do_decide(application, True, counselor, "two pay stubs and a 1040")
    # 20% off $2,625 = $2,100, above AGB: 38.5% of $2,625 = $1,010.63 (half up).
    assert decided.status == ApplicationStatus.APPROVED
    assert (decided.amount_due, decided.agb_capped) == (D("1010.63"), True)
    assert "amounts generally billed" in decided.charge_reason
    assert decided.documents.count() == 2
    with pytest.raises(ValidationError, match="only a pending application"):
        services.do_decide(decided, False, counselor)


def test_asset_test_makes_an_application_incomplete_until_assets_are_known(clinic):
    clinic.patient.facility.fap_policies.update(asset_limit=D("10000"))
    application = services.do_submit_application(
        clinic.patient, household_size=1, annual_income=D("20000"), received_on=DAY
    )
    assert application.status == ApplicationStatus.INCOMPLETE
    with pytest.raises(ValidationError, match="only a pending"):
        services.do_decide(application, True, None)
    application = services.do_complete_application(application, D("25000"))
    assert application.status == ApplicationStatus.PENDING
    assert application.screening_status == "not_eligible"
    with pytest.raises(ValidationError, match="not eligible"):
        services.do_decide(application, True, None)
    assert services.do_decide(application, False, None).status == ApplicationStatus.DENIED


def test_501r_blocks_collection_actions_while_pending_and_in_the_notice_periods(clinic):
    statement = dt.date(2026, 1, 5)
    application = services.do_submit_application(
        clinic.patient,
        household_size=2,
        annual_income=D("90000"),
        received_on=DAY,
        first_statement_on=statement,
    )
    with pytest.raises(ValidationError, match="application is pending: ECAs are suspended"):
        services.do_take_collection_action(clinic.patient, "agency", None, dt.date(2026, 9, 1))
    services.do_decide(application, False, None)
    # Day 120 after the first statement is May 5: still in the notification period.
    with pytest.raises(ValidationError, match="120-day notification period \\(ends 2026-05-05\\)"):
        services.do_take_collection_action(clinic.patient, "agency", None, dt.date(2026, 5, 5))
    with pytest.raises(ValidationError, match="no written notice"):
        services.do_take_collection_action(clinic.patient, "agency", None, dt.date(2026, 5, 6))
    services.do_set_collection_dates(application, eca_notice_sent_on=dt.date(2026, 5, 6))
    with pytest.raises(ValidationError, match="runs until 2026-06-05"):
        services.do_take_collection_action(clinic.patient, "agency", None, dt.date(2026, 6, 4))
    action = services.do_take_collection_action(clinic.patient, "agency", None, dt.date(2026, 6, 5))
    assert action.taken_on == dt.date(2026, 6, 5)
    assert CollectionAction.objects.count() == 1


def test_uninsured_patient_needs_counseling_until_screened(
    clinic, django_capture_on_commit_callbacks
):
    clinic.make_self_pay()
    encounter = clinic.visit("99213")
    with django_capture_on_commit_callbacks(execute=True):
        encounter.save()
    case = ClearanceCase.objects.get(encounter=encounter)
    reasons = {i["item"]: i["reason"] for i in case.open_items}
    assert reasons["counseling"] == "uninsured: screen for financial assistance"
    with django_capture_on_commit_callbacks(execute=True):
        application = services.do_submit_application(
            clinic.patient, household_size=1, annual_income=D("15000"), received_on=DAY
        )
    case.refresh_from_db()
    reasons = {i["item"]: i["reason"] for i in case.open_items}
    assert reasons["counseling"] == "financial assistance application pending"
    with django_capture_on_commit_callbacks(execute=True):
        services.do_decide(application, True, None)
    case.refresh_from_db()
    assert "counseling" not in {i["item"] for i in case.open_items}
