"""The payer simulator's scenario file: built from the clinic, validated by its pydantic model."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from finclear.demo.records import SeedParams
from finclear.demo.scenario import Scenario, build_scenario, read_scenario, write_scenario
from finclear.demo.synth import build_clinic

START = date(2026, 11, 30)
CLINIC = build_clinic(SeedParams(patients=400, days=14, seed=5, start_date=START))


def test_the_scenario_round_trips_through_its_file(tmp_path: Path) -> None:
    scenario = build_scenario(CLINIC)
    path = tmp_path / "var" / "scenario.json"
    write_scenario(scenario, path)
    assert read_scenario(path) == scenario
    raw = json.loads(path.read_text())
    # Money is written as decimal strings, never as floats.
    plan = raw["plans"][2]
    assert isinstance(plan["in_network"]["deductible_individual"], str)
    assert Decimal(plan["in_network"]["deductible_individual"]) == Decimal("1500.00")


def test_the_same_seed_writes_the_same_file(tmp_path: Path) -> None:
    again = build_clinic(SeedParams(patients=400, days=14, seed=5, start_date=START))
    write_scenario(build_scenario(CLINIC), tmp_path / "a.json")
    write_scenario(build_scenario(again), tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_every_insured_patient_without_an_error_is_a_member_as_registered() -> None:
    scenario = build_scenario(CLINIC)
    payer_ids = {p.key: p.primary_payer_id for p in CLINIC.payers}
    members = {
        (m.payer_id, m.member_id, m.first_name, m.last_name, m.date_of_birth): m
        for m in scenario.members
    }
    patients = {(p.facility_code, p.mrn): p for p in CLINIC.patients}
    flagged = {(e.patient.facility_code, e.patient.mrn) for e in scenario.errors}
    checked = 0
    for cov in CLINIC.coverages:
        key = (cov.facility_code, cov.mrn)
        if cov.payer_key == "self" or key in flagged:
            continue
        p = patients[key]
        m = members[
            (payer_ids[cov.payer_key], cov.member_id, p.first_name, p.last_name, p.date_of_birth)
        ]
        assert m.plan_code == cov.plan_code
        assert m.relationship == cov.subscriber_relationship
        assert m.is_active_on(START)
        assert m.patient is not None and (m.patient.facility_code, m.patient.mrn) == key
        checked += 1
    assert checked > 250


def test_plans_carry_benefit_designs_per_service_type() -> None:
    plans = {p.plan_code: p for p in build_scenario(CLINIC).plans}
    ppo = plans["SB-PPO"]
    office = [b for b in ppo.benefits if b.service_type == "98" and b.network == "in"]
    assert {b.provider_scope: b.copay for b in office} == {
        "primary_care": Decimal("25.00"),
        "specialist": Decimal("50.00"),
    }
    mri = next(b for b in ppo.benefits if b.service_type == "62" and b.network == "in")
    assert mri.authorization_required and mri.deductible_applies
    assert mri.coinsurance_percent == Decimal("20.00")
    assert ppo.out_of_network is not None
    assert ppo.out_of_network.deductible_individual == Decimal("3000.00")
    hmo = plans["MH-HMO"]
    assert hmo.out_of_network is None
    out_office = [b for b in hmo.benefits if b.service_type == "98" and b.network == "out"]
    assert out_office and not any(b.covered for b in out_office)
    out_er = next(b for b in hmo.benefits if b.service_type == "86" and b.network == "out")
    assert out_er.covered, "emergency care is covered out of network"
    assert plans["MEDB"].in_network.oop_max_individual is None


def test_accumulators_stay_within_the_plan_limits() -> None:
    scenario = build_scenario(CLINIC)
    plans = {(p.payer_id, p.plan_code): p for p in scenario.plans}
    for m in scenario.members:
        limits = plans[(m.payer_id, m.plan_code)].in_network
        acc = m.accumulators
        assert acc.deductible_met <= limits.deductible_individual
        assert acc.family_deductible_met <= limits.deductible_family
        assert acc.deductible_met <= acc.oop_met
        if limits.oop_max_individual is not None:
            assert acc.oop_met <= limits.oop_max_individual


def test_a_dangling_reference_is_refused_naming_the_field(tmp_path: Path) -> None:
    raw = json.loads(build_scenario(CLINIC).model_dump_json())
    raw["members"][3]["plan_code"] = "NOPE"
    with pytest.raises(ValidationError, match=r"members\[3\]\.plan_code: NOPE"):
        Scenario.model_validate(raw)


def test_an_unknown_field_or_a_bad_value_is_refused() -> None:
    raw = json.loads(build_scenario(CLINIC).model_dump_json())
    raw["members"][0]["gender"] = "X"
    with pytest.raises(ValidationError, match="gender"):
        Scenario.model_validate(raw)
    raw = json.loads(build_scenario(CLINIC).model_dump_json())
    raw["payers"][0]["surprise"] = 1
    with pytest.raises(ValidationError, match="surprise"):
        Scenario.model_validate(raw)


def test_the_scenario_model_and_the_generator_import_no_django() -> None:
    """The payer simulator imports the scenario model standalone: no Django may come with it."""
    code = (
        "import sys, finclear.demo.scenario, finclear.demo.synth; "
        "sys.exit(1 if [m for m in sys.modules if m.split('.')[0] == 'django'] else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, env={"PATH": "/usr/bin"})
    assert done.returncode == 0
