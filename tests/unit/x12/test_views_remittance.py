"""The 835 view over real samples (/work/shared/x12), values checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finclear.x12.errors import X12Error
from finclear.x12.reader import read_file
from finclear.x12.views.common import DatePeriod
from finclear.x12.views.remittance import Adjustment, RemittanceView
from tests.conftest import SHARED_X12

LFH_835 = SHARED_X12 / "linuxforhealth-x12/src/tests/resources/835_005010X221A1"


def view_of(path: str) -> RemittanceView:
    doc = read_file(SHARED_X12 / path)
    (tx,) = list(doc.transactions())
    return RemittanceView.from_transaction(tx)


def test_medicare_part_a() -> None:
    view = view_of(str(LFH_835 / "medicare-part-a.835"))
    assert view.control_number == "1234"
    pay = view.payment
    assert (pay.handling, pay.amount, pay.credit_debit, pay.method, pay.format) == (
        "C",
        Decimal("150000.00"),
        "C",
        "ACH",
        "CTX",
    )
    assert pay.date == date(2002, 9, 13)
    assert pay.trace_number == "12345"
    assert view.production_date == date(2002, 9, 16)
    assert view.payer is not None and view.payer.name == "INSURANCE COMPANY OF TIMBUCKTU"
    assert view.payer.address is not None and view.payer.address.postal_code == "89111"
    assert [(r.qualifier, r.value) for r in view.payer_references] == [("2U", "999")]
    assert view.payee is not None
    assert (view.payee.id_qualifier, view.payee.id) == ("XX", "6543210903")

    first, second = view.claims
    assert first.header_number == "110212"
    assert first.patient_control_number == "666123"
    assert (first.status, first.charge, first.payment) == (
        "1",
        Decimal("211366.97"),
        Decimal("138018.40"),
    )
    assert first.patient_responsibility is None
    assert (first.filing_indicator, first.payer_claim_number) == ("MA", "1999999444444")
    assert (first.facility_type, first.frequency) == ("11", "1")
    assert first.adjustments == (Adjustment("CO", "45", Decimal("73348.57")),)
    assert first.patient is not None
    assert (first.patient.name, first.patient.first_name, first.patient.id) == (
        "JONES",
        "SAM",
        "666666666A",
    )
    assert first.statement_from == date(2002, 8, 16)
    assert first.statement_to == date(2002, 8, 24)
    assert [(q.qualifier, q.quantity) for q in first.quantities] == [("CA", Decimal("8"))]
    assert second.header_number == "130212"
    assert second.dates == (DatePeriod("232", date(2002, 5, 12), date(2002, 5, 12)),)

    (plb,) = view.provider_adjustments
    assert plb.provider_id == "6543210903"
    assert plb.fiscal_period_end == date(2002, 12, 31)
    assert [(i.reason, i.reference, i.amount) for i in plb.items] == [
        ("CV", "CP", Decimal("-1.27"))
    ]
    assert view.claims_total_paid - view.provider_adjustments_total == pay.amount


def test_service_lines_and_multiple_cas_triplets() -> None:
    view = view_of(str(LFH_835 / "secondary-payment.835"))
    claims_with_lines = [c for c in view.claims if c.lines]
    assert claims_with_lines
    for claim in view.claims:
        line_adj = sum((a.amount for ln in claim.lines for a in ln.adjustments), Decimal(0))
        claim_adj = sum((a.amount for a in claim.adjustments), Decimal(0))
        assert claim.charge - claim.payment == claim_adj + line_adj


def test_emedny_sample_lines() -> None:
    view = view_of("edi-835-parser/tests/test_edi_835_files/emedny_sample.txt")
    assert view.payment.amount == Decimal("45.75")
    assert len(view.claims) == 3
    lines = [line for claim in view.claims for line in claim.lines]
    assert lines
    assert all(line.procedure is not None and line.procedure.code for line in lines)
    assert sum((c.payment for c in view.claims), Decimal(0)) == Decimal("45.75")


def test_bad_date_names_segment_and_element() -> None:
    # BPR16 of this sample is 20002316: month 23.
    with pytest.raises(X12Error) as caught:
        view_of(str(LFH_835 / "managed-care.835"))
    assert "BPR16" in str(caught.value)
    assert "20002316" in str(caught.value)
