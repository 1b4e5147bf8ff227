from __future__ import annotations

from decimal import Decimal

from django import forms

from finclear.assistance.models import DocumentKind, PaymentMethod, PosKind
from finclear.rules.assistance import PresumptiveSource


class ApplicationForm(forms.Form):
    household_size = forms.IntegerField(min_value=1, max_value=30)
    annual_income = forms.DecimalField(min_value=Decimal(0), decimal_places=2, max_digits=12)
    assets = forms.DecimalField(
        required=False, min_value=Decimal(0), decimal_places=2, max_digits=12
    )
    presumptive = forms.MultipleChoiceField(
        required=False,
        choices=[(s.value, s.value.replace("_", " ")) for s in PresumptiveSource],
        widget=forms.CheckboxSelectMultiple,
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(choices=DocumentKind.choices)
    reference = forms.CharField(max_length=120)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", "Approve"), ("0", "Deny")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(required=False, max_length=500)


class PlanForm(forms.Form):
    balance = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=12)
    first_due = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    months = forms.IntegerField(required=False, min_value=1, max_value=120)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=12)
    method = forms.ChoiceField(choices=PaymentMethod.choices)
    reference = forms.CharField(required=False, max_length=80)


class PosForm(PaymentForm):
    kind = forms.ChoiceField(choices=PosKind.choices)
