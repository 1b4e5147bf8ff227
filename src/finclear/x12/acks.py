"""Acknowledgments: the 999 implementation acknowledgment (005010X231A1) and the TA1.

``build_999`` turns the findings of a read and validated functional group into AK1, one
AK2..IK5 per transaction set (IK3 per segment in error, IK4 per element in error) and AK9.
A transaction set with an error is rejected (R); one with only coded warnings is accepted
with errors noted (E); the others are accepted (A).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from finclear.x12.build.envelope import build_transaction_set
from finclear.x12.build.segments import SegmentMaker
from finclear.x12.document import FunctionalGroup, Interchange, Transaction
from finclear.x12.errors import Finding, Level, Severity, X12Error
from finclear.x12.tree import Delimiters, Segment
from finclear.x12.validate import GroupReport
from finclear.x12.views.ack_codes import INTERCHANGE_NOTES, INTERCHANGE_STATUSES

ACK_VERSION = "005010X231A1"
_CODED = (Level.SEGMENT, Level.ELEMENT)


@dataclass(frozen=True, slots=True)
class TransactionResult:
    """The findings of one transaction set, as the 999 needs them."""

    transaction_set: str
    control_number: str
    convention: str = ""  # ST03
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The findings of one functional group: what a 999 acknowledges."""

    functional_id: str  # GS01
    control_number: str  # GS06
    version: str  # GS08
    transactions: tuple[TransactionResult, ...] = ()
    findings: tuple[Finding, ...] = field(default_factory=tuple)  # group level (AK905 codes)
    included: int | None = None  # GE01 as sent; the count of transactions when absent


def group_result(group: FunctionalGroup, extra: Sequence[Finding] = ()) -> GroupResult:
    """A ``GroupResult`` from a read (and validated) group: its own and its sets' findings.

    ``extra`` adds findings (a validation report's) to the transaction sets whose
    control number they name, or to the group.
    """
    ge01 = group.ge.get(1) if group.ge is not None else ""
    return GroupResult(
        functional_id=group.functional_id,
        control_number=group.control_number,
        version=group.version,
        transactions=tuple(_transaction_result(tx) for tx in group.transactions),
        findings=(*group.findings, *extra),
        included=int(ge01) if ge01.isdigit() else None,
    )


def report_result(report: GroupReport) -> GroupResult:
    """A ``GroupResult`` from ``validate``'s report of one functional group."""
    return GroupResult(
        functional_id=report.functional_id,
        control_number=report.control_number,
        version=report.version,
        transactions=tuple(
            TransactionResult(t.transaction_set, t.control_number, t.version, tuple(t.findings))
            for t in report.transactions
        ),
        findings=tuple(report.findings),
        included=report.declared_count,
    )


def _transaction_result(tx: Transaction) -> TransactionResult:
    return TransactionResult(
        transaction_set=tx.transaction_set,
        control_number=tx.control_number,
        convention=tx.st.get(3),
        findings=tuple(tx.findings),
    )


def transaction_status(result: TransactionResult) -> str:
    """IK501: R when any error, E when only coded warnings, else A."""
    if any(f.is_error for f in result.findings):
        return "R"
    if any(
        f.severity is Severity.WARNING and f.code and f.level in _CODED for f in result.findings
    ):
        return "E"
    return "A"


def build_999(
    source: GroupResult | GroupReport | FunctionalGroup,
    control_number: str,
    delimiters: Delimiters | None = None,
) -> list[Segment]:
    """The 999 transaction set (ST..SE) acknowledging one functional group: from
    ``validate``'s ``GroupReport``, a read group's own findings, or a ``GroupResult``."""
    if isinstance(source, GroupReport):
        result = report_result(source)
    elif isinstance(source, FunctionalGroup):
        result = group_result(source)
    else:
        result = source
    make = SegmentMaker(delimiters)
    body = [make("AK1", result.functional_id, result.control_number, result.version)]
    accepted = 0
    statuses = []
    for tx in result.transactions:
        status = transaction_status(tx)
        statuses.append(status)
        accepted += status in ("A", "E")
        body.append(make("AK2", tx.transaction_set, tx.control_number, tx.convention))
        body.extend(_segment_errors(make, tx, status))
        body.append(make("IK5", status, *_transaction_codes(tx, status)))
    group_codes = _codes(result.findings, Level.GROUP, 5)
    received = len(result.transactions)
    body.append(
        make(
            "AK9",
            _group_status(statuses, bool(group_codes)),
            str(result.included if result.included is not None else received),
            str(received),
            str(accepted),
            *group_codes,
        )
    )
    return build_transaction_set("999", ACK_VERSION, body, control_number, make.delimiters)


