"""The worklist's filters, and the forms of the workspace's actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from finclear.accounts.scoping import facilities_for, facility_ids_for
from finclear.organizations.models import Department, Provider
from finclear.payers.models import Payer
from finclear.rules.clearance import Item
from finclear.workqueue.models import CaseStatus
from finclear.workqueue.queries import ALL, TAB_ORDER, TODO

ITEM_CHOICES = [("", "Any open item"), *[(i.value, i.value.title()) for i in Item]]
SORT_CHOICES = [("priority", "Priority"), ("date", "Date of service")]
TAB_CHOICES = [
    (TODO, "To do"),
    *[(s.value, s.label) for s in TAB_ORDER],
    (ALL, "All"),
]


def workers(user: Any) -> Any:
    """Active users who share a facility with ``user`` (everyone for an admin)."""
    users = get_user_model().objects.filter(is_active=True)
    ids = facility_ids_for(user)
    if ids is not None:
        users = users.filter(profile__facilities__in=ids).distinct()
    return users.order_by("username")


class WorklistFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=TAB_CHOICES, required=False, widget=forms.HiddenInput)
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    facility = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All my facilities", label="Facility"
    )
    department = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Any department", label="Department"
    )
    provider = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Any provider", label="Provider"
    )
    payer = forms.ModelChoiceField(
        queryset=Payer.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label="Any payer",
        label="Payer",
    )
    item = forms.ChoiceField(choices=ITEM_CHOICES, required=False, label="Open item")
    assignee = forms.ChoiceField(required=False, label="Assignee")
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, label="Sort by")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        facilities = facilities_for(user).order_by("code")
        self._set_queryset("facility", facilities)
        departments = Department.objects.filter(facility__in=facilities).select_related("facility")
        self._set_queryset("department", departments.order_by("facility__code", "name"))
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.label_from_instance = lambda d: f"{d.facility.code} · {d.name}"
        providers = Provider.objects.filter(facilities__in=facilities, is_active=True).distinct()
        self._set_queryset("provider", providers.order_by("last_name", "first_name"))
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ChoiceField)
        # A callable: the users are read (once) only when the select is drawn or an id given.
        read: list[tuple[str, str]] = []

        def assignee_choices() -> list[tuple[str, str]]:
            if not read:
                read.extend((str(u.pk), u.get_username()) for u in workers(user))
            return [("", "Anyone"), ("me", "Me"), ("unassigned", "Unassigned"), *read]

        assignee.choices = assignee_choices

    def _set_queryset(self, name: str, queryset: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", f"date_to: {end} is before date_from {start}")
        return data


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=60, label="Save these filters as")


class OverrideForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in CaseStatus if s != CaseStatus.PENDING],
        label="Status",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Reason", max_length=1000
    )


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Note", max_length=4000)


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=None, label="Give to")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers(user)
