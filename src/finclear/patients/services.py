"""Writes for patients, guarantors and coverages (each in one transaction).

Coverage rules live in ``Coverage.clean()``: a plan unless the payer is self-pay, a member ID
unless the payer is self-pay, termination not before the effective date, one active coverage
per order. The payer is taken from the plan when not given.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from finclear.organizations.models import Facility
from finclear.organizations.validation import do_save_checked, set_fields
from finclear.patients.models import Coverage, Guarantor, Patient
from finclear.payers.models import Payer, Plan


@transaction.atomic
def do_create_guarantor(**fields: Any) -> Guarantor:
    guarantor = Guarantor(**fields)
    do_save_checked(guarantor)
    return guarantor


@transaction.atomic
def do_create_patient(facility: Facility, **fields: Any) -> Patient:
    patient = Patient(facility=facility, **fields)
    do_save_checked(patient)
    return patient


@transaction.atomic
def do_update_patient(patient: Patient, **fields: Any) -> None:
    set_fields(patient, fields)
    do_save_checked(patient)


@transaction.atomic
def do_update_guarantor(guarantor: Guarantor, **fields: Any) -> None:
    set_fields(guarantor, fields)
    do_save_checked(guarantor)


@transaction.atomic
def do_add_coverage(
    patient: Patient, *, plan: Plan | None = None, payer: Payer | None = None, **fields: Any
) -> Coverage:
    """Add a coverage; with a plan and no payer, the payer is the plan's."""
    if payer is None and plan is not None:
        payer = plan.payer
    coverage = Coverage(patient=patient, plan=plan, payer=payer, **fields)
    do_save_checked(coverage)
    return coverage


@transaction.atomic
def do_update_coverage(coverage: Coverage, **fields: Any) -> None:
    if "plan" in fields and "payer" not in fields and fields["plan"] is not None:
        fields["payer"] = fields["plan"].payer
    set_fields(coverage, fields)
    do_save_checked(coverage)


@transaction.atomic
def do_terminate_coverage(coverage: Coverage, termination_date: dt.date) -> None:
    """End a coverage on a date (it stays on file, and stays active until that day)."""
    coverage.termination_date = termination_date
    do_save_checked(coverage, update_fields=["termination_date", "updated_at"])


@transaction.atomic
def do_deactivate_coverage(coverage: Coverage) -> None:
    """Take a coverage out of use (entered in error, replaced): it frees its order."""
    if not coverage.is_active:
        raise ValidationError({"is_active": f"is_active: coverage #{coverage.pk} is inactive"})
    coverage.is_active = False
    do_save_checked(coverage, update_fields=["is_active", "updated_at"])
