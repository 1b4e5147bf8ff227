"""The synthetic clinic generator: determinism and the invariants of what it builds."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
import simple_icd_10_cm as icd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finclear.demo import catalog
from finclear.demo.records import ERROR_KINDS, Clinic, SeedParams
from finclear.demo.synth import build_clinic, build_digest, build_npi_check_digit

START = date(2026, 11, 30)


@functools.cache
def clinic(patients: int = 500, seed: int = 7, start: date = START) -> Clinic:
    return build_clinic(SeedParams(patients=patients, days=14, seed=seed, start_date=start))


def luhn_ok(npi: str) -> bool:
    """An independent check of the NPI: Luhn over 80840 + all ten digits sums to 0 mod 10."""
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def test_npi_check_digit_matches_the_cms_example() -> None:
    # CMS's published example: 123456789 gets check digit 3 (NPI 1234567893).
    assert build_npi_check_digit("123456789") == 3


def test_same_seed_gives_the_same_clinic_byte_for_byte() -> None:
    params = SeedParams(patients=300, days=14, seed=11, start_date=START)
    assert build_digest(build_clinic(params)) == build_digest(build_clinic(params))


def test_a_different_seed_or_start_gives_a_different_clinic() -> None:
    base = build_digest(build_clinic(SeedParams(300, 14, 11, START)))
    assert build_digest(build_clinic(SeedParams(300, 14, 12, START))) != base
    assert build_digest(build_clinic(SeedParams(300, 14, 11, START + timedelta(days=1)))) != base


def test_reference_data_is_complete() -> None:
    c = clinic()
    assert len(c.facilities) == 2
    assert {d.code for d in c.facilities[0].departments} == {
        "PC", "CARD", "ORTHO", "IMG", "LAB", "PT", "SURG", "ED",
    }  # fmt: skip
    assert 28 <= len(c.providers) <= 32
    types = Counter(p.payer_type for p in c.payers)
    assert types["medicare"] >= 1 and types["medicaid"] >= 1 and types["workers_comp"] >= 1
    assert types["commercial"] >= 3 and types["self_pay"] == 1
    assert {p.product for p in c.plans} >= {"hdhp", "ppo", "hmo", "medicare_ffs"}
    cpts = {item.cpt_hcpcs for item in c.chargemaster}
    for code in ("99202", "99215", "70450", "71046", "72148", "73721", "74177", "80053",
                 "85025", "83036", "29881", "47562", "66984", "97110", "97140", "97161",
                 "99283", "99285"):  # fmt: skip
        assert code in cpts
    for item in c.chargemaster:
        assert re.fullmatch(r"\d{4}", item.revenue_code)
        assert item.standard_charge > 0 and item.standard_charge == item.standard_charge.quantize(
            Decimal("0.01")
        )


def test_every_npi_is_valid_and_unique() -> None:
    c = clinic()
    npis = [p.npi for p in c.providers] + [f.npi for f in c.facilities] + [c.organization.npi]
    assert len(set(npis)) == len(npis)
    for npi in npis:
        assert re.fullmatch(r"[12]\d{9}", npi), npi
        assert luhn_ok(npi), npi


def test_every_diagnosis_in_the_catalog_and_the_schedule_is_billable() -> None:
    used = {d.icd10_code for e in clinic().encounters for d in e.diagnoses}
    for code in set(catalog.ALL_DIAGNOSES) | used:
        assert "." not in code
        assert icd.is_valid_item(code), code
        assert icd.is_leaf(code), f"{code} is not billable (it has children)"


def test_about_eight_percent_are_self_pay() -> None:
    c = clinic(patients=2000)
    self_pay = {(cv.facility_code, cv.mrn) for cv in c.coverages if cv.payer_key == "self"}
    share = len(self_pay) / len(c.patients)
    assert 0.06 <= share <= 0.10, share


def test_every_error_kind_is_present_at_500_patients() -> None:
    for seed in (1, 2, 3):
        kinds = Counter(e.kind for e in clinic(patients=500, seed=seed).errors)
        assert set(kinds) == set(ERROR_KINDS), (seed, kinds)


def test_names_and_ids_are_clearly_synthetic() -> None:
    c = clinic()
    for p in c.patients:
        assert p.last_name in catalog.LAST_NAMES
        assert re.fullmatch(r"\d{3}-555-01\d\d", p.phone)
        assert p.email == "" or p.email.endswith("@example.com")
        assert p.mrn.startswith("ZZ")
    for cv in c.coverages:
        assert cv.member_id == "" if cv.payer_key == "self" else cv.member_id.startswith("ZZ")
    for p in c.payers:
        assert p.primary_payer_id.startswith("ZZ")


def test_the_ground_truth_of_each_error_matches_the_data() -> None:
    c = clinic(patients=1000)
    coverages = {(cv.facility_code, cv.mrn, cv.order): cv for cv in c.coverages}
    members: dict[tuple[str, str], list] = {}
    for m in c.members:
        if m.mrn is not None:
            members.setdefault((m.facility_code, m.mrn), []).append(m)
    for e in c.errors:
        key = (e.facility_code, e.mrn)
        truth = members[key]
        if e.kind == "wrong_member_id":
            cov = coverages[(*key, 1)]
            assert cov.member_id == e.registered != e.truth
            assert e.truth in {m.member_id for m in truth}
            assert cov.member_id not in {m.member_id for m in truth}
        elif e.kind == "terminated_coverage":
            cov = coverages[(*key, 1)]
            assert cov.termination_date is None and cov.is_active
            ended = [m for m in truth if m.plan_code == cov.plan_code]
            assert ended and all(m.termination_date and m.termination_date < START for m in ended)
        elif e.kind == "missing_secondary":
            assert (*key, 2) not in coverages
            assert len({m.payer_key for m in truth}) == 2
            assert e.payer_key in {m.payer_key for m in truth}
        else:
            cov = coverages[(*key, 1)]
            assert cov.subscriber_relationship == "18"
            assert any(m.relationship != "18" and m.member_id == cov.member_id for m in truth)
    flagged = {(e.facility_code, e.mrn) for e in c.errors}
    assert len(flagged) == len(c.errors), "a patient carries at most one injected error"
    assert 0.05 <= len(flagged) / len(c.patients) <= 0.2


def test_an_exact_encounter_count_can_be_asked_for() -> None:
    c = build_clinic(SeedParams(patients=400, days=10, seed=3, start_date=START, encounters=999))
    assert len(c.encounters) == 999
    assert {e.mrn for e in c.encounters} == {p.mrn for p in c.patients}


def test_bad_parameters_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="patients"):
        build_clinic(SeedParams(patients=0, days=14, seed=1, start_date=START))
    with pytest.raises(ValueError, match="days"):
        build_clinic(SeedParams(patients=10, days=0, seed=1, start_date=START))
    with pytest.raises(ValueError, match="encounters"):
        build_clinic(SeedParams(patients=10, days=3, seed=1, start_date=START, encounters=5))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    patients=st.integers(min_value=1, max_value=120),
    days=st.integers(min_value=1, max_value=31),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
)
def test_generator_invariants_hold_for_any_parameters(
    seed: int, patients: int, days: int, start: date
) -> None:
    c = build_clinic(SeedParams(patients=patients, days=days, seed=seed, start_date=start))
    assert len(c.patients) == patients
    mrns = {(p.facility_code, p.mrn) for p in c.patients}
    assert len(mrns) == patients
    dob = {(p.facility_code, p.mrn): p.date_of_birth for p in c.patients}
    assert all(d <= start for d in dob.values())
    prices = {(i.facility_code, i.code): i for i in c.chargemaster}
    npis = {p.npi for p in c.providers}
    external_ids = [e.external_id for e in c.encounters]
    assert len(set(external_ids)) == len(external_ids)
    scheduled = {(e.facility_code, e.mrn) for e in c.encounters}
    assert scheduled == mrns, "every patient is on the schedule"
    for e in c.encounters:
        assert (e.facility_code, e.mrn) in mrns
        assert e.rendering_npi in npis
        assert e.scheduled_at.tzinfo is not None
        day = e.scheduled_at.date()
        if e.encounter_type == "emergency":
            assert e.status in ("arrived", "discharged")
            assert start - timedelta(days=1) <= day <= start
        else:
            assert e.status == "scheduled"
            assert start <= day < start + timedelta(days=days)
        assert 1 <= len(e.lines) <= 4
        assert 1 <= len(e.diagnoses) <= 4
        assert [d.sequence for d in e.diagnoses] == list(range(1, len(e.diagnoses) + 1))
        for line in e.lines:
            assert 1 <= len(line.diagnosis_pointers) <= 4
            assert all(1 <= ptr <= len(e.diagnoses) for ptr in line.diagnosis_pointers)
            item = prices[(e.facility_code, line.chargemaster_code)]
            assert item.cpt_hcpcs == line.cpt_hcpcs
            assert line.charge == item.standard_charge * line.units
            assert isinstance(line.charge, Decimal)
    orders = Counter((cv.facility_code, cv.mrn, cv.order) for cv in c.coverages)
    assert max(orders.values()) == 1
    for cv in c.coverages:
        if cv.payer_key == "self":
            assert cv.plan_code is None and cv.member_id == ""
        else:
            assert cv.plan_code is not None and cv.member_id


def test_the_same_seed_gives_the_same_clinic_in_another_process() -> None:
    """No set order, hash or clock leaks in: other hash seeds give the same bytes."""
    code = (
        "import datetime, sys; from finclear.demo.records import SeedParams; "
        "from finclear.demo.synth import build_clinic, build_digest; "
        "print(build_digest(build_clinic(SeedParams(200, 7, 77, datetime.date(2026, 3, 2)))))"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PATH": "/usr/bin", "PYTHONHASHSEED": hash_seed, "TZ": tz},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed, tz in (("1", "UTC"), ("2", "Asia/Tokyo"))
    }
    assert digests == {build_digest(build_clinic(SeedParams(200, 7, 77, date(2026, 3, 2))))}
