"""The audit trail is append-only at every level: model, queryset, admin and database."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction

from finclear.audit.context import audit_context
from finclear.audit.models import AuditEvent, AuditImmutableError
from finclear.audit.services import record_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    return record_event("export", object_type="reports.agingreport", object_id="7")


def test_a_saved_event_cannot_be_saved_again(event: AuditEvent) -> None:
    event.action = "view"
    with pytest.raises(AuditImmutableError, match="append-only"):
        event.save()
    event.refresh_from_db()
    assert event.action == "export"


def test_an_event_cannot_be_deleted(event: AuditEvent) -> None:
    with pytest.raises(AuditImmutableError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_querysets_refuse_update_and_delete(event: AuditEvent) -> None:
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="view")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "export"


def test_a_new_event_with_an_existing_id_is_not_turned_into_an_update(event: AuditEvent) -> None:
    forged = AuditEvent(pk=event.pk, action="view", channel="cli")
    with pytest.raises(DatabaseError), transaction.atomic():
        forged.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "export"


def test_the_database_refuses_an_update_behind_the_orm(event: AuditEvent) -> None:
    table = AuditEvent._meta.db_table
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET action = 'view' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "export"


@pytest.mark.postgres
def test_postgres_refuses_a_delete_behind_the_orm(event: AuditEvent) -> None:
    table = AuditEvent._meta.db_table
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_user_in_the_trail_cannot_be_deleted() -> None:
    from django.db.models import ProtectedError

    user = get_user_model().objects.create_user("auditee", password="x" * 16)
    with audit_context(user=user, channel="cli"):
        record_event("export", object_type="reports.agingreport")
    with pytest.raises(ProtectedError):
        user.delete()


def test_the_admin_is_read_only(admin_client, event: AuditEvent) -> None:
    assert admin_client.get("/admin/audit/auditevent/").status_code == 200
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    page = admin_client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    response = admin_client.post(
        f"/admin/audit/auditevent/{event.pk}/change/", {"action": "view", "channel": "cli"}
    )
    assert response.status_code == 403
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "export"
