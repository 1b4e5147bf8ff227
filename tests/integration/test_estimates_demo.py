"""The demo's estimates step: every open encounter of the seeded schedule gets its estimate."""

from __future__ import annotations

import pytest
from django.utils import timezone

from finclear.assistance.demo import do_ensure_demo_policies
from finclear.contracts.models import FeeSchedule
from finclear.demo.load import do_load_clinic
from finclear.demo.records import SeedParams
from finclear.demo.synth import build_clinic
from finclear.estimates.demo import do_estimate_demo_schedule
from finclear.estimates.models import Estimate, EstimateKind
from finclear.scheduling.models import Encounter

pytestmark = pytest.mark.django_db


def test_the_seeded_schedule_gets_estimates_once():
    params = SeedParams(patients=40, days=7, seed=9, start_date=timezone.localdate())
    do_load_clinic(build_clinic(params))
    written = do_estimate_demo_schedule()
    priced = Encounter.objects.filter(
        status__in=["scheduled", "arrived"], service_lines__isnull=False
    ).distinct()
    assert written == priced.count() > 0
    assert FeeSchedule.objects.count() == 9
    current = Estimate.objects.filter(is_current=True)
    assert current.count() == written
    assert current.filter(kind=EstimateKind.GFE).exists()
    # Most seeded lines are priced by a contract; none is left unpriced by the demo contracts.
    assert (
        not current.filter(complete=False, benefits_source="plan_design")
        .exclude(lines__status="no_benefit")
        .exists()
    )
    assert do_estimate_demo_schedule() == 0
    assert do_ensure_demo_policies() >= 1
    assert do_ensure_demo_policies() == 0
