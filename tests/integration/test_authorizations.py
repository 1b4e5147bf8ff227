"""Prior authorization in the application: rules loaded from a file, requirements per line,
the 278 exchange (against the simulator's desk in process), coverage matching, units used,
manual records, documents, cancellation, alerts and the clearance check."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from finclear.authorizations import services
from finclear.authorizations.checks import check_authorization
from finclear.authorizations.models import (
    Authorization,
    AuthorizationRule,
    AuthorizationStatus,
    Channel,
    LineRequirement,
    Requirement,
    ServiceDecision,
)
from finclear.connect import pas
from finclear.payersim.authorization import AuthorizationDesk, AuthScenario, answer_pas
from finclear.scheduling.services import ServiceLineInput
from finclear.workqueue.checks import CHECKS, build_facts
from finclear.workqueue.models import CaseStatus, ClearanceCase, Task, TaskStatus
from finclear.x12 import read, validate
from tests.integration.model_builders import EASTERN, Clinic

pytestmark = pytest.mark.django_db

VISIT = dt.datetime(2026, 12, 3, 9, 30, tzinfo=EASTERN)


def rules_yaml(clinic: Clinic) -> str:
    payer = clinic.payer.primary_payer_id
    return f"""\
rules:
  - id: MRI
    payer: "{payer}"
    codes: [70551-70553]
    effective: 2026-01-01
    source: test list
  - id: PT-UNITS
    payer: "{payer}"
    plan: {clinic.plan.code}
    codes: ["97110"]
    min_units: 4
    effective: 2026-01-01
    source: test plan rider
  - id: NOBODY
    payer: "NOPE"
    codes: ["99213"]
    effective: 2026-01-01
    source: unknown payer
