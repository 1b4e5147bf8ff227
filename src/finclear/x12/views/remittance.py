"""Typed view of an 835 health care claim payment/advice (005010X221A1).

Loops: 1000A payer (N1 PR), 1000B payee (N1 PE), 2000 header number (LX), 2100 claim
payment (CLP), 2110 service payment (SVC); PLB provider adjustments close the transaction.
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
    ViewError,
    amounts_of,
    child_loops,
    date_or_none,
    decimal_of,
    decimal_value,
    dtm_periods_of,
    fail,
    first_loop,
    first_segment,
    padded,
    parse_date,
    party_of,
    party_of_nm1,
    period,
    procedure_of,
    quantities_of,
    references,
    references_of,
    root_of,
    table_segments,
    text,
)
from finclear.x12.views.frozen import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triplet: group (CO, PR, OA, PI, CR), CARC reason, amount, quantity."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@fast_init
@dataclass(frozen=True, slots=True)
class Remark:
    """An LQ remark code (qualifier HE: RARC, RX: NCPDP reject reason)."""

    qualifier: str
    code: str


@fast_init
@dataclass(frozen=True, slots=True)
class Payment:
    handling: str  # BPR01: I remittance + payment, H notification only...
    amount: Decimal  # BPR02
    credit_debit: str  # BPR03: C or D
    method: str  # BPR04: ACH, CHK, NON, FWT, BOP
    format: str  # BPR05: CCP, CTX
    date: date | None  # BPR16
    trace: Trace | None  # TRN: TRN02 is the check or EFT trace number

    @property
    def trace_number(self) -> str:
        return self.trace.reference if self.trace else ""


@fast_init
@dataclass(frozen=True, slots=True)
class ServiceLine:
    procedure: Procedure | None  # SVC01
    charge: Decimal  # SVC02
    payment: Decimal  # SVC03
    revenue_code: str = ""  # SVC04
    units: Decimal | None = None  # SVC05 (1 when absent, per the guide)
    original_procedure: Procedure | None = None  # SVC06
    original_units: Decimal | None = None  # SVC07
    dates: tuple[DatePeriod, ...] = ()  # DTM 472, 150, 151
    adjustments: tuple[Adjustment, ...] = ()
    references: tuple[Reference, ...] = ()
    amounts: tuple[Amount, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    remarks: tuple[Remark, ...] = ()

    @property
    def service_date(self) -> date | None:
        found = period(self.dates, "472", "150")
        return found.start if found else None

    @property
    def control_number(self) -> str:
        """REF 6R, the line item control number the provider sent on the claim."""
        return next((r.value for r in self.references if r.qualifier == "6R"), "")


@fast_init
@dataclass(frozen=True, slots=True)
class ClaimPayment:
    patient_control_number: str  # CLP01
    status: str  # CLP02: 1 primary, 2 secondary, 3 tertiary, 4 denied, 22 reversal...
    charge: Decimal  # CLP03
    payment: Decimal  # CLP04
    patient_responsibility: Decimal | None  # CLP05
    filing_indicator: str  # CLP06: MB, MC, CI, HM...
    payer_claim_number: str  # CLP07
    facility_type: str = ""  # CLP08
    frequency: str = ""  # CLP09
    drg: str = ""  # CLP11
    header_number: str = ""  # LX01 of the 2000 loop it belongs to
    adjustments: tuple[Adjustment, ...] = ()
    patient: Party | None = None  # NM1 QC
    insured: Party | None = None  # NM1 IL
    corrected_patient: Party | None = None  # NM1 74
    service_provider: Party | None = None  # NM1 82
    crossover_carrier: Party | None = None  # NM1 TT
    corrected_payer: Party | None = None  # NM1 PR
    other_subscriber: Party | None = None  # NM1 GB
    dates: tuple[DatePeriod, ...] = ()  # DTM 232, 233, 050, 036
    references: tuple[Reference, ...] = ()
    amounts: tuple[Amount, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    lines: tuple[ServiceLine, ...] = ()

    @property
    def statement_from(self) -> date | None:
        found = period(self.dates, "232")
        return found.start if found else None

    @property
    def statement_to(self) -> date | None:
        found = period(self.dates, "233")
        return found.start if found else None

    @property
    def received(self) -> date | None:
        found = period(self.dates, "050")
        return found.start if found else None


@fast_init
@dataclass(frozen=True, slots=True)
class ProviderAdjustmentItem:
    reason: str  # PLB03-1: WO, L6, FB, 72, CS...
    reference: str  # PLB03-2
    amount: Decimal  # PLB04 (positive reduces the payment)


@fast_init
@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    provider_id: str  # PLB01
    fiscal_period_end: date  # PLB02
    items: tuple[ProviderAdjustmentItem, ...]


@fast_init
@dataclass(frozen=True, slots=True)
class RemittanceView:
    control_number: str  # ST02
    payment: Payment
    production_date: date | None  # DTM 405
    payer: Party | None
    payee: Party | None
    payer_references: tuple[Reference, ...]
    payee_references: tuple[Reference, ...]
    claims: tuple[ClaimPayment, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...]

    @property
    def claims_total_paid(self) -> Decimal:
        return sum((c.payment for c in self.claims), Decimal("0"))

    @property
    def provider_adjustments_total(self) -> Decimal:
        return sum((i.amount for plb in self.provider_adjustments for i in plb.items), Decimal("0"))

    @classmethod
    @with_gc_paused
    def from_transaction(cls, tx: TransactionLike) -> RemittanceView:
        root, _ = root_of(tx, ("835",))
        st = first_segment(root, "ST")
        bpr = first_segment(root, "BPR")
        if bpr is None:
            raise ViewError("835 has no BPR segment")
        trn = first_segment(root, "TRN")
        production = next(
            (seg for seg in table_segments(root) if seg.id == "DTM" and seg.get(1) == "405"), None
        )
        payer_loop = first_loop(root, "1000A")
        payee_loop = first_loop(root, "1000B")
        headers, plb_segments = _headers_and_plbs(root)
        claims = [
            _claim(claim_loop, text(header.segment("LX"), 1))
            for header in headers
            for claim_loop in child_loops(header, "2100")
        ]
        plbs = [_plb(seg) for seg in plb_segments]
        return cls(
            control_number=text(st, 2),
            payment=Payment(
                handling=bpr.get(1),
                amount=decimal_of(bpr, 2),
                credit_debit=bpr.get(3),
                method=bpr.get(4),
                format=bpr.get(5),
                date=date_or_none(bpr, 16),
                trace=Trace(trn.get(1), trn.get(2), trn.get(3), trn.get(4)) if trn else None,
            ),
            production_date=date_or_none(production, 2),
            payer=party_of(payer_loop, "N1"),
            payee=party_of(payee_loop, "N1"),
            payer_references=references(payer_loop) if payer_loop else (),
            payee_references=references(payee_loop) if payee_loop else (),
            claims=tuple(claims),
            provider_adjustments=tuple(plbs),
        )


def _headers_and_plbs(root: Loop) -> tuple[list[Loop], list[Segment]]:
    """The 2000 loops and the PLB segments, in file order (one walk).

    The walk does not enter the 2000 loops (the claims, nearly all of the segments): the loop
    parser never puts a PLB there, since the guide has a place for it after them.
    """
    headers: list[Loop] = []
    plbs: list[Segment] = []
    stack = [root]
    while stack:
        loop = stack.pop()
        if loop.id == "2000":
            headers.append(loop)
            continue
        for seg in loop.segments:
            if seg.elements[0] == "PLB":
                plbs.append(seg)
        stack.extend(reversed(loop.loops))
    return headers, plbs


def adjustments_of(loop: Loop) -> tuple[Adjustment, ...]:
    """Every CAS of ``loop``, its up to six (reason, amount, quantity) triplets expanded."""
    return _adjustments(loop.segments_of("CAS"))


def _adjustments(segments: list[Segment] | None) -> tuple[Adjustment, ...]:
    if not segments:
        return ()
    out = []
    for seg in segments:
        e = seg.elements
        size = len(e)
        for pos in range(2, min(size, 20), 3):
            reason = e[pos]
            if not reason:
                continue
            amount = decimal_value(seg, pos + 1, e[pos + 1] if pos + 1 < size else "")
            if amount is None:
                raise fail(seg, pos + 1, f"adjustment reason {reason} has no amount")
            quantity = decimal_value(seg, pos + 2, e[pos + 2]) if pos + 2 < size else None
            out.append(Adjustment(e[1], reason, amount, quantity))
    return tuple(out)


def _claim(loop: Loop, header_number: str) -> ClaimPayment:
    clp = None
    names: dict[str, Segment] = {}  # the first NM1 of each entity code (NM101)
    cas: list[Segment] | None = None
    dtm: list[Segment] | None = None
    ref: list[Segment] | None = None
    amt: list[Segment] | None = None
    qty: list[Segment] | None = None
    for seg in loop.segments:  # one pass, by segment ID (no dict of groups per claim)
        sid = seg.elements[0]
        if sid == "NM1":
            names.setdefault(seg.get(1), seg)
        elif sid == "CAS":
            cas = [seg] if cas is None else [*cas, seg]
        elif sid == "DTM":
            dtm = [seg] if dtm is None else [*dtm, seg]
        elif sid == "REF":
            ref = [seg] if ref is None else [*ref, seg]
        elif sid == "AMT":
            amt = [seg] if amt is None else [*amt, seg]
        elif sid == "QTY":
            qty = [seg] if qty is None else [*qty, seg]
        elif sid == "CLP" and clp is None:
            clp = seg
    if clp is None:
        raise ViewError(f"loop {loop.id} has no CLP segment")

    parties = {entity: party_of_nm1(seg) for entity, seg in names.items()}
    name = parties.get
    e = padded(clp, 12)
    return ClaimPayment(
        e[1],
        e[2],
        _amount(clp, 3, e[3]),
        _amount(clp, 4, e[4]),
        decimal_value(clp, 5, e[5]),
        e[6],
        e[7],
        e[8],
        e[9],
        e[11],
        header_number,
        _adjustments(cas),
        name("QC"),
        name("IL"),
        name("74"),
        name("82"),
        name("TT"),
        name("PR"),
        name("GB"),
        dtm_periods_of(dtm),
        references_of(ref),
        amounts_of(amt),
        quantities_of(qty),
        tuple([_line(child) for child in child_loops(loop, "2110")]),
    )


def _line(loop: Loop) -> ServiceLine:
    segments = loop.segments
    svc = segments[0] if segments and segments[0].elements[0] == "SVC" else None
    cas: list[Segment] | None = None
    dtm: list[Segment] | None = None
    ref: list[Segment] | None = None
    amt: list[Segment] | None = None
    qty: list[Segment] | None = None
    remarks: list[Remark] | None = None
    for seg in segments:  # one pass, by segment ID: lines are most of an 835
        sid = seg.elements[0]
        if sid == "CAS":
            cas = [seg] if cas is None else [*cas, seg]
        elif sid == "DTM":
            dtm = [seg] if dtm is None else [*dtm, seg]
        elif sid == "REF":
            ref = [seg] if ref is None else [*ref, seg]
        elif sid == "AMT":
            amt = [seg] if amt is None else [*amt, seg]
        elif sid == "QTY":
            qty = [seg] if qty is None else [*qty, seg]
        elif sid == "LQ":
            remark = Remark(seg.get(1), seg.get(2))
            remarks = [remark] if remarks is None else [*remarks, remark]
        elif sid == "SVC" and svc is None:
            svc = seg
    if svc is None:
        raise ViewError(f"loop {loop.id} has no SVC segment")
    e = padded(svc, 8)
    return ServiceLine(
        procedure_of(svc, 1),
        _amount(svc, 2, e[2]),
        _amount(svc, 3, e[3]),
        e[4],
        decimal_value(svc, 5, e[5]),
        procedure_of(svc, 6) if e[6] else None,
        decimal_value(svc, 7, e[7]),
        dtm_periods_of(dtm),
        _adjustments(cas),
        references_of(ref),
        amounts_of(amt),
        quantities_of(qty),
        tuple(remarks) if remarks else (),
    )


def _amount(seg: Segment, pos: int, value: str) -> Decimal:
    """A required amount: element ``pos`` of ``seg``, whose text is ``value``."""
    number = decimal_value(seg, pos, value)
    if number is None:
        raise fail(seg, pos, "amount is missing")
    return number


def _plb(seg: Segment) -> ProviderAdjustment:
    items = []
    for pos in range(3, 15, 2):
        if not seg.get(pos):
            continue
        items.append(
            ProviderAdjustmentItem(seg.get(pos, 1), seg.get(pos, 2), decimal_of(seg, pos + 1))
        )
    return ProviderAdjustment(seg.get(1), parse_date(seg, 2), tuple(items))
