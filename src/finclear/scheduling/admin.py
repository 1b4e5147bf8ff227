"""Admin pages for the chargemaster and encounters (patient data: reads are audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from finclear.audit.admin_mixins import AuditedModelAdmin
from finclear.scheduling.models import ChargemasterItem, Diagnosis, Encounter, ServiceLine
from finclear.workqueue.services import do_ensure_case

TIMESTAMPS = ("created_at", "updated_at")


class DiagnosisFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    def sequences(self) -> set[int]:
        """The sequences the encounter will have once this page is saved."""
        self.is_valid()
        return {
            form.cleaned_data["sequence"]
            for form in self.forms
            if form.is_valid()
            and form.cleaned_data.get("sequence") is not None
            and not (self.can_delete and self._should_delete_form(form))
        }


class ServiceLineFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """Checks diagnosis pointers against the diagnoses edited on the same page."""

    diagnosis_formset: DiagnosisFormSet | None = None

    def full_clean(self) -> None:
        if self.is_bound and self.diagnosis_formset is not None:
            sequences = self.diagnosis_formset.sequences()
            for form in self.forms:
                form.instance.known_diagnosis_sequences = sequences
        super().full_clean()


class DiagnosisInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Diagnosis
    formset = DiagnosisFormSet
    extra = 0
    fields = ("sequence", "icd10_code")
    ordering = ("sequence",)


class ServiceLineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ServiceLine
    formset = ServiceLineFormSet
    extra = 0
    fields = (
        "line_number",
        "cpt_hcpcs",
        "modifiers",
        "units",
        "diagnosis_pointers",
        "chargemaster_item",
        "charge",
    )
    raw_id_fields = ("chargemaster_item",)
    ordering = ("line_number",)


@admin.register(ChargemasterItem)
class ChargemasterItemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "code",
        "description",
        "cpt_hcpcs",
        "revenue_code",
        "standard_charge",
        "facility",
        "effective_date",
        "end_date",
    )
    list_filter = ("facility", "department")
    list_select_related = ("facility",)
    search_fields = ("code", "description", "cpt_hcpcs")
    autocomplete_fields = ("facility", "department")
    readonly_fields = TIMESTAMPS


@admin.register(Encounter)
class EncounterAdmin(AuditedModelAdmin):
    list_display = (
        "pk",
        "scheduled_at",
        "facility",
        "department",
        "patient",
        "encounter_type",
        "status",
        "rendering_provider",
    )
    list_filter = ("status", "encounter_type", "facility", "department")
    list_select_related = ("facility", "department", "patient", "rendering_provider")
    date_hierarchy = "scheduled_at"
    search_fields = ("external_id", "patient__mrn", "patient__last_name")
    raw_id_fields = ("patient",)
    autocomplete_fields = ("facility", "department", "rendering_provider", "attending_provider")
    readonly_fields = TIMESTAMPS
    inlines = (DiagnosisInline, ServiceLineInline)

    def _create_formsets(self, request: HttpRequest, obj: Any, change: bool) -> Any:
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        diagnoses = next((f for f in formsets if isinstance(f, DiagnosisFormSet)), None)
        for formset in formsets:
            if isinstance(formset, ServiceLineFormSet):
                formset.diagnosis_formset = diagnoses
        return formsets, inline_instances

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            do_ensure_case(obj)


@admin.register(Diagnosis)
class DiagnosisAdmin(AuditedModelAdmin):
    list_display = ("pk", "encounter", "sequence", "icd10_code")
    list_select_related = ("encounter",)
    search_fields = ("icd10_code",)
    raw_id_fields = ("encounter",)
    readonly_fields = TIMESTAMPS


@admin.register(ServiceLine)
class ServiceLineAdmin(AuditedModelAdmin):
    list_display = ("pk", "encounter", "line_number", "cpt_hcpcs", "units", "charge")
    list_select_related = ("encounter",)
    search_fields = ("cpt_hcpcs",)
    raw_id_fields = ("encounter", "chargemaster_item")
    readonly_fields = TIMESTAMPS

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceLine]:
        return super().get_queryset(request).select_related("encounter", "chargemaster_item")
