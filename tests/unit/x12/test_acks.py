"""999 and TA1: built from what the validator found, read back by our own 999 view."""

from __future__ import annotations

from finclear.x12 import read, validate
from finclear.x12.acks import build_999, build_ta1
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.views.acknowledgment import AcknowledgmentView
from tests.conftest import SHARED_X12
from tests.unit.x12.test_peers import NOW, file_835

REJECTED_837 = (
    SHARED_X12 / "imsweb-x12-parser/src/test/resources/837_5010/x12_segments_out_of_order.txt"
)


def ack_view(segments):  # type: ignore[no-untyped-def]
    text = build_interchange(
        Envelope("A", "B", NOW, usage="T"), [segments], SequentialControlNumbers()
    )
    (tx,) = list(read(text).transactions())
    return AcknowledgmentView.from_transaction(tx)


def test_999_accepts_a_valid_835() -> None:
    report = validate(read(file_835()))
    (group,) = list(report.groups())
    view = ack_view(build_999(group, "0001"))
    assert (view.functional_id, view.group_version) == ("HP", "005010X221A1")
    (tx,) = view.transactions
    assert (tx.transaction_set, tx.status, tx.errors) == ("835", "A", ())
    assert (view.status, view.included, view.received, view.accepted) == ("A", 1, 1, 1)


def test_999_rejects_with_segment_and_element_errors() -> None:
    report = validate(read(REJECTED_837.read_text()))
    group = next(iter(report.groups()))
    expected = [t for t in group.transactions if not t.accepted]
    assert expected, "the sample has errors the validator finds"
    view = ack_view(build_999(group, "0001"))
    rejected = [t for t in view.transactions if t.status == "R"]
    assert len(rejected) == len(expected)
    assert all(t.codes for t in rejected)
    assert all(e.meaning and e.position > 0 for t in rejected for e in t.errors)
    assert view.accepted == len(view.transactions) - len(rejected)
    assert view.status in ("R", "P")


def test_ta1_echoes_the_interchange() -> None:
    doc = read(file_835())
    (interchange,) = doc.interchanges
    ta1 = build_ta1(interchange, "000", "A")
    assert ta1.elements == [
        "TA1",
        interchange.control_number,
        interchange.isa.get(9),
        interchange.isa.get(10),
        "A",
        "000",
    ]
