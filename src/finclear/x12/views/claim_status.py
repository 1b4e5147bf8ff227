"""Typed view of a 276 status request, 277 status response (005010X212) or 277CA
claim acknowledgment (005010X214).

HL levels: 2000A information source (payer), 2000B information receiver, 2000C service
provider (billing provider in a 277CA), 2000D subscriber (patient in a 277CA), 2000E dependent.
Claims are the 2200D/2200E loops (TRN, STC, REF, DTP), their lines 2220D/E (2210D/E in a 276).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from finclear.x12.gcpause import with_gc_paused
from finclear.x12.tree import Loop, Segment
from finclear.x12.views.common import (
    Amount,
    DatePeriod,
    Party,
    Procedure,
    Quantity,
    Reference,
    Trace,
    TransactionLike,
    amounts,
    child_loop_prefixed,
    child_loops_prefixed,
    date_or_none,
    decimal_or_none,
    dtp_periods,
    first_segment,
    hl_ancestor,
    hl_index,
    hl_level,
    party_of,
    period,
    procedure_of,
    quantities,
    reference,
    references,
    root_of,
    text,
    traces,
)

# STC01-1 claim status category codes (code source 507), the common ones.
STATUS_CATEGORIES: dict[str, str] = {
    "A0": "Acknowledgement/Forwarded",
    "A1": "Acknowledgement/Receipt",
    "A2": "Acknowledgement/Acceptance into adjudication system",
    "A3": "Acknowledgement/Returned as unprocessable claim",
    "A4": "Acknowledgement/Not Found",
    "A5": "Acknowledgement/Split Claim",
    "A6": "Acknowledgement/Rejected for Missing Information",
    "A7": "Acknowledgement/Rejected for Invalid Information",
    "A8": "Acknowledgement/Rejected for relational field in error",
    "DR01": "Data Reporting Acknowledgement/Receipt",
    "E0": "Response not possible - error on submitted request data",
    "E1": "Response not possible - System Status",
    "E2": "Information Holder is not responding; resubmit at a later time",
    "E3": "Correction required - relational fields in error",
    "E4": "Trading partner agreement specific requirement not met",
    "D0": "Data Search Unsuccessful",
    "F0": "Finalized",
    "F1": "Finalized/Payment",
    "F2": "Finalized/Denial",
    "F3": "Finalized/Revised",
    "F3F": "Finalized/Forwarded",
    "F3N": "Finalized/Not Forwarded",
    "F4": "Finalized/Adjudication Complete - No payment forthcoming",
    "P0": "Pending: Adjudication/Details",
    "P1": "Pending/In Process",
    "P2": "Pending/Payer Review",
    "P3": "Pending/Provider Requested Information",
    "P4": "Pending/Patient Requested Information",
    "P5": "Pending/Payer Administrative/System hold",
    "R0": "Requests for additional Information/General Requests",
    "R1": "Requests for additional Information/Entity Requests",
    "R3": "Requests for additional Information/Claim/Line",
    "R4": "Requests for additional Information/Documentation",
    "R5": "Request for additional information/more specific detail",
    "R6": "Requests for additional information - Regulatory requirements",
    "R7": "Requests for additional information - Confirm care is consistent with Health Plan policy coverage",
    "R8": "Requests for additional information - Confirm care is consistent with health plan coverage exceptions",
    "R9": "Requests for additional information - Determination of medical necessity",
    "R10": "Requests for additional information - Support a filed grievance or appeal",
    "R11": "Requests for additional information - Pre-payment review",
    "R12": "Requests for additional information - Clarification or justification of use for specified procedure code",
    "R13": "Requests for additional information - Original documents submitted are not readable",
    "R14": "Requests for additional information - Original documents received are not what was requested",
    "R15": "Requests for additional information - Workers Compensation coverage verification",
    "R16": "Requests for additional information - Eligibility verification",
    "R17": "Response not possible - Payer requested information",
}


@dataclass(frozen=True, slots=True)
class StatusCode:
    """One health care claim status composite (STC01, STC10 or STC11)."""

    category: str  # C043-1, code source 507
    code: str  # C043-2, code source 508
    entity: str = ""  # C043-3, entity identifier
    code_list: str = ""  # C043-4: RX for NCPDP reject codes

    @property
    def category_meaning(self) -> str:
        return STATUS_CATEGORIES.get(self.category, self.category)


@dataclass(frozen=True, slots=True)
class Status:
    """One STC segment."""

    codes: tuple[StatusCode, ...]  # STC01 then STC10 and STC11 when present
    effective: date | None = None  # STC02
    action: str = ""  # STC03: WQ accepted, U rejected (277CA); 15 correct and resubmit
    charge: Decimal | None = None  # STC04
    payment: Decimal | None = None  # STC05
    adjudicated: date | None = None  # STC06
    payment_method: str = ""  # STC07
    check_date: date | None = None  # STC08
    check_number: str = ""  # STC09
    message: str = ""  # STC12

    @property
    def category(self) -> str:
        return self.codes[0].category if self.codes else ""

    @property
    def code(self) -> str:
        return self.codes[0].code if self.codes else ""

    @property
    def entity(self) -> str:
        return self.codes[0].entity if self.codes else ""


@dataclass(frozen=True, slots=True)
class LineStatus:
    procedure: Procedure | None  # SVC01
    charge: Decimal | None  # SVC02
    payment: Decimal | None  # SVC03
    revenue_code: str = ""  # SVC04
    units: Decimal | None = None  # SVC07
    control_number: str = ""  # REF FJ
    dates: tuple[DatePeriod, ...] = ()
    statuses: tuple[Status, ...] = ()

    @property
    def service_date(self) -> date | None:
        found = period(self.dates, "472")
        return found.start if found else None


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    trace: Trace | None  # TRN of the 2200 loop
    patient: Party | None
    subscriber: Party | None
    provider: Party | None  # 2100C
    payer_claim_number: str = ""  # REF 1K
    references: tuple[Reference, ...] = ()
    dates: tuple[DatePeriod, ...] = ()
    amounts: tuple[Amount, ...] = ()
    statuses: tuple[Status, ...] = ()
    lines: tuple[LineStatus, ...] = ()

    @property
    def patient_control_number(self) -> str:
        """TRN02: the provider's claim identifier (CLM01 of the 837)."""
        return self.trace.reference if self.trace else ""

    @property
    def service_period(self) -> DatePeriod | None:
        return period(self.dates, "472", "232")

    @property
    def bill_type(self) -> str:
        return next((r.value for r in self.references if r.qualifier == "BLT"), "")


