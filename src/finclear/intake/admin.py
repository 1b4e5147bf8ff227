from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from finclear.intake.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Import runs are a record: read-only, written only by the import service."""

    list_display = (
        "started_at",
        "file_name",
        "format",
        "user",
        "channel",
        "created",
        "updated",
        "unchanged",
        "failed",
    )
    list_filter = ("format", "channel")
    search_fields = ("file_name",)
    date_hierarchy = "started_at"
    list_select_related = ("user",)
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
