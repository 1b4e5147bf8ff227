"""Builders of the 270 eligibility inquiry and the 271 response (005010X279A1).

Loops in guide order: 2000A/2100A payer, 2000B/2100B provider, 2000C/2100C subscriber
(2110C inquiries or benefits), 2000D/2100D dependent (2110D) when the patient is a dependent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from finclear.x12.build.envelope import build_transaction_set
from finclear.x12.build.parties import (
    Organization,
    Person,
    build_address,
    build_dmg,
    build_nm1_org,
    build_nm1_person,
    build_refs,
)
from finclear.x12.build.segments import (
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
from finclear.x12.views.common import DatePeriod, RequestError, Trace
from finclear.x12.views.eligibility import Benefit, Inquiry

VERSION = "005010X279A1"


@dataclass(frozen=True, slots=True)
class EligibilityQuestion:
    """One 270 subscriber (and dependent, when the patient is a dependent)."""

    trace: Trace  # TRN*1: the provider's own trace number
    subscriber: Person
    dependent: Person | None = None
    relationship: str = ""  # the dependent's INS02: 01 spouse, 19 child, 34 other adult
    dates: tuple[DatePeriod, ...] = ()  # DTP 291 (the date of service asked about)
    inquiries: tuple[Inquiry, ...] = (Inquiry(service_types=("30",)),)


@dataclass(frozen=True, slots=True)
class EligibilityRequest:
    reference: str  # BHT03
    created: datetime  # BHT04/05
    payer: Organization  # 2100A, NM1*PR
    provider: Organization  # 2100B, NM1*1P (or FA facility)
    questions: tuple[EligibilityQuestion, ...]
    provider_entity: str = "1P"


@dataclass(frozen=True, slots=True)
class MemberAnswer:
    """What a 271 says about one subscriber or dependent."""

    person: Person
    traces: tuple[Trace, ...] = ()  # TRN*2 echoing the 270's, TRN*1 the payer's own
    relationship: str = ""  # INS02 (dependent: 01, 19, 34...)
    dates: tuple[DatePeriod, ...] = ()  # DTP 346/347/356/357/291...
    errors: tuple[RequestError, ...] = ()  # AAA of 2100C/D (their loop field is not written)
    benefits: tuple[Benefit, ...] = ()


@dataclass(frozen=True, slots=True)
class EligibilityAnswer:
    subscriber: MemberAnswer
    dependent: MemberAnswer | None = None


@dataclass(frozen=True, slots=True)
class EligibilityResponse:
    reference: str  # BHT03, echoing the 270's
    created: datetime
    payer: Organization
    provider: Organization
    answers: tuple[EligibilityAnswer, ...] = ()
    source_errors: tuple[RequestError, ...] = ()  # 2000A AAA: the payer could not answer
    receiver_errors: tuple[RequestError, ...] = ()  # 2100B AAA: the provider is not known
    provider_entity: str = "1P"


def build_270(
    request: EligibilityRequest, control_number: str, delimiters: Delimiters | None = None
) -> list[Segment]:
    if not request.questions:
        raise X12Error("270: at least one subscriber must be asked about")
    make = SegmentMaker(delimiters)
    tree = Hierarchy(make)
    body = [_bht(make, "13", request.reference, request.created)]
    body.extend(
        _source_and_receiver(
            make, tree, request.payer, request.provider, request.provider_entity, (), ()
        )
    )
    receiver_id = "2"
    for question in request.questions:
        dependent = question.dependent
        hl, sub_id = tree.hl(receiver_id, "22", dependent is not None)
        body.append(hl)
        if dependent is None:
            body.append(_trn(make, question.trace))
        body.extend(_person(make, "IL", question.subscriber))
        if dependent is None:
            body.extend(_dates(make, question.dates))
            body.extend(_inquiry(make, item) for item in question.inquiries)
            continue
        hl, _ = tree.hl(sub_id, "23", False)
        body.append(hl)
        body.append(_trn(make, question.trace))
        body.extend(_person(make, "03", dependent))
        if question.relationship:
            body.append(make("INS", "N", question.relationship))
        body.extend(_dates(make, question.dates))
        body.extend(_inquiry(make, item) for item in question.inquiries)
    return build_transaction_set("270", VERSION, body, control_number, make.delimiters)


def build_271(
    response: EligibilityResponse, control_number: str, delimiters: Delimiters | None = None
) -> list[Segment]:
    make = SegmentMaker(delimiters)
    tree = Hierarchy(make)
    body = [_bht(make, "11", response.reference, response.created)]
    body.extend(
        _source_and_receiver(
            make,
            tree,
            response.payer,
            response.provider,
            response.provider_entity,
            response.source_errors,
            response.receiver_errors,
            has_subscribers=bool(response.answers),
        )
    )
    for answer in response.answers:
        hl, sub_id = tree.hl("2", "22", answer.dependent is not None)
        body.append(hl)
        body.extend(_answer(make, "IL", answer.subscriber, "Y"))
        if answer.dependent is not None:
            hl, _ = tree.hl(sub_id, "23", False)
            body.append(hl)
            body.extend(_answer(make, "03", answer.dependent, "N"))
    return build_transaction_set("271", VERSION, body, control_number, make.delimiters)


def _bht(make: SegmentMaker, purpose: str, reference: str, created: datetime) -> Segment:
    return make("BHT", "0022", purpose, reference, ccyymmdd(created.date()), hhmm(created))


def _source_and_receiver(
    make: SegmentMaker,
    tree: Hierarchy,
    payer: Organization,
    provider: Organization,
    provider_entity: str,
    source_errors: tuple[RequestError, ...],
    receiver_errors: tuple[RequestError, ...],
    has_subscribers: bool = True,
) -> list[Segment]:
    hl, source_id = tree.hl("", "20", True)
    out = [hl, *_aaa(make, source_errors), build_nm1_org(make, "PR", payer)]
    hl, _ = tree.hl(source_id, "21", has_subscribers)
    out.append(hl)
    out.append(build_nm1_org(make, provider_entity, provider))
    out.extend(build_refs(make, provider.references))
    out.extend(build_address(make, provider.address))
    out.extend(_aaa(make, receiver_errors))
    return out


def _trn(make: SegmentMaker, trace: Trace) -> Segment:
    return make("TRN", trace.type, trace.reference, trace.originator, trace.secondary)


def _person(make: SegmentMaker, entity: str, person: Person) -> list[Segment]:
    out = [build_nm1_person(make, entity, person)]
    out.extend(build_refs(make, person.references))
    out.extend(build_address(make, person.address))
    out.extend(build_dmg(make, person))
    return out


def _dates(make: SegmentMaker, dates: tuple[DatePeriod, ...]) -> list[Segment]:
    return [make("DTP", item.qualifier, *period(item.start, item.end)) for item in dates]


def _aaa(make: SegmentMaker, errors: tuple[RequestError, ...]) -> list[Segment]:
    return [make("AAA", e.valid_request, "", e.code, e.follow_up) for e in errors]


def _inquiry(make: SegmentMaker, inquiry: Inquiry) -> Segment:
    proc = inquiry.procedure
    return make(
        "EQ",
        list(inquiry.service_types),
        procedure(proc.qualifier, proc.code, proc.modifiers) if proc else "",
        inquiry.coverage_level,
    )


def _answer(make: SegmentMaker, entity: str, member: MemberAnswer, insured: str) -> list[Segment]:
    out = [_trn(make, trace) for trace in member.traces]
    person = member.person
    out.append(build_nm1_person(make, entity, person))
    out.extend(build_refs(make, person.references))
    out.extend(build_address(make, person.address))
    out.extend(_aaa(make, member.errors))
    out.extend(build_dmg(make, person))
    if member.relationship:
        out.append(make("INS", insured, member.relationship))
    out.extend(_dates(make, member.dates))
    for benefit in member.benefits:
        out.extend(_benefit(make, benefit))
    return out


# The elements of a benefit's segments (EB and what goes under it), by delimiters and
# benefit: a payer answers the same benefit for member after member. The segments are made
# anew from them each time (a transaction numbers its own). Cleared when full.
_BENEFIT_ELEMENTS: dict[tuple[Delimiters, Benefit], tuple[tuple[str, ...], ...]] = {}
MAX_CACHED = 20_000


def _benefit(make: SegmentMaker, benefit: Benefit) -> list[Segment]:
    key = (make.delimiters, benefit)
    found = _BENEFIT_ELEMENTS.get(key)
    if found is None:
        segments = _build_benefit(make, benefit)
        if len(_BENEFIT_ELEMENTS) >= MAX_CACHED:
            _BENEFIT_ELEMENTS.clear()
        _BENEFIT_ELEMENTS[key] = tuple(tuple(seg.elements) for seg in segments)
        return segments
    delimiters = make.delimiters
    return [Segment(list(elements), delimiters=delimiters) for elements in found]


def _build_benefit(make: SegmentMaker, benefit: Benefit) -> list[Segment]:
    proc = benefit.procedure
    out = [
        make(
            "EB",
            benefit.info_code,
            benefit.coverage_level,
            list(benefit.service_types),
            benefit.insurance_type,
            benefit.plan_description,
            benefit.time_period,
            money(benefit.amount),
            number(benefit.percent),
            benefit.quantity_qualifier,
            number(benefit.quantity),
            benefit.authorization_required,
            benefit.in_plan_network,
            procedure(proc.qualifier, proc.code, proc.modifiers) if proc else "",
            tuple(benefit.diagnosis_pointers),
        )
    ]
    out.extend(build_refs(make, benefit.references))
    out.extend(_dates(make, benefit.dates))
    out.extend(_aaa(make, benefit.errors))
    out.extend(make("MSG", message) for message in benefit.messages)
    out.extend(
        make("III", info.qualifier, info.code, info.category, info.text)
        for info in benefit.additional_info
    )
    if benefit.related_entities:
        out.append(make("LS", "2120"))
        for party in benefit.related_entities:
            out.append(
                make(
                    "NM1",
                    party.entity,
                    party.entity_type,
                    party.name,
                    party.first_name,
                    party.middle_name,
                    "",
                    party.suffix,
                    party.id_qualifier,
                    party.id,
                )
            )
            if party.address is not None:
                out.extend(build_address(make, party.address))
        out.append(make("LE", "2120"))
    return out
