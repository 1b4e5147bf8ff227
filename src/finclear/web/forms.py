from __future__ import annotations

from typing import Any

from django import forms

from finclear.accounts.scoping import facilities_for
from finclear.scheduling.models import EncounterStatus


class EncounterFilterForm(forms.Form):
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    facility = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All my facilities", label="Facility"
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *EncounterStatus.choices], label="Status"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["facility"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = facilities_for(user).order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", f"date_to: {end} is before date_from {start}")
        return data
