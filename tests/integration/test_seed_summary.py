"""The demo pipeline and its summary: encounters by clearance status, and dollars at risk."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from finclear.demo.load import do_load_clinic
from finclear.demo.pipeline import STEPS, PipelineStep, do_run_pipeline
from finclear.demo.records import SeedParams
from finclear.demo.summary import build_summary
from finclear.demo.synth import build_clinic
from finclear.scheduling.models import Encounter, ServiceLine
from finclear.workqueue.models import CaseStatus, ClearanceCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic_loaded() -> None:
    params = SeedParams(patients=40, days=7, seed=9, start_date=timezone.localdate())
    do_load_clinic(build_clinic(params))


def test_the_pipeline_computes_every_open_case(clinic_loaded: None) -> None:
    seen: list[str] = []
    results = do_run_pipeline(on_step=lambda step: seen.append(step.name))
    assert seen == [s.name for s in STEPS] and seen[-1] == "clearance status"
    open_cases = ClearanceCase.objects.filter(encounter__status__in=["scheduled", "arrived"])
    assert results[-1].processed == open_cases.count() > 0
    assert not open_cases.filter(status=CaseStatus.PENDING).exists()
    assert not open_cases.filter(computed_at__isnull=True).exists()


def test_steps_run_in_order_and_report_what_they_processed() -> None:
    calls: list[str] = []
    steps = [
        PipelineStep("first", "one", lambda: calls.append("first") or 3),
        PipelineStep("second", "two", lambda: calls.append("second") or 5),
    ]
    results = do_run_pipeline(steps)
    assert calls == ["first", "second"]
    assert [(r.name, r.processed) for r in results] == [("first", 3), ("second", 5)]


def test_the_summary_adds_up_and_counts_only_uncleared_charges_at_risk(
    clinic_loaded: None,
) -> None:
    do_run_pipeline()
    open_encounters = Encounter.objects.filter(status__in=["scheduled", "arrived"])
    cleared = list(open_encounters.order_by("pk").values_list("pk", flat=True)[:5])
    ClearanceCase.objects.filter(encounter_id__in=cleared).update(status=CaseStatus.CLEARED)
    Encounter.objects.filter(pk=open_encounters.order_by("-pk")[0].pk).update(status="discharged")
    summary = build_summary()
    assert summary.encounters == open_encounters.count() > 0
    total = ServiceLine.objects.filter(encounter__in=open_encounters).aggregate(t=Sum("charge"))[
        "t"
    ]
    assert summary.charges == total
    cleared_charges = ServiceLine.objects.filter(encounter_id__in=cleared).aggregate(
        t=Sum("charge")
    )["t"]
    assert cleared_charges > 0
    assert summary.dollars_at_risk == total - cleared_charges
    assert isinstance(summary.dollars_at_risk, Decimal)
    by_status = {row.status: row.encounters for row in summary.rows}
    assert by_status[CaseStatus.CLEARED] == 5
    assert sum(by_status.values()) == summary.encounters


def test_an_empty_database_summarizes_to_nothing() -> None:
    summary = build_summary()
    assert summary.rows == () and summary.dollars_at_risk == Decimal("0.00")