@dataclass(frozen=True, slots=True)
class LevelStatus:
    """Statuses reported above the claims: information source, receiver or provider level."""

    level: str  # "source", "receiver" or "provider"
    loop: str  # 2000A, 2000B, 2000C
    party: Party | None
    traces: tuple[Trace, ...] = ()
    statuses: tuple[Status, ...] = ()
    dates: tuple[DatePeriod, ...] = ()
    amounts: tuple[Amount, ...] = ()
    quantities: tuple[Quantity, ...] = ()


# HL03 codes: the levels above the claims, and the levels that carry claims.
_LEVELS = {"20": "source", "21": "receiver", "19": "provider"}
_PATIENT_LEVELS = frozenset({"22", "23", "PT"})


@dataclass(frozen=True, slots=True)
class ClaimStatusView:
    transaction_set: str  # 276 or 277
    version: str  # ST03: 005010X212 or 005010X214
    control_number: str
    reference: str  # BHT03
    created: date | None  # BHT04
    transaction_type: str  # BHT06: DG response, TH receipt acknowledgment (277CA)
    levels: tuple[LevelStatus, ...]
    claims: tuple[ClaimStatus, ...]

    @property
    def is_claim_acknowledgment(self) -> bool:
        return self.version.startswith("005010X214") or self.transaction_type == "TH"

    def statuses_at(self, level: str) -> tuple[Status, ...]:
        return tuple(s for lvl in self.levels if lvl.level == level for s in lvl.statuses)

    @classmethod
    @with_gc_paused
    def from_transaction(cls, tx: TransactionLike) -> ClaimStatusView:
        root, set_id = root_of(tx, ("276", "277"))
        st = first_segment(root, "ST")
        bht = first_segment(root, "BHT")
        index = hl_index(root)
        levels: list[LevelStatus] = []
        claims: list[ClaimStatus] = []
        # Levels are told apart by HL03, not by loop ID, so that a tree whose HL loops
        # were assigned by position alone still reads right.
        for hl_loop in index.values():
            level = hl_level(hl_loop)
            if level in _LEVELS:
                levels.append(_level(hl_loop, _LEVELS[level]))
            elif level in _PATIENT_LEVELS:
                name = party_of(child_loop_prefixed(hl_loop, "2100"))
                subscriber = name
                if level == "23":
                    sub_loop = hl_ancestor(index, hl_loop, level="22")
                    subscriber = (
                        party_of(child_loop_prefixed(sub_loop, "2100")) if sub_loop else None
                    )
                provider_loop = hl_ancestor(index, hl_loop, level="19")
                provider = (
                    party_of(child_loop_prefixed(provider_loop, "2100")) if provider_loop else None
                )
                for claim_loop in child_loops_prefixed(hl_loop, "2200"):
                    claims.append(_claim(claim_loop, name, subscriber, provider))
        return cls(
            transaction_set=set_id,
            version=text(st, 3),
            control_number=text(st, 2),
            reference=text(bht, 3),
            created=date_or_none(bht, 4),
            transaction_type=text(bht, 6),
            levels=tuple(levels),
            claims=tuple(claims),
        )