"""


@pytest.fixture
def clinic() -> Clinic:
    clinic = Clinic()
    result = services.do_import_rules(rules_yaml(clinic), "rules.yaml")
    assert (result.created, result.updated) == (2, 0)
    assert result.problems == ["rules.yaml, line 14, payer: no payer with primary payer ID NOPE"]
    return clinic


def mri_encounter(clinic: Clinic, **fields: object):  # type: ignore[no-untyped-def]
    return clinic.encounter(
        scheduled_at=VISIT,
        diagnoses=["M5416"],
        service_lines=[
            ServiceLineInput("70553", charge=Decimal("1800.00"), diagnosis_pointers=[1]),
            ServiceLineInput("99213", charge=Decimal("150.00"), diagnosis_pointers=[1]),
        ],
        **fields,
    )


def desk_sender(desk: AuthorizationDesk):  # type: ignore[no-untyped-def]
    sent: list[str] = []

    def send(payload_type: str, payload: str) -> str:
        assert payload_type == "X12_278_Request_005010X217E1_2"
        assert validate(read(payload)).valid
        sent.append(payload)
        return desk.answer_278(payload)

    send.sent = sent  # type: ignore[attr-defined]
    return send


def case_finding(encounter):  # type: ignore[no-untyped-def]
    case = ClearanceCase.objects.select_related("encounter__facility").get(encounter=encounter)
    return check_authorization(build_facts([case])[case.pk])


def test_importing_again_updates_by_rule_id(clinic: Clinic) -> None:
    result = services.do_import_rules(rules_yaml(clinic), "rules.yaml")
    assert (result.created, result.updated) == (0, 2)
    assert AuthorizationRule.objects.count() == 2


def test_lines_are_evaluated_and_stored_with_the_deciding_rule(clinic: Clinic) -> None:
    encounter = mri_encounter(clinic)
    mri, office = services.do_evaluate_encounter(encounter)
    assert mri.requirement == Requirement.REQUIRED
    assert mri.rule is not None and mri.rule.rule_id == "MRI"
    assert office.requirement == Requirement.NOT_REQUIRED and office.rule is None
    # Evaluating again updates the same rows.
    services.do_evaluate_encounter(encounter)
    assert LineRequirement.objects.count() == 2


def test_plan_rule_units_threshold(clinic: Clinic) -> None:
    encounter = clinic.encounter(
        scheduled_at=VISIT,
        service_lines=[
            ServiceLineInput("97110", units=Decimal(4), charge=Decimal("200.00")),
            ServiceLineInput("97110", units=Decimal(2), charge=Decimal("100.00")),
        ],
    )
    four, two = services.do_evaluate_encounter(encounter)
    assert (four.requirement, two.requirement) == (Requirement.REQUIRED, Requirement.NOT_REQUIRED)


def test_clearance_waits_for_an_approved_covering_authorization(clinic: Clinic) -> None:
    assert check_authorization in CHECKS
    encounter = mri_encounter(clinic)
    finding = case_finding(encounter)
    assert finding is not None and "not evaluated yet" in finding.reason
    services.do_evaluate_encounter(encounter)
    finding = case_finding(encounter)
    assert finding is not None
    assert finding.status == CaseStatus.NEEDS_AUTHORIZATION
    assert "line 1 (70553) needs an authorization" in finding.reason

    auth = services.do_open_authorizations(encounter)
    assert auth is not None and auth.status == AuthorizationStatus.REQUIRED
    assert [s.cpt_hcpcs for s in auth.services.all()] == ["70553"]
    assert services.do_open_authorizations(encounter) is None  # already asked for

    desk = AuthorizationDesk(overrides={clinic.coverage.member_id: AuthScenario.APPROVE})
    auth = services.do_request(auth, desk_sender(desk))
    assert auth.reason_text == ""
    assert auth.status == AuthorizationStatus.APPROVED
    assert auth.certification_number.startswith("SIM")
    assert auth.start_date == dt.date(2026, 12, 3)
    assert auth.end_date == dt.date(2027, 3, 3)
    assert auth.decision_due_at == auth.requested_at + dt.timedelta(days=7)
    assert auth.services.get().approved_units == Decimal(1)
    assert case_finding(encounter) is None


def test_pend_then_approve(clinic: Clinic) -> None:
    encounter = mri_encounter(clinic)
    services.do_evaluate_encounter(encounter)
    auth = services.do_open_authorizations(encounter)
    assert auth is not None
    desk = AuthorizationDesk(overrides={clinic.coverage.member_id: AuthScenario.PEND_THEN_APPROVE})
    send = desk_sender(desk)
    auth = services.do_request(auth, send, expedited=True)
    assert auth.status == AuthorizationStatus.PENDED
    assert "CLINICAL NOTES" in auth.reason_text
    assert auth.decision_due_at == auth.requested_at + dt.timedelta(hours=72)
    assert case_finding(encounter) is not None
    services.do_attach_document(auth, kind="clinical notes", reference="DOC-778", transmission="FX")
    auth = services.do_request(auth, send)
    assert auth.status == AuthorizationStatus.APPROVED
    assert len(send.sent) == 2
    assert case_finding(encounter) is None


def test_denial_keeps_the_reason_and_the_case_open(clinic: Clinic) -> None:
    encounter = mri_encounter(clinic)
    services.do_evaluate_encounter(encounter)
    auth = services.do_open_authorizations(encounter)
    desk = AuthorizationDesk(overrides={clinic.coverage.member_id: AuthScenario.DENY})
    auth = services.do_request(auth, desk_sender(desk))
    assert auth.status == AuthorizationStatus.DENIED
    assert (auth.decision_code, auth.reason_code) == ("A3", "0V")
    assert auth.services.get().decision == ServiceDecision.DENIED
    finding = case_finding(encounter)
    assert finding is not None and "not approved" in finding.reason


def test_partial_approval_halves_the_units_of_the_first_service(clinic: Clinic) -> None:
    encounter = clinic.encounter(
        scheduled_at=VISIT,
        service_lines=[ServiceLineInput("97110", units=Decimal(8), charge=Decimal("400.00"))],
    )
    services.do_evaluate_encounter(encounter)
    auth = services.do_open_authorizations(encounter)
    desk = AuthorizationDesk(overrides={clinic.coverage.member_id: AuthScenario.PARTIAL})
    auth = services.do_request(auth, desk_sender(desk))
    assert auth.status == AuthorizationStatus.PARTIALLY_APPROVED
    service = auth.services.get()
    assert (service.decision, service.approved_units) == (
        ServiceDecision.PARTIALLY_APPROVED,
        Decimal(4),
    )
    # 8 units asked, 4 approved: the line is not covered, and the reason says so.
    finding = case_finding(encounter)
    assert finding is not None and "4 of 4 units of 97110 left; the line needs 8" in finding.reason


def test_a_failed_exchange_is_kept_on_the_authorization(clinic: Clinic) -> None:
    encounter = mri_encounter(clinic)
    services.do_evaluate_encounter(encounter)
    auth = services.do_open_authorizations(encounter)

    def broken(payload_type: str, payload: str) -> str:
        raise OSError("connection refused")

    auth = services.do_request(auth, broken)
    assert auth.status == AuthorizationStatus.REQUESTED
    assert "connection refused" in auth.reason_text
    assert auth.decision_due_at is not None


def test_approved_dates_that_miss_the_visit_are_a_problem(clinic: Clinic) -> None:
    encounter = mri_encounter(clinic)
    services.do_evaluate_encounter(encounter)
    auth = services.do_record_obtained(
        encounter,
        channel=Channel.PHONE,
        status=AuthorizationStatus.APPROVED,
        certification_number="PHONE-1",
        start_date=dt.date(2026, 11, 1),
        end_date=dt.date(2026, 11, 30),
        services=[services.ObtainedService("70553", Decimal(1))],
        obtained_from="J. Rivera, call ref 5521",
        obtained_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=EASTERN),
        user=None,
    )
    finding = case_finding(encounter)
    assert finding is not None
    assert "covers 2026-11-01 to 2026-11-30, not the date of service 2026-12-03" in finding.reason
    fixed = services.do_record_obtained(
        encounter,
        channel=Channel.PHONE,
        status=AuthorizationStatus.APPROVED,
        certification_number="PHONE-1",
        start_date=dt.date(2026, 11, 1),
        end_date=dt.date(2026, 12, 31),
        services=[services.ObtainedService("70553", Decimal(1))],
        obtained_from="J. Rivera, call ref 5521",
        obtained_at=dt.datetime(2026, 11, 21, 10, 0, tzinfo=EASTERN),
        user=None,
        authorization=auth,
    )
    assert fixed.pk == auth.pk and fixed.obtained_from.startswith("J. Rivera")
    assert case_finding(encounter) is None


def test_a_manual_record_needs_who_and_a_known_channel(clinic: Clinic) -> None:
    encounter = mri_encounter(clinic)
    common = {
        "status": AuthorizationStatus.APPROVED,
        "certification_number": "X",
        "start_date": dt.date(2026, 12, 1),
        "end_date": dt.date(2026, 12, 31),
        "services": [services.ObtainedService("70553", Decimal(1))],
        "obtained_at": dt.datetime(2026, 11, 20, tzinfo=EASTERN),
        "user": None,
    }
    with pytest.raises(ValidationError, match="obtained_from"):
        services.do_record_obtained(encounter, channel=Channel.PHONE, obtained_from=" ", **common)
    with pytest.raises(ValidationError, match="channel"):
        services.do_record_obtained(encounter, channel="x12_278", obtained_from="A", **common)
    with pytest.raises(ValidationError, match="certification_number"):
        services.do_record_obtained(
            encounter,
            channel=Channel.PORTAL,
            obtained_from="portal",
            **{**common, "certification_number": ""},
        )
    assert Authorization.objects.count() == 0


def test_units_used_are_counted_from_billed_lines_and_capped(clinic: Clinic) -> None:
    first = clinic.encounter(
        scheduled_at=VISIT,
        service_lines=[ServiceLineInput("97110", units=Decimal(4), charge=Decimal("200.00"))],
    )
    auth = services.do_record_obtained(
        first,
        channel=Channel.PORTAL,
        status=AuthorizationStatus.APPROVED,
        certification_number="PT-12",
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2027, 2, 28),
        services=[services.ObtainedService("97110", Decimal(10))],
        obtained_from="payer portal, ref 88",
        obtained_at=dt.datetime(2026, 11, 25, 9, 0, tzinfo=EASTERN),
        user=None,
    )
    services.do_record_use(auth, first.service_lines.get())
    second = clinic.encounter(
        scheduled_at=VISIT + dt.timedelta(days=7),
        service_lines=[ServiceLineInput("97110", units=Decimal(4), charge=Decimal("200.00"))],
    )
    services.do_record_use(auth, second.service_lines.get())
    assert services.units_used(auth, "97110") == Decimal(8)
    third = clinic.encounter(
        scheduled_at=VISIT + dt.timedelta(days=14),
        service_lines=[ServiceLineInput("97110", units=Decimal(4), charge=Decimal("200.00"))],
    )
    with pytest.raises(ValidationError, match="2 of 10 units of 97110 left; the line needs 4"):
        services.do_record_use(auth, third.service_lines.get())
    late = clinic.encounter(
        scheduled_at=dt.datetime(2027, 3, 2, 9, 0, tzinfo=EASTERN),
        service_lines=[ServiceLineInput("97110", units=Decimal(1), charge=Decimal("50.00"))],
    )
    with pytest.raises(ValidationError, match="not the date of service 2027-03-02"):
        services.do_record_use(auth, late.service_lines.get())
    # Recording the same line again replaces its use: no double count.
    services.do_record_use(auth, second.service_lines.get())
    assert services.units_used(auth, "97110") == Decimal(8)

    tasks = services.do_raise_alerts(dt.datetime(2027, 2, 20, 9, 0, tzinfo=EASTERN))
    titles = sorted(t.title for t in tasks)
    assert titles == [
        "Authorization PT-12 ends in 8 days",
        "Authorization PT-12: 8 of 10 units of 97110 used",
    ]
    assert services.do_raise_alerts(dt.datetime(2027, 2, 21, 9, 0, tzinfo=EASTERN)) == []
    assert Task.objects.filter(status=TaskStatus.OPEN).count() == 2


def test_overdue_decisions_raise_a_task(clinic: Clinic) -> None:
    encounter = mri_encounter(clinic)
    services.do_evaluate_encounter(encounter)
    auth = services.do_open_authorizations(encounter)

    def silent(payload_type: str, payload: str) -> str:
        raise TimeoutError("no answer")

    auth = services.do_request(auth, silent)
    assert services.do_raise_alerts(auth.decision_due_at - dt.timedelta(minutes=1)) == []
    (task,) = services.do_raise_alerts(auth.decision_due_at + dt.timedelta(minutes=1))
    assert task.title.startswith("Decision overdue from")


def test_cancel_and_expire(clinic: Clinic) -> None:
    encounter = mri_encounter(clinic)
    services.do_evaluate_encounter(encounter)
    auth = services.do_open_authorizations(encounter)
    with pytest.raises(ValidationError, match="say why"):
        services.do_cancel(auth, "")
    auth = services.do_cancel(auth, "procedure rescheduled")
    assert auth.status == AuthorizationStatus.CANCELLED
    with pytest.raises(ValidationError, match="already cancelled"):
        services.do_cancel(auth, "again")
    approved = services.do_record_obtained(
        encounter,
        channel=Channel.FAX,
        status=AuthorizationStatus.APPROVED,
        certification_number="FAX-9",
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2026, 12, 5),
        services=[services.ObtainedService("70553", Decimal(1))],
        obtained_from="fax from UM dept",
        obtained_at=dt.datetime(2026, 11, 25, tzinfo=EASTERN),
        user=None,
    )
    assert services.do_expire(dt.date(2026, 12, 5)) == 0
    assert services.do_expire(dt.date(2026, 12, 6)) == 1
    approved.refresh_from_db()
    assert approved.status == AuthorizationStatus.EXPIRED


def test_rule_edits_in_the_admin_model_are_validated(clinic: Clinic) -> None:
    rule = AuthorizationRule.objects.get(rule_id="MRI")
    rule.codes = "70553-70551"
    with pytest.raises(ValidationError, match="codes: range 70553-70551 runs backwards"):
        rule.full_clean()


def test_a_pas_request_is_approved_through_the_same_tracking(clinic: Clinic) -> None:
    encounter = mri_encounter(clinic)
    services.do_evaluate_encounter(encounter)
    auth = services.do_open_authorizations(encounter)
    desk = AuthorizationDesk(overrides={clinic.coverage.member_id: AuthScenario.PARTIAL})
    sent: list[str] = []

    def send(payload_type: str, payload: str) -> str:
        assert payload_type == pas.PAYLOAD_TYPE_PAS_REQUEST
        sent.append(payload)
        return answer_pas(desk, payload)

    auth = services.do_request(auth, send, channel=Channel.FHIR_PAS)
    claim = pas.parse_claim_bundle(sent[0])
    assert [(i.code, i.quantity, i.unit_price) for i in claim.items] == [
        ("70553", Decimal(1), Decimal("1800.00"))
    ]
    assert claim.diagnoses == ("M5416",)
    assert auth.channel == Channel.FHIR_PAS
    assert auth.status == AuthorizationStatus.PARTIALLY_APPROVED
    assert auth.services.get().approved_units == Decimal(1)
    assert auth.end_date == dt.date(2027, 3, 3)
    assert case_finding(encounter) is None


def test_the_batch_coverage_is_the_single_one_in_a_fixed_number_of_queries(
    clinic: Clinic, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    encounters = [mri_encounter(clinic) for _ in range(2)]
    for encounter in encounters:
        services.do_evaluate_encounter(encounter)
    services.do_record_obtained(
        encounters[0],
        channel=Channel.PORTAL,
        status=AuthorizationStatus.APPROVED,
        certification_number="P-1",
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2026, 12, 31),
        services=[services.ObtainedService("70553", Decimal(2))],
        obtained_from="portal",
        obtained_at=dt.datetime(2026, 11, 20, tzinfo=EASTERN),
        user=None,
    )
    single = {e.pk: services.build_coverage(e) for e in encounters}
    with django_assert_max_num_queries(6):
        batch = services.build_coverages(encounters)
    assert batch == single
    more = encounters + [mri_encounter(clinic) for _ in range(3)]
    with django_assert_max_num_queries(6):
        services.build_coverages(more)


def test_the_upkeep_command_expires_and_alerts(clinic: Clinic) -> None:
    encounter = mri_encounter(clinic)
    services.do_record_obtained(
        encounter,
        channel=Channel.PHONE,
        status=AuthorizationStatus.APPROVED,
        certification_number="OLD-1",
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2020, 1, 31),
        services=[services.ObtainedService("70553", Decimal(1))],
        obtained_from="phone",
        obtained_at=dt.datetime(2019, 12, 20, tzinfo=EASTERN),
        user=None,
    )
    out = io.StringIO()
    call_command("authorization_upkeep", stdout=out)
    assert out.getvalue().strip() == "1 authorizations expired, 0 alert tasks opened"
    assert Authorization.objects.get().status == AuthorizationStatus.EXPIRED
