"""Reads for patients and their coverages."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from finclear.organizations.models import Facility
from finclear.patients.models import Coverage, Patient


def patient_by_mrn(facility: Facility, mrn: str) -> Patient | None:
    return Patient.objects.filter(facility=facility, mrn=mrn).first()


def coverages_in_force(patient: Patient, day: dt.date) -> QuerySet[Coverage]:
    """The patient's active coverages on a day, primary first."""
    return (
        Coverage.objects.filter(patient=patient, is_active=True, effective_date__lte=day)
        .filter(Q(termination_date__isnull=True) | Q(termination_date__gte=day))
        .select_related("payer", "plan")
        .order_by("order", "pk")
    )


def primary_coverage(patient: Patient, day: dt.date) -> Coverage | None:
    return coverages_in_force(patient, day).first()
