"""The workqueue's own facts: payer difficulty from eligibility checks and authorizations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finclear.authorizations.models import Authorization
from finclear.eligibility.models import EligibilityCheck
from finclear.workqueue import facts
from finclear.workqueue.facts import load_cached_difficulty, load_payer_difficulty
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


def test_the_difficulty_is_reused_within_its_ttl_and_read_again_after(settings, monkeypatch):
    """The cached difficulty: read once, reused while the TTL runs (new checks do not move
    it), computed again once it has expired; a TTL of 0 reads it exactly every time."""
    clinic = Clinic()
    encounter = clinic.encounter()
    other = build_payer(name="Clean Health")
    payers = {clinic.payer.pk, other.pk}
    add_checks(clinic, encounter, ["verified", "rejected"])
    settings.FINCLEAR_PAYER_DIFFICULTY_TTL = 300
    clock = [1_000_000.0]
    fake_time = SimpleNamespace(time=lambda: clock[0])  # the cache's clock, not the process's
    monkeypatch.setattr("django.core.cache.backends.base.time", fake_time)
    monkeypatch.setattr("django.core.cache.backends.locmem.time", fake_time)
    first = {clinic.payer.pk: Decimal("0.14"), other.pk: Decimal("0")}  # 1 / (2 + 5)
    with CaptureQueriesContext(connection) as read:
        assert load_cached_difficulty(payers, timezone.now()) == first
    assert len(read) == 1

    add_checks(clinic, encounter, ["rejected"] * 3, days_ago=2)  # 4 / (5 + 5) = 0.40
    clock[0] += 299
    with CaptureQueriesContext(connection) as reused:
        assert load_cached_difficulty(payers, timezone.now()) == first
    assert len(reused) == 0

    clock[0] += 2
    after = {clinic.payer.pk: Decimal("0.40"), other.pk: Decimal("0")}
    assert load_cached_difficulty(payers, timezone.now()) == after
    assert load_payer_difficulty(payers, timezone.now()) == after

    add_checks(clinic, encounter, ["rejected"] * 5, days_ago=3)  # 9 / (10 + 5) = 0.60
    settings.FINCLEAR_PAYER_DIFFICULTY_TTL = 0
    with CaptureQueriesContext(connection) as exact:
        assert load_cached_difficulty(payers, timezone.now())[clinic.payer.pk] == Decimal("0.60")
    assert len(exact) == 1


def test_only_the_payers_not_cached_are_read(settings, monkeypatch):
    clinic = Clinic()
    encounter = clinic.encounter()
    other = build_payer(name="Clean Health")
    add_checks(clinic, encounter, ["rejected"] * 5)  # 5 / (5 + 5) = 0.50
    settings.FINCLEAR_PAYER_DIFFICULTY_TTL = 300
    assert load_cached_difficulty({other.pk}, timezone.now()) == {other.pk: Decimal("0")}
    asked: list[set[int]] = []
    exact = facts.load_payer_difficulty
    monkeypatch.setattr(
        facts, "load_payer_difficulty", lambda ids, now: asked.append(set(ids)) or exact(ids, now)
    )
    both = load_cached_difficulty({clinic.payer.pk, other.pk}, timezone.now())
    assert both == {clinic.payer.pk: Decimal("0.50"), other.pk: Decimal("0")}
    assert asked == [{clinic.payer.pk}]
