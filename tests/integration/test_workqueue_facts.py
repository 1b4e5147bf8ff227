"""The workqueue's own facts: payer difficulty from eligibility checks and authorizations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from finclear.authorizations.models import Authorization
from finclear.eligibility.models import EligibilityCheck
from finclear.workqueue.facts import load_payer_difficulty
from tests.integration.model_builders import Clinic, build_payer

pytestmark = pytest.mark.django_db


def add_checks(clinic: Clinic, encounter, statuses: list[str], days_ago: int = 1) -> None:
    at = timezone.now() - dt.timedelta(days=days_ago)
    EligibilityCheck.objects.bulk_create(
        EligibilityCheck(
            encounter=encounter,
            coverage=clinic.coverage,
            channel="batch",
            trace_number=f"T{days_ago}-{n}",
            coverage_fingerprint="x",
            date_of_service=at.date(),
            requested_at=at,
            status=status,
        )
        for n, status in enumerate(statuses)
    )


def test_difficulty_is_the_worse_of_checks_and_authorizations_damped():
    clinic = Clinic()
    encounter = clinic.encounter()
    other = build_payer(name="Clean Health")
    # 5 checks, 2 not verified: 2 / (5 + 5) = 0.20. Checks older than 90 days do not count.
    add_checks(clinic, encounter, ["verified", "verified", "rejected", "error", "verified"])
    add_checks(clinic, encounter, ["rejected"] * 4, days_ago=120)
    assert load_payer_difficulty({clinic.payer.pk, other.pk}, timezone.now()) == {
        clinic.payer.pk: Decimal("0.20"),
        other.pk: Decimal("0"),
    }
    # 3 decided authorizations, all denied: 3 / (3 + 5) = 0.375 -> 0.38, worse than the checks.
    Authorization.objects.bulk_create(
        Authorization(
            coverage=clinic.coverage, payer=clinic.payer, encounter=encounter, status="denied"
        )
        for _ in range(3)
    )
    assert load_payer_difficulty({clinic.payer.pk}, timezone.now()) == {
        clinic.payer.pk: Decimal("0.38")
    }
