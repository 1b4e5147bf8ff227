"""The 277 / 277CA view over real samples (/work/shared/x12), values checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from finclear.x12.reader import read_file
from finclear.x12.views.claim_status import ClaimStatusView, StatusCode
from tests.conftest import SHARED_X12


def view_of(path: str) -> ClaimStatusView:
    doc = read_file(SHARED_X12 / path)
    (tx,) = list(doc.transactions())
    return ClaimStatusView.from_transaction(tx)


def test_277ca_rejected_claim() -> None:
    view = view_of("imsweb-x12-parser/src/test/resources/277_5010/x12_277CA_rejected.txt")
    assert view.version == "005010X214"
    assert view.is_claim_acknowledgment
    assert [lvl.level for lvl in view.levels] == ["source", "receiver", "provider"]
    (receiver_status,) = view.statuses_at("receiver")
    assert (receiver_status.category, receiver_status.code) == ("A1", "20")
    assert receiver_status.charge == Decimal("199.14")
    assert view.levels[0].dates[0].start == date(2011, 3, 11)
    (claim,) = view.claims
    assert claim.patient_control_number == "3920394930203"
    assert claim.payer_claim_number == "1107000000001120"
    assert claim.bill_type == "731"
    (status,) = claim.statuses
    assert status.codes == (StatusCode("A7", "562", "85"),)
    assert status.codes[0].category_meaning == "Acknowledgement/Rejected for Invalid Information"
    assert (status.effective, status.action) == (date(2011, 3, 11), "WQ")
    assert claim.patient is not None and claim.patient.id == "XX99999X"
    assert claim.provider is not None and claim.provider.id == "123456789"
    assert claim.service_period is not None and claim.service_period.start == date(2009, 3, 11)


def test_277_claim_and_line_statuses() -> None:
    view = view_of("linuxforhealth-x12/demo-file/demo.277")
    assert view.transaction_type == "DG"
    assert [c.patient_control_number for c in view.claims] == ["ABCXYZ1", "ABCXYZ2", "ABCXYC3"]
    first, second, third = view.claims
    assert (first.statuses[0].category, first.statuses[0].code) == ("P3", "317")
    assert first.statuses[0].charge == Decimal("8513.88")
    assert first.service_period is not None
    assert (first.service_period.start, first.service_period.end) == (
        date(2005, 8, 31),
        date(2005, 9, 6),
    )
    assert first.provider is not None and first.provider.id == "1666666661"
    assert second.statuses[0].payment == Decimal("7599.00")
    # The third claim is a dependent's (2000E): patient QC, subscriber from 2000D.
    assert third.patient is not None and third.patient.entity == "QC"
    assert third.subscriber is not None and third.subscriber.id == "345678901"
    assert third.provider is not None and third.provider.name == "HOME HOSPITAL PHYSICIANS"
    (line,) = third.lines
    assert line.procedure is not None and line.procedure.code == "99203"
    assert (line.charge, line.payment, line.units) == (
        Decimal("150.00"),
        Decimal("0.00"),
        Decimal("1.00"),
    )
    assert line.service_date == date(2005, 5, 1)
    assert line.statuses[0].codes == (StatusCode("F2", "88", "QC"),)
