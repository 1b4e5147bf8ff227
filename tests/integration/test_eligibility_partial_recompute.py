"""A verification recomputes its case in part (only what reads eligibility, and the estimates
when it recalculated one): the result must be the full recompute's, whatever the case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finclear.authorizations.models import LineRequirement
from finclear.eligibility import batch, services, tasks
from finclear.eligibility.models import EligibilityCheck
from finclear.estimates.models import Estimate
from finclear.estimates.services import do_create_estimate
from finclear.scheduling.models import ServiceLine
from finclear.scheduling.services import ServiceLineInput, do_add_service_line
from finclear.workqueue.checks import usable_parts
from finclear.workqueue.models import ClearanceCase
from finclear.workqueue.receivers import is_pending
from finclear.workqueue.services import do_recompute_cases, do_record_counseling
from tests.integration.model_builders import Clinic, build_chargemaster_item

pytestmark = pytest.mark.django_db

DECIDED = (
    "status",
    "computed_status",
    "status_reason",
    "open_items",
    "item_flags",
    "priority",
    "priority_explained",
    "payer_at_risk",
    "patient_at_risk",
    "payer_id",
    "due_date",
    "cleared_at",
    "computed_parts",  # every finding and engine fact, not only the decision
)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the recompute of marked cases) as the block ends: the
    test's transaction never commits, and a case with marks pending is recomputed in full."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def assert_partial(encounter) -> None:
    """The next verification's recompute will be partial: nothing pending, parts usable."""
    case = ClearanceCase.objects.get(encounter=encounter)
    assert not is_pending([encounter.pk])
    assert usable_parts(case, timezone.localdate()) is not None, case.computed_parts


def decided(encounter) -> dict[str, object]:
    case = ClearanceCase.objects.get(encounter=encounter)
    return {name: getattr(case, name) for name in DECIDED}


def with_line(clinic: Clinic, cpt: str = "72148", charge: str = "2450.00"):
    encounter = clinic.encounter()
    build_chargemaster_item(clinic.facility, cpt=cpt, charge=charge)
    do_add_service_line(encounter, ServiceLineInput(cpt_hcpcs=cpt))
    return encounter


def needs_authorization(clinic: Clinic):
    encounter = clinic.encounter()
    line = ServiceLine.objects.create(
        encounter=encounter, line_number=1, cpt_hcpcs="70553", units=Decimal(1),
        diagnosis_pointers=[], charge=Decimal("900.00"),
    )  # fmt: skip
    LineRequirement.objects.create(
        service_line=line, requirement="required", reason="rule X", evaluated_at=timezone.now()
    )
    do_recompute_cases([ClearanceCase.objects.get(encounter=encounter).pk])
    return encounter


def counseled(clinic: Clinic, django_user_model):
    encounter = with_line(clinic)
    user = django_user_model.objects.create_user("counselor")
    do_record_counseling(ClearanceCase.objects.get(encounter=encounter).pk, user, "agreed a plan")
    return encounter


def estimated(clinic: Clinic):
    encounter = with_line(clinic)
    do_create_estimate(encounter)
    return encounter


def estimated_otherwise(clinic: Clinic):
    """An estimate whose amounts the verification's recalculation changes."""
    encounter = estimated(clinic)
    Estimate.objects.filter(encounter=encounter).update(
        patient_total=Decimal("100.00"), copay=Decimal("20.00")
    )
    do_recompute_cases([ClearanceCase.objects.get(encounter=encounter).pk])
    return encounter


SHAPES = {
    "no lines": lambda clinic, payer, users: clinic.encounter(),
    "a charged line": lambda clinic, payer, users: with_line(clinic),
    "an estimate": lambda clinic, payer, users: estimated(clinic),
    "an estimate to change": lambda clinic, payer, users: estimated_otherwise(clinic),
    "an authorization needed": lambda clinic, payer, users: needs_authorization(clinic),
    "counseled": lambda clinic, payer, users: counseled(clinic, users),
}
ANSWERS = {
    "first": lambda payer, member: None,
    "active": lambda payer, member: None,
    "inactive": lambda payer, member: payer.inactive.add(member),
    "rejected": lambda payer, member: payer.rejections.__setitem__(member, "72"),
}