def statuses_of(loop: Loop) -> tuple[Status, ...]:
    return tuple(_status(seg) for seg in loop.segments_of("STC"))


def _status_code(seg: Segment, pos: int) -> StatusCode | None:
    parts = seg.components(pos)
    if not parts:
        return None
    parts += [""] * (4 - len(parts))
    return StatusCode(parts[0], parts[1], parts[2], parts[3])


def _status(seg: Segment) -> Status:
    codes = tuple(code for pos in (1, 10, 11) if (code := _status_code(seg, pos)) is not None)
    return Status(
        codes=codes,
        effective=date_or_none(seg, 2),
        action=seg.get(3),
        charge=decimal_or_none(seg, 4),
        payment=decimal_or_none(seg, 5),
        adjudicated=date_or_none(seg, 6),
        payment_method=seg.get(7),
        check_date=date_or_none(seg, 8),
        check_number=seg.get(9),
        message=seg.get(12),
    )


def _level(hl_loop: Loop, level: str) -> LevelStatus:
    detail = child_loop_prefixed(hl_loop, "2200")
    return LevelStatus(
        level=level,
        loop=hl_loop.id,
        party=party_of(child_loop_prefixed(hl_loop, "2100")),
        traces=traces(detail) if detail else (),
        statuses=statuses_of(detail) if detail else (),
        dates=dtp_periods(detail) if detail else (),
        amounts=amounts(detail) if detail else (),
        quantities=quantities(detail) if detail else (),
    )


def _claim(
    loop: Loop,
    patient: Party | None,
    subscriber: Party | None,
    provider: Party | None,
) -> ClaimStatus:
    trn = traces(loop)
    line_loops = child_loops_prefixed(loop, "2220") or child_loops_prefixed(loop, "2210")
    return ClaimStatus(
        trace=trn[0] if trn else None,
        patient=patient,
        subscriber=subscriber,
        provider=provider,
        payer_claim_number=reference(loop, "1K"),
        references=references(loop),
        dates=dtp_periods(loop),
        amounts=amounts(loop),
        statuses=statuses_of(loop),
        lines=tuple(_line(line) for line in line_loops),
    )


def _line(loop: Loop) -> LineStatus:
    svc = loop.segment("SVC")
    return LineStatus(
        procedure=procedure_of(svc, 1) if svc else None,
        charge=decimal_or_none(svc, 2),
        payment=decimal_or_none(svc, 3),
        revenue_code=text(svc, 4),
        units=decimal_or_none(svc, 7),
        control_number=reference(loop, "FJ"),
        dates=dtp_periods(loop),
        statuses=statuses_of(loop),
    )
