"""Small synthetic domain objects for the model tests, built through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from finclear.codes.npi import npi_check_digit
from finclear.organizations import services as org_services
from finclear.organizations.models import Department, Facility, Organization, Provider
from finclear.patients import services as patient_services
from finclear.patients.models import Coverage, Patient
from finclear.payers import services as payer_services
from finclear.payers.models import Payer, Plan
from finclear.scheduling import services as scheduling_services
from finclear.scheduling.models import ChargemasterItem, Encounter

EASTERN = ZoneInfo("America/New_York")
_serial = itertools.count(1)


def make_npi() -> str:
    first_nine = f"1{next(_serial):08d}"
    return first_nine + str(npi_check_digit(first_nine))


def build_organization() -> Organization:
    return org_services.do_create_organization(
        name="Synthetic Health System", npi=make_npi(), tin="123456789", state="NY"
    )


def build_facility(organization: Organization | None = None, code: str = "NORTH") -> Facility:
    return org_services.do_create_facility(
        organization or build_organization(),
        code=code,
        name=f"{code.title()} Campus",
        npi=make_npi(),
        tin="123456789",
        postal_code="10001",
        state="NY",
    )


def build_department(facility: Facility, code: str = "IMG") -> Department:
    return org_services.do_create_department(facility, code=code, name="Imaging")


def build_provider(facility: Facility | None = None) -> Provider:
    return org_services.do_create_provider(
        facilities=[facility] if facility else [],
        npi=make_npi(),
        first_name="Ada",
        last_name="Testdoc",
        credential="MD",
        taxonomy="207R00000X",
    )


def build_payer(payer_type: str = "commercial", name: str = "Acme Health") -> Payer:
    return payer_services.do_create_payer(
        name=name, payer_type=payer_type, primary_payer_id=f"P{next(_serial)}"
    )


def build_plan(payer: Payer | None = None, code: str = "PPO1") -> Plan:
    return payer_services.do_create_plan(
        payer or build_payer(),
        code=code,
        name="Acme PPO",
        product="ppo",
        deductible_individual=Decimal("1500.00"),
        deductible_family=Decimal("3000.00"),
        coinsurance_percent=Decimal("20.00"),
        copay_primary_care=Decimal("25.00"),
    )


def build_patient(facility: Facility, mrn: str | None = None, **fields: Any) -> Patient:
    values: dict[str, Any] = {
        "mrn": mrn or f"MRN{next(_serial):06d}",
        "first_name": "Test",
        "last_name": "Patient",
        "date_of_birth": dt.date(1980, 5, 17),
        "sex": "F",
    }
    values.update(fields)
    return patient_services.do_create_patient(facility, **values)


def build_coverage(patient: Patient, plan: Plan, **fields: Any) -> Coverage:
    values: dict[str, Any] = {
        "member_id": f"M{next(_serial):08d}",
        "effective_date": dt.date(2020, 1, 1),
    }
    values.update(fields)
    return patient_services.do_add_coverage(patient, plan=plan, **values)


def build_chargemaster_item(
    facility: Facility, cpt: str = "71046", charge: str = "250.00", **fields: Any
) -> ChargemasterItem:
    values: dict[str, Any] = {
        "code": f"CDM{next(_serial):05d}",
        "description": "Chest x-ray, 2 views",
        "cpt_hcpcs": cpt,
        "revenue_code": "0324",
        "standard_charge": Decimal(charge),
        "effective_date": dt.date(2020, 1, 1),
    }
    values.update(fields)
    return scheduling_services.do_create_chargemaster_item(facility, **values)


class Clinic:
    """One facility with a department, a provider, a payer, a plan and a patient covered by it."""

    def __init__(self, code: str = "NORTH") -> None:
        self.facility = build_facility(code=code)
        self.department = build_department(self.facility)
        self.provider = build_provider(self.facility)
        self.plan = build_plan()
        self.payer = self.plan.payer
        self.patient = build_patient(self.facility)
        self.coverage = build_coverage(self.patient, self.plan)

    def encounter(self, **fields: Any) -> Encounter:
        values: dict[str, Any] = {
            "facility": self.facility,
            "department": self.department,
            "patient": self.patient,
            "rendering_provider": self.provider,
            "scheduled_at": dt.datetime(2026, 12, 3, 9, 30, tzinfo=EASTERN),
            "place_of_service": "22",
        }
        values.update(fields)
        return scheduling_services.do_create_encounter(**values)
