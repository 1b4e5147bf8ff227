"""The estimate API: make, read, deliver, document; token auth, roles, facility scoping, audit."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.test import Client

from finclear.accounts.roles import AUDITOR, COUNSELOR, SPECIALIST
from finclear.api.tokens import do_create_token
from finclear.audit.models import AuditEvent
from tests.integration.estimates_support import SCHEDULED, EstimateClinic
from tests.integration.model_builders import build_facility
from tests.integration.webclinic import build_user

pytestmark = pytest.mark.django_db
_serial = itertools.count(1)


def bearer(role: str, *facilities) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user = build_user(f"est-{role}-{next(_serial)}", role, *facilities)
    _, token = do_create_token(user, "tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_make_read_deliver_and_download(client: Client) -> None:
    clinic = EstimateClinic()
    encounter = clinic.visit("72148", "99213")
    auth = bearer(SPECIALIST, clinic.facility)
    base = f"/api/estimates/encounters/{encounter.pk}"
    assert client.get(f"{base}/estimate").status_code == 401
    assert client.get(f"{base}/estimate", **auth).status_code == 404
    made = client.post(f"{base}/estimate", **auth)
    assert made.status_code == 201
    body = made.json()
    assert (body["kind"], Decimal(body["patient_total"])) == ("estimate", Decimal("1250.00"))
    assert [line["code"] for line in body["lines"]] == ["72148", "99213"]
    assert "deductible" in body["lines"][0]["explanation"]
    read = client.get(f"{base}/estimate", **auth).json()
    assert read["id"] == body["id"]
    assert AuditEvent.objects.filter(
        object_type="estimates.estimate", object_id=str(body["id"]), action="view"
    ).exists()
    bad = client.post(
        f"/api/estimates/{body['id']}/deliver", {"method": "pigeon"}, "application/json", **auth
    )
    assert bad.status_code == 422 and "delivered_method" in bad.json()["detail"]
    ok = client.post(
        f"/api/estimates/{body['id']}/deliver", {"method": "mail"}, "application/json", **auth
    )
    assert ok.json()["delivered_method"] == "mail"
    pdf = client.get(f"/api/estimates/{body['id']}/document", **auth)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(object_id=str(body["id"]), action="export").exists()


def test_gfe_request_over_the_api(client: Client) -> None:
    clinic = EstimateClinic()
    clinic.make_self_pay()
    encounter = clinic.visit("99213", scheduled_on=SCHEDULED)
    auth = bearer(COUNSELOR, clinic.facility)
    response = client.post(
        f"/api/estimates/encounters/{encounter.pk}/gfe-requests",
        {"requested_on": "2026-11-03", "channel": "phone"},
        "application/json",
        **auth,
    )
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["gfe_due"]) == ("gfe", "2026-11-05")


def test_roles_and_facilities_limit_the_api(client: Client) -> None:
    clinic = EstimateClinic()
    encounter = clinic.visit("72148")
    other = build_facility(code="SOUTH")
    outsider = bearer(SPECIALIST, other)
    assert (
        client.post(f"/api/estimates/encounters/{encounter.pk}/estimate", **outsider).status_code
        == 404
    )
    auditor = bearer(AUDITOR, clinic.facility)
    response = client.post(f"/api/estimates/encounters/{encounter.pk}/estimate", **auditor)
    assert response.status_code == 403 and "estimates.add_estimate" in response.json()["detail"]
