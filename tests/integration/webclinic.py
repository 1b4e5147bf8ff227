"""A tiny synthetic clinic for the accounts, audit and web tests: two facilities, A and B.

Names are plainly synthetic. Rows are created with ``objects.create`` (no full_clean): the
tests here are about who may see them, not about validation.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from finclear.accounts.services import do_create_user
from finclear.organizations.models import Department, Facility, Organization, Provider
from finclear.patients.models import Coverage, Patient
from finclear.payers.models import Payer, Plan
from finclear.scheduling.models import Diagnosis, Encounter, ServiceLine
from finclear.workqueue.models import CaseNote, ClearanceCase, Task

PASSWORD = "synthetic-test-password-1"
_serial = itertools.count(1)


@dataclass
class Site:
    facility: Facility
    department: Department
    provider: Provider


def build_site(code: str) -> Site:
    n = next(_serial)
    org = Organization.objects.create(name=f"Test Org {code}", npi="1234567893", tin="123456789")
    facility = Facility.objects.create(
        organization=org, code=code, name=f"Test Facility {code}", npi="1234567893", tin="123456789"
    )
    department = Department.objects.create(facility=facility, code="GEN", name="General")
    provider = Provider.objects.create(
        npi=f"{9000000000 + n}", first_name="Testdoc", last_name=f"Provider{n}"
    )
    return Site(facility, department, provider)


def build_patient(site: Site, **fields: Any) -> Patient:
    n = next(_serial)
    values = {
        "facility": site.facility,
        "mrn": f"MRN{n:06d}",
        "first_name": "Testpat",
        "last_name": f"Synthetic{n}",
        "date_of_birth": dt.date(1980, 1, 1),
    }
    values.update(fields)
    return Patient.objects.create(**values)


def build_payer_plan() -> Plan:
    payer = Payer.objects.create(name="Test Health Plan", payer_type="commercial")
    return Plan.objects.create(
        payer=payer, code=f"PPO{next(_serial)}", name="Test PPO", product="ppo"
    )


def build_coverage(patient: Patient, plan: Plan, order: int = 1) -> Coverage:
    return Coverage.objects.create(
        patient=patient,
        plan=plan,
        payer=plan.payer,
        order=order,
        member_id=f"TST{next(_serial):07d}",
        effective_date=dt.date(2025, 1, 1),
    )


def build_encounter(site: Site, patient: Patient | None = None, **fields: Any) -> Encounter:
    values = {
        "facility": site.facility,
        "department": site.department,
        "patient": patient or build_patient(site),
        "rendering_provider": site.provider,
        "scheduled_at": timezone.now() + dt.timedelta(days=1),
        "place_of_service": "22",
    }
    values.update(fields)
    return Encounter.objects.create(**values)


def build_full_encounter(site: Site, author: Any) -> Encounter:
    """An encounter with a coverage, a diagnosis, a service line, a case, a note and a task."""
    encounter = build_encounter(site)
    build_coverage(encounter.patient, build_payer_plan())
    Diagnosis.objects.create(encounter=encounter, sequence=1, icd10_code="E119")
    ServiceLine.objects.create(
        encounter=encounter,
        line_number=1,
        cpt_hcpcs="99213",
        units=Decimal(1),
        diagnosis_pointers=[1],
        charge=Decimal("150.00"),
    )
    case = ClearanceCase.objects.create(
        encounter=encounter, due_date=timezone.localdate(), status="needs_eligibility"
    )
    CaseNote.objects.create(case=case, author=author, body="Called the payer.")
    Task.objects.create(case=case, title="Verify eligibility", kind="eligibility")
    return encounter


def build_user(username: str, role: str, *facilities: Facility) -> Any:
    return do_create_user(username, PASSWORD, role, facilities)
