"""Writing a generated clinic into the database, and clearing it out again.

``do_load_clinic`` writes everything in one transaction (a failure leaves nothing behind) with
``TableWriter`` (see ``finclear.demo.bulk`` for why not ``bulk_create``), then opens a clearance
case for each encounter. ``do_reset_demo_data`` deletes the demo clinic and everything hanging
off it, without loading a row into Python.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models.deletion import get_candidate_relations_to_delete

from finclear.audit.models import AuditAction
from finclear.audit.services import record_event
from finclear.demo import catalog
from finclear.demo.bulk import TableWriter, do_insert_records, do_reset_sequences
from finclear.demo.models import SeedRun
from finclear.demo.records import Clinic
from finclear.organizations.models import Department, Facility, Organization, Provider
from finclear.patients.models import Coverage, Guarantor, Patient
from finclear.payers.models import Payer, PayerIdentifier, Plan
from finclear.scheduling.models import ChargemasterItem, Diagnosis, Encounter, ServiceLine
from finclear.workqueue.models import CaseStatus, ClearanceCase


class SeedRefused(Exception):
    """The database already holds data and the caller did not ask to reset it."""


@dataclass
class LoadResult:
    counts: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    seed_run: SeedRun | None = None

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())


def find_existing_data() -> dict[str, int]:
    """Counts of the clinic tables that already have rows (empty when the database is empty)."""
    found = {}
    for model in (Facility, Payer, Patient, Encounter):
        n = model._base_manager.count()
        if n:
            found[model._meta.verbose_name_plural] = n
    return found


def check_can_seed(reset: bool) -> None:
    existing = find_existing_data()
    if existing and not reset:
        listed = ", ".join(f"{n} {name}" for name, n in existing.items())
        raise SeedRefused(
            f"the database already holds data ({listed}); seeding would mix the synthetic "
            "clinic with it. Use --reset to delete the demo clinic first, or point "
            "FINCLEAR_DATABASE_URL at an empty database."
        )


def do_load_clinic(clinic: Clinic, scenario_path: str = "") -> LoadResult:
    """Write the clinic, open its clearance cases and record the seed run, all or nothing."""
    result = LoadResult()
    with transaction.atomic():
        clock = time.perf_counter()
        ids = write_reference(clinic, result.counts)
        result.phases["reference data"] = time.perf_counter() - clock

        clock = time.perf_counter()
        write_patients(clinic, ids, result.counts)
        result.phases["patients and coverages"] = time.perf_counter() - clock

        clock = time.perf_counter()
        encounter_ids = write_encounters(clinic, ids, result.counts)
        result.phases["encounters"] = time.perf_counter() - clock

        clock = time.perf_counter()
        result.counts["clearance cases"] = write_cases(clinic, encounter_ids)
        do_reset_sequences(WRITTEN_MODELS)
        result.phases["clearance cases"] = time.perf_counter() - clock

        params = clinic.params
        result.seed_run = SeedRun.objects.create(
            seed=params.seed,
            patients=params.patients,
            days=params.days,
            start_date=params.start_date,
            encounters_requested=params.encounters,
            counts=result.counts,
            scenario_path=scenario_path,
            duration_seconds=round(result.seconds, 3),
        )
        record_event(
            AuditAction.CREATE,
            obj=result.seed_run,
            detail={"count": result.counts.get("encounters", 0), "reason": "synthetic clinic"},
        )
    return result


WRITTEN_MODELS: list[type[models.Model]] = [
    Organization,
    Facility,
    Department,
    Provider,
    Provider.facilities.through,
    Payer,
    PayerIdentifier,
    Plan,
    ChargemasterItem,
    Guarantor,
    Patient,
    Coverage,
    Encounter,
    Diagnosis,
    ServiceLine,
    ClearanceCase,
]


class Ids:
    """Database ids of the reference rows, by the generator's natural keys."""

    def __init__(self) -> None:
        self.facility: dict[str, int] = {}
        self.department: dict[tuple[str, str], int] = {}
        self.provider: dict[str, int] = {}
        self.payer: dict[str, int] = {}
        self.plan: dict[str, int] = {}
        self.chargemaster: dict[tuple[str, str], int] = {}
        self.patient: dict[tuple[str, str], int] = {}


