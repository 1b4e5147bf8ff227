"""The assistance API: screening, applications, decision, 501(r), payment plans and POS payments."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.test import Client

from finclear.accounts.roles import COUNSELOR, SPECIALIST
from finclear.api.tokens import do_create_token
from finclear.estimates.services import do_create_estimate
from tests.integration.estimates_support import EstimateClinic, build_policy
from tests.integration.webclinic import build_user

pytestmark = pytest.mark.django_db
_serial = itertools.count(1)
JSON = "application/json"


def bearer(role: str, *facilities) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user = build_user(f"fap-{role}-{next(_serial)}", role, *facilities)
    _, token = do_create_token(user, "tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def clinic() -> EstimateClinic:
    clinic = EstimateClinic()
    build_policy(clinic.facility)
    return clinic


def test_screen_apply_document_decide(client: Client, clinic: EstimateClinic) -> None:
    encounter = clinic.visit("72148", "99213")
    auth = bearer(COUNSELOR, clinic.facility)
    base = f"/api/assistance/patients/{clinic.patient.pk}"
    household = {"household_size": 3, "annual_income": "50000"}
    screened = client.post(f"{base}/screen", household, JSON, **auth).json()
    assert (screened["status"], screened["percent_of_poverty"]) == ("eligible", "183.02")
    made = client.post(
        f"{base}/applications", {**household, "encounter_id": encounter.pk}, JSON, **auth
    )
    assert made.status_code == 201
    app_id = made.json()["id"]
    doc = client.post(
        f"/api/assistance/applications/{app_id}/documents",
        {"kind": "pay_stub", "reference": "scan-9"},
        JSON,
        **auth,
    )
    assert doc.json()["documents"][0]["reference"] == "scan-9"
    decided = client.post(
        f"/api/assistance/applications/{app_id}/decision", {"approve": True}, JSON, **auth
    ).json()
    # Free care: 100% off, below the AGB cap: nothing due.
    assert (decided["status"], decided["amount_due"]) == ("approved", "0.00")
    eca = client.get(f"{base}/eca", **auth).json()
    assert eca["allowed"] is False


def test_plans_and_pos_payments(client: Client, clinic: EstimateClinic) -> None:
    encounter = clinic.visit("99213")
    do_create_estimate(encounter)
    counselor = bearer(COUNSELOR, clinic.facility)
    base = f"/api/assistance/patients/{clinic.patient.pk}"
    plan = client.post(
        f"{base}/plans", {"balance": "640.00", "first_due": "2026-12-15"}, JSON, **counselor
    )
    assert plan.status_code == 201
    body = plan.json()
    assert sum(Decimal(i["amount"]) for i in body["schedule"]) == Decimal("640.00")
    paid = client.post(
        f"/api/assistance/plans/{body['id']}/payments",
        {"amount": "53.33", "method": "card"},
        JSON,
        **counselor,
    )
    assert Decimal(paid.json()["paid"]) == Decimal("53.33")
    agreement = client.get(f"/api/assistance/plans/{body['id']}/agreement", **counselor)
    assert agreement.content.startswith(b"%PDF")
    desk = bearer(SPECIALIST, clinic.facility)
    what = client.get(f"/api/assistance/encounters/{encounter.pk}/collection", **desk).json()
    assert [(line["kind"], line["amount"]) for line in what["lines"]] == [("copay", "25.00")]
    taken = client.post(
        f"/api/assistance/encounters/{encounter.pk}/payments",
        {"amount": "25.00", "method": "cash", "kind": "copay"},
        JSON,
        **desk,
    )
    assert taken.status_code == 201 and taken.json()["receipt_number"]
    receipt = client.get(f"/api/assistance/payments/{taken.json()['id']}/receipt", **desk)
    assert receipt.content.startswith(b"%PDF")
    again = client.get(f"/api/assistance/encounters/{encounter.pk}/collection", **desk).json()
    assert again["collected"] == {"copay": "25.00"}
    refused = client.post(
        f"/api/assistance/applications/{999999}/decision", {"approve": True}, JSON, **desk
    )
    assert refused.status_code == 403
