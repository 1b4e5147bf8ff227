"""The 999 view over real samples (/work/shared/x12), values checked by hand."""

from __future__ import annotations

from finclear.x12.reader import read_file
from finclear.x12.views.acknowledgment import AcknowledgmentView
from tests.conftest import SHARED_X12


def view_of(path: str) -> AcknowledgmentView:
    doc = read_file(SHARED_X12 / path)
    (tx,) = list(doc.transactions())
    return AcknowledgmentView.from_transaction(tx)


def test_rejected_999() -> None:
    view = view_of("imsweb-x12-parser/src/test/resources/837_5010/x12_999_rejected.txt")
    assert (view.functional_id, view.group_control_number, view.group_version) == (
        "HC",
        "28",
        "005010X223A2",
    )
    (tx,) = view.transactions
    assert (tx.transaction_set, tx.control_number, tx.status) == ("837", "0028", "R")
    assert not tx.accepted
    assert tx.codes == ("5",)
    assert tx.code_meanings == ("One or More Segments in Error",)
    (error,) = tx.errors
    assert (error.segment_id, error.position, error.code) == ("NM", 17, "1")
    assert error.meaning == "Unrecognized segment ID"
    assert (view.status, view.included, view.received, view.accepted) == ("R", 1, 1, 0)
    assert view.status_meaning == "Rejected"


def test_999_with_element_errors() -> None:
    view = view_of("pyx12/pyx12/test/x12testdata.py.d/834_eol_in_element.resAck.txt")
    (tx,) = view.transactions
    (error,) = tx.errors
    assert (error.segment_id, error.position, error.loop, error.code) == ("N3", 12, "", "8")
    assert error.meaning == "Segment Has Data Element Errors"
    (element,) = error.elements
    assert (element.position, element.component, element.reference, element.code) == (
        1,
        None,
        "166",
        "6",
    )
    assert element.bad_value == "<LF>"
    assert element.meaning == "Invalid Character In Data Element"
