"""The authorization API: the same actions as the encounter page, with token auth, roles,
facility scoping and validation errors that name their field."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.test import Client

from finclear.accounts.roles import AUDITOR, SPECIALIST
from finclear.api.tokens import do_create_token
from finclear.authorizations import services
from finclear.eligibility import endpoints
from finclear.scheduling.services import ServiceLineInput
from tests.integration.model_builders import EASTERN, Clinic, build_facility
from tests.integration.webclinic import build_user

pytestmark = pytest.mark.django_db
_serial = itertools.count(1)


@pytest.fixture
def clinic() -> Clinic:
    clinic = Clinic()
    services.do_import_rules(
        f'rules:\n  - id: MRI\n    payer: "{clinic.payer.primary_payer_id}"\n'
        "    codes: [70551-70553]\n    effective: 2026-01-01\n    source: api test\n",
        "rules.yaml",
    )
    return clinic


@pytest.fixture
def encounter(clinic: Clinic):  # type: ignore[no-untyped-def]
    return clinic.encounter(
        scheduled_at=dt.datetime(2026, 12, 3, 9, 30, tzinfo=EASTERN),
        service_lines=[ServiceLineInput("70553", charge=Decimal("1800.00"))],
    )


def bearer(role: str, *facilities) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user = build_user(f"api-{role}-{next(_serial)}", role, *facilities)
    _, token = do_create_token(user, "tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_evaluate_record_attach_cancel(client: Client, clinic: Clinic, encounter) -> None:  # type: ignore[no-untyped-def]
    auth = bearer(SPECIALIST, clinic.facility)
    base = f"/api/authorizations/encounters/{encounter.pk}"
    assert client.get(f"{base}/lines").status_code == 401
    (line,) = client.get(f"{base}/lines", **auth).json()
    assert line["requirement"] == ""
    (line,) = client.post(f"{base}/evaluate", **auth).json()
    assert (line["requirement"], line["cleared"]) == ("required", False)
    assert "rule MRI" in line["reason"]
    (opened,) = client.get(f"{base}/authorizations", **auth).json()
    assert opened["status"] == "required"

    response = client.post(
        f"{base}/obtained",
        {
            "channel": "portal",
            "status": "approved",
            "certification_number": "PT-1",
            "start_date": "2026-12-01",
            "end_date": "2026-12-31",
            "services": [{"cpt_hcpcs": "70553", "approved_units": "1"}],
            "obtained_from": "payer portal, case 771",
            "obtained_at": "2026-11-28T10:15:00-05:00",
        },
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201, response.content
    recorded = response.json()
    assert recorded["recorded_by"].startswith("api-") and recorded["certification_number"] == "PT-1"
    (line,) = client.get(f"{base}/lines", **auth).json()
    assert (line["cleared"], line["covered_by"]) == (True, recorded["id"])

    response = client.post(
        f"/api/authorizations/{recorded['id']}/documents",
        {"kind": "order", "reference": "DOC-9", "transmission": "EL"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201
    assert response.json()["documents"][0]["reference"] == "DOC-9"
    response = client.post(
        f"/api/authorizations/{recorded['id']}/cancel",
        {"reason": "patient cancelled"},
        content_type="application/json",
        **auth,
    )
    assert response.json()["status"] == "cancelled"


def test_validation_errors_name_the_field(client: Client, clinic: Clinic, encounter) -> None:  # type: ignore[no-untyped-def]
    auth = bearer(SPECIALIST, clinic.facility)
    response = client.post(
        f"/api/authorizations/encounters/{encounter.pk}/obtained",
        {
            "channel": "portal",
            "status": "approved",
            "services": [{"cpt_hcpcs": "70553"}],
            "obtained_from": "portal",
            "obtained_at": "2026-11-28T10:15:00-05:00",
        },
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422
    assert "certification_number" in response.json()["detail"]


def test_request_without_endpoint_is_a_conflict(client: Client, clinic: Clinic, encounter) -> None:  # type: ignore[no-untyped-def]
    auth = bearer(SPECIALIST, clinic.facility)
    client.post(f"/api/authorizations/encounters/{encounter.pk}/evaluate", **auth)
    (opened,) = client.get(
        f"/api/authorizations/encounters/{encounter.pk}/authorizations", **auth
    ).json()
    endpoints.use_endpoints({})
    try:
        response = client.post(
            f"/api/authorizations/{opened['id']}/request",
            {"channel": "fhir_pas"},
            content_type="application/json",
            **auth,
        )
    finally:
        endpoints.use_endpoints(None)
    assert response.status_code == 409
    assert "no endpoint" in response.json()["detail"]


def test_roles_and_scoping(client: Client, clinic: Clinic, encounter) -> None:  # type: ignore[no-untyped-def]
    reader = bearer(AUDITOR, clinic.facility)
    assert (
        client.get(f"/api/authorizations/encounters/{encounter.pk}/lines", **reader).status_code
        == 200
    )
    assert (
        client.post(f"/api/authorizations/encounters/{encounter.pk}/evaluate", **reader).status_code
        == 403
    )
    outsider = bearer(SPECIALIST, build_facility(code="WEST"))
    assert (
        client.get(f"/api/authorizations/encounters/{encounter.pk}/lines", **outsider).status_code
        == 404
    )
    insider = bearer(SPECIALIST, clinic.facility)
    client.post(f"/api/authorizations/encounters/{encounter.pk}/evaluate", **insider)
    (opened,) = client.get(
        f"/api/authorizations/encounters/{encounter.pk}/authorizations", **insider
    ).json()
    assert client.get(f"/api/authorizations/{opened['id']}", **outsider).status_code == 404
    assert client.get(f"/api/authorizations/{opened['id']}", **insider).status_code == 200
