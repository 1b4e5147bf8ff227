"""The estimate letter and the Good Faith Estimate render as PDFs with the content they owe."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from finclear.estimates import letters, services
from finclear.estimates.gfe import DISCLAIMER_TEXT
from finclear.scheduling.services import do_add_diagnosis
from tests.integration.estimates_support import SCHEDULED, EstimateClinic

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_estimate_letter_states_the_share_and_the_reasoning():
    clinic = EstimateClinic()
    encounter = clinic.visit("72148", "99213")
    estimate = services.do_create_estimate(encounter)
    data, name = letters.build_document(estimate)
    assert data.startswith(b"%PDF") and name == f"estimate-{estimate.pk}.pdf"
    text = text_of(data)
    assert "Your estimate for an upcoming visit" in text
    assert "Your estimated share $1,250" in text
    assert "Test Patient" in text and "Acme PPO" in text
    assert "72148 MRI lumbar spine $2,450 $1,225 $0 $1,225" in text
    assert "Total $2,625 $1,312.50 $62.50 $1,250" in text
    assert "$1,225 goes to your deductible" in text
    assert "Your plan's $25 primary care visit copay applies." in text
    assert "not a bill or a guarantee of payment" in text


def test_gfe_document_has_every_required_element():
    clinic = EstimateClinic()
    clinic.make_self_pay()
    encounter = clinic.visit("72148", "99213", scheduled_on=SCHEDULED, reason="MRI of the back")
    do_add_diagnosis(encounter, "M5450", 1)
    estimate = services.do_create_estimate(encounter)
    data, name = letters.build_document(estimate)
    assert name == f"good-faith-estimate-{estimate.pk}.pdf"
    text = text_of(data)
    assert "Good Faith Estimate for Health Care Items and Services" in text
    assert "Test Patient" in text and "1980-05-17" in text
    assert "MRI of the back" in text and "December 3, 2026" in text
    facility, provider = clinic.facility, clinic.provider
    assert f"{facility.name} {facility.npi} {facility.tin}" in text
    assert f"{provider.npi} {facility.tin}" in text
    assert "72148 MRI lumbar spine M5450 1 $1,470" in text
    assert "99213 Office visit, established M5450 1 $105" in text
    assert "Total estimated charges $1,575" in text
    assert "to be scheduled separately" in text
    for disclaimer in DISCLAIMER_TEXT.values():
        assert " ".join(disclaimer.split()) in text
