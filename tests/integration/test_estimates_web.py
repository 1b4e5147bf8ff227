"""The encounter page's estimate and counseling sections: shown by role, and their actions."""

from __future__ import annotations

import pytest
from django.test import Client

from finclear.accounts.roles import AUDITOR, COUNSELOR
from finclear.assistance.models import PosPayment
from finclear.audit.models import AuditEvent
from finclear.estimates.models import Estimate
from tests.integration.estimates_support import EstimateClinic, build_policy
from tests.integration.webclinic import PASSWORD, build_user

pytestmark = pytest.mark.django_db


def signed_in(client: Client, role: str, facility) -> Client:  # type: ignore[no-untyped-def]
    user = build_user(f"web-{role}", role, facility)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_counselor_estimates_delivers_and_collects(client: Client) -> None:
    clinic = EstimateClinic()
    build_policy(clinic.facility)
    encounter = clinic.visit("72148", "99213")
    signed_in(client, COUNSELOR, clinic.facility)
    page = client.get(f"/encounters/{encounter.pk}/").content.decode()
    assert f"/encounters/{encounter.pk}/estimate/" in page
    assert f"/encounters/{encounter.pk}/counseling/" in page
    panel = client.get(f"/encounters/{encounter.pk}/estimate/").content.decode()
    assert "No estimate yet." in panel
    client.post(f"/encounters/{encounter.pk}/estimate/create/")
    estimate = Estimate.objects.get(encounter=encounter, is_current=True)
    panel = client.get(f"/encounters/{encounter.pk}/estimate/").content.decode()
    assert "$1,250.00" in panel and "goes to your deductible" in panel
    client.post(f"/encounters/{encounter.pk}/estimate/{estimate.pk}/deliver/", {"method": "mail"})
    estimate.refresh_from_db()
    assert estimate.delivered_method == "mail"
    pdf = client.get(f"/encounters/{encounter.pk}/estimate/{estimate.pk}/document/")
    assert pdf.content.startswith(b"%PDF")
    counseling = client.get(f"/encounters/{encounter.pk}/counseling/").content.decode()
    assert "$25.00" in counseling and "copay" in counseling
    response = client.post(
        f"/encounters/{encounter.pk}/counseling/payments/",
        {"pos-amount": "25.00", "pos-method": "card", "pos-kind": "copay"},
    )
    assert response.status_code == 302
    payment = PosPayment.objects.get(encounter=encounter)
    receipt = client.get(f"/encounters/{encounter.pk}/counseling/payments/{payment.pk}/receipt/")
    assert receipt.content.startswith(b"%PDF")
    bad = client.post(
        f"/encounters/{encounter.pk}/counseling/payments/",
        {"pos-amount": "-1", "pos-method": "card", "pos-kind": "copay"},
    )
    assert "amount:" in bad.content.decode()
    client.post(
        f"/encounters/{encounter.pk}/counseling/apply/",
        {"household_size": "3", "annual_income": "50000"},
    )
    counseling = client.get(f"/encounters/{encounter.pk}/counseling/").content.decode()
    assert "Pending decision" in counseling and "183.02%" in counseling
    assert AuditEvent.objects.filter(
        object_type="assistance.assistanceapplication", action="view"
    ).exists()


def test_auditor_sees_but_cannot_act(client: Client) -> None:
    clinic = EstimateClinic()
    encounter = clinic.visit("72148")
    signed_in(client, AUDITOR, clinic.facility)
    panel = client.get(f"/encounters/{encounter.pk}/estimate/").content.decode()
    assert "Calculate the estimate" not in panel
    assert client.post(f"/encounters/{encounter.pk}/estimate/create/").status_code == 403


def test_admin_pages_of_the_new_apps_render(admin_client: Client) -> None:
    clinic = EstimateClinic()
    build_policy(clinic.facility)
    for path in (
        "/admin/contracts/feeschedule/",
        "/admin/contracts/feeschedule/add/",
        "/admin/estimates/estimate/",
        "/admin/assistance/assistancepolicy/",
        "/admin/assistance/assistancepolicy/add/",
        "/admin/assistance/paymentplan/",
        "/admin/assistance/pospayment/",
    ):
        assert admin_client.get(path).status_code == 200, path
