"""Every good sample in examples/ imports into the demo clinic that ``finclear seed`` builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from finclear.intake.services import do_import

pytestmark = pytest.mark.django_db

# In this order: the ADT^A08 updates a patient the SIU^S12 registered.
GOOD_SAMPLES = ("schedule.csv", "siu_s12.hl7", "adt_a04.hl7", "adt_a08.hl7", "bundle.json")


def test_each_good_sample_imports_without_a_problem(clinic: dict[str, Any], examples: Path) -> None:
    for name in GOOD_SAMPLES:
        result = do_import(examples / name)
        assert (result.failed, [str(p) for p in result.problems]) == (0, []), name
        assert result.created + result.updated > 0, name


def test_every_sample_names_only_reference_data_the_seed_creates(
    clinic: dict[str, Any], examples: Path
) -> None:
    """Dry runs of the bad sample fail only on its documented mistakes, not on reference data."""
    result = do_import(examples / "schedule_bad.csv", dry_run=True)
    reference_problems = [
        (p.location, p.field)
        for p in result.problems
        if p.field in {"facility_code", "department_code", "rendering_npi", "primary_payer_id"}
    ]
    # schedule_bad.csv documents these: line 5 an NPI that fails its check digit, line 8 an
    # unknown payer, line 13 an unknown department.
    assert reference_problems == [
        ("line 5", "rendering_npi"),
        ("line 8", "primary_payer_id"),
        ("line 13", "department_code"),
    ]
