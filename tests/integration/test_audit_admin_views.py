"""Reads through the admin are audited: change pages, history pages and change lists."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from finclear.audit.models import AuditEvent
from tests.integration.webclinic import build_full_encounter, build_patient, build_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client: Client, settings) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    root = get_user_model().objects.create_superuser("root", password="unused-password-1")
    client.force_login(root)
    return client


def views() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="view").order_by("id"))


def test_an_admin_change_page_view_is_audited(root_client: Client) -> None:
    patient = build_patient(build_site("NORTH"))
    response = root_client.get(
        f"/admin/patients/patient/{patient.pk}/change/", REMOTE_ADDR="10.2.3.4"
    )
    assert response.status_code == 200
    (event,) = views()
    assert (event.username, event.object_type, event.object_id, event.patient_id) == (
        "root",
        "patients.patient",
        str(patient.pk),
        patient.pk,
    )
    assert (event.channel, event.ip_address) == ("admin", "10.2.3.4")
    assert event.path == f"/admin/patients/patient/{patient.pk}/change/"


def test_an_admin_change_list_records_each_row_shown(root_client: Client) -> None:
    site = build_site("NORTH")
    patients = [build_patient(site) for _ in range(3)]
    assert root_client.get("/admin/patients/patient/").status_code == 200
    recorded = {(e.object_id, e.patient_id, e.detail["list"]) for e in views()}
    assert recorded == {(str(p.pk), p.pk, "admin:patients.patient") for p in patients}


def test_an_admin_history_page_is_audited(root_client: Client) -> None:
    patient = build_patient(build_site("NORTH"))
    assert root_client.get(f"/admin/patients/patient/{patient.pk}/history/").status_code == 200
    (event,) = views()
    assert (event.patient_id, event.detail) == (patient.pk, {"via": "history"})


def test_every_patient_data_admin_is_audited(root_client: Client) -> None:
    root = get_user_model().objects.get(username="root")
    encounter = build_full_encounter(build_site("NORTH"), author=root)
    case = encounter.clearance_case
    pages = {
        "patients/patient": encounter.patient_id,
        "patients/coverage": encounter.patient.coverages.get().pk,
        "scheduling/encounter": encounter.pk,
        "scheduling/serviceline": encounter.service_lines.get().pk,
        "scheduling/diagnosis": encounter.diagnoses.get().pk,
        "workqueue/clearancecase": case.pk,
        "workqueue/casenote": case.notes.get().pk,
        "workqueue/task": case.tasks.get().pk,
    }
    for page, pk in pages.items():
        assert root_client.get(f"/admin/{page}/{pk}/change/").status_code == 200, page
    recorded = {e.object_type for e in views() if e.patient_id == encounter.patient_id}
    assert recorded == {page.replace("/", ".") for page in pages}


def test_recording_a_list_costs_the_same_for_more_rows(rf) -> None:
    """Rows whose patient is two hops away are resolved in one query per model, not per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from finclear.audit.services import record_list_view
    from finclear.scheduling.models import ServiceLine
    from finclear.workqueue.models import CaseNote

    root = get_user_model().objects.create_user("lister", password="unused-password-1")
    site = build_site("NORTH")
    request = rf.get("/somewhere/")
    request.user = root

    def cost() -> int:
        rows = [*ServiceLine.objects.all(), *CaseNote.objects.all()]
        with CaptureQueriesContext(connection) as queries:
            record_list_view(request, rows, "test")
        return len(queries)

    build_full_encounter(site, author=root)
    small = cost()
    encounters = [build_full_encounter(site, author=root) for _ in range(4)]
    assert cost() == small
    recorded = AuditEvent.objects.filter(detail__list="test", object_type="workqueue.casenote")
    assert {e.patient_id for e in recorded} >= {e.patient_id for e in encounters}
    assert not recorded.filter(patient_id__isnull=True).exists()
