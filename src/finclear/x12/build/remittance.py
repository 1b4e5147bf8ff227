"""Builder of the 835 health care claim payment/advice (005010X221A1).

Takes the same value types the 835 view returns (``ClaimPayment``, ``ServiceLine``,
``Adjustment``, ``ProviderAdjustment``, ``Payment``), so what is built reads back equal.
The advice must balance, as the guide requires: each line's charge minus its payment equals
its adjustments; each claim's charge minus its payment equals its own and its lines'
adjustments; the payment equals the claims' payments minus the provider adjustments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from finclear.x12.build.envelope import build_transaction_set
from finclear.x12.build.parties import Contact, Organization, build_address, build_per, build_refs
from finclear.x12.build.segments import SegmentMaker, ccyymmdd, money, number, procedure
from finclear.x12.errors import X12Error
from finclear.x12.tree import Delimiters, Segment
from finclear.x12.views.common import Amount, DatePeriod, Party, Procedure, Quantity
from finclear.x12.views.remittance import (
    Adjustment,
    ClaimPayment,
    Payment,
    ProviderAdjustment,
    ServiceLine,
)

VERSION = "005010X221A1"
ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class BankAccounts:
    """BPR06-BPR15: the payer's and the payee's banks, for ACH payments."""

    sender_dfi_qualifier: str  # BPR06: 01 ABA routing number
    sender_dfi: str  # BPR07
    sender_account_qualifier: str  # BPR08: DA demand deposit
    sender_account: str  # BPR09
    originator_company_id: str  # BPR10
    receiver_dfi_qualifier: str  # BPR12
    receiver_dfi: str  # BPR13
    receiver_account_qualifier: str  # BPR14
    receiver_account: str  # BPR15
    originator_supplemental: str = ""  # BPR11


@dataclass(frozen=True, slots=True)
class RemittanceAdvice:
    payment: Payment  # BPR and TRN (the trace is required)
    payer: Organization  # 1000A N1*PR, with its address (N3/N4 required)
    payee: Organization  # 1000B N1*PE (id qualifier XX NPI, FI TIN...)
    payer_contact: Contact  # PER*BL, the payer's technical contact (required)
    claims: tuple[ClaimPayment, ...] = ()
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    production_date: date | None = None  # DTM*405
    bank: BankAccounts | None = None


def check_balanced(advice: RemittanceAdvice) -> None:
    """Raise an X12Error naming the first claim, line or total that does not balance."""
    for claim in advice.claims:
        line_adjusted = ZERO
        for number_, line in enumerate(claim.lines, start=1):
            adjusted = sum((a.amount for a in line.adjustments), ZERO)
            if line.charge - line.payment != adjusted:
                raise X12Error(
                    f"835 claim {claim.patient_control_number} line {number_}: charge "
                    f"{line.charge} - payment {line.payment} != adjustments {adjusted}"
                )
            line_adjusted += adjusted
        adjusted = sum((a.amount for a in claim.adjustments), ZERO) + line_adjusted
        if claim.lines and claim.charge - claim.payment != adjusted:
            raise X12Error(
                f"835 claim {claim.patient_control_number}: charge {claim.charge} - payment "
                f"{claim.payment} != adjustments {adjusted}"
            )
    paid = sum((c.payment for c in advice.claims), ZERO)
    taken = sum((i.amount for p in advice.provider_adjustments for i in p.items), ZERO)
    if advice.payment.amount != paid - taken:
        raise X12Error(
            f"835 BPR02 {advice.payment.amount} != claims paid {paid} - provider "
            f"adjustments {taken}"
        )


def build_835(
    advice: RemittanceAdvice,
    control_number: str,
    delimiters: Delimiters | None = None,
) -> list[Segment]:
    check_balanced(advice)
    if advice.payment.trace is None:
        raise X12Error("835: the payment needs its TRN trace (check or EFT number)")
    make = SegmentMaker(delimiters)
    body = [_bpr(make, advice), _trn(make, advice)]
    if advice.production_date is not None:
        body.append(make("DTM", "405", ccyymmdd(advice.production_date)))
    payer = advice.payer
    # N103 takes only XV (CMS plan ID); any other payer ID goes in REF*2U.
    plan_id = payer.id if payer.id_qualifier == "XV" else ""
    body.append(make("N1", "PR", payer.name, "XV" if plan_id else "", plan_id))
    body.extend(build_address(make, payer.address))
    if payer.id and not plan_id:
        body.append(make("REF", "2U", payer.id))
    body.extend(build_refs(make, payer.references))
    body.append(build_per(make, "BL", advice.payer_contact))
    payee = advice.payee
    body.append(make("N1", "PE", payee.name, payee.id_qualifier, payee.id))
    body.extend(build_address(make, payee.address))
    body.extend(build_refs(make, payee.references))
    for header, claims in _headers(advice.claims):
        body.append(make("LX", header))
        for claim in claims:
            body.extend(_claim(make, claim))
    for plb in advice.provider_adjustments:
        body.extend(_plb(make, plb))
    return build_transaction_set("835", VERSION, body, control_number, make.delimiters)


def _bpr(make: SegmentMaker, advice: RemittanceAdvice) -> Segment:
    pay = advice.payment
    bank = advice.bank
    accounts: list[str] = [""] * 10
    if bank is not None:
        accounts = [
            bank.sender_dfi_qualifier,
            bank.sender_dfi,
            bank.sender_account_qualifier,
            bank.sender_account,
            bank.originator_company_id,
            bank.originator_supplemental,
            bank.receiver_dfi_qualifier,
            bank.receiver_dfi,
            bank.receiver_account_qualifier,
            bank.receiver_account,
        ]
    elif pay.method in ("ACH", "BOP", "FWT"):
        raise X12Error(f"835 BPR04 {pay.method}: the bank accounts (BPR06-BPR15) are required")
    return make(
        "BPR",
        pay.handling,
        money(pay.amount),
        pay.credit_debit,
        pay.method,
        pay.format,
        *accounts,
        ccyymmdd(pay.date),
    )


def _trn(make: SegmentMaker, advice: RemittanceAdvice) -> Segment:
    trace = advice.payment.trace
    assert trace is not None
    return make("TRN", trace.type or "1", trace.reference, trace.originator, trace.secondary)


def _headers(claims: tuple[ClaimPayment, ...]) -> Iterator[tuple[str, list[ClaimPayment]]]:
    """Runs of claims with the same LX header number (1 when none is given)."""
    current: list[ClaimPayment] = []
    key = ""
    for claim in claims:
        header = claim.header_number or "1"
        if current and header != key:
            yield key, current
            current = []
        key = header
        current.append(claim)
    if current:
        yield key, current


def _cas(make: SegmentMaker, adjustments: tuple[Adjustment, ...]) -> list[Segment]:
    """CAS segments in input order: a new one when the group changes or after 6 triplets."""
    out: list[Segment] = []
    group = ""
    triplets: list[str] = []
    for adj in adjustments:
        if triplets and (adj.group != group or len(triplets) == 18):
            out.append(make("CAS", group, *triplets))
            triplets = []
        group = adj.group
        triplets += [adj.reason, money(adj.amount), number(adj.quantity)]
    if triplets:
        out.append(make("CAS", group, *triplets))
    return out


def _nm1(make: SegmentMaker, entity: str, party: Party | None) -> list[Segment]:
    if party is None:
        return []
    return [
        make(
            "NM1",
            entity,
            party.entity_type or "1",
            party.name,
            party.first_name,
            party.middle_name,
            "",
            party.suffix,
            party.id_qualifier,
            party.id,
        )
    ]


def _dtm(make: SegmentMaker, dates: tuple[DatePeriod, ...]) -> list[Segment]:
    return [make("DTM", item.qualifier, ccyymmdd(item.start)) for item in dates]


def _amounts(make: SegmentMaker, items: tuple[Amount, ...]) -> list[Segment]:
    return [make("AMT", item.qualifier, money(item.amount)) for item in items]


def _quantities(make: SegmentMaker, items: tuple[Quantity, ...]) -> list[Segment]:
    return [make("QTY", item.qualifier, number(item.quantity)) for item in items]


def _claim(make: SegmentMaker, claim: ClaimPayment) -> list[Segment]:
    if claim.patient is None:
        raise X12Error(
            f"835 claim {claim.patient_control_number}: the patient (NM1*QC) is required"
        )
    out = [
        make(
            "CLP",
            claim.patient_control_number,
            claim.status,
            money(claim.charge),
            money(claim.payment),
            money(claim.patient_responsibility),
            claim.filing_indicator,
            claim.payer_claim_number,
            claim.facility_type,
            claim.frequency,
            "",
            claim.drg,
        )
    ]
    out.extend(_cas(make, claim.adjustments))
    out.extend(_nm1(make, "QC", claim.patient))
    out.extend(_nm1(make, "IL", claim.insured))
    out.extend(_nm1(make, "74", claim.corrected_patient))
    out.extend(_nm1(make, "82", claim.service_provider))
    out.extend(_nm1(make, "TT", claim.crossover_carrier))
    out.extend(_nm1(make, "PR", claim.corrected_payer))
    out.extend(_nm1(make, "GB", claim.other_subscriber))
    out.extend(build_refs(make, claim.references))
    out.extend(_dtm(make, claim.dates))
    out.extend(_amounts(make, claim.amounts))
    out.extend(_quantities(make, claim.quantities))
    for line in claim.lines:
        out.extend(_line(make, line))
    return out


def _composite(proc: Procedure | None) -> tuple[str, ...] | str:
    if proc is None:
        return ""
    return procedure(proc.qualifier, proc.code, proc.modifiers, proc.description)


def _line(make: SegmentMaker, line: ServiceLine) -> list[Segment]:
    out = [
        make(
            "SVC",
            _composite(line.procedure),
            money(line.charge),
            money(line.payment),
            line.revenue_code,
            number(line.units),
            _composite(line.original_procedure),
            number(line.original_units),
        )
    ]
    out.extend(_dtm(make, line.dates))
    out.extend(_cas(make, line.adjustments))
    out.extend(build_refs(make, line.references))
    out.extend(_amounts(make, line.amounts))
    out.extend(_quantities(make, line.quantities))
    out.extend(make("LQ", remark.qualifier, remark.code) for remark in line.remarks)
    return out


def _plb(make: SegmentMaker, plb: ProviderAdjustment) -> list[Segment]:
    out = []
    items = list(plb.items)
    for start in range(0, len(items), 6):
        pairs: list[str | tuple[str, ...]] = []
        for item in items[start : start + 6]:
            pairs += [(item.reason, item.reference), money(item.amount)]
        out.append(make("PLB", plb.provider_id, ccyymmdd(plb.fiscal_period_end), *pairs))
    return out
