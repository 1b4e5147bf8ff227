from __future__ import annotations

from typing import Any

from django import forms

from finclear.audit.models import AuditAction, AuditChannel


class AuditSearchForm(forms.Form):
    username = forms.CharField(required=False, max_length=150, label="User")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditAction.choices], label="Action"
    )
    channel = forms.ChoiceField(
        required=False, choices=[("", "Any channel"), *AuditChannel.choices], label="Channel"
    )
    object_type = forms.CharField(
        required=False,
        max_length=100,
        label="Object type",
        help_text="app_label.model, e.g. patients.patient",
    )
    object_id = forms.CharField(required=False, max_length=64, label="Object id")
    patient_id = forms.IntegerField(required=False, min_value=1, label="Patient id")
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", f"date_to: {end} is before date_from {start}")
        return data

    def used_filters(self) -> list[str]:
        """The names of the filters given (their values are not recorded)."""
        return [name for name, value in self.cleaned_data.items() if value not in (None, "")]