def write_reference(clinic: Clinic, counts: dict[str, int]) -> Ids:
    ids = Ids()
    org = clinic.organization
    [org_id] = do_insert_records(
        Organization,
        [
            {
                "name": org.name,
                "npi": org.npi,
                "tin": org.tin,
                "address_line1": org.address_line1,
                "city": org.city,
                "state": org.state,
                "postal_code": org.postal_code,
            }
        ],
    )
    counts["organizations"] = 1
    facility_ids = do_insert_records(
        Facility,
        [
            {
                "organization_id": org_id,
                "code": f.code,
                "name": f.name,
                "npi": f.npi,
                "tin": f.tin,
                "address_line1": f.address_line1,
                "city": f.city,
                "state": f.state,
                "postal_code": f.postal_code,
                "phone": f.phone,
                "time_zone": f.time_zone,
            }
            for f in clinic.facilities
        ],
    )
    ids.facility = {f.code: pk for f, pk in zip(clinic.facilities, facility_ids, strict=True)}
    counts["facilities"] = len(facility_ids)
    keys = [(f.code, d.code) for f in clinic.facilities for d in f.departments]
    department_ids = do_insert_records(
        Department,
        [
            {"facility_id": ids.facility[f.code], "code": d.code, "name": d.name}
            for f in clinic.facilities
            for d in f.departments
        ],
    )
    ids.department = dict(zip(keys, department_ids, strict=True))
    counts["departments"] = len(department_ids)
    provider_ids = do_insert_records(
        Provider,
        [
            {
                "npi": p.npi,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "credential": p.credential,
                "taxonomy": p.taxonomy,
            }
            for p in clinic.providers
        ],
    )
    ids.provider = {p.npi: pk for p, pk in zip(clinic.providers, provider_ids, strict=True)}
    counts["providers"] = len(provider_ids)
    counts["provider facilities"] = len(
        do_insert_records(
            Provider.facilities.through,
            [
                {"provider_id": ids.provider[p.npi], "facility_id": ids.facility[code]}
                for p in clinic.providers
                for code in p.facility_codes
            ],
        )
    )
    payer_ids = do_insert_records(
        Payer,
        [
            {"name": p.name, "payer_type": p.payer_type, "primary_payer_id": p.primary_payer_id}
            for p in clinic.payers
        ],
    )
    ids.payer = {p.key: pk for p, pk in zip(clinic.payers, payer_ids, strict=True)}
    counts["payers"] = len(payer_ids)
    counts["payer identifiers"] = len(
        do_insert_records(
            PayerIdentifier,
            [
                {
                    "payer_id": ids.payer[p.key],
                    "clearinghouse": i.clearinghouse,
                    "identifier": i.payer_id,
                }
                for p in clinic.payers
                for i in p.identifiers
            ],
        )
    )
    plan_ids = do_insert_records(
        Plan,
        [
            {
                "payer_id": ids.payer[plan.payer_key],
                "code": plan.code,
                "name": plan.name,
                "product": plan.product,
                "network": plan.network,
                "deductible_individual": plan.deductible_individual,
                "deductible_family": plan.deductible_family,
                "oop_max_individual": plan.oop_max_individual,
                "oop_max_family": plan.oop_max_family,
                "coinsurance_percent": plan.coinsurance_percent,
                "copay_primary_care": plan.copay_primary_care,
                "copay_specialist": plan.copay_specialist,
                "copay_er": plan.copay_er,
                "copay_urgent_care": plan.copay_urgent_care,
            }
            for plan in clinic.plans
        ],
    )
    ids.plan = {p.code: pk for p, pk in zip(clinic.plans, plan_ids, strict=True)}
    counts["plans"] = len(plan_ids)
    item_ids = do_insert_records(
        ChargemasterItem,
        [
            {
                "facility_id": ids.facility[item.facility_code],
                "code": item.code,
                "description": item.description,
                "cpt_hcpcs": item.cpt_hcpcs,
                "revenue_code": item.revenue_code,
                "standard_charge": item.standard_charge,
                "effective_date": item.effective_date,
                "department_id": ids.department[(item.facility_code, item.department_code)],
            }
            for item in clinic.chargemaster
        ],
    )
    ids.chargemaster = {
        (item.facility_code, item.code): pk
        for item, pk in zip(clinic.chargemaster, item_ids, strict=True)
    }
    counts["chargemaster items"] = len(item_ids)
    return ids


