"""The eligibility service against a fake payer: 270 content, statuses, tasks, clearance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finclear.audit.models import AuditEvent
from finclear.connect.gateway import GatewayError
from finclear.eligibility import endpoints, services
from finclear.eligibility.models import CheckStatus, CoverageState, EligibilityCheck
from finclear.patients.services import do_update_coverage
from finclear.scheduling.services import ServiceLineInput, do_add_service_line
from finclear.workqueue.models import CaseStatus, ClearanceCase, Task, TaskKind, TaskStatus
from finclear.x12 import EligibilityView, read, validate
from tests.integration.model_builders import Clinic, build_chargemaster_item

pytestmark = pytest.mark.django_db
QUERY_BUDGET = 15


@pytest.fixture
def clinic():
    return Clinic()


def view_270(text: str) -> EligibilityView:
    return EligibilityView.from_transaction(next(read(text).transactions()))


def case_of(encounter) -> ClearanceCase:
    return ClearanceCase.objects.get(encounter=encounter)


def test_active_subscriber_is_verified_and_clears_eligibility(payer, clinic):
    encounter = clinic.encounter()
    build_chargemaster_item(clinic.facility, cpt="72148", charge="2450.00")
    do_add_service_line(encounter, ServiceLineInput(cpt_hcpcs="72148"))

    check = services.do_verify(encounter)

    assert check.status == CheckStatus.VERIFIED
    assert check.coverage_status == CoverageState.ACTIVE
    assert check.plan_name == "Fake PPO"
    assert check.plan_begin == dt.date(2026, 1, 1)
    assert check.responded_at >= check.requested_at
    assert check.raw_271.startswith("ISA")
    deductible = [
        b for b in check.benefits if b["kind"] == "deductible" and b["coverage_level"] == "IND"
    ]
    assert {(b["network"], b["time_period"], b["amount"]) for b in deductible} == {
        ("in", "23", "1500"),
        ("in", "29", "1100"),
        ("out", "23", "3000"),
    }
    mri = [b for b in check.benefits if b["service_type"] == "62" and b["network"] == "in"]
    assert mri[0]["percent"] == "20.00"
    assert mri[0]["authorization_required"] == "Y"
    case = case_of(encounter)
    assert case.status != CaseStatus.NEEDS_ELIGIBILITY, case.status_reason


def test_the_270_asks_about_the_date_of_service_and_the_services(payer, clinic):
    encounter = clinic.encounter(scheduled_at=dt.datetime(2026, 12, 4, 3, 30, tzinfo=dt.UTC))
    for code in ("72148", "99213", "97110"):
        build_chargemaster_item(clinic.facility, cpt=code)
        do_add_service_line(encounter, ServiceLineInput(cpt_hcpcs=code))

    check = services.do_verify(encounter)

    report = validate(read(check.raw_270))
    assert report.valid, [f.describe() for f in report.errors]
    view = view_270(check.raw_270)
    member = view.subscribers[0]
    assert member.member_id == clinic.coverage.member_id
    # 03:30 UTC on the 4th is the 3rd in New York: the facility's date, not UTC's nor the plan's.
    assert [(d.qualifier, d.start) for d in member.dates] == [("291", dt.date(2026, 12, 3))]
    assert member.inquiries[0].service_types == ("30", "50", "62", "98", "PT")
    assert member.request_traces == () and member.traces[0].reference == check.trace_number
    assert check.service_types == ["30", "50", "62", "98", "PT"]


def test_a_dependent_is_asked_about_under_the_subscriber(payer, clinic):
    do_update_coverage(
        clinic.coverage,
        subscriber_relationship="19",
        subscriber_first_name="Sam",
        subscriber_last_name="Parent",
        subscriber_date_of_birth=dt.date(1970, 2, 3),
        subscriber_member_id=clinic.coverage.member_id,
    )
    encounter = clinic.encounter()

    check = services.do_verify(encounter)

    view = view_270(check.raw_270)
    subscriber = view.subscribers[0]
    assert subscriber.party.name == "Parent"
    assert subscriber.member_id == clinic.coverage.member_id
    assert len(subscriber.dependents) == 1
    dependent = subscriber.dependents[0]
    assert (dependent.party.name, dependent.relationship) == ("Patient", "19")
    assert dependent.traces[0].reference == check.trace_number
    assert validate(read(check.raw_270)).valid
    assert check.status == CheckStatus.VERIFIED


def test_a_member_with_an_id_of_their_own_is_asked_about_as_the_subscriber(payer, clinic):
    do_update_coverage(
        clinic.coverage,
        subscriber_relationship="01",
        subscriber_first_name="Pat",
        subscriber_last_name="Spouse",
        subscriber_member_id="OTHER123",
    )
    check = services.do_verify(clinic.encounter())
    subscriber = view_270(check.raw_270).subscribers[0]
    assert subscriber.member_id == clinic.coverage.member_id
    assert subscriber.dependents == ()


def test_inactive_coverage_opens_one_task_and_keeps_eligibility_open(payer, clinic):
    payer.inactive.add(clinic.coverage.member_id)
    encounter = clinic.encounter()

    first = services.do_verify(encounter)
    second = services.do_verify(encounter)

    assert first.status == second.status == CheckStatus.NEEDS_REVIEW
    assert first.coverage_status == CoverageState.INACTIVE
    tasks = Task.objects.filter(case__encounter=encounter, kind=TaskKind.COVERAGE_INACTIVE)
    assert tasks.count() == 1
    assert tasks.get().status == TaskStatus.OPEN
    case = case_of(encounter)
    assert case.status == CaseStatus.NEEDS_ELIGIBILITY
    assert "inactive" in case.status_reason


def test_a_verified_check_closes_the_system_tasks(payer, clinic):
    payer.inactive.add(clinic.coverage.member_id)
    encounter = clinic.encounter()
    services.do_verify(encounter)
    payer.inactive.clear()

    services.do_verify(encounter)

    task = Task.objects.get(case__encounter=encounter, kind=TaskKind.COVERAGE_INACTIVE)
    assert task.status == TaskStatus.DONE
    assert task.closed_at is not None


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        ("72", "member ID not found: check the card, try the subscriber's ID"),
        ("73", "the subscriber's name does not match"),
        ("75", "subscriber not found"),
    ],
)
def test_a_rejection_carries_actionable_advice(payer, clinic, code, advice):
    payer.rejections[clinic.coverage.member_id] = code
    encounter = clinic.encounter()

    check = services.do_verify(encounter)

    assert check.status == CheckStatus.REJECTED
    assert check.coverage_status == CoverageState.UNKNOWN
    assert check.rejections[0]["code"] == code
    assert check.rejections[0]["message"].startswith(advice)
    assert check.benefits == []
    task = Task.objects.get(case__encounter=encounter, kind=TaskKind.ELIGIBILITY)
    assert advice in task.detail
    assert f"AAA {code}" in case_of(encounter).status_reason


def test_busy_payer_is_an_error_not_a_rejection(payer, clinic):
    payer.rejections[clinic.coverage.member_id] = "42"
    check = services.do_verify(clinic.encounter())
    assert check.status == CheckStatus.ERROR
    assert "verify again later" in check.reasons[0]


def test_a_malformed_271_is_a_clear_error_with_nothing_half_saved(payer, clinic):
    payer.malformed.add(clinic.coverage.member_id)
    encounter = clinic.encounter()

    check = services.do_verify(encounter)

    assert check.status == CheckStatus.ERROR
    assert check.error.startswith("271 from default: malformed 271")
    assert "segment 21, SE01" in check.error
    assert check.benefits == [] and check.reasons == []
    assert check.raw_271  # kept, so the payer's answer can be shown to its support


def test_a_gateway_failure_is_recorded_with_its_code(payer, clinic):
    payer.failures[clinic.coverage.member_id] = GatewayError(
        "payer default: timed out (ReadTimeout) (after 3 attempts)",
        transient=True,
        core_error_code="Timeout",
        attempts=3,
    )
    check = services.do_verify(clinic.encounter())
    assert check.status == CheckStatus.ERROR
    assert check.attempts == 3
    assert "[CORE error code Timeout]" in check.error
    assert check.raw_270 and not check.raw_271


def test_a_failure_while_recording_leaves_no_row(payer, clinic, monkeypatch):
    encounter = clinic.encounter()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "do_recompute_locked", explode)
    with pytest.raises(RuntimeError):
        services.do_verify(encounter)
    assert not EligibilityCheck.objects.exists()


def test_no_endpoint_is_an_error_that_names_the_payer(payer, clinic):
    endpoints.use_endpoints({})
    check = services.do_verify(clinic.encounter())
    assert check.status == CheckStatus.ERROR
    assert f"[payers.{clinic.payer.primary_payer_id}]" in check.error


def test_self_pay_has_nothing_to_verify(payer, clinic):
    from tests.integration.model_builders import build_payer

    self_pay = build_payer("self_pay", name="Self pay")
    clinic.coverage.is_active = False
    clinic.coverage.save()
    from finclear.patients.services import do_add_coverage

    do_add_coverage(clinic.patient, payer=self_pay, effective_date=dt.date(2020, 1, 1))
    with pytest.raises(services.NothingToVerify, match="self-pay"):
        services.do_verify(clinic.encounter())


def test_manual_verification_records_who_when_how_and_clears(payer, clinic, django_user_model):
    user = django_user_model.objects.create_user("spec1", password="x" * 16)
    encounter = clinic.encounter()

    with pytest.raises(ValidationError, match="manual_method"):
        services.do_verify_manually(encounter, clinic.coverage, user=user, method="telepathy")
    check = services.do_verify_manually(
        encounter, clinic.coverage, user=user, method="phone", reference="CALL-123"
    )

    assert check.status == CheckStatus.MANUALLY_VERIFIED
    assert (check.user, check.manual_method, check.manual_reference) == (user, "phone", "CALL-123")
    assert check.requested_at <= timezone.now()
    assert case_of(encounter).status != CaseStatus.NEEDS_ELIGIBILITY


def test_a_stale_verification_no_longer_clears(payer, clinic):
    encounter = clinic.encounter()
    check = services.do_verify(encounter)
    EligibilityCheck.objects.filter(pk=check.pk).update(
        requested_at=timezone.now() - dt.timedelta(days=40)
    )
    from finclear.workqueue.services import do_recompute_case

    case = do_recompute_case(case_of(encounter))
    assert case.status == CaseStatus.NEEDS_ELIGIBILITY
    assert "stale (older than 30 days)" in case.status_reason


def test_a_changed_coverage_makes_the_verification_stale(payer, clinic):
    encounter = clinic.encounter()
    services.do_verify(encounter)
    do_update_coverage(clinic.coverage, member_id="NEWID999")
    from finclear.workqueue.services import do_recompute_case

    case = do_recompute_case(case_of(encounter))
    assert "the coverage changed since" in case.status_reason


def test_a_payers_file_that_cannot_be_used_is_an_error_that_says_why(
    payer, clinic, tmp_path, monkeypatch
):
    payers = tmp_path / "payers.toml"
    payers.write_text(
        '[payers.default]\nurl = "http://127.0.0.1:9/core/mime"\nprotocol = "mime"\n'
        'sender_id = "S"\nreceiver_id = "R"\nusername = "u"\npassword_env = "NOT_SET_ANYWHERE"\n'
    )
    monkeypatch.setenv("FINCLEAR_PAYERS_FILE", str(payers))
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    endpoints.use_endpoints(None)
    check = services.do_verify(clinic.encounter())
    assert check.status == CheckStatus.ERROR
    assert "the environment variable NOT_SET_ANYWHERE is not set" in check.error


def test_one_verification_stays_within_its_query_budget(
    payer, clinic, django_user_model, django_capture_on_commit_callbacks
):
    """A count, not a timing: the check, its audit event, the case's tasks, the estimate and
    the case's status in a fixed number of queries, however many checks came before.

    What waits for the commit runs (and is counted): the test's transaction never commits,
    and a case with changes still to recompute at commit is recomputed in full, not in part.
    """
    encounter = clinic.encounter()
    with django_capture_on_commit_callbacks(execute=True):
        build_chargemaster_item(clinic.facility, cpt="72148", charge="2450.00")
        do_add_service_line(encounter, ServiceLineInput(cpt_hcpcs="72148"))
        services.do_verify(encounter)  # the case exists and has a history
    user = django_user_model.objects.create_user("budget")
    counts = []
    for _ in range(3):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            check = services.do_verify(encounter, user=user)
        assert check.status == CheckStatus.VERIFIED
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] == counts[2], counts
    # Savepoints (the test runs in a transaction) are counted too; before the budget the
    # same verification took 44, then 32 with the case recomputed in full (21 of them), then
    # 16 with it recomputed in part (the case read twice: before the tasks, and locked).
    assert counts[0] <= QUERY_BUDGET, "\n".join(q["sql"][:120] for q in queries.captured_queries)
    assert AuditEvent.objects.filter(
        object_type="eligibility.eligibilitycheck", object_id=str(check.pk), action="create"
    ).exists()


def test_a_case_missing_when_the_check_is_recorded_is_created_and_computed(payer, clinic):
    encounter = clinic.encounter()
    ClearanceCase.objects.filter(encounter=encounter).delete()
    check = services.do_verify(encounter)
    assert check.status == CheckStatus.VERIFIED
    case = case_of(encounter)
    assert case.status != CaseStatus.NEEDS_ELIGIBILITY, case.status_reason
    assert case.computed_parts["findings"]


def test_a_benefit_row_changed_in_place_after_the_insert_is_audited(payer, clinic):
    check = services.do_verify(clinic.encounter())
    check.benefits[0]["amount"] = "0.01"
    check.save()
    update = AuditEvent.objects.filter(
        object_type="eligibility.eligibilitycheck", object_id=str(check.pk), action="update"
    ).get()
    assert update.detail == {"fields": ["benefits"]}
