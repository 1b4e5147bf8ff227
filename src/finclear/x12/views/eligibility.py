"""Typed view of a 270 eligibility inquiry or 271 eligibility response (005010X279A1).

Loops: 2000A/2100A information source (payer), 2000B/2100B information receiver (provider),
2000C/2100C subscriber, 2000D/2100D dependent, 2110C/D benefits (EB in a 271, EQ in a 270),
2115C/D benefit additional information (III), 2120C/D benefit related entity (inside LS/LE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

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
    child_loops_prefixed,
    date_or_none,
    decimal_or_none,
    dtp_periods,
    first_segment,
    hl_id,
    hl_index,
    hl_level,
    hl_parent,
    party_of,
    period,
    procedure_of,
    references,
    request_errors,
    root_of,
    text,
    traces,
)


class CoverageStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    UNKNOWN = "unknown"  # no EB01 1-8 in the response (e.g. a rejection)


ACTIVE_CODES = frozenset({"1", "2", "3", "4", "5"})
INACTIVE_CODES = frozenset({"6", "7", "8"})

# EB01 eligibility or benefit information codes (data element 1390).
BENEFIT_CODES: dict[str, str] = {
    "1": "Active Coverage",
    "2": "Active - Full Risk Capitation",
    "3": "Active - Services Capitated",
    "4": "Active - Services Capitated to Primary Care Physician",
    "5": "Active - Pending Investigation",
    "6": "Inactive",
    "7": "Inactive - Pending Eligibility Update",
    "8": "Inactive - Pending Investigation",
    "A": "Co-Insurance",
    "B": "Co-Payment",
    "C": "Deductible",
    "CB": "Coverage Basis",
    "D": "Benefit Description",
    "E": "Exclusions",
    "F": "Limitations",
    "G": "Out of Pocket (Stop Loss)",
    "H": "Unlimited",
    "I": "Non-Covered",
    "J": "Cost Containment",
    "K": "Reserve",
    "L": "Primary Care Provider",
    "M": "Pre-existing Condition",
    "MC": "Managed Care Coordinator",
    "N": "Services Restricted to Following Provider",
    "O": "Not Deemed a Medical Necessity",
    "P": "Benefit Disclaimer",
    "Q": "Second Surgical Opinion Required",
    "R": "Other or Additional Payor",
    "S": "Prior Year(s) History",
    "T": "Card(s) Reported Lost/Stolen",
    "U": "Contact Following Entity for Eligibility or Benefit Information",
    "V": "Cannot Process",
    "W": "Other Source of Data",
    "X": "Health Care Facility",
    "Y": "Spend Down",
}


@dataclass(frozen=True, slots=True)
class AdditionalInfo:
    """A 2115 III segment: place of service, nature of injury or free text."""

    qualifier: str  # III01: ZZ (place of service), GR (nature of injury), NI
    code: str  # III02
    category: str = ""  # III03
    text: str = ""  # III04


@dataclass(frozen=True, slots=True)
class Benefit:
    """One EB row of a 271 with its dates, messages and related entities."""

    info_code: str  # EB01
    coverage_level: str = ""  # EB02: IND, FAM, EMP, ESP...
    service_types: tuple[str, ...] = ()  # EB03 (repeating)
    insurance_type: str = ""  # EB04
    plan_description: str = ""  # EB05
    time_period: str = ""  # EB06: 23 calendar year, 29 remaining, 27 visit...
    amount: Decimal | None = None  # EB07
    percent: Decimal | None = None  # EB08 (0.2 is 20%)
    quantity_qualifier: str = ""  # EB09
    quantity: Decimal | None = None  # EB10
    authorization_required: str = ""  # EB11: Y, N, U
    in_plan_network: str = ""  # EB12: Y, N, U, W (not applicable)
    procedure: Procedure | None = None  # EB13
    diagnosis_pointers: tuple[str, ...] = ()  # EB14
    references: tuple[Reference, ...] = ()
    dates: tuple[DatePeriod, ...] = ()
    errors: tuple[RequestError, ...] = ()
    messages: tuple[str, ...] = ()
    additional_info: tuple[AdditionalInfo, ...] = ()
    related_entities: tuple[Party, ...] = ()

    @property
    def meaning(self) -> str:
        return BENEFIT_CODES.get(self.info_code, self.info_code)


@dataclass(frozen=True, slots=True)
class Inquiry:
    """One EQ row of a 270."""

    service_types: tuple[str, ...] = ()  # EQ01 (repeating)
    procedure: Procedure | None = None  # EQ02
    coverage_level: str = ""  # EQ03
    dates: tuple[DatePeriod, ...] = ()


@dataclass(frozen=True, slots=True)
class Member:
    """A subscriber (2000C) or a dependent (2000D) with their benefits."""

    level: str  # "subscriber" or "dependent"
    party: Party
    birth_date: date | None = None  # DMG02
    gender: str = ""  # DMG03
    relationship: str = ""  # INS02 (18 self, 01 spouse, 19 child...)
    traces: tuple[Trace, ...] = ()
    references: tuple[Reference, ...] = ()
    dates: tuple[DatePeriod, ...] = ()
    benefits: tuple[Benefit, ...] = ()
    inquiries: tuple[Inquiry, ...] = ()
    errors: tuple[RequestError, ...] = ()  # AAA of 2000C/D, 2100C/D and 2110C/D
    dependents: tuple[Member, ...] = ()

    @property
    def member_id(self) -> str:
        return self.party.id

    @property
    def request_traces(self) -> tuple[Trace, ...]:
        """The 270's own trace numbers, echoed by the payer with TRN01 = 2."""
        return tuple(t for t in self.traces if t.type == "2")

    @property
    def coverage_status(self) -> CoverageStatus:
        codes = {b.info_code for b in self.benefits}
        if codes & ACTIVE_CODES:
            return CoverageStatus.ACTIVE
        if codes & INACTIVE_CODES:
            return CoverageStatus.INACTIVE
        return CoverageStatus.UNKNOWN

    @property
    def plan_name(self) -> str:
        """EB05 of the first coverage status row that names a plan."""
        for benefit in self.benefits:
            if benefit.info_code in ACTIVE_CODES | INACTIVE_CODES and benefit.plan_description:
                return benefit.plan_description
        return ""

    @property
    def plan_begin(self) -> date | None:
        found = period(self.dates, "346") or period(self.dates, "291")
        return found.start if found else None

    @property
    def plan_end(self) -> date | None:
        found = period(self.dates, "347")
        if found:
            return found.end
        plan = period(self.dates, "291")
        return plan.end if plan and plan.end != plan.start else None

    @property
    def eligibility_begin(self) -> date | None:
        found = period(self.dates, "356") or period(self.dates, "307")
        return found.start if found else None

    @property
    def eligibility_end(self) -> date | None:
        found = period(self.dates, "357")
        if found:
            return found.end
        elig = period(self.dates, "307")
        return elig.end if elig and elig.end != elig.start else None


