"""Typed view of an 837 health care claim, professional (005010X222A1) or institutional
(005010X223A2): the claims with their parties, diagnoses and service lines.

Loops: 1000A submitter, 1000B receiver, 2000A/2010AA billing provider, 2000B subscriber
(2010BA subscriber, 2010BB payer), 2000C/2010CA patient when not the subscriber, 2300 claim
(CLM, HI), 2400 service line (LX with SV1 professional or SV2 institutional, DTP 472).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from finclear.x12.gcpause import with_gc_paused
from finclear.x12.tree import Loop, Segment
from finclear.x12.views.common import (
    DatePeriod,
    Party,
    Procedure,
    TransactionLike,
    ViewError,
    decimal_of,
    decimal_value,
    first_segment,
    padded,
    parse_period,
    party_of,
    procedure_of,
    root_of,
    segments_by_id,
    text,
)
from finclear.x12.views.frozen import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class Diagnosis:
    """One HI code: its qualifier (ABK principal and ABF other ICD-10-CM, ABJ admitting...)."""

    qualifier: str
    code: str


@fast_init
@dataclass(frozen=True, slots=True)
class BilledLine:
    number: str  # LX01
    procedure: Procedure | None  # SV101 / SV202
    charge: Decimal  # SV102 / SV203
    unit_basis: str  # SV103 / SV204: UN units, MJ minutes, DA days
    units: Decimal | None  # SV104 / SV205
    revenue_code: str = ""  # SV201 (institutional)
    place_of_service: str = ""  # SV105 (professional)
    diagnosis_pointers: tuple[str, ...] = ()  # SV107 (professional)
    service_date: DatePeriod | None = None  # DTP 472


@fast_init
@dataclass(frozen=True, slots=True)
class BilledClaim:
    claim_id: str  # CLM01, the patient control number
    charge: Decimal  # CLM02
    facility_code: str  # CLM05-1: place of service (837P) or type of bill facility (837I)
    frequency: str  # CLM05-3: 1 original, 7 replacement, 8 void
    billing_provider: Party | None  # 2010AA NM1 85
    subscriber: Party | None  # 2010BA NM1 IL
    payer: Party | None  # 2010BB NM1 PR
    patient: Party | None  # 2010CA NM1 QC, else the subscriber
    diagnoses: tuple[Diagnosis, ...] = ()  # HI, in order
    lines: tuple[BilledLine, ...] = ()


@fast_init
@dataclass(frozen=True, slots=True)
class ClaimView:
    control_number: str  # ST02
    submitter: Party | None  # 1000A NM1 41
    receiver: Party | None  # 1000B NM1 40
    claims: tuple[BilledClaim, ...]

    @property
    def total_charge(self) -> Decimal:
        return sum((claim.charge for claim in self.claims), Decimal("0"))

    @classmethod
    @with_gc_paused
    def from_transaction(cls, tx: TransactionLike) -> ClaimView:
        root, _ = root_of(tx, ("837",))
        st = first_segment(root, "ST")
        submitter: Loop | None = None
        receiver: Loop | None = None
        claims: list[BilledClaim] = []
        # one walk, depth first, with the parties of the HL loops that enclose each claim
        stack: list[tuple[Loop, _Context]] = [(root, _Context())]
        while stack:
            loop, context = stack.pop()
            loop_id = loop.id
            if loop_id == "2300":
                claims.append(_claim(loop, context))
                continue
            if loop_id == "1000A" and submitter is None:
                submitter = loop
            elif loop_id == "1000B" and receiver is None:
                receiver = loop
            elif loop_id in _PARTY_LOOPS:
                context = context.with_loop(loop)
            stack.extend((child, context) for child in reversed(loop.loops))
        return cls(
            control_number=text(st, 2),
            submitter=party_of(submitter),
            receiver=party_of(receiver),
            claims=tuple(claims),
        )


_PARTY_LOOPS = frozenset({"2000A", "2000B", "2000C"})


@fast_init
@dataclass(frozen=True, slots=True)
class _Context:
    """The parties read from the HL loops above a claim."""

    billing_provider: Party | None = None
    subscriber: Party | None = None
    payer: Party | None = None
    patient: Party | None = None

    def with_loop(self, loop: Loop) -> _Context:
        names = {child.id: child for child in reversed(loop.loops)}  # the first of each ID
        if loop.id == "2000A":
            return _Context(billing_provider=party_of(names.get("2010AA")))
        if loop.id == "2000B":
            subscriber = party_of(names.get("2010BA"))
            return _Context(self.billing_provider, subscriber, party_of(names.get("2010BB")))
        patient = party_of(names.get("2010CA"))
        return _Context(self.billing_provider, self.subscriber, self.payer, patient)


def _claim(loop: Loop, context: _Context) -> BilledClaim:
    groups = segments_by_id(loop)
    clm = groups["CLM"][0] if "CLM" in groups else None
    if clm is None:
        raise ViewError(f"loop {loop.id} has no CLM segment")
    e = padded(clm, 6)
    location = [*e[5].split(clm.delimiters.component), "", "", ""]
    return BilledClaim(
        claim_id=e[1],
        charge=decimal_of(clm, 2),
        facility_code=location[0],
        frequency=location[2],
        billing_provider=context.billing_provider,
        subscriber=context.subscriber,
        payer=context.payer,
        patient=context.patient or context.subscriber,
        diagnoses=tuple(diagnosis for seg in groups.get("HI", ()) for diagnosis in _diagnoses(seg)),
        lines=tuple(_line(child) for child in loop.loops if child.id == "2400"),
    )


def _diagnoses(seg: Segment) -> list[Diagnosis]:
    found = []
    separator = seg.delimiters.component
    for value in seg.elements[1:]:
        if value:
            qualifier, _, rest = value.partition(separator)
            found.append(Diagnosis(qualifier, rest.split(separator)[0]))
    return found


def _line(loop: Loop) -> BilledLine:
    groups = segments_by_id(loop)
    number = groups["LX"][0].get(1) if "LX" in groups else ""
    dates = [parse_period(seg) for seg in groups.get("DTP", ()) if seg.get(1) == "472"]
    service_date = dates[0] if dates else None
    if "SV1" in groups:
        sv1 = groups["SV1"][0]
        e = padded(sv1, 8)
        pointers = e[7].split(sv1.delimiters.component) if e[7] else []
        return BilledLine(
            number=number,
            procedure=procedure_of(sv1, 1),
            charge=decimal_of(sv1, 2),
            unit_basis=e[3],
            units=decimal_value(sv1, 4, e[4]),
            place_of_service=e[5],
            diagnosis_pointers=tuple(pointers),
            service_date=service_date,
        )
    if "SV2" in groups:
        sv2 = groups["SV2"][0]
        e = padded(sv2, 6)
        return BilledLine(
            number=number,
            procedure=procedure_of(sv2, 2),
            charge=decimal_of(sv2, 3),
            unit_basis=e[4],
            units=decimal_value(sv2, 5, e[5]),
            revenue_code=e[1],
            service_date=service_date,
        )
    raise ViewError(f"loop {loop.id} has neither SV1 nor SV2")
