"""Estimates in the app: made from the plan's design or a 271, recalculated when benefits change,
self-pay Good Faith Estimates with their deadline task, delivery, and the clearance conditions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from finclear.eligibility import batch
from finclear.eligibility import services as eligibility
from finclear.estimates import services
from finclear.estimates.gfe import DISCLAIMER_TEXT
from finclear.estimates.models import Estimate, GfeRequest
from finclear.rules.gfe import DISCLAIMERS
from finclear.scheduling.services import do_add_diagnosis
from finclear.workqueue.models import ClearanceCase, Task, TaskKind, TaskStatus
from tests.integration.estimates_support import SCHEDULED, EstimateClinic
from tests.integration.model_builders import EASTERN

pytestmark = pytest.mark.django_db
D = Decimal
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def clinic():
    return EstimateClinic()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what a block leaves for the commit (recalculation, clearance recompute)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def open_items(encounter) -> dict[str, str]:
    case = ClearanceCase.objects.get(encounter=encounter)
    return {item["item"]: item["reason"] for item in case.open_items}


def test_plan_design_estimate_line_by_line(clinic, commit):
    encounter = clinic.visit("72148")
    with commit():
        estimate = services.do_create_estimate(encounter)
    # 50% of the $2,450 charge = $1,225 allowed; nothing met of the $1,500 deductible, so
    # all of it goes to the deductible; the plan pays nothing.
    assert (estimate.kind, estimate.benefits_source) == ("estimate", "plan_design")
    assert (estimate.allowed, estimate.deductible, estimate.plan_pays) == (
        D("1225.00"),
        D("1225.00"),
        D("0.00"),
    )
    assert estimate.patient_total == D("1225.00") and estimate.complete
    assert estimate.deductible_remaining == D("275.00")
    line = estimate.lines.get()
    assert "$1,225 goes to your deductible" in line.explanation
    assert "not known" in estimate.notes[0]
    assert open_items(encounter)["estimate"] == "patient estimate not delivered"


def test_new_benefits_recalculate_and_supersede(clinic, payer, commit):
    encounter = clinic.visit("72148")
    first = services.do_create_estimate(encounter)
    with commit():
        eligibility.do_verify(encounter)
    current = Estimate.objects.get(encounter=encounter, is_current=True)
    first.refresh_from_db()
    assert current.pk != first.pk and first.superseded_at is not None
    # The 271 says $1,100 of the deductible remains: $1,100 to it, then 20% of the
    # remaining $125 = $25 coinsurance.
    assert current.benefits_source == "eligibility"
    assert (current.deductible, current.coinsurance, current.patient_total) == (
        D("1100.00"),
        D("25.00"),
        D("1125.00"),
    )
    assert current.reason == "the benefits, lines or prices changed"
    assert services.do_refresh_estimates([encounter.pk]) == 0


def test_a_batch_recalculates_the_estimates_its_benefits_change(clinic, payer, commit):
    """A batch bulk-inserts its checks (no signals): it refreshes the estimates itself, and the
    follow-up recompute then sees the new estimate."""
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    encounter = clinic.visit("72148", scheduled_at=tomorrow)
    first = services.do_create_estimate(encounter)
    run = batch.do_start_batch(7, triggered_by="test", enqueue=False)
    with override_settings(TASKS=IMMEDIATE), commit():
        for chunk_id in run.chunks.values_list("pk", flat=True):
            batch.do_run_chunk(chunk_id, worker="test")
    current = Estimate.objects.get(encounter=encounter, is_current=True)
    first.refresh_from_db()
    assert current.pk != first.pk and first.superseded_at is not None
    assert current.benefits_source == "eligibility"
    assert current.eligibility_check.batch_run_id == run.pk
    assert (current.deductible, current.coinsurance, current.patient_total) == (
        D("1100.00"),
        D("25.00"),
        D("1125.00"),
    )
    assert open_items(encounter)["estimate"] == "patient estimate not delivered"
    assert services.do_refresh_estimates([encounter.pk]) == 0


def test_the_same_benefits_again_do_not_recalculate(clinic, payer, commit, monkeypatch):
    """A second 271 with the rows the estimate was made from changes none of its inputs: it is
    not recalculated, nor even reloaded."""
    encounter = clinic.visit("72148")
    services.do_create_estimate(encounter)
    refreshed = []
    real = services.do_refresh_estimates

    def spy(ids, **kwargs):
        refreshed.append(list(ids))
        return real(ids, **kwargs)

    monkeypatch.setattr(services, "do_refresh_estimates", spy)
    with commit():
        eligibility.do_verify(encounter)  # plan design -> the payer's rows
    current = Estimate.objects.get(encounter=encounter, is_current=True)
    with commit():
        again = eligibility.do_verify(encounter)
    assert refreshed == [[encounter.pk]]
    assert again.benefits == current.eligibility_check.benefits
    assert Estimate.objects.get(encounter=encounter, is_current=True).pk == current.pk


def test_copay_only_visit_needs_no_estimate_letter(clinic, commit):
    encounter = clinic.visit("99213")
    with commit():
        estimate = services.do_create_estimate(encounter)
    assert (estimate.copay, estimate.patient_total) == (D("25.00"), D("25.00"))
    assert "estimate" not in open_items(encounter)


def test_self_pay_gets_a_gfe_with_its_deadline_task_closed_on_delivery(
    clinic, django_user_model, commit
):
    clinic.make_self_pay()
    encounter = clinic.visit("72148", "99213", scheduled_on=SCHEDULED)
    with commit():
        estimate = services.do_create_estimate(encounter)
    # $2,450 less 40% = $1,470; $175 less 40% = $105.
    assert estimate.kind == "gfe" and estimate.benefits_source == "self_pay"
    assert estimate.patient_total == D("1575.00")
    assert [line.patient_total for line in estimate.lines.all()] == [D("1470.00"), D("105.00")]
    # Scheduled Mon Nov 2 for Dec 3 (10+ business days ahead): due 3 business days later.
    assert estimate.gfe_scheduled_on == dt.date(2026, 11, 2)
    assert estimate.gfe_due == dt.date(2026, 11, 5)
    assert estimate.gfe_problems == [
        "codes_and_charges: no diagnosis code is given (45 CFR 149.610(c)(1))"
    ]
    with pytest.raises(ValidationError, match="no diagnosis code"):
        services.do_deliver_estimate(estimate, "in_person", None)
    with commit():
        do_add_diagnosis(encounter, sequence=1, icd10_code="M5450")
    estimate = Estimate.objects.get(encounter=encounter, is_current=True)
    assert estimate.gfe_problems == []
    assert [line.diagnosis_codes for line in estimate.lines.all()] == [["M5450"], ["M5450"]]
    task = Task.objects.get(case__encounter=encounter, kind=TaskKind.ESTIMATE)
    assert task.title == "Good Faith Estimate due 2026-11-05"
    assert task.due_at == dt.datetime(2026, 11, 5, 23, 59, 59, tzinfo=EASTERN)
    assert "overdue (was due 2026-11-05)" in open_items(encounter)["estimate"]
    user = django_user_model.objects.create_user("counselor1")
    with commit():
        services.do_deliver_estimate(estimate, "in_person", user)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert "estimate" not in open_items(encounter)
    with pytest.raises(ValidationError, match="already delivered"):
        services.do_deliver_estimate(estimate, "mail", user)


def test_a_request_sets_its_own_deadline(clinic, django_user_model):
    clinic.make_self_pay()
    encounter = clinic.visit("99213", scheduled_on=SCHEDULED)
    user = django_user_model.objects.create_user("counselor2")
    services.do_request_gfe(encounter, user, requested_on=dt.date(2026, 11, 3), channel="phone")
    estimate = Estimate.objects.get(encounter=encounter, is_current=True)
    assert GfeRequest.objects.filter(encounter=encounter).count() == 1
    # Scheduling rule: Nov 5; request on Tue Nov 3: 3 business days later, Nov 6. The earlier wins.
    assert estimate.gfe_due == dt.date(2026, 11, 5)
    assert estimate.gfe_requested_on == dt.date(2026, 11, 3)


def test_insured_patient_cannot_request_a_gfe(clinic):
    encounter = clinic.visit("72148")
    with pytest.raises(ValidationError, match="a GFE is for uninsured"):
        services.do_request_gfe(encounter, None)
    assert not GfeRequest.objects.exists()


def test_superseded_estimate_cannot_be_delivered(clinic):
    encounter = clinic.visit("72148")
    first = services.do_create_estimate(encounter)
    services.do_create_estimate(encounter, reason="again")
    with pytest.raises(ValidationError, match="superseded"):
        services.do_deliver_estimate(first, "mail", None)


def test_no_lines_nothing_to_estimate(clinic):
    with pytest.raises(ValidationError, match="service_lines"):
        services.do_create_estimate(clinic.visit())


def test_batch_estimates_once_and_only_what_changed(clinic):
    a = clinic.visit("72148")
    b = clinic.visit("99213")
    empty = clinic.visit()
    assert services.do_estimate_encounters([a.pk, b.pk, empty.pk]) == 2
    assert services.do_estimate_encounters([a.pk, b.pk, empty.pk]) == 0
    assert Estimate.objects.filter(is_current=True).count() == 2


def test_the_gfe_prints_every_required_disclaimer():
    assert set(DISCLAIMER_TEXT) == DISCLAIMERS
