"""The supervisor dashboard: volume, past due, throughput, the HFMA patient-access rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from finclear.reports import queries
from finclear.scheduling.models import ServiceLine
from finclear.workqueue import services
from finclear.workqueue.models import ClearanceCase
from tests.integration.test_workqueue_worklist import open_case
from tests.integration.webclinic import build_site, build_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sites():
    return build_site("NORTH"), build_site("SOUTH")


def verify(case: ClearanceCase, user) -> None:
    from finclear.eligibility.services import do_verify_manually

    do_verify_manually(
        case.encounter, case.encounter.patient.coverages.get(), user=user, method="phone"
    )


def test_volume_past_due_and_throughput(sites) -> None:
    sue = build_user("sue", "supervisor", sites[0].facility)
    ann = build_user("ann", "specialist", sites[0].facility)
    soon = open_case(sites[0], days=2)
    later = open_case(sites[0], days=10)
    old = open_case(sites[0], days=-2)
    open_case(sites[1], days=2)  # another facility: not counted
    services.do_claim_case(soon.pk, ann)
    verify(soon, ann)
    services.do_claim_case(later.pk, ann)
    services.do_release_case(later.pk, ann)
    board = queries.build_dashboard(
        sue,
        timezone.localdate() - dt.timedelta(days=5),
        timezone.localdate() + dt.timedelta(days=30),
    )
    by_status = {key: n for key, _, n in board.by_status}
    assert by_status["cleared"] == 1 and by_status["at_risk"] == 1
    assert by_status["needs_eligibility"] == 1
    by_days = {key: (o, c) for key, _, o, c in board.by_days}
    assert by_days["past"] == (1, 0) and by_days["1-3"] == (0, 1) and by_days["8-14"] == (1, 0)
    assert [c.pk for c in board.past_due] == [old.pk] and board.past_due_count == 1
    assert [(t.username, t.claimed, t.cleared, t.released) for t in board.throughput] == [
        ("ann", 2, 1, 1)
    ]


def test_the_patient_access_rates(sites) -> None:
    from finclear.authorizations.models import LineRequirement

    sue = build_user("sue", "supervisor", sites[0].facility)
    cases = [open_case(sites[0], days=10) for _ in range(4)]
    verify(cases[0], sue)
    verify(cases[1], sue)
    for case in cases[2:]:
        line = ServiceLine.objects.create(
            encounter=case.encounter, line_number=1, cpt_hcpcs="70553", units=Decimal(1),
            diagnosis_pointers=[], charge=Decimal("900.00"),
        )  # fmt: skip
        LineRequirement.objects.create(
            service_line=line, requirement="required", reason="rule X", evaluated_at=timezone.now()
        )
    services.do_recompute_cases([c.pk for c in cases])
    open_case(sites[0], days=10, encounter_type="emergency")  # not scheduled: no pre-registration
    cancelled = open_case(sites[0], days=10)
    cancelled.encounter.status = "cancelled"
    cancelled.encounter.save()
    today = timezone.localdate()
    rates = {r.key: r for r in queries.rates(sue, today, today + dt.timedelta(days=30))}
    # Scheduled: the four and the cancelled one (HFMA keeps cancelled pre-registrations).
    assert (rates["pre_registration"].numerator, rates["pre_registration"].denominator) == (2, 5)
    verification = rates["insurance_verification"]
    assert (verification.numerator, verification.denominator) == (2, 5)  # the ER visit counts
    auth = rates["service_authorization"]
    assert (auth.numerator, auth.denominator) == (0, 2) and auth.percent == Decimal("0.0")
    empty = queries.rates(sue, today - dt.timedelta(days=90), today - dt.timedelta(days=60))
    assert all(r.percent is None for r in empty)


def test_the_page_is_for_supervisors(sites, client: Client) -> None:
    open_case(sites[0], days=1)
    client.force_login(build_user("ann", "specialist", sites[0].facility))
    assert client.get("/reports/").status_code == 403
    client.force_login(build_user("sue", "supervisor", sites[0].facility))
    response = client.get("/reports/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Pre-registration rate", "Insurance verification rate", "Service authorization rate",
                 "HFMA MAP Key", "<svg", "Past due", "Throughput"):  # fmt: skip
        assert text in body
    bad = client.get("/reports/?start=2026-05-01&end=2026-04-01&days=7")
    assert bad.status_code == 422 and b"is before start" in bad.content
