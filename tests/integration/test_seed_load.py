"""The synthetic clinic loader on the test database (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from django.utils import timezone

from finclear.audit.models import AuditEvent
from finclear.demo import catalog
from finclear.demo.load import SeedRefused, check_can_seed, do_load_clinic, do_reset_demo_data
from finclear.demo.models import SeedRun
from finclear.demo.records import Clinic, SeedParams
from finclear.demo.scenario import build_scenario, read_scenario, write_scenario
from finclear.demo.seeding import do_seed
from finclear.demo.synth import build_clinic
from finclear.organizations.models import Department, Facility, Organization, Provider
from finclear.patients.models import Coverage, Guarantor, Patient
from finclear.payers.models import Payer, PayerIdentifier, Plan
from finclear.scheduling.models import ChargemasterItem, Diagnosis, Encounter, ServiceLine
from finclear.workqueue.models import CaseStatus, ClearanceCase

pytestmark = pytest.mark.django_db


def make_clinic(patients: int = 150, seed: int = 3) -> Clinic:
    # Today as the start date: the models refuse dates of birth in the future.
    return build_clinic(
        SeedParams(patients=patients, days=10, seed=seed, start_date=timezone.localdate())
    )


def test_the_loaded_rows_match_the_generated_clinic() -> None:
    clinic = make_clinic()
    result = do_load_clinic(clinic)
    lines = [line for e in clinic.encounters for line in e.lines]
    expected = {
        Organization: 1,
        Facility: len(clinic.facilities),
        Department: sum(len(f.departments) for f in clinic.facilities),
        Provider: len(clinic.providers),
        Payer: len(clinic.payers),
        PayerIdentifier: sum(len(p.identifiers) for p in clinic.payers),
        Plan: len(clinic.plans),
        ChargemasterItem: len(clinic.chargemaster),
        Guarantor: sum(1 for p in clinic.patients if p.guarantor),
        Patient: len(clinic.patients),
        Coverage: len(clinic.coverages),
        Encounter: len(clinic.encounters),
        Diagnosis: sum(len(e.diagnoses) for e in clinic.encounters),
        ServiceLine: len(lines),
        ClearanceCase: len(clinic.encounters),
    }
    for model, n in expected.items():
        assert model.objects.count() == n, model
    assert result.counts["encounters"] == len(clinic.encounters)
    total = ServiceLine.objects.aggregate(total=Sum("charge"))["total"]
    assert total == sum((line.charge for line in lines), Decimal("0.00"))
    assert set(ClearanceCase.objects.values_list("status", flat=True)) == {CaseStatus.PENDING}
    run = SeedRun.objects.get()
    assert run.seed == 3 and run.patients == 150 and run.counts == result.counts
    assert AuditEvent.objects.filter(object_type="demo.seedrun", action="create").count() == 1


def test_loaded_rows_read_back_as_generated_and_pass_model_validation() -> None:
    clinic = make_clinic()
    do_load_clinic(clinic)
    by_external = {e.external_id: e for e in clinic.encounters}
    for enc in Encounter.objects.select_related("facility", "patient", "rendering_provider")[:60]:
        generated = by_external[enc.external_id]
        assert enc.scheduled_at == generated.scheduled_at
        assert enc.patient.mrn == generated.mrn
        assert enc.rendering_provider.npi == generated.rendering_npi
        enc.full_clean()
        for dx in enc.diagnoses.all():
            dx.full_clean()
        db_lines = list(enc.service_lines.order_by("line_number"))
        assert [line.cpt_hcpcs for line in db_lines] == [g.cpt_hcpcs for g in generated.lines]
        for line, g in zip(db_lines, generated.lines, strict=True):
            assert line.modifiers == list(g.modifiers)
            assert line.diagnosis_pointers == list(g.diagnosis_pointers)
            assert line.charge == g.charge and line.units == g.units
            line.full_clean()
        enc.clearance_case.full_clean()
    for model in (Organization, Facility, Department, Provider, Payer, Plan, ChargemasterItem):
        for obj in model.objects.all():
            obj.full_clean()
    for patient in Patient.objects.all()[:60]:
        patient.full_clean()
        for coverage in patient.coverages.all():
            coverage.full_clean()


def test_the_database_can_keep_adding_rows_after_a_load() -> None:
    """Ids were assigned by the loader: the database's own sequence must be past them."""
    do_load_clinic(make_clinic(patients=30))
    facility = Facility.objects.first()
    assert facility is not None
    patient = Patient.objects.create(
        facility=facility, mrn="ZZX0000001", first_name="Ada", last_name="Testerson",
        date_of_birth="1980-01-01",
    )  # fmt: skip
    assert patient.pk > max(Patient.objects.exclude(pk=patient.pk).values_list("pk", flat=True))


