"""Admin pages for clearance cases, notes and tasks. A case's status is computed, so it is
read-only here; patient data, so reads are audited."""

from __future__ import annotations

from django.contrib import admin

from finclear.audit.admin_mixins import AuditedModelAdmin
from finclear.workqueue.models import CaseNote, ClearanceCase, Task

TIMESTAMPS = ("created_at", "updated_at")


class CaseNoteInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CaseNote
    extra = 0
    fields = ("author", "body", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("author",)


class TaskInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Task
    fk_name = "case"
    extra = 0
    fields = ("kind", "title", "status", "assignee", "due_at", "closed_at")
    raw_id_fields = ("assignee",)
    show_change_link = True


@admin.register(ClearanceCase)
class ClearanceCaseAdmin(AuditedModelAdmin):
    list_display = ("pk", "encounter", "status", "owner", "due_date", "priority", "computed_at")
    list_filter = ("status", "due_date", "encounter__facility")
    list_select_related = ("encounter", "owner")
    search_fields = ("encounter__external_id", "encounter__patient__mrn")
    raw_id_fields = ("encounter", "owner")
    readonly_fields = ("status", "status_reason", "computed_at", *TIMESTAMPS)
    inlines = (CaseNoteInline, TaskInline)


@admin.register(CaseNote)
class CaseNoteAdmin(AuditedModelAdmin):
    list_display = ("pk", "case", "author", "created_at")
    # case__encounter: the audit trail finds each row's patient through it without a query.
    list_select_related = ("case__encounter", "author")
    raw_id_fields = ("case", "author")
    readonly_fields = ("created_at",)


@admin.register(Task)
class TaskAdmin(AuditedModelAdmin):
    list_display = ("pk", "title", "kind", "status", "case", "assignee", "due_at")
    list_filter = ("status", "kind")
    list_select_related = ("case__encounter", "assignee")
    search_fields = ("title",)
    raw_id_fields = ("case", "assignee", "created_by")
    readonly_fields = TIMESTAMPS
