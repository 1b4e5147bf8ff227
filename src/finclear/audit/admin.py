from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from finclear.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the trail cannot be added to, changed or deleted from the admin."""

    list_display = [
        "occurred_at",
        "username",
        "action",
        "object_type",
        "object_id",
        "patient_id",
        "channel",
        "ip_address",
    ]
    list_filter = ["action", "channel", "object_type"]
    search_fields = ["username", "object_id"]
    date_hierarchy = "occurred_at"
    list_select_related = ["user"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