def test_the_scenario_agrees_with_the_members_in_the_database(tmp_path: Path) -> None:
    clinic = make_clinic(patients=300)
    do_load_clinic(clinic)
    path = tmp_path / "scenario.json"
    write_scenario(build_scenario(clinic), path)
    scenario = read_scenario(path)
    members = {
        (m.payer_id, m.member_id, m.first_name, m.last_name, m.date_of_birth)
        for m in scenario.members
    }
    flagged = {(e.patient.facility_code, e.patient.mrn) for e in scenario.errors}
    checked = 0
    coverages = Coverage.objects.select_related("payer", "patient__facility").exclude(
        payer__payer_type="self_pay"
    )
    for cov in coverages:
        p = cov.patient
        key = (
            cov.payer.primary_payer_id,
            cov.member_id,
            p.first_name,
            p.last_name,
            p.date_of_birth,
        )
        if (p.facility.code, p.mrn) in flagged:
            continue
        assert key in members, f"coverage #{cov.pk} has no member record"
        checked += 1
    assert checked > 200
    # Every injected error concerns a patient who is in the database.
    patients = set(Patient.objects.values_list("facility__code", "mrn"))
    assert flagged <= patients
    # A wrong member ID is in the database and in no member record.
    for e in scenario.errors:
        if e.kind == "wrong_member_id":
            assert Coverage.objects.filter(member_id=e.registered, order=1).exists()
            assert all(m.member_id != e.registered for m in scenario.members)


def test_a_failure_part_way_leaves_nothing_behind() -> None:
    clinic = make_clinic(patients=40)
    broken = dataclasses.replace(clinic.encounters[-1], rendering_npi="1234567893")
    clinic = dataclasses.replace(clinic, encounters=(*clinic.encounters[:-1], broken))
    with pytest.raises(KeyError):
        do_load_clinic(clinic)
    for model in (Organization, Facility, Patient, Coverage, Encounter, ServiceLine, SeedRun):
        assert model.objects.count() == 0, model


def test_seeding_over_data_is_refused_without_reset(tmp_path: Path) -> None:
    params = SeedParams(patients=40, days=5, seed=1, start_date=timezone.localdate())
    do_seed(params, reset=False, scenario_path=tmp_path / "s.json")
    with pytest.raises(SeedRefused, match="--reset"):
        check_can_seed(reset=False)
    with pytest.raises(SeedRefused, match="already holds data"):
        do_seed(params, reset=False, scenario_path=tmp_path / "s.json")
    again = dataclasses.replace(params, seed=2)
    outcome = do_seed(again, reset=True, scenario_path=tmp_path / "s.json")
    assert outcome.deleted["patients.Patient"] == 40
    assert Patient.objects.count() == 40
    assert SeedRun.objects.get().seed == 2
    assert read_scenario(tmp_path / "s.json").generator.seed == 2


def test_reset_deletes_the_demo_clinic_and_keeps_other_data() -> None:
    do_load_clinic(make_clinic(patients=60))
    other_org = Organization.objects.create(
        name="Other Hospital", npi="1234567893", tin="123456789"
    )
    other = Facility.objects.create(
        organization=other_org, code="OTHER", name="Other", npi="1234567893", tin="123456789"
    )
    keeper = Provider.objects.create(npi="1245319599", first_name="Kit", last_name="Keeper")
    keeper.facilities.add(other, Facility.objects.get(code="NORTH"))
    outsider = Payer.objects.create(name="Outside Payer", payer_type="commercial")
    deleted = do_reset_demo_data()
    assert deleted["scheduling.Encounter"] > 0 and deleted["patients.Patient"] == 60
    for model in (Encounter, Patient, Coverage, ServiceLine, Diagnosis, ClearanceCase, SeedRun):
        assert model.objects.count() == 0, model
    assert not Organization.objects.filter(name=catalog.DEMO_ORGANIZATION_NAME).exists()
    assert list(Facility.objects.values_list("code", flat=True)) == ["OTHER"]
    assert list(Provider.objects.all()) == [keeper]
    assert list(keeper.facilities.all()) == [other]
    assert list(Payer.objects.all()) == [outsider]
    assert AuditEvent.objects.filter(object_type="demo.seedrun", action="delete").exists()


def test_the_schedule_mix_reaches_the_database() -> None:
    do_load_clinic(make_clinic(patients=300))
    by_dept = Counter(Encounter.objects.values_list("department__code", flat=True))
    assert set(by_dept) == {d.code for d in catalog.DEPARTMENTS}
    assert by_dept["PC"] == max(by_dept.values())
    types = Counter(Encounter.objects.values_list("encounter_type", flat=True))
    assert types["outpatient"] > types["emergency"] > 0
