"""The encounter page's prior authorization panel: each line's requirement and what covers it,
the actions (evaluate, record by phone/portal, attach documentation, cancel, request), roles,
facility scoping and the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from finclear.accounts.roles import AUDITOR, BILLER, SPECIALIST
from finclear.audit.models import AuditEvent
from finclear.authorizations import services
from finclear.authorizations.models import Authorization, AuthorizationStatus
from finclear.eligibility import endpoints
from finclear.scheduling.services import ServiceLineInput
from tests.integration.model_builders import EASTERN, Clinic, build_facility
from tests.integration.webclinic import PASSWORD, build_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic() -> Clinic:
    clinic = Clinic()
    services.do_import_rules(
        f'rules:\n  - id: MRI\n    payer: "{clinic.payer.primary_payer_id}"\n'
        "    codes: [70551-70553]\n    effective: 2026-01-01\n    source: web test\n",
        "rules.yaml",
    )
    return clinic


@pytest.fixture
def encounter(clinic: Clinic):  # type: ignore[no-untyped-def]
    return clinic.encounter(
        scheduled_at=dt.datetime(2026, 12, 3, 9, 30, tzinfo=EASTERN),
        diagnoses=["M5416"],
        service_lines=[
            ServiceLineInput("70553", charge=Decimal("1800.00")),
            ServiceLineInput("99213", charge=Decimal("150.00")),
        ],
    )


def signed_in(role: str, *facilities) -> Client:  # type: ignore[no-untyped-def]
    user = build_user(f"user-{role}-{len(facilities)}", role, *facilities)
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def url(name: str, encounter, *args: int) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"authorizations:{name}", args=[encounter.pk, *args])


def test_the_encounter_page_shows_each_line_and_its_requirement(clinic: Clinic, encounter) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(SPECIALIST, clinic.facility)
    page = client.get(reverse("web:encounter_detail", args=[encounter.pk]))
    assert page.status_code == 200
    assert "Prior authorization" in page.text and url("panel", encounter) in page.text
    panel = client.get(url("panel", encounter), HTTP_HX_REQUEST="true")
    assert "Not evaluated" in panel.text and "<html" not in panel.text
    whole = client.get(url("panel", encounter))
    assert "<html" in whole.text and "Not evaluated" in whole.text
    response = client.post(url("evaluate", encounter), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "rule MRI" in response.text and "Required" in response.text
    auth = Authorization.objects.get()
    assert auth.status == AuthorizationStatus.REQUIRED
    assert auth.requested_by is not None and auth.requested_by.username.startswith("user-")


def test_record_by_phone_attach_and_cancel(clinic: Clinic, encounter) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(SPECIALIST, clinic.facility)
    client.post(url("evaluate", encounter))
    response = client.post(
        url("obtained", encounter),
        {
            "channel": "phone",
            "status": "approved",
            "certification_number": "PH-77",
            "start_date": "2026-12-01",
            "end_date": "2026-12-31",
            "cpt_hcpcs": "70553",
            "approved_units": "1",
            "obtained_from": "R. Diaz, UM line, ref 4410",
            "obtained_at": "2026-11-28T10:15",
        },
    )
    assert response.status_code == 302
    phoned = Authorization.objects.get(certification_number="PH-77")
    assert phoned.recorded_by is not None and phoned.obtained_at is not None
    page = client.get(url("panel", encounter)).text
    assert "PH-77 (2026-12-01 to 2026-12-31)" in page  # the line is now covered
    response = client.post(
        url("document", encounter, phoned.pk),
        {"kind": "MRI order", "reference": "DOC-1", "transmission": "FX"},
        HTTP_HX_REQUEST="true",
    )
    assert "MRI order (DOC-1, FX)" in response.text
    response = client.post(url("cancel", encounter, phoned.pk), {"reason": "visit moved"})
    phoned.refresh_from_db()
    assert phoned.status == AuthorizationStatus.CANCELLED


def test_errors_are_shown_not_raised(clinic: Clinic, encounter) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(SPECIALIST, clinic.facility)
    response = client.post(
        url("obtained", encounter),
        {
            "channel": "portal",
            "status": "approved",
            "cpt_hcpcs": "70553",
            "obtained_from": "portal",
            "obtained_at": "2026-11-28T10:15",
        },
    )
    assert response.status_code == 200
    assert "an approved authorization needs its number" in response.text
    assert Authorization.objects.count() == 0


def test_a_request_without_a_configured_endpoint_says_so(clinic: Clinic, encounter) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(SPECIALIST, clinic.facility)
    client.post(url("evaluate", encounter))
    auth = Authorization.objects.get()
    endpoints.use_endpoints({})
    try:
        response = client.post(url("request", encounter, auth.pk), {"channel": "x12_278"})
    finally:
        endpoints.use_endpoints(None)
    assert "no endpoint in the payers file" in response.text
    auth.refresh_from_db()
    assert auth.status == AuthorizationStatus.REQUIRED


def test_roles_and_facility_scoping(clinic: Clinic, encounter) -> None:  # type: ignore[no-untyped-def]
    biller = signed_in(BILLER, clinic.facility)
    assert biller.post(url("evaluate", encounter)).status_code == 403
    auditor = signed_in(AUDITOR, clinic.facility)
    assert auditor.get(url("panel", encounter)).status_code == 200
    assert auditor.post(url("evaluate", encounter)).status_code == 403
    elsewhere = signed_in(SPECIALIST, build_facility(code="SOUTH"))
    assert elsewhere.get(url("panel", encounter)).status_code == 404
    assert elsewhere.post(url("evaluate", encounter)).status_code == 404


def test_each_authorization_shown_is_audited(clinic: Clinic, encounter) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(SPECIALIST, clinic.facility)
    client.post(url("evaluate", encounter))
    auth = Authorization.objects.get()
    before = AuditEvent.objects.filter(
        object_type="authorizations.authorization", action="view"
    ).count()
    client.get(url("panel", encounter))
    views = AuditEvent.objects.filter(
        object_type="authorizations.authorization", object_id=str(auth.pk), action="view"
    )
    assert views.count() == before + 1
    assert views.last().patient_id == encounter.patient_id
