"""The audit trail: who did what to which record, when, and from where.

Events are append-only. The model refuses updates and deletes, its queryset refuses bulk
updates and deletes, the admin is read-only, and on PostgreSQL a trigger refuses them too.
Events name objects by type and id only: never a patient's name, birth date or member ID.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditImmutableError(Exception):
    """Raised on any attempt to change or remove an audit event."""


def refuse_change(what: str) -> NoReturn:
    raise AuditImmutableError(f"audit events are append-only: {what} is refused")


class AuditAction(models.TextChoices):
    VIEW = "view", "View"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    EXPORT = "export", "Export"
    LOGIN = "login", "Login"
    LOGOUT = "logout", "Logout"
    LOGIN_FAILED = "login_failed", "Login failed"


class AuditChannel(models.TextChoices):
    WEB = "web", "Web app"
    ADMIN = "admin", "Admin"
    API = "api", "API"
    CLI = "cli", "Command line"
    TASK = "task", "Background task"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        refuse_change("update")

    def delete(self) -> NoReturn:  # type: ignore[override]
        refuse_change("delete")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        refuse_change("bulk_update")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        refuse_change("update_or_create")


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # A user who appears in the trail cannot be deleted: deactivate them instead.
        on_delete=models.PROTECT,
        related_name="audit_events",
        # The composite audit_user_time index leads with the user: an index of the user alone
        # would only be one more to write for every event (a worklist page writes fifty).
        db_index=False,
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=10, choices=AuditChannel.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["user", "occurred_at"], name="audit_user_time"),
            models.Index(fields=["patient_id", "occurred_at"], name="audit_patient_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_time"),
        ]
        permissions = [("export_auditevent", "Can export audit events")]

    def __str__(self) -> str:
        target = f" {self.object_type}#{self.object_id}" if self.object_type else ""
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.username or 'system'} {self.action}{target}"

    def detail_text(self) -> str:
        """The detail as ``key: a, b; key: c`` for display."""
        parts = []
        for key, value in self.detail.items():
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{key}: {shown}")
        return "; ".join(parts)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            refuse_change("update")
        # Never let Django turn a save with a preset primary key into an UPDATE.
        kwargs["force_insert"] = True
        kwargs.pop("force_update", None)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        refuse_change("delete")
