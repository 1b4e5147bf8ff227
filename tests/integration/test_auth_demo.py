"""The demo's authorization step on a seeded clinic: rules from examples/auth_rules.yaml,
requirements per line, and requests answered by the payer simulator process."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from finclear.authorizations.demo import do_authorize_demo_schedule
from finclear.authorizations.models import (
    Authorization,
    AuthorizationRule,
    AuthorizationStatus,
    Channel,
    LineRequirement,
)
from finclear.demo.load import do_load_clinic
from finclear.demo.records import SeedParams
from finclear.demo.scenario import build_scenario, write_scenario
from finclear.demo.synth import build_clinic

pytestmark = [pytest.mark.django_db, pytest.mark.e2e]


def test_the_demo_step_evaluates_the_schedule_and_requests_what_it_needs(tmp_path: Path) -> None:
    params = SeedParams(patients=60, days=7, seed=11, start_date=timezone.localdate())
    clinic = build_clinic(params)
    scenario = tmp_path / "scenario.json"
    write_scenario(build_scenario(clinic), scenario)
    do_load_clinic(clinic, scenario_path=str(scenario))
    requested = do_authorize_demo_schedule()
    assert AuthorizationRule.objects.count() == 12
    requirements = Counter(LineRequirement.objects.values_list("requirement", flat=True))
    assert requirements["required"] > 0 and requirements["not_required"] > 0
    statuses = Counter(Authorization.objects.values_list("status", flat=True))
    sent = sum(n for status, n in statuses.items() if status != AuthorizationStatus.REQUIRED)
    assert requested >= sent > 0
    # Every one was sent, dependents' 278s included (2000E nests under 2000D for them).
    assert statuses[AuthorizationStatus.REQUIRED] == 0
    assert statuses[AuthorizationStatus.PENDED] == 0  # pended ones were sent again, approved
    decided = {
        AuthorizationStatus.APPROVED,
        AuthorizationStatus.PARTIALLY_APPROVED,
        AuthorizationStatus.DENIED,
    }
    assert set(statuses) <= decided
    channels = Counter(
        Authorization.objects.exclude(status=AuthorizationStatus.REQUIRED).values_list(
            "channel", flat=True
        )
    )
    assert channels[Channel.X12_278] > 0
    assert set(channels) <= {Channel.X12_278, Channel.FHIR_PAS}
