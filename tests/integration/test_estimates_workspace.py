"""The estimate card of the clearance workspace: latest estimate, (re)calculate by htmx,
scoped to the user's facilities, shown by role, audited."""

from __future__ import annotations

import pytest
from django.test import Client

from finclear.accounts.roles import AUDITOR, SPECIALIST
from finclear.audit.models import AuditEvent
from finclear.estimates.models import Estimate
from finclear.workqueue.models import ClearanceCase
from tests.integration.estimates_support import EstimateClinic
from tests.integration.webclinic import PASSWORD, build_user

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(client: Client, role: str, facility) -> Client:  # type: ignore[no-untyped-def]
    user = build_user(f"ws-{role}", role, facility)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def card_url(encounter) -> str:  # type: ignore[no-untyped-def]
    return f"/encounters/{encounter.pk}/estimate/workspace/"


def test_the_workspace_loads_the_card_and_the_specialist_calculates(client: Client) -> None:
    clinic = EstimateClinic()
    encounter = clinic.visit("72148", "99213")
    case = ClearanceCase.objects.get(encounter=encounter)
    signed_in(client, SPECIALIST, clinic.facility)
    page = client.get(f"/worklist/cases/{case.pk}/").content.decode()
    assert f'hx-get="{card_url(encounter)}"' in page
    card = client.get(card_url(encounter)).content.decode()
    assert "No estimate yet for this visit." in card and "Calculate the estimate" in card
    card = client.post(card_url(encounter) + "recalculate/", **HTMX).content.decode()
    estimate = Estimate.objects.get(encounter=encounter, is_current=True)
    # MRI $2,450 + visit $175 at 50% of charges; the $1,500 deductible, 20% and a $25 copay.
    assert "$1,250.00" in card and 'badge cleared">complete<' in card and "not yet" in card
    assert f"/encounters/{encounter.pk}/estimate/{estimate.pk}/document/" in card
    assert "Recalculate" in card
    assert AuditEvent.objects.filter(
        object_type="estimates.estimate", object_id=str(estimate.pk), action="view"
    ).exists()
    client.post(card_url(encounter) + "recalculate/", **HTMX)
    assert Estimate.objects.filter(encounter=encounter).count() == 2
    latest = Estimate.objects.get(encounter=encounter, is_current=True)
    assert latest.reason == "recalculated in the workspace"
    card = client.get(card_url(encounter)).content.decode()
    assert f"#{latest.pk}" in card and f"#{estimate.pk} " not in card


def test_without_htmx_the_button_returns_to_the_workspace(client: Client) -> None:
    clinic = EstimateClinic()
    encounter = clinic.visit("99213")
    case = ClearanceCase.objects.get(encounter=encounter)
    signed_in(client, SPECIALIST, clinic.facility)
    response = client.post(card_url(encounter) + "recalculate/")
    assert response.status_code == 302
    assert response["Location"] == f"/worklist/cases/{case.pk}/#workspace-estimate-title"


def test_a_visit_without_services_says_so_and_an_error_names_it(client: Client) -> None:
    clinic = EstimateClinic()
    encounter = clinic.visit()
    signed_in(client, SPECIALIST, clinic.facility)
    card = client.get(card_url(encounter)).content.decode()
    assert "no services on file" in card and "Calculate" not in card
    card = client.post(card_url(encounter) + "recalculate/", **HTMX).content.decode()
    assert "service_lines: the encounter has none to estimate" in card


def test_the_auditor_sees_the_card_but_cannot_calculate(client: Client) -> None:
    clinic = EstimateClinic()
    encounter = clinic.visit("72148")
    signed_in(client, AUDITOR, clinic.facility)
    card = client.get(card_url(encounter)).content.decode()
    assert "No estimate yet" in card and "Calculate" not in card
    assert client.post(card_url(encounter) + "recalculate/").status_code == 403
    assert not Estimate.objects.exists()


def test_another_facility_user_gets_404(client: Client) -> None:
    clinic = EstimateClinic()
    other = EstimateClinic("SOUTH")
    encounter = clinic.visit("72148")
    signed_in(client, SPECIALIST, other.facility)
    assert client.get(card_url(encounter)).status_code == 404
    assert client.post(card_url(encounter) + "recalculate/", **HTMX).status_code == 404
    assert not Estimate.objects.exists()
