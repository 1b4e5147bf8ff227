"""Reference data the sample files name: one facility, its departments, providers, payers, plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def clinic(db: Any) -> dict[str, Any]:
    from finclear.organizations.models import Department, Facility, Organization, Provider
    from finclear.payers.models import Payer, PayerIdentifier, Plan
    from finclear.scheduling.models import ChargemasterItem

    org = Organization.objects.create(
        name="Synthetic Health System", npi="1999999992", tin="990000001"
    )
    north = Facility.objects.create(
        organization=org,
        code="NORTH",
        name="Synthetic North Hospital",
        npi="1999999992",
        tin="990000001",
        time_zone="America/Chicago",
    )
    for code in ("PCP", "ORTHO", "IMG", "PT", "CARD"):
        Department.objects.create(facility=north, code=code, name=f"Department {code}")
    for npi, last in (
        ("1234567893", "Synthdoctor"),
        ("1000000012", "Fakesurgeon"),
        ("1000000020", "Imagingdoc"),
        ("1000000038", "Therapist"),
    ):
        Provider.objects.create(
            npi=npi, first_name="Test", last_name=last, credential="MD"
        ).facilities.add(north)
    for number, cpt in enumerate(
        (
            "99203",
            "99204",
            "99213",
            "99214",
            "99215",
            "83036",
            "73562",
            "71046",
            "97110",
            "97140",
            "97161",
            "93306",
        ),
        start=1,
    ):
        ChargemasterItem.objects.create(
            facility=north,
            code=f"CDM{number:04d}",
            description=f"Service {cpt}",
            cpt_hcpcs=cpt,
            revenue_code="0510",
            standard_charge=Decimal("100.00") + number,
            effective_date=dt.date(2020, 1, 1),
        )
    payers = {}
    for name, kind, payer_id, plan_code, product in (
        ("Synthetic Blue Cross", "commercial", "ZZBLU1", "ZZPPO100", "ppo"),
        (
            "Synthetic Medicare Administrative Contractor",
            "medicare",
            "ZZ120",
            "ZZMCRB",
            "medicare_ffs",
        ),
        ("Synthetic Health Plan", "commercial", "ZZSHP2", "ZZHMO200", "hmo"),
        ("Synthetic Care Insurance", "commercial", "ZZSCR3", "ZZEPO300", "epo"),
    ):
        payer = Payer.objects.create(name=name, payer_type=kind, primary_payer_id=f"P{payer_id}")
        PayerIdentifier.objects.create(payer=payer, clearinghouse="availity", identifier=payer_id)
        Plan.objects.create(
            payer=payer, code=plan_code, name=f"{name} {product.upper()}", product=product
        )
        payers[payer_id] = payer
    return {"facility": north, "payers": payers}