GUARANTOR_COLUMNS = (
    "first_name", "last_name", "date_of_birth", "relationship_to_patient", "address_line1",
    "city", "state", "postal_code", "phone",
)  # fmt: skip
PATIENT_COLUMNS = (
    "facility_id", "mrn", "first_name", "middle_name", "last_name", "date_of_birth", "sex",
    "address_line1", "address_line2", "city", "state", "postal_code", "phone", "email",
    "guarantor_id",
)  # fmt: skip
COVERAGE_COLUMNS = (
    "patient_id", "plan_id", "payer_id", "order", "member_id", "group_number",
    "subscriber_relationship", "subscriber_first_name", "subscriber_last_name",
    "subscriber_date_of_birth", "subscriber_member_id", "effective_date", "termination_date",
    "is_active",
)  # fmt: skip
ENCOUNTER_COLUMNS = (
    "facility_id", "department_id", "patient_id", "rendering_provider_id",
    "attending_provider_id", "encounter_type", "scheduled_at", "status", "place_of_service",
    "external_id", "reason",
)  # fmt: skip
DIAGNOSIS_COLUMNS = ("encounter_id", "sequence", "icd10_code")
LINE_COLUMNS = (
    "encounter_id", "line_number", "cpt_hcpcs", "modifiers", "units", "diagnosis_pointers",
    "chargemaster_item_id", "charge",
)  # fmt: skip


def write_patients(clinic: Clinic, ids: Ids, counts: dict[str, int]) -> None:
    guarantors = TableWriter(Guarantor, GUARANTOR_COLUMNS)
    patients = TableWriter(Patient, PATIENT_COLUMNS)
    facility = ids.facility
    for p in clinic.patients:
        guarantor_id = None
        g = p.guarantor
        if g is not None:
            guarantor_id = guarantors.add(
                g.first_name, g.last_name, g.date_of_birth, g.relationship_to_patient,
                g.address_line1, g.city, g.state, g.postal_code, g.phone,
            )  # fmt: skip
        ids.patient[(p.facility_code, p.mrn)] = patients.add(
            facility[p.facility_code], p.mrn, p.first_name, p.middle_name, p.last_name,
            p.date_of_birth, p.sex, p.address_line1, p.address_line2, p.city, p.state,
            p.postal_code, p.phone, p.email, guarantor_id,
        )  # fmt: skip
    guarantors.flush()
    patients.flush()
    counts["guarantors"] = guarantors.count
    counts["patients"] = patients.count
    coverages = TableWriter(Coverage, COVERAGE_COLUMNS)
    for c in clinic.coverages:
        coverages.add(
            ids.patient[(c.facility_code, c.mrn)],
            ids.plan[c.plan_code] if c.plan_code else None,
            ids.payer[c.payer_key],
            c.order, c.member_id, c.group_number, c.subscriber_relationship,
            c.subscriber_first_name, c.subscriber_last_name, c.subscriber_date_of_birth,
            c.subscriber_member_id, c.effective_date, c.termination_date, c.is_active,
        )  # fmt: skip
    coverages.flush()
    counts["coverages"] = coverages.count


def write_encounters(clinic: Clinic, ids: Ids, counts: dict[str, int]) -> list[int]:
    encounters = TableWriter(Encounter, ENCOUNTER_COLUMNS)
    diagnoses = TableWriter(Diagnosis, DIAGNOSIS_COLUMNS)
    lines = TableWriter(ServiceLine, LINE_COLUMNS)
    encounter_ids = []
    units_of: dict[int, Decimal] = {n: Decimal(n) for n in range(1, 10)}
    provider = ids.provider
    patient = ids.patient
    department = ids.department
    facility = ids.facility
    chargemaster = ids.chargemaster
    for e in clinic.encounters:
        fac = e.facility_code
        pk = encounters.add(
            facility[fac], department[(fac, e.department_code)], patient[(fac, e.mrn)],
            provider[e.rendering_npi], provider[e.attending_npi] if e.attending_npi else None,
            e.encounter_type, e.scheduled_at, e.status, e.place_of_service, e.external_id,
            e.reason,
        )  # fmt: skip
        encounter_ids.append(pk)
        for d in e.diagnoses:
            diagnoses.add(pk, d.sequence, d.icd10_code)
        for line in e.lines:
            lines.add(
                pk, line.line_number, line.cpt_hcpcs, line.modifiers, units_of[line.units],
                line.diagnosis_pointers, chargemaster[(fac, line.chargemaster_code)], line.charge,
            )  # fmt: skip
    for writer in (encounters, diagnoses, lines):
        writer.flush()
    counts["encounters"] = encounters.count
    counts["diagnoses"] = diagnoses.count
    counts["service lines"] = lines.count
    return encounter_ids


