"""Forms of the authorization actions on the encounter page."""

from __future__ import annotations

from django import forms

from finclear.authorizations.models import AuthorizationStatus, Channel

MANUAL_CHANNELS = [(c.value, c.label) for c in (Channel.PHONE, Channel.PORTAL, Channel.FAX)]
RECORDABLE = [
    (s.value, s.label)
    for s in (
        AuthorizationStatus.APPROVED,
        AuthorizationStatus.PARTIALLY_APPROVED,
        AuthorizationStatus.PENDED,
        AuthorizationStatus.DENIED,
    )
]


class RequestForm(forms.Form):
    channel = forms.ChoiceField(
        choices=[(Channel.X12_278.value, "X12 278"), (Channel.FHIR_PAS.value, "FHIR PAS")]
    )
    expedited = forms.BooleanField(required=False, help_text="72-hour decision (CMS-0057-F)")


class ObtainedForm(forms.Form):
    channel = forms.ChoiceField(choices=MANUAL_CHANNELS)
    status = forms.ChoiceField(choices=RECORDABLE)
    certification_number = forms.CharField(max_length=50, required=False)
    start_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    cpt_hcpcs = forms.CharField(max_length=5, label="Service (CPT/HCPCS)")
    approved_units = forms.DecimalField(max_digits=9, decimal_places=3, required=False)
    obtained_from = forms.CharField(
        max_length=200, help_text="Who at the payer, and their reference"
    )
    obtained_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class DocumentForm(forms.Form):
    kind = forms.CharField(max_length=60)
    reference = forms.CharField(max_length=200)
    transmission = forms.ChoiceField(
        required=False,
        choices=[
            ("", "—"),
            ("EL", "Electronically"),
            ("FX", "Fax"),
            ("BM", "Mail"),
            ("EM", "E-mail"),
            ("AA", "Available on request"),
        ],
    )


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500)
