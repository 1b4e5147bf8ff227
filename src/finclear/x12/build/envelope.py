"""Envelopes: ST/SE around a transaction set's body, GS/GE and ISA/IEA around them.

Control numbers come from a ``ControlNumbers`` source the caller owns (a database
sequence in the application, a counter in tests), so numbers are never reused by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from finclear.x12.build.segments import SegmentMaker, ccyymmdd, hhmm
from finclear.x12.errors import X12Error
from finclear.x12.tree import Delimiters, Segment
from finclear.x12.writer import write_segments

# GS01 functional identifier code of each transaction set.
FUNCTIONAL_IDS: dict[str, str] = {
    "270": "HS",
    "271": "HB",
    "276": "HR",
    "277": "HN",
    "278": "HI",
    "835": "HP",
    "837": "HC",
    "999": "FA",
}

# The guide version of transaction sets whose guide does not use ST03 (the 835).
VERSIONS_WITHOUT_ST03: dict[str, str] = {"835": "005010X221A1"}

MAX_CONTROL_NUMBER = 999_999_999


class ControlNumbers(Protocol):
    def next_interchange(self) -> int: ...

    def next_group(self) -> int: ...

    def next_transaction(self) -> int: ...


@dataclass(slots=True)
class SequentialControlNumbers:
    """Counters in memory, starting after the given values and wrapping after 999999999."""

    interchange: int = 0
    group: int = 0
    transaction: int = 0

    def next_interchange(self) -> int:
        self.interchange = self.interchange % MAX_CONTROL_NUMBER + 1
        return self.interchange

    def next_group(self) -> int:
        self.group = self.group % MAX_CONTROL_NUMBER + 1
        return self.group

    def next_transaction(self) -> int:
        self.transaction = self.transaction % MAX_CONTROL_NUMBER + 1
        return self.transaction


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who sends to whom, and how: the ISA and GS header values."""

    sender_id: str  # ISA06
    receiver_id: str  # ISA08
    created: datetime  # ISA09/10 and GS04/05; must be timezone-aware
    sender_qualifier: str = "ZZ"  # ISA05
    receiver_qualifier: str = "ZZ"  # ISA07
    application_sender: str = ""  # GS02 (ISA06 when empty)
    application_receiver: str = ""  # GS03 (ISA08 when empty)
    usage: str = "P"  # ISA15: P production, T test
    ack_requested: str = "0"  # ISA14: 1 asks for a TA1
    authorization_qualifier: str = "00"  # ISA01
    authorization: str = ""  # ISA02
    security_qualifier: str = "00"  # ISA03
    security: str = ""  # ISA04
    delimiters: Delimiters = field(default_factory=lambda: Delimiters(suffix="\n"))


def check_envelope(envelope: Envelope) -> None:
    if envelope.created.tzinfo is None or envelope.created.utcoffset() is None:
        raise X12Error("envelope: created must be a timezone-aware datetime")
    for name, value, size in (
        ("sender_id", envelope.sender_id, 15),
        ("receiver_id", envelope.receiver_id, 15),
        ("authorization", envelope.authorization, 10),
        ("security", envelope.security, 10),
    ):
        if len(value) > size:
            raise X12Error(f"envelope: {name} {value!r} is longer than {size} characters")
    if envelope.usage not in ("P", "T"):
        raise X12Error(f"envelope: usage {envelope.usage!r} is not P or T")
    if envelope.ack_requested not in ("0", "1"):
        raise X12Error(f"envelope: ack_requested {envelope.ack_requested!r} is not 0 or 1")
    d = envelope.delimiters
    chars = [d.element, d.component, d.repetition, d.segment]
    if any(len(c) != 1 for c in chars) or len(set(chars)) != 4:
        raise X12Error("envelope: the four delimiters must be four different single characters")
    if any(c.isalnum() or c == " " for c in chars):
        raise X12Error("envelope: a delimiter may not be a letter, a digit or a space")


