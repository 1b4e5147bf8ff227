"""Eligibility in the web app and the API: who may do what, what is shown, what is audited."""

from __future__ import annotations

import pytest
from django.test import Client

from finclear.api.tokens import do_create_token, do_revoke_token
from finclear.audit.models import AuditEvent
from finclear.eligibility.models import CheckStatus, EligibilityBatchRun, EligibilityCheck
from finclear.eligibility.services import do_verify
from tests.integration.webclinic import build_full_encounter, build_site, build_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("payer")]


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic():
    a, b = build_site("NORTH"), build_site("SOUTH")
    specialist = build_user("spec_a", "specialist", a.facility)
    return {
        "specialist": specialist,
        "supervisor": build_user("super_a", "supervisor", a.facility),
        "biller": build_user("bill_a", "biller", a.facility),
        "enc_a": build_full_encounter(a, author=specialist),
        "enc_b": build_full_encounter(b, author=specialist),
    }


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def test_the_encounter_page_has_the_section_and_verify_now_updates_it(client, clinic):
    encounter = clinic["enc_a"]
    login(client, clinic["specialist"])
    page = client.get(f"/encounters/{encounter.pk}/").content.decode()
    assert "Eligibility and benefits" in page
    assert "Not verified yet" in page
    assert f'hx-post="/eligibility/encounters/{encounter.pk}/verify/"' in page

    response = client.post(
        f"/eligibility/encounters/{encounter.pk}/verify/", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="badge verified">Verified</span>' in html
    assert "Benefits by service type" in html
    assert "$1100.00 / $1500.00" in html or "$1100 / $1500" in html
    assert "Fake PPO" in html
    check = EligibilityCheck.objects.get()
    assert (check.user, check.channel) == (clinic["specialist"], "realtime")
    assert AuditEvent.objects.filter(
        object_type="eligibility.eligibilitycheck", object_id=str(check.pk), action="view"
    ).exists()
    # A specialist may not see the raw X12: no link, and the page refuses.
    assert "/raw/" not in html
    assert client.get(f"/eligibility/checks/{check.pk}/raw/").status_code == 403


def test_a_rejection_shows_the_advice(client, clinic, payer):
    encounter = clinic["enc_a"]
    payer.rejections[encounter.patient.coverages.get().member_id] = "72"
    login(client, clinic["specialist"])
    html = client.post(
        f"/eligibility/encounters/{encounter.pk}/verify/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Rejected" in html
    assert "member ID not found: check the card, try the subscriber&#x27;s ID" in html


def test_a_supervisor_sees_the_raw_x12_and_it_is_audited(client, clinic):
    check = do_verify(clinic["enc_a"])
    login(client, clinic["supervisor"])
    response = client.get(f"/eligibility/checks/{check.pk}/raw/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "ST*270*" in body and "ST*271*" in body
    event = AuditEvent.objects.filter(action="view", object_id=str(check.pk)).latest("pk")
    assert event.detail == {"via": "raw x12"}


def test_another_facilitys_encounter_and_checks_are_not_found(client, clinic):
    other = do_verify(clinic["enc_b"])
    login(client, clinic["supervisor"])
    assert client.post(f"/eligibility/encounters/{clinic['enc_b'].pk}/verify/").status_code == 404
    assert client.get(f"/eligibility/checks/{other.pk}/raw/").status_code == 404


def test_a_biller_reads_but_may_not_verify(client, clinic):
    login(client, clinic["biller"])
    page = client.get(f"/encounters/{clinic['enc_a'].pk}/").content.decode()
    assert "Eligibility and benefits" in page
    assert "Verify now" not in page
    assert client.post(f"/eligibility/encounters/{clinic['enc_a'].pk}/verify/").status_code == 403


def test_manual_verification_through_the_form(client, clinic):
    encounter = clinic["enc_a"]
    coverage = encounter.patient.coverages.get()
    login(client, clinic["specialist"])
    bad = client.post(
        f"/eligibility/encounters/{encounter.pk}/manual/",
        {"coverage": coverage.pk, "method": "other", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422
    assert "manual_note: say how it was verified" in bad.content.decode()
    good = client.post(
        f"/eligibility/encounters/{encounter.pk}/manual/",
        {"coverage": coverage.pk, "method": "payer_portal", "reference": "PORTAL-77"},
        HTTP_HX_REQUEST="true",
    )
    assert good.status_code == 200
    check = EligibilityCheck.objects.get()
    assert (check.status, check.manual_reference) == (CheckStatus.MANUALLY_VERIFIED, "PORTAL-77")


def test_batch_runs_page_and_start(client, clinic, django_capture_on_commit_callbacks):
    login(client, clinic["specialist"])
    assert client.post("/eligibility/batches/start/", {"days": 3}).status_code == 403
    login(client, clinic["supervisor"])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/eligibility/batches/start/", {"days": 3})
    assert response.status_code == 302
    run = EligibilityBatchRun.objects.get()
    assert (run.triggered_by, run.user, run.days) == ("web", clinic["supervisor"], 3)
    page = client.get("/eligibility/batches/").content.decode()
    assert f"#{run.pk}" in page
    assert 'href="/eligibility/batches/"' in page  # the navigation links to it


# -- API ------------------------------------------------------------------------------------


def bearer(user) -> dict[str, str]:
    _, token = do_create_token(user, "tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_api_needs_a_valid_token(client, clinic):
    url = f"/api/eligibility/encounters/{clinic['enc_a'].pk}/checks"
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer fc_nope_nope").status_code == 401
    row, token = do_create_token(clinic["specialist"], "revoked")
    do_revoke_token(row)
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert client.get(url, **bearer(clinic["specialist"])).status_code == 200


def test_the_api_verifies_and_shows_history_and_benefits(client, clinic):
    encounter = clinic["enc_a"]
    auth = bearer(clinic["specialist"])
    created = client.post(f"/api/eligibility/encounters/{encounter.pk}/verify", **auth)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["coverage_status"], body["plan_name"]) == (
        "verified",
        "active",
        "Fake PPO",
    )
    assert body["user"] == "spec_a"
    history = client.get(f"/api/eligibility/encounters/{encounter.pk}/checks", **auth).json()
    assert [c["id"] for c in history] == [body["id"]]
    table = client.get(f"/api/eligibility/encounters/{encounter.pk}/benefits", **auth).json()
    plan = next(b for b in table["benefits"] if b["service_type"] == "30" and b["network"] == "in")
    assert plan["deductible"] == {"total": "1500", "remaining": "1100", "met": "400"}
    assert client.get(f"/api/eligibility/checks/{body['id']}/raw", **auth).status_code == 403
    raw = client.get(f"/api/eligibility/checks/{body['id']}/raw", **bearer(clinic["supervisor"]))
    assert raw.json()["raw_271"].startswith("ISA")
    events = AuditEvent.objects.filter(object_type="eligibility.eligibilitycheck", channel="api")
    assert events.filter(action="view").exists()


def test_the_api_scopes_by_facility_and_validates_manual_input(client, clinic):
    auth = bearer(clinic["specialist"])
    other = clinic["enc_b"]
    assert client.post(f"/api/eligibility/encounters/{other.pk}/verify", **auth).status_code == 404
    encounter = clinic["enc_a"]
    coverage = encounter.patient.coverages.get()
    bad = client.post(
        f"/api/eligibility/encounters/{encounter.pk}/manual",
        {"coverage_id": coverage.pk, "method": "guess"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422
    assert "manual_method" in bad.json()["detail"]
    good = client.post(
        f"/api/eligibility/encounters/{encounter.pk}/manual",
        {"coverage_id": coverage.pk, "method": "phone", "reference": "CALL-9"},
        content_type="application/json",
        **auth,
    )
    assert good.status_code == 201
    assert good.json()["status"] == "manually_verified"


def test_the_api_batches(client, clinic, django_capture_on_commit_callbacks):
    assert (
        client.post(
            "/api/eligibility/batches",
            {"days": 2},
            content_type="application/json",
            **bearer(clinic["specialist"]),
        ).status_code
        == 403
    )
    auth = bearer(clinic["supervisor"])
    with django_capture_on_commit_callbacks(execute=False):
        created = client.post(
            "/api/eligibility/batches", {"days": 2}, content_type="application/json", **auth
        )
    assert created.status_code == 201
    run_id = created.json()["id"]
    assert client.get(f"/api/eligibility/batches/{run_id}", **auth).json()["days"] == 2
    assert client.get("/api/docs", **auth).status_code == 200


def test_the_admin_pages_are_read_only_and_audited(client, clinic, django_user_model):
    check = do_verify(clinic["enc_a"])
    EligibilityBatchRun.objects.create(
        started_at=check.requested_at,
        days=1,
        window_start=check.date_of_service,
        window_end=check.date_of_service,
        triggered_by="test",
    )
    root = django_user_model.objects.create_superuser("root", password="x" * 16)
    login(client, root)
    assert client.get("/admin/eligibility/eligibilitycheck/").status_code == 200
    page = client.get(f"/admin/eligibility/eligibilitycheck/{check.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/eligibility/eligibilitycheck/add/").status_code == 403
    assert client.get("/admin/eligibility/eligibilitybatchrun/").status_code == 200
    assert AuditEvent.objects.filter(
        channel="admin", object_type="eligibility.eligibilitycheck", action="view"
    ).exists()
