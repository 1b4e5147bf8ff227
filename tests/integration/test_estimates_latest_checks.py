"""The checks an estimate reads: the latest with benefit rows of an active coverage, per
encounter and coverage, decided from the rows (not by comparing the stored JSON in SQL)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from finclear.eligibility import services
from finclear.eligibility.models import CoverageState, EligibilityCheck
from finclear.eligibility.queries import rows_from_json
from finclear.estimates.inputs import _latest_checks
from tests.integration.model_builders import Clinic

pytestmark = pytest.mark.django_db


def latest_by_the_database(encounter_ids):
    """What the estimates read before: the database left out the checks whose rows are []."""
    rows = (
        EligibilityCheck.objects.filter(
            encounter_id__in=encounter_ids, coverage_status=CoverageState.ACTIVE
        )
        .exclude(benefits=[])
        .order_by("encounter_id", "coverage_id", "-requested_at", "-pk")
    )
    out = {}
    for check in rows:
        key = (check.encounter_id, check.coverage_id)
        if key not in out:
            out[key] = (check.pk, rows_from_json(check.benefits), check.requested_at)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_the_latest_checks_with_rows_are_those_the_database_picked(payer, seed):
    chance = random.Random(seed)
    clinic = Clinic()
    encounters = [clinic.encounter() for _ in range(4)]
    for encounter in encounters:
        services.do_verify(encounter)
    templates = list(EligibilityCheck.objects.filter(encounter__in=encounters))
    now = timezone.now()
    for n in range(chance.randint(4, 14)):
        check = chance.choice(templates)
        check.pk = None
        check.trace_number = f"T{seed}-{n}"
        check.idempotency_key = None
        check.requested_at = now - dt.timedelta(minutes=chance.choice([0, 5, 60, 600]))
        check.coverage_status = chance.choice([CoverageState.ACTIVE, CoverageState.INACTIVE])
        if chance.random() < 0.4:
            check.benefits = []
        check.save()
    ids = [e.pk for e in encounters]
    expected = latest_by_the_database(ids)
    every = EligibilityCheck.objects.filter(encounter__in=encounters)
    held = {pk: rows_from_json(rows) for pk, rows in every.values_list("pk", "benefits")}
    known = {pk: rows for pk, rows in held.items() if chance.random() < 0.5}
    for given in (None, known):
        found = _latest_checks(ids, given)
        assert {k: (c.pk, c.rows, c.requested_at) for k, c in found.items()} == expected
