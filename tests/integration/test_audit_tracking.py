"""Every create, update and delete of patient data lands in the trail, with field names only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from finclear.audit.context import audit_context
from finclear.audit.models import AuditEvent
from finclear.patients.models import Guarantor
from finclear.scheduling.models import ServiceLine
from finclear.workqueue.models import CaseNote, Task
from tests.integration.webclinic import (
    build_coverage,
    build_full_encounter,
    build_patient,
    build_payer_plan,
    build_site,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clerk():
    return get_user_model().objects.create_user("clerk", password="unused-password-1")


def events_for(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


def test_create_update_delete_of_a_patient(clerk) -> None:
    site = build_site("NORTH")
    with audit_context(user=clerk, channel="cli"):
        patient = build_patient(site, last_name="Zyxtest")
        patient.last_name = "Qwvtest"
        patient.phone = "5550100"
        patient.save()
        patient.save()
    created, updated, unchanged = events_for("patients.patient")
    assert (created.action, created.object_id, created.patient_id) == (
        "create",
        str(patient.pk),
        patient.pk,
    )
    assert (created.user, created.channel) == (clerk, "cli")
    assert created.object_repr == f"patient #{patient.pk}"
    assert updated.action == "update"
    assert sorted(updated.detail["fields"]) == ["last_name", "phone"]
    assert unchanged.detail == {"fields": []}
    flat = str(list(AuditEvent.objects.values()))
    assert "Zyxtest" not in flat
    assert "Qwvtest" not in flat
    assert "5550100" not in flat


def test_update_fields_limits_the_names_recorded(clerk) -> None:
    patient = build_patient(build_site("NORTH"))
    patient.first_name = "Other"
    patient.email = "x@example.test"
    patient.save(update_fields=["email"])
    assert events_for("patients.patient")[-1].detail == {"fields": ["email"]}


def test_rows_down_the_chain_carry_their_patient(clerk) -> None:
    site = build_site("NORTH")
    encounter = build_full_encounter(site, author=clerk)
    patient_id = encounter.patient_id
    for object_type in (
        "patients.coverage",
        "scheduling.encounter",
        "scheduling.diagnosis",
        "scheduling.serviceline",
        "workqueue.clearancecase",
        "workqueue.casenote",
        "workqueue.task",
    ):
        (event,) = events_for(object_type)
        assert (event.action, event.patient_id) == ("create", patient_id), object_type


def test_deletes_are_recorded_with_their_patient(clerk) -> None:
    encounter = build_full_encounter(build_site("NORTH"), author=clerk)
    line = ServiceLine.objects.get(encounter=encounter)
    line.delete()
    Task.objects.filter(case__encounter=encounter).delete()
    (deleted_line,) = AuditEvent.objects.filter(
        action="delete", object_type="scheduling.serviceline"
    )
    assert deleted_line.patient_id == encounter.patient_id
    (deleted_task,) = AuditEvent.objects.filter(action="delete", object_type="workqueue.task")
    assert deleted_task.patient_id == encounter.patient_id


def test_a_guarantor_is_traced_to_its_patient() -> None:
    guarantor = Guarantor.objects.create(
        first_name="Gtest", last_name="Synthetic", relationship_to_patient="parent"
    )
    patient = build_patient(build_site("NORTH"), guarantor=guarantor)
    guarantor.phone = "5550199"
    guarantor.save()
    update = events_for("patients.guarantor")[-1]
    assert (update.action, update.patient_id, update.detail) == (
        "update",
        patient.pk,
        {"fields": ["phone"]},
    )


def test_a_json_field_changed_in_place_is_seen(clerk) -> None:
    encounter = build_full_encounter(build_site("NORTH"), author=clerk)
    line = ServiceLine.objects.get(encounter=encounter)
    line.modifiers.append("25")
    line.save()
    assert events_for("scheduling.serviceline")[-1].detail == {"fields": ["modifiers"]}


def test_a_snapshot_holds_the_loaded_values_and_copies_of_json(clerk) -> None:
    encounter = build_full_encounter(build_site("NORTH"), author=clerk)
    line = ServiceLine.objects.defer("charge").get(encounter=encounter)
    snapshot = line._finclear_audit_snapshot
    for field in ServiceLine._meta.concrete_fields:
        if field.attname == "charge":
            assert field.attname not in snapshot  # deferred: not loaded, not remembered
        else:
            assert snapshot[field.attname] == getattr(line, field.attname)
    assert snapshot["modifiers"] is not line.modifiers
    assert snapshot["diagnosis_pointers"] is not line.diagnosis_pointers
    line.save()
    assert "_finclear_audit_snapshot" not in line._finclear_audit_snapshot


def test_a_failed_write_leaves_no_event(clerk) -> None:
    from django.db import IntegrityError, transaction

    patient = build_patient(build_site("NORTH"))
    plan = build_payer_plan()
    build_coverage(patient, plan, order=1)
    before = AuditEvent.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        build_coverage(patient, plan, order=1)
    assert AuditEvent.objects.count() == before


def test_changes_through_the_admin_are_attributed_to_the_admin_channel(client: Client) -> None:
    root = get_user_model().objects.create_superuser("root", password="unused-password-1")
    client.force_login(root)
    encounter = build_full_encounter(build_site("NORTH"), author=root)
    note = CaseNote.objects.get(case__encounter=encounter)
    response = client.post(f"/admin/workqueue/casenote/{note.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    (event,) = AuditEvent.objects.filter(action="delete", object_type="workqueue.casenote")
    assert (event.user, event.channel, event.patient_id) == (root, "admin", encounter.patient_id)
    assert event.path == f"/admin/workqueue/casenote/{note.pk}/delete/"


def test_bulk_updates_are_not_seen_and_say_so() -> None:
    """QuerySet.update sends no signal: services using it must record their own events."""
    patient = build_patient(build_site("NORTH"))
    count = AuditEvent.objects.count()
    type(patient).objects.filter(pk=patient.pk).update(date_of_birth=dt.date(1990, 1, 1))
    assert AuditEvent.objects.count() == count
