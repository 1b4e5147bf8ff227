"""The patient and encounter pages: what they show, who may see them, and the audit of it."""

from __future__ import annotations

import pytest
from django.test import Client

from finclear.audit.models import AuditEvent
from tests.integration.webclinic import build_full_encounter, build_site, build_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic():
    a, b = build_site("NORTH"), build_site("SOUTH")
    user_a = build_user("spec_a", "specialist", a.facility)
    return {
        "a": a,
        "b": b,
        "user_a": user_a,
        "enc_a": build_full_encounter(a, author=user_a),
        "enc_b": build_full_encounter(b, author=user_a),
    }


@pytest.fixture
def client_a(client: Client, clinic) -> Client:
    client.force_login(clinic["user_a"])
    return client


def test_viewing_a_patient_page_is_audited(client_a: Client, clinic) -> None:
    patient = clinic["enc_a"].patient
    response = client_a.get(f"/patients/{patient.pk}/", REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 200
    assert patient.last_name.encode() in response.content
    event = AuditEvent.objects.get(action="view")
    assert (event.user, event.username) == (clinic["user_a"], "spec_a")
    assert (event.object_type, event.object_id, event.patient_id) == (
        "patients.patient",
        str(patient.pk),
        patient.pk,
    )
    assert (event.ip_address, event.channel, event.path) == (
        "10.0.0.7",
        "web",
        f"/patients/{patient.pk}/",
    )
    assert event.occurred_at.tzinfo is not None
    assert patient.last_name not in event.object_repr


def test_viewing_an_encounter_page_is_audited(client_a: Client, clinic) -> None:
    encounter = clinic["enc_a"]
    assert client_a.get(f"/encounters/{encounter.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="view")
    assert (event.user, event.object_type, event.object_id, event.patient_id) == (
        clinic["user_a"],
        "scheduling.encounter",
        str(encounter.pk),
        encounter.patient_id,
    )
    assert event.ip_address == "127.0.0.1"


def test_the_encounter_page_shows_everything(client_a: Client, clinic) -> None:
    encounter = clinic["enc_a"]
    page = client_a.get(f"/encounters/{encounter.pk}/").content.decode()
    coverage = encounter.patient.coverages.get()
    for text in (
        encounter.patient.full_name,
        encounter.patient.mrn,
        coverage.member_id,
        "Test PPO",
        "E119",
        "99213",
        "$150.00",
        "Needs eligibility",
        "Verify eligibility",
        "Called the payer.",
    ):
        assert text in page, text


@pytest.mark.parametrize("page", ["patients", "encounters"])
def test_another_facilitys_record_is_404_and_not_audited(client_a: Client, clinic, page) -> None:
    encounter = clinic["enc_b"]
    pk = encounter.patient_id if page == "patients" else encounter.pk
    response = client_a.get(f"/{page}/{pk}/")
    assert response.status_code == 404
    assert encounter.patient.last_name.encode() not in response.content
    assert not AuditEvent.objects.filter(action="view").exists()


def test_a_missing_record_and_a_hidden_one_answer_alike(client_a: Client, clinic) -> None:
    hidden = client_a.get(f"/encounters/{clinic['enc_b'].pk}/")
    missing = client_a.get("/encounters/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_an_admin_sees_every_facility(client: Client, clinic) -> None:
    client.force_login(build_user("adm", "admin"))
    assert client.get(f"/encounters/{clinic['enc_b'].pk}/").status_code == 200
    assert client.get(f"/patients/{clinic['enc_b'].patient_id}/").status_code == 200


def test_a_user_without_a_role_is_forbidden(client: Client, clinic) -> None:
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user("norole", password="unused-pass-1"))
    assert client.get(f"/encounters/{clinic['enc_a'].pk}/").status_code == 403
    assert client.get("/encounters/").status_code == 403


def test_pages_need_sign_in(client: Client, clinic) -> None:
    response = client.get(f"/patients/{clinic['enc_a'].patient_id}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_patient_page_lists_only_encounters_the_user_may_see(client: Client, clinic) -> None:
    from tests.integration.webclinic import build_encounter

    patient = clinic["enc_a"].patient
    elsewhere = build_encounter(clinic["b"], patient=patient)
    client.force_login(clinic["user_a"])
    page = client.get(f"/patients/{patient.pk}/")
    shown = [e.pk for e in page.context["encounters"]]
    assert shown == [clinic["enc_a"].pk]
    assert elsewhere.pk not in shown


def test_the_nav_links_only_to_pages_that_exist_and_are_allowed(client_a: Client) -> None:
    page = client_a.get("/encounters/").content.decode()
    assert 'href="/encounters/"' in page
    assert 'href="/audit/"' not in page
    assert 'href="/admin/"' not in page


def test_the_encounter_page_query_count_does_not_grow_with_its_rows(
    client_a: Client, clinic, django_assert_num_queries
) -> None:
    from decimal import Decimal

    from finclear.scheduling.models import Diagnosis, ServiceLine
    from finclear.workqueue.models import CaseNote, Task

    encounter = clinic["enc_a"]
    client_a.get(f"/encounters/{encounter.pk}/")
    # session, user, permissions (2), admin-role check, the user's facilities, the encounter
    # with its joins, coverages, diagnoses, service lines, notes and their authors, tasks and
    # their assignees, the audit insert, and the eligibility section's checks and the
    # coverages of its manual verification form
    with django_assert_num_queries(15) as first:
        client_a.get(f"/encounters/{encounter.pk}/")
    for n in range(2, 6):
        Diagnosis.objects.create(encounter=encounter, sequence=n, icd10_code="I10")
        ServiceLine.objects.create(
            encounter=encounter, line_number=n, cpt_hcpcs="80053", charge=Decimal("40.00")
        )
        CaseNote.objects.create(case=encounter.clearance_case, author=clinic["user_a"], body="n")
        Task.objects.create(
            case=encounter.clearance_case, title=f"task {n}", assignee=clinic["user_a"]
        )
    with django_assert_num_queries(len(first)):
        client_a.get(f"/encounters/{encounter.pk}/")
