"""The demo clinic's reference data, loaded with the seed's own loader: the samples name it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
# The demo's default seed (``finclear demo``): the samples name its providers' NPIs. A fixed
# start date keeps the chargemaster (effective from 1 January of that year) the same every run.
DEMO_SEED = 42
START = dt.date(2026, 3, 2)


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def clinic(db: Any) -> dict[str, Any]:
    """A one-patient demo clinic (seed 42): facilities, departments, providers, payers, plans,
    chargemaster; the samples' patients and visits are not in it."""
    from finclear.demo.load import do_load_clinic
    from finclear.demo.records import SeedParams
    from finclear.demo.synth import build_clinic
    from finclear.organizations.models import Facility

    do_load_clinic(build_clinic(SeedParams(patients=1, days=1, seed=DEMO_SEED, start_date=START)))
    return {"facility": Facility.objects.get(code="NORTH")}