@pytest.mark.parametrize("answer", ["active", "inactive", "rejected"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_verifications_partial_recompute_decides_as_the_full_one(
    payer, django_user_model, committed, shape, answer
):
    """Two verifications: the first (an estimate on file is recalculated from its benefits),
    then the answer given; each partial recompute's decision is the full one's."""
    clinic = Clinic()
    with committed():
        encounter = SHAPES[shape](clinic, payer, django_user_model)
    for step in ("first", answer):
        ANSWERS[step](payer, clinic.coverage.member_id)
        assert_partial(encounter)
        with committed():
            services.do_verify(encounter)
        partial = decided(encounter)
        do_recompute_cases([ClearanceCase.objects.get(encounter=encounter).pk])
        assert partial == decided(encounter), step
    estimates = Estimate.objects.filter(encounter=encounter).count()
    assert estimates == (2 if shape.startswith("an estimate") else 0)


def test_a_manual_verifications_partial_recompute_decides_as_the_full_one(
    payer, django_user_model, committed
):
    clinic = Clinic()
    with committed():
        encounter = needs_authorization(clinic)
        payer.inactive.add(clinic.coverage.member_id)
        services.do_verify(encounter)
        user = django_user_model.objects.create_user("spec")
    assert_partial(encounter)

    with committed():
        services.do_verify_manually(encounter, clinic.coverage, user=user, method="phone")
    partial = decided(encounter)
    do_recompute_cases([ClearanceCase.objects.get(encounter=encounter).pk])

    assert partial == decided(encounter)


def count_queries(case_id: int, changed: set[str] | None) -> int:
    with CaptureQueriesContext(connection) as queries:
        do_recompute_cases([case_id], changed=changed)
    return len(queries.captured_queries)


def test_the_partial_recompute_skips_what_eligibility_does_not_change_until_parts_are_void(
    payer, committed
):
    clinic = Clinic()
    with committed():
        encounter = needs_authorization(clinic)
        services.do_verify(encounter)
    assert_partial(encounter)
    case = ClearanceCase.objects.get(encounter=encounter)
    full = count_queries(case.pk, None)

    assert count_queries(case.pk, {"eligibility"}) < full
    # Parts of another day, format or registry are never used: a full recompute instead.
    for key, value in [
        ("on", (timezone.localdate() - dt.timedelta(days=1)).isoformat()),
        ("version", -1),
        ("registry", "another"),
    ]:
        parts = ClearanceCase.objects.get(pk=case.pk).computed_parts
        ClearanceCase.objects.filter(pk=case.pk).update(computed_parts={**parts, key: value})
        assert count_queries(case.pk, {"eligibility"}) == full, key
    ClearanceCase.objects.filter(pk=case.pk).update(computed_parts={})
    assert count_queries(case.pk, {"eligibility"}) == full


def test_a_change_waiting_for_the_commit_makes_the_verification_recompute_in_full(payer, committed):
    """A line's requirement evaluated in the same transaction as a verification: its case is
    marked, so the verification's recompute reads the authorizations again instead of the
    stored finding (the recompute at commit would correct it, but the case is right at once)."""
    clinic = Clinic()
    with committed():
        encounter = with_line(clinic)
        services.do_verify(encounter)
    assert "not evaluated yet" in str(decided(encounter)["open_items"])
    assert_partial(encounter)
    line = ServiceLine.objects.get(encounter=encounter)
    LineRequirement.objects.create(
        service_line=line, requirement="not_required", reason="no rule", evaluated_at=timezone.now()
    )
    assert is_pending([encounter.pk])
    services.do_verify(encounter)
    partial = decided(encounter)
    assert "authorization" not in str(partial["open_items"])
    do_recompute_cases([ClearanceCase.objects.get(encounter=encounter).pk])
    assert partial == decided(encounter)


def test_a_partial_recompute_of_several_cases_reruns_what_changed_for_each(payer, committed):
    """The changed kinds hold for every case of the batch, not only its first: two cases whose
    latest checks no longer verify (changed without a signal) are both decided again."""
    clinic = Clinic()
    with committed():
        encounters = [clinic.encounter(), clinic.encounter()]
        for encounter in encounters:
            services.do_verify(encounter)
    for encounter in encounters:
        assert_partial(encounter)
    verified = [decided(encounter)["status_reason"] for encounter in encounters]
    EligibilityCheck.objects.filter(encounter__in=encounters).update(status="rejected")
    ids = [ClearanceCase.objects.get(encounter=encounter).pk for encounter in encounters]

    do_recompute_cases(ids, changed={"eligibility"})
    partial = [decided(encounter) for encounter in encounters]
    assert [p["status_reason"] for p in partial] != verified
    assert partial[0]["status_reason"] == partial[1]["status_reason"]
    do_recompute_cases(ids)

    assert partial == [decided(encounter) for encounter in encounters]


@pytest.mark.parametrize("answer", ["active", "inactive", "rejected"])
def test_a_batchs_partial_recompute_decides_as_the_full_one(
    payer, django_user_model, committed, answer
):
    """The batch's follow-up task recomputes its chunk's cases in part: every shape of case,
    verified in one batch, is decided as a full recompute decides it."""
    clinic = Clinic()
    with committed():
        encounters = [build(clinic, payer, django_user_model) for build in SHAPES.values()]
    ANSWERS[answer](payer, clinic.coverage.member_id)
    run = batch.do_start_batch(7, triggered_by="test", chunk_size=4, enqueue=False)
    assert run.selected == len(encounters)
    with committed():
        for chunk_id in run.chunks.values_list("pk", flat=True):
            batch.do_run_chunk(chunk_id, worker="test")
    for encounter in encounters:
        assert_partial(encounter)
    ids = list(ClearanceCase.objects.filter(encounter__in=encounters).values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as partial_queries:
        tasks.recompute_cases.call(ids)
    partial = [decided(encounter) for encounter in encounters]
    with CaptureQueriesContext(connection) as full_queries:
        do_recompute_cases(ids)

    assert partial == [decided(encounter) for encounter in encounters]
    assert len(partial_queries) < len(full_queries)  # it did recompute in part


def test_an_estimate_recalculated_from_the_rows_held_is_the_one_read_back_would_make(
    payer, committed
):
    """A verification recalculates the estimate from the benefit rows it has just written,
    not read back: the estimate is the check's, and recalculating it from the rows as stored
    finds its inputs unchanged (nothing written)."""
    from finclear.estimates.services import do_estimate_encounters

    clinic = Clinic()
    with committed():
        encounter = estimated_otherwise(clinic)
    with committed():  # apart: what the setup marked is recalculated at its own commit
        check = services.do_verify(encounter)
    current = Estimate.objects.get(encounter=encounter, is_current=True)
    assert current.eligibility_check_id == check.pk
    assert do_estimate_encounters([encounter.pk], only_existing=True, recompute=False) == 0
    assert Estimate.objects.get(encounter=encounter, is_current=True).pk == current.pk


def test_the_batch_recalculates_the_estimates_from_the_rows_it_holds_as_read_back_would(
    payer, committed
):
    from finclear.estimates.services import do_estimate_encounters

    clinics = [Clinic(code=code) for code in ("NORTH", "SOUTH", "EAST")]
    with committed():
        encounters = [estimated(clinic) for clinic in clinics]
    with committed():
        run = batch.do_start_batch(7, triggered_by="test", chunk_size=2, enqueue=False)
        for chunk_id in run.chunks.values_list("pk", flat=True):
            batch.do_run_chunk(chunk_id, worker="test")
    checks = dict(EligibilityCheck.objects.filter(batch_run=run).values_list("encounter_id", "pk"))
    made_from = dict(
        Estimate.objects.filter(encounter__in=encounters, is_current=True).values_list(
            "encounter_id", "eligibility_check_id"
        )
    )
    assert made_from == checks and len(checks) == len(encounters)
    ids = [e.pk for e in encounters]
    assert do_estimate_encounters(ids, only_existing=True, recompute=False) == 0
