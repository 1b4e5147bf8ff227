"""Builders of the 276 claim status request, the 277 response (005010X212) and the 277CA
claim acknowledgment (005010X214).

HL levels: 20 payer (2100A), 21 information receiver (2100B), 19 provider (2100C),
22 subscriber (2100D; in a 277CA, PT patient), 23 dependent (2100E); the claims are the
2200D/E loops and their lines 2210D/E (276) or 2220D/E (277).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from finclear.x12.build.envelope import build_transaction_set
from finclear.x12.build.parties import (
    Organization,
    Person,
    build_dmg,
    build_nm1_org,
    build_nm1_person,
)
from finclear.x12.build.segments import (
    Element,
    Hierarchy,
    SegmentMaker,
    ccyymmdd,
    hhmm,
    money,
    number,
    period,
    procedure,
)
from finclear.x12.errors import X12Error
from finclear.x12.tree import Delimiters, Segment
from finclear.x12.views.claim_status import LineStatus, Status, StatusCode
from finclear.x12.views.common import Trace

CLAIM_STATUS = "005010X212"
CLAIM_ACK = "005010X214"
ZERO = Decimal("0")
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})


@dataclass(frozen=True, slots=True)
class ClaimQuery:
    """One claim of a 276 (``statuses`` empty) or of a 277/277CA (with its statuses)."""

    trace: Trace  # 276: TRN*1, the inquiry's; 277: TRN*2 echoing it; 277CA: TRN*2 = CLM01
    charge: Decimal | None = None  # 276 AMT*T3; 277/277CA STC04
    service_from: date | None = None  # DTP*472
    service_to: date | None = None
    payer_claim_number: str = ""  # REF*1K
    bill_type: str = ""  # REF*BLT (institutional)
    patient_account: str = ""  # REF*EJ
    statuses: tuple[Status, ...] = ()
    lines: tuple[LineStatus, ...] = ()


@dataclass(frozen=True, slots=True)
class PatientClaims:
    subscriber: Person
    claims: tuple[ClaimQuery, ...]
    dependent: Person | None = None  # the patient, when not the subscriber (not in a 277CA)


@dataclass(frozen=True, slots=True)
class ProviderClaims:
    provider: Organization  # 2100C: NM1*1P (276/277) or NM1*85 (277CA), id qualifier XX
    patients: tuple[PatientClaims, ...]
    trace: Trace | None = None  # 277CA 2200C TRN*1
    statuses: tuple[Status, ...] = ()  # 277CA 2200C STC


@dataclass(frozen=True, slots=True)
class ClaimStatusExchange:
    """A 276, 277 or 277CA: who asks or answers, and the claims by provider."""

    reference: str  # BHT03
    created: datetime
    payer: Organization  # 2100A NM1*PR
    receiver: Organization  # 2100B NM1*41
    providers: tuple[ProviderClaims, ...]
    source_trace: Trace | None = None  # 277CA 2200A TRN*1 (the batch)
    received: date | None = None  # 277CA DTP*050
    processed: date | None = None  # 277CA DTP*009
    receiver_trace: Trace | None = None  # 277CA 2200B TRN*2
    receiver_statuses: tuple[Status, ...] = ()  # 277CA 2200B STC


def build_276(
    request: ClaimStatusExchange, control_number: str, delimiters: Delimiters | None = None
) -> list[Segment]:
    make = SegmentMaker(delimiters)
    body = [_bht(make, "13", request, "")]
    body.extend(_claims_tree(make, request, "276"))
    return build_transaction_set("276", CLAIM_STATUS, body, control_number, make.delimiters)


def build_277(
    response: ClaimStatusExchange, control_number: str, delimiters: Delimiters | None = None
) -> list[Segment]:
    make = SegmentMaker(delimiters)
    body = [_bht(make, "08", response, "DG")]
    body.extend(_claims_tree(make, response, "277"))
    return build_transaction_set("277", CLAIM_STATUS, body, control_number, make.delimiters)


def build_277ca(
    ack: ClaimStatusExchange, control_number: str, delimiters: Delimiters | None = None
) -> list[Segment]:
    for provider in ack.providers:
        for patient in provider.patients:
            if patient.dependent is not None:
                raise X12Error("277CA: the patient level has no dependent: name the patient")
            for claim in patient.claims:
                if not claim.statuses:
                    raise X12Error(f"277CA claim {claim.trace.reference}: a status is required")
                for line in claim.lines:
                    if any(status.action != "U" for status in line.statuses):
                        raise X12Error(
                            f"277CA claim {claim.trace.reference}: a line status reports a "
                            "rejected line (STC03 = U)"
                        )
        if provider.trace is None or not provider.statuses:
            raise X12Error("277CA: each provider needs its trace and status (2200C TRN, STC)")
    if ack.source_trace is None or ack.receiver_trace is None:
        raise X12Error("277CA: the source (2200A) and receiver (2200B) traces are required")
    make = SegmentMaker(delimiters)
    body = [_bht(make, "08", ack, "TH")]
    body.extend(_claims_tree(make, ack, "277CA"))
    return build_transaction_set("277", CLAIM_ACK, body, control_number, make.delimiters)


def _bht(make: SegmentMaker, purpose: str, exchange: ClaimStatusExchange, kind: str) -> Segment:
    created = exchange.created
    structure = "0085" if kind == "TH" else "0010"
    return make(
        "BHT", structure, purpose, exchange.reference, ccyymmdd(created.date()), hhmm(created), kind
    )


def _trn(make: SegmentMaker, trace: Trace) -> Segment:
    return make("TRN", trace.type, trace.reference, trace.originator, trace.secondary)


def _stc(
    make: SegmentMaker, status: Status, action: bool = True, money_etc: bool = True
) -> Segment:
    """STC; ``action`` False leaves STC03 out (X212), ``money_etc`` False STC04-STC09
    (service lines, whose guides do not use them)."""
    if not status.codes:
        raise X12Error("STC: a status needs at least one category and status code")

    def composite(code: StatusCode) -> tuple[str, ...]:
        return (code.category, code.code, code.entity, code.code_list)

    first, *more = status.codes
    if len(more) > 2:
        raise X12Error("STC: at most three status codes fit one STC (STC01, STC10, STC11)")
    extra: list[Element] = [composite(code) for code in more]
    return make(
        "STC",
        composite(first),
        ccyymmdd(status.effective),
        status.action if action else "",
        *(
            (
                money(status.charge),
                money(status.payment),
                ccyymmdd(status.adjudicated),
                status.payment_method,
                ccyymmdd(status.check_date),
                status.check_number,
            )
            if money_etc
            else ("",) * 6
        ),
        *extra,
        *([""] * (2 - len(extra))),
        status.message,
    )


def _counts(exchange: ClaimStatusExchange, make: SegmentMaker) -> list[Segment]:
    """277CA 2200B: how many claims and how much were accepted and rejected."""
    accepted_n = rejected_n = 0
    accepted, rejected = ZERO, ZERO
    for provider in exchange.providers:
        for patient in provider.patients:
            for claim in patient.claims:
                if claim.statuses[0].category in REJECTED_CATEGORIES:
                    rejected_n += 1
                    rejected += claim.charge or ZERO
                else:
                    accepted_n += 1
                    accepted += claim.charge or ZERO
    out = []
    if accepted_n:
        out.append(make("QTY", "90", str(accepted_n)))
    if rejected_n:
        out.append(make("QTY", "AA", str(rejected_n)))
    if accepted_n:
        out.append(make("AMT", "YU", money(accepted)))
    if rejected_n:
        out.append(make("AMT", "YY", money(rejected)))
    return out


def _claims_tree(make: SegmentMaker, exchange: ClaimStatusExchange, kind: str) -> list[Segment]:
    tree = Hierarchy(make)
    ack = kind == "277CA"
    hl, source_id = tree.hl("", "20", True)
    out = [hl, build_nm1_org(make, "PR", exchange.payer)]
    if ack:
        assert exchange.source_trace is not None
        out.append(_trn(make, exchange.source_trace))
        if exchange.received:
            out.append(make("DTP", "050", "D8", ccyymmdd(exchange.received)))
        if exchange.processed:
            out.append(make("DTP", "009", "D8", ccyymmdd(exchange.processed)))
    hl, receiver_id = tree.hl(source_id, "21", bool(exchange.providers))
    out += [hl, build_nm1_org(make, "41", exchange.receiver)]
    if ack:
        assert exchange.receiver_trace is not None
        out.append(_trn(make, exchange.receiver_trace))
        out.extend(_stc(make, status) for status in exchange.receiver_statuses)
        out.extend(_counts(exchange, make))
    for provider in exchange.providers:
        hl, provider_id = tree.hl(receiver_id, "19", bool(provider.patients))
        out += [hl, build_nm1_org(make, "85" if ack else "1P", provider.provider)]
        if ack and provider.trace is not None:
            out.append(_trn(make, provider.trace))
            out.extend(_stc(make, status) for status in provider.statuses)
        for patient in provider.patients:
            out.extend(_patient(make, tree, provider_id, patient, kind))
    return out


def _patient(
    make: SegmentMaker, tree: Hierarchy, parent: str, patient: PatientClaims, kind: str
) -> list[Segment]:
    out: list[Segment] = []
    if kind == "277CA":
        hl, _ = tree.hl(parent, "PT", None)
        out += [hl, build_nm1_person(make, "QC", patient.subscriber)]
        for claim in patient.claims:
            out.extend(_claim(make, claim, kind))
        return out
    dependent = patient.dependent
    hl, sub_id = tree.hl(parent, "22", dependent is not None)
    out.append(hl)
    if kind == "276" and dependent is None:
        out.extend(build_dmg(make, patient.subscriber))
    out.append(build_nm1_person(make, "IL", patient.subscriber))
    if dependent is None:
        for claim in patient.claims:
            out.extend(_claim(make, claim, kind))
        return out
    hl, _ = tree.hl(sub_id, "23", False)
    out.append(hl)
    if kind == "276":
        out.extend(build_dmg(make, dependent))
    out.append(
        build_nm1_person(
            make,
            "QC",
            Person(
                dependent.last_name, dependent.first_name, dependent.middle_name, dependent.suffix
            ),
        )
    )
    for claim in patient.claims:
        out.extend(_claim(make, claim, kind))
    return out


def _claim(make: SegmentMaker, claim: ClaimQuery, kind: str) -> list[Segment]:
    out = [_trn(make, claim.trace)]
    out.extend(_stc(make, status, action=kind == "277CA") for status in claim.statuses)
    for qualifier, value in (
        ("1K", claim.payer_claim_number),
        ("BLT", claim.bill_type),
        ("EJ", claim.patient_account),
    ):
        if value:
            out.append(make("REF", qualifier, value))
    if kind == "276" and claim.charge is not None:
        out.append(make("AMT", "T3", money(claim.charge)))
    if claim.service_from is not None:
        out.append(make("DTP", "472", *period(claim.service_from, claim.service_to)))
    for line in claim.lines:
        out.extend(_line(make, line, kind))
    return out


def _line(make: SegmentMaker, line: LineStatus, kind: str) -> list[Segment]:
    proc = line.procedure
    out = [
        make(
            "SVC",
            procedure(proc.qualifier, proc.code, proc.modifiers) if proc else "",
            money(line.charge),
            money(line.payment) if kind == "277" else "",
            line.revenue_code,
            "",
            "",
            number(line.units),
        )
    ]
    out.extend(
        _stc(make, status, action=kind == "277CA", money_etc=False) for status in line.statuses
    )
    if line.control_number:
        out.append(make("REF", "FJ", line.control_number))
    service = next((d for d in line.dates if d.qualifier == "472"), None)
    if service is not None:
        out.append(make("DTP", "472", *period(service.start, service.end)))
    return out