def build_transaction_set(
    set_id: str,
    version: str,
    body: Sequence[Segment],
    control_number: str,
    delimiters: Delimiters | None = None,
) -> list[Segment]:
    """ST + ``body`` + SE, numbered: positions 1..n, SE01 the count, SE02 = ST02.

    ST03 carries ``version`` except for the 835, whose guide does not use it.
    """
    if not (4 <= len(control_number) <= 9) or not control_number.isdigit():
        raise X12Error(f"ST02 {control_number!r} must be 4 to 9 digits")
    make = SegmentMaker(delimiters)
    st03 = "" if VERSIONS_WITHOUT_ST03.get(set_id) == version else version
    segments = [make("ST", set_id, control_number, st03), *body]
    segments.append(make("SE", str(len(segments) + 1), control_number))
    for position, seg in enumerate(segments, start=1):
        seg.position = position
    return segments


def build_interchange_segments(
    envelope: Envelope,
    transactions: Sequence[Sequence[Segment]],
    numbers: ControlNumbers,
    ta1s: Sequence[Segment] = (),
) -> list[Segment]:
    """ISA, TA1s, one GS..GE per run of transaction sets of the same kind, IEA."""
    check_envelope(envelope)
    make = SegmentMaker(envelope.delimiters)
    control = f"{numbers.next_interchange():09d}"
    created = envelope.created
    isa = make(
        "ISA",
        envelope.authorization_qualifier,
        envelope.authorization.ljust(10),
        envelope.security_qualifier,
        envelope.security.ljust(10),
        envelope.sender_qualifier,
        envelope.sender_id.ljust(15),
        envelope.receiver_qualifier,
        envelope.receiver_id.ljust(15),
        created.strftime("%y%m%d"),
        hhmm(created),
        "",
        "00501",
        control,
        envelope.ack_requested,
        envelope.usage,
        "",
    )
    # The repetition and component separators are ISA11 and ISA16 themselves.
    isa.elements[11] = envelope.delimiters.repetition
    isa.elements[16:] = [envelope.delimiters.component]
    out = [isa, *ta1s]
    groups = _group(transactions)
    for (set_id, version), members in groups:
        group_control = str(numbers.next_group())
        out.append(
            make(
                "GS",
                FUNCTIONAL_IDS.get(set_id, ""),
                envelope.application_sender or envelope.sender_id,
                envelope.application_receiver or envelope.receiver_id,
                ccyymmdd(created.date()),
                hhmm(created),
                group_control,
                "X",
                version,
            )
        )
        for tx in members:
            out.extend(tx)
        out.append(make("GE", str(len(members)), group_control))
    out.append(make("IEA", str(len(groups)), control))
    return out


def build_interchange(
    envelope: Envelope,
    transactions: Sequence[Sequence[Segment]],
    numbers: ControlNumbers,
    ta1s: Sequence[Segment] = (),
) -> str:
    """The whole interchange as text, with the envelope's delimiters and line suffix."""
    for tx in transactions:
        for seg in tx:
            d = seg.delimiters
            same = (d.component, d.repetition) == (
                envelope.delimiters.component,
                envelope.delimiters.repetition,
            )
            if not same and _uses_sub_delimiters(seg):
                raise X12Error(
                    "a transaction was built with other delimiters than the envelope's",
                    segment_position=seg.position,
                    segment_id=seg.id,
                )
    segments = build_interchange_segments(envelope, transactions, numbers, ta1s)
    return write_segments(segments, envelope.delimiters)


def _uses_sub_delimiters(seg: Segment) -> bool:
    d = seg.delimiters
    return any(d.component in value or d.repetition in value for value in seg.elements[1:])


def _group(
    transactions: Sequence[Sequence[Segment]],
) -> list[tuple[tuple[str, str], list[Sequence[Segment]]]]:
    groups: list[tuple[tuple[str, str], list[Sequence[Segment]]]] = []
    for tx in transactions:
        if not tx or tx[0].id != "ST":
            raise X12Error("a transaction set must start with ST")
        key = (tx[0].get(1), tx[0].get(3) or VERSIONS_WITHOUT_ST03.get(tx[0].get(1), ""))
        if not key[1]:
            raise X12Error(f"transaction set {key[0]} {tx[0].get(2)} names no guide in ST03")
        if key[0] not in FUNCTIONAL_IDS:
            raise X12Error(f"no functional group is known for transaction set {key[0]!r}")
        if groups and groups[-1][0] == key:
            groups[-1][1].append(tx)
        else:
            groups.append((key, [tx]))
    return groups