@dataclass(frozen=True, slots=True)
class EligibilityView:
    """A 270 or 271 transaction: who asked, who answered, about whom, and what came back."""

    transaction_set: str  # "270" or "271"
    control_number: str  # ST02
    reference: str  # BHT03
    created: date | None  # BHT04
    purpose: str  # BHT02: 13 request, 11 response
    source: Party | None  # 2100A, the payer
    receiver: Party | None  # 2100B, the provider
    subscribers: tuple[Member, ...]
    errors: tuple[RequestError, ...]  # every AAA, at every level, in file order

    @property
    def members(self) -> tuple[Member, ...]:
        out: list[Member] = []
        for sub in self.subscribers:
            out.append(sub)
            out.extend(sub.dependents)
        return tuple(out)

    @classmethod
    def from_transaction(cls, tx: TransactionLike) -> EligibilityView:
        root, set_id = root_of(tx, ("270", "271"))
        st = first_segment(root, "ST")
        bht = first_segment(root, "BHT")
        index = hl_index(root)
        # Levels are told apart by HL03 (22 subscriber, 23 dependent), not by loop ID.
        subscribers = []
        for sub_loop in index.values():
            if hl_level(sub_loop) != "22":
                continue
            dependents = tuple(
                _member(loop, "dependent")
                for loop in index.values()
                if hl_level(loop) == "23" and hl_parent(loop) == hl_id(sub_loop)
            )
            subscribers.append(_member(sub_loop, "subscriber", dependents))
        errors = [
            error
            for loop in root.walk()
            if loop.segments_of("AAA")
            for error in request_errors(loop)
        ]
        source_loop = [
            name
            for loop in index.values()
            if hl_level(loop) == "20"
            if (name := child_loop_prefixed(loop, "2100")) is not None
        ]
        receiver_loop = [
            name
            for loop in index.values()
            if hl_level(loop) == "21"
            if (name := child_loop_prefixed(loop, "2100")) is not None
        ]
        return cls(
            transaction_set=set_id,
            control_number=text(st, 2),
            reference=text(bht, 3),
            created=date_or_none(bht, 4),
            purpose=text(bht, 2),
            source=party_of(source_loop[0]) if source_loop else None,
            receiver=party_of(receiver_loop[0]) if receiver_loop else None,
            subscribers=tuple(subscribers),
            errors=tuple(errors),
        )


