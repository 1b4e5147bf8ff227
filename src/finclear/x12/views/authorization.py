"""Typed view of a 278 health care services review request or response (005010X217).

HL levels: 2000A/2010A utilization management organization (UMO), 2000B/2010B requester,
2000C/2010C subscriber, 2000D/2010D dependent, 2000E patient event (UM, HCR, DTP, HI, HSD;
providers in 2010EA), 2000F service (UM, HCR, SV1/SV2/SV3, HSD; provider in 2010F).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from finclear.x12.tree import Loop, Segment
from finclear.x12.views.common import (
    DatePeriod,
    Party,
    Procedure,
    Reference,
    RequestError,
    Trace,
    TransactionLike,
    child_loop_prefixed,
    date_or_none,
    decimal_or_none,
    dtp_periods,
    first_segment,
    hl_ancestor,
    hl_index,
    hl_level,
    parse_date,
    party_of,
    period,
    procedure_of,
    references,
    request_errors,
    root_of,
    text,
    traces,
)

# HCR01 action codes (data element 306) used by X217.
ACTIONS: dict[str, str] = {
    "A1": "Certified in total",
    "A2": "Certified - partial",
    "A3": "Not certified",
    "A4": "Pended",
    "A6": "Modified",
    "C": "Cancelled",
    "CT": "Contact payer",
    "NA": "No action required",
}

CERTIFIED_ACTIONS = frozenset({"A1", "A2", "A6"})


@dataclass(frozen=True, slots=True)
class Decision:
    """The HCR segment: the outcome of a review."""

    action: str  # HCR01
    certification_number: str = ""  # HCR02 (or REF BB when HCR02 is absent)
    reason: str = ""  # HCR03
    second_opinion: str = ""  # HCR04: Y or N

    @property
    def meaning(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def is_certified(self) -> bool:
        return self.action in CERTIFIED_ACTIONS


@dataclass(frozen=True, slots=True)
class ServiceDelivery:
    """An HSD segment: how many units, over what period, how often."""

    quantity_qualifier: str = ""  # HSD01: DY days, FL units, HS hours, MN month, VS visits
    quantity: Decimal | None = None  # HSD02
    unit: str = ""  # HSD03
    sample_modulus: Decimal | None = None  # HSD04
    period_qualifier: str = ""  # HSD05
    periods: Decimal | None = None  # HSD06
    frequency: str = ""  # HSD07
    pattern_time: str = ""  # HSD08


@dataclass(frozen=True, slots=True)
class Diagnosis:
    qualifier: str  # ABK principal ICD-10-CM, ABF other, ABJ admitting...
    code: str
    date: date | None = None


@dataclass(frozen=True, slots=True)
class Review:
    """What a patient event or service level says: request, decision and supporting data."""

    loop: str  # 2000E or 2000F
    traces: tuple[Trace, ...] = ()
    request_category: str = ""  # UM01: AR admission, HS health services, SC specialty care
    certification_type: str = ""  # UM02: I initial, R renewal, S revised, 3 cancel, E extension
    service_type: str = ""  # UM03
    facility: tuple[str, ...] = ()  # UM04: place of service code, qualifier (A or B)
    level_of_service: str = ""  # UM06
    decision: Decision | None = None
    references: tuple[Reference, ...] = ()
    dates: tuple[DatePeriod, ...] = ()
    diagnoses: tuple[Diagnosis, ...] = ()
    procedure: Procedure | None = None  # SV101, SV202, SV301
    revenue_code: str = ""  # SV201
    charge: Decimal | None = None  # SV102 / SV203 / SV302
    unit: str = ""  # SV103 / SV204
    quantity: Decimal | None = None  # SV104 / SV205
    deliveries: tuple[ServiceDelivery, ...] = ()
    errors: tuple[RequestError, ...] = ()
    messages: tuple[str, ...] = ()
    providers: tuple[Party, ...] = ()

    @property
    def certification_number(self) -> str:
        if self.decision and self.decision.certification_number:
            return self.decision.certification_number
        return next((r.value for r in self.references if r.qualifier == "BB"), "")

    @property
    def service_period(self) -> DatePeriod | None:
        return period(self.dates, "472")

    @property
    def effective(self) -> date | None:
        found = period(self.dates, "007", "472", "996")
        return found.start if found else None

    @property
    def expiration(self) -> date | None:
        found = period(self.dates, "036", "997")
        if found:
            return found.end
        service = period(self.dates, "472")
        return service.end if service else None

    @property
    def issued(self) -> date | None:
        found = period(self.dates, "102")
        return found.start if found else None


@dataclass(frozen=True, slots=True)
class PatientEvent:
    review: Review
    services: tuple[Review, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthorizationView:
    purpose: str  # BHT02: 13 request, 11 response
    control_number: str
    reference: str  # BHT03
    created: date | None
    umo: Party | None  # 2010A, the utilization management organization
    requester: Party | None  # 2010B
    subscriber: Party | None  # 2010C
    subscriber_birth_date: date | None
    dependent: Party | None  # 2010D
    events: tuple[PatientEvent, ...]
    errors: tuple[RequestError, ...]  # every AAA, at every level, in file order

    @property
    def is_response(self) -> bool:
        return self.purpose == "11"

    @property
    def patient(self) -> Party | None:
        return self.dependent or self.subscriber

    @classmethod
    def from_transaction(cls, tx: TransactionLike) -> AuthorizationView:
        root, _ = root_of(tx, ("278",))
        st = first_segment(root, "ST")
        bht = first_segment(root, "BHT")
        index = hl_index(root)
        events = []
        # Levels are told apart by HL03 (EV patient event, SS service...), not by loop ID.
        for loop in index.values():
            if hl_level(loop) != "EV":
                continue
            services = tuple(
                _review(svc)
                for svc in index.values()
                if hl_level(svc) == "SS" and hl_ancestor(index, svc, level="EV") is loop
            )
            events.append(PatientEvent(_review(loop), services))
        sub_loop = _name_loop(index, "22")
        errors = [err for loop in root.walk() for err in request_errors(loop)]
        return cls(
            purpose=text(bht, 2),
            control_number=text(st, 2),
            reference=text(bht, 3),
            created=date_or_none(bht, 4),
            umo=party_of(_name_loop(index, "20")),
            requester=party_of(_name_loop(index, "21")),
            subscriber=party_of(sub_loop),
            subscriber_birth_date=date_or_none(sub_loop.segment("DMG"), 2) if sub_loop else None,
            dependent=party_of(_name_loop(index, "23")),
            events=tuple(events),
            errors=tuple(errors),
        )


def _name_loop(index: dict[str, Loop], level: str) -> Loop | None:
    """The 2010x name loop of the first HL level ``level``."""
    for loop in index.values():
        if hl_level(loop) == level:
            return child_loop_prefixed(loop, "2010")
    return None


def _diagnoses(loop: Loop) -> tuple[Diagnosis, ...]:
    out = []
    for seg in loop.segments_of("HI"):
        for pos in range(1, len(seg.elements)):
            parts = seg.components(pos)
            if len(parts) < 2:
                continue
            when = None
            if len(parts) >= 4 and parts[2] == "D8" and parts[3]:
                when = parse_date(seg, pos, parts[3])
            out.append(Diagnosis(parts[0], parts[1], when))
    return tuple(out)


def _delivery(seg: Segment) -> ServiceDelivery:
    return ServiceDelivery(
        quantity_qualifier=seg.get(1),
        quantity=decimal_or_none(seg, 2),
        unit=seg.get(3),
        sample_modulus=decimal_or_none(seg, 4),
        period_qualifier=seg.get(5),
        periods=decimal_or_none(seg, 6),
        frequency=seg.get(7),
        pattern_time=seg.get(8),
    )


def _review(hl_loop: Loop) -> Review:
    um = hl_loop.segment("UM")
    hcr = hl_loop.segment("HCR")
    decision = None
    if hcr is not None:
        decision = Decision(hcr.get(1), hcr.get(2), hcr.get(3), hcr.get(4))
    procedure, revenue, charge, unit, quantity = None, "", None, "", None
    if (sv1 := hl_loop.segment("SV1")) is not None:
        procedure, charge, unit = procedure_of(sv1, 1), decimal_or_none(sv1, 2), sv1.get(3)
        quantity = decimal_or_none(sv1, 4)
    elif (sv2 := hl_loop.segment("SV2")) is not None:
        revenue, procedure = sv2.get(1), procedure_of(sv2, 2)
        charge, unit, quantity = decimal_or_none(sv2, 3), sv2.get(4), decimal_or_none(sv2, 5)
    elif (sv3 := hl_loop.segment("SV3")) is not None:
        procedure, charge = procedure_of(sv3, 1), decimal_or_none(sv3, 2)
    providers = tuple(
        party
        for child in hl_loop.loops
        if child.id.startswith("2010") and (party := party_of(child)) is not None
    )
    return Review(
        loop=hl_loop.id,
        traces=traces(hl_loop),
        request_category=text(um, 1),
        certification_type=text(um, 2),
        service_type=text(um, 3),
        facility=tuple(um.components(4)) if um else (),
        level_of_service=text(um, 6),
        decision=decision,
        references=references(hl_loop),
        dates=dtp_periods(hl_loop),
        diagnoses=_diagnoses(hl_loop),
        procedure=procedure,
        revenue_code=revenue,
        charge=charge,
        unit=unit,
        quantity=quantity,
        deliveries=tuple(_delivery(seg) for seg in hl_loop.segments_of("HSD")),
        errors=request_errors(hl_loop),
        messages=tuple(seg.get(1) for seg in hl_loop.segments_of("MSG")),
        providers=providers,
    )