def _codes(findings: Sequence[Finding], level: Level, limit: int) -> list[str]:
    codes: list[str] = []
    for finding in findings:
        if (
            finding.is_error
            and finding.level is level
            and finding.code
            and finding.code not in codes
        ):
            codes.append(finding.code)
    return codes[:limit]


def _transaction_codes(tx: TransactionResult, status: str) -> list[str]:
    codes = _codes(tx.findings, Level.TRANSACTION, 5)
    if status == "R" and not codes:
        # Rejected for segment or element errors (or a finding without a 999 code).
        codes = ["5"]
    return codes


def _group_status(statuses: list[str], group_error: bool) -> str:
    if group_error or not statuses or all(s == "R" for s in statuses):
        return "R"
    if "R" in statuses:
        return "P"
    if "E" in statuses:
        return "E"
    return "A"


def _segment_errors(make: SegmentMaker, tx: TransactionResult, status: str) -> list[Segment]:
    """IK3 (and IK4s) per segment with coded findings, in segment order."""
    wanted = [
        f
        for f in tx.findings
        if f.level in _CODED
        and f.code
        and f.segment_position is not None
        and (f.is_error or (status == "E" and f.severity is Severity.WARNING))
    ]
    by_segment: dict[tuple[int, str], list[Finding]] = {}
    for finding in wanted:
        assert finding.segment_position is not None
        by_segment.setdefault((finding.segment_position, finding.segment_id), []).append(finding)
    out: list[Segment] = []
    for (position, seg_id), findings in sorted(by_segment.items()):
        segment_level = [f for f in findings if f.level is Level.SEGMENT]
        code = segment_level[0].code if segment_level else "8"
        # IK303 is the LS01 loop identifier code (1-4 characters) of an LS/LE bounded loop,
        # not the guide's loop ID: only such short identifiers are written.
        loop_id = next((f.loop_id for f in findings if f.loop_id), "")
        if len(loop_id) > 4:
            loop_id = ""
        out.append(make("IK3", seg_id, str(position), loop_id, code))
        for finding in findings:
            if finding.level is not Level.ELEMENT or not finding.element_position:
                continue
            where: tuple[str, ...] = (str(finding.element_position),)
            if finding.component or finding.repetition:
                where = (
                    str(finding.element_position),
                    str(finding.component) if finding.component else "",
                    str(finding.repetition) if finding.repetition else "",
                )
            bad = finding.bad_value if _writable(make, finding.bad_value) else ""
            if finding.code in ("1", "I9"):
                bad = ""  # IK404 is not used for a missing element
            out.append(make("IK4", where, finding.element_ref, finding.code, bad[:99]))
    return out


def _writable(make: SegmentMaker, value: str) -> bool:
    d = make.delimiters
    return not any(
        c in (d.element, d.component, d.repetition, d.segment) or ord(c) < 32 for c in value
    )


def build_ta1(interchange: Interchange, note_code: str, ack_code: str) -> Segment:
    """TA1 for ``interchange``: its ISA13, ISA09 and ISA10, the TA104 ack and TA105 note."""
    if ack_code not in INTERCHANGE_STATUSES:
        raise X12Error(f"TA104 {ack_code!r} is not one of {', '.join(INTERCHANGE_STATUSES)}")
    if note_code not in INTERCHANGE_NOTES:
        raise X12Error(f"TA105 {note_code!r} is not a known interchange note code")
    isa = interchange.isa
    make = SegmentMaker(interchange.delimiters)
    return make("TA1", isa.get(13), isa.get(9), isa.get(10), ack_code, note_code)