def _member(hl_loop: Loop, level: str, dependents: tuple[Member, ...] = ()) -> Member:
    name_loop = child_loop_prefixed(hl_loop, "2100")
    party = party_of(name_loop) if name_loop else None
    if party is None:
        party = Party(entity="", name="")
    dmg = name_loop.segment("DMG") if name_loop else None
    ins = name_loop.segment("INS") if name_loop else None
    benefit_loops = child_loops_prefixed(name_loop, "2110") if name_loop else []
    errors = list(request_errors(hl_loop))
    if name_loop:
        errors.extend(request_errors(name_loop))
    benefits = []
    inquiries = []
    for loop in benefit_loops:
        errors.extend(request_errors(loop))
        eb = loop.segment("EB")
        if eb is not None:
            benefits.append(_benefit(loop, eb))
        eq = loop.segment("EQ")
        if eq is not None:
            inquiries.append(
                Inquiry(
                    service_types=tuple(eq.repeats(1)),
                    procedure=procedure_of(eq, 2),
                    coverage_level=eq.get(3),
                    dates=dtp_periods(loop),
                )
            )
    return Member(
        level=level,
        party=party,
        birth_date=date_or_none(dmg, 2),
        gender=text(dmg, 3),
        relationship=text(ins, 2),
        traces=traces(hl_loop),
        references=references(name_loop) if name_loop else (),
        dates=dtp_periods(name_loop) if name_loop else (),
        benefits=tuple(benefits),
        inquiries=tuple(inquiries),
        errors=tuple(errors),
        dependents=dependents,
    )


def _benefit(loop: Loop, eb: Segment) -> Benefit:
    info = tuple(
        AdditionalInfo(seg.get(1), seg.get(2), seg.get(3), seg.get(4))
        for sub in child_loops_prefixed(loop, "2115")
        for seg in sub.segments_of("III")
    )
    related = tuple(
        party for sub in child_loops_prefixed(loop, "2120") if (party := party_of(sub)) is not None
    )
    return Benefit(
        info_code=eb.get(1),
        coverage_level=eb.get(2),
        service_types=tuple(eb.repeats(3)),
        insurance_type=eb.get(4),
        plan_description=eb.get(5),
        time_period=eb.get(6),
        amount=decimal_or_none(eb, 7),
        percent=decimal_or_none(eb, 8),
        quantity_qualifier=eb.get(9),
        quantity=decimal_or_none(eb, 10),
        authorization_required=eb.get(11),
        in_plan_network=eb.get(12),
        procedure=procedure_of(eb, 13),
        diagnosis_pointers=tuple(eb.components(14)),
        references=references(loop),
        dates=dtp_periods(loop),
        errors=request_errors(loop),
        messages=tuple(seg.get(1) for seg in loop.segments_of("MSG")),
        additional_info=info,
        related_entities=related,
    )