def write_cases(clinic: Clinic, encounter_ids: list[int]) -> int:
    """A pending clearance case per encounter, due on the visit date.

    The same cases ``workqueue.services.do_ensure_cases`` would open (due by the visit date in
    the facility's time zone: the generator's times are already in it), written here because
    that service, one model instance and one audit event per case, takes minutes for 100,000.
    """
    cases = TableWriter(ClearanceCase, ("encounter_id", "status", "due_date"))
    for e, pk in zip(clinic.encounters, encounter_ids, strict=True):
        cases.add(pk, CaseStatus.PENDING.value, e.scheduled_at.date())
    cases.flush()
    return cases.count


# -- reset ------------------------------------------------------------------------------------


def do_purge(qs: models.QuerySet[Any], deleted: dict[str, int]) -> None:
    """Delete the rows of ``qs`` and, first, every row that cascades from them, in SQL only.

    The same rules as Django's deletion collector (CASCADE deletes, SET_NULL nulls, PROTECT
    and RESTRICT refuse), but with subqueries instead of loading rows, and without signals:
    the caller records one audit event for the whole reset.
    """
    model = qs.model
    keys = qs.values("pk")
    for relation in get_candidate_relations_to_delete(model._meta):
        related = relation.related_model
        fk = relation.field
        children = related._base_manager.filter(**{f"{fk.name}__in": keys})
        on_delete = fk.remote_field.on_delete
        if on_delete is models.CASCADE:
            do_purge(children, deleted)
        elif on_delete is models.SET_NULL:
            children.update(**{fk.name: None})
        elif on_delete in (models.PROTECT, models.RESTRICT) and children.exists():
            raise SeedRefused(
                f"cannot reset: {related._meta.label} rows still refer to "
                f"{model._meta.label} rows of the demo clinic"
            )
    n = qs._raw_delete(qs.db)
    if n:
        deleted[model._meta.label] = deleted.get(model._meta.label, 0) + n


def do_reset_demo_data() -> dict[str, int]:
    """Delete the demo clinic (its organization, and everything under it) and the seed runs.

    Data that is not the demo's stays: other organizations' facilities, providers who also
    work elsewhere, payers that other patients' coverages use.
    """
    deleted: dict[str, int] = {}
    with transaction.atomic():
        orgs = Organization.objects.filter(name=catalog.DEMO_ORGANIZATION_NAME)
        facilities = Facility.objects.filter(organization__in=orgs)
        facility_ids = list(facilities.values_list("pk", flat=True))
        provider_ids = set(
            Provider.objects.filter(facilities__in=facility_ids).values_list("pk", flat=True)
        ) - set(
            Provider.objects.filter(
                facilities__in=Facility.objects.exclude(pk__in=facility_ids)
            ).values_list("pk", flat=True)
        )
        guarantor_ids = list(
            Patient.objects.filter(facility__in=facility_ids, guarantor__isnull=False)
            .values_list("guarantor_id", flat=True)
            .distinct()
        )
        do_purge(Encounter.objects.filter(facility__in=facility_ids), deleted)
        do_purge(Patient.objects.filter(facility__in=facility_ids), deleted)
        do_purge(Guarantor.objects.filter(pk__in=guarantor_ids, patients__isnull=True), deleted)
        do_purge(ChargemasterItem.objects.filter(facility__in=facility_ids), deleted)
        do_purge(Department.objects.filter(facility__in=facility_ids), deleted)
        do_purge(Provider.objects.filter(pk__in=provider_ids), deleted)
        do_purge(Facility.objects.filter(pk__in=facility_ids), deleted)
        do_purge(orgs, deleted)
        demo_payer_ids = [p.primary_payer_id for p in catalog.PAYERS]
        payers = Payer.objects.filter(primary_payer_id__in=demo_payer_ids).exclude(
            coverages__isnull=False
        )
        payer_ids = list(payers.values_list("pk", flat=True))
        do_purge(Plan.objects.filter(payer__in=payer_ids), deleted)
        do_purge(Payer.objects.filter(pk__in=payer_ids), deleted)
        do_purge(SeedRun.objects.all(), deleted)
        if deleted:
            record_event(
                AuditAction.DELETE,
                object_type="demo.seedrun",
                detail={"count": sum(deleted.values()), "reason": "demo clinic reset"},
            )
    return deleted
