"""Builders of the 278 request for review and its response (005010X217).

Loops in guide order: 2000A/2010A UMO, 2000B/2010B requester, 2000C/2010C subscriber,
2000D/2010D dependent (when the patient is a dependent), then one 2000E patient event per
``ReviewEvent`` (its providers in 2010EA) with one 2000F service per requested service (its
providers in 2010FA). 2000E hangs under 2000D when there is a dependent, else under 2000C.

The request and the response share the loop structure; the response adds AAA (request
validation) and HCR (the decision) and the certification dates (DTP 102, 036, 007), and
writes its REF segments in the response's order (NT before BB).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from finclear.x12.build.envelope import build_transaction_set
from finclear.x12.build.parties import (
    Contact,
    Organization,
    Person,
    build_address,
    build_dmg,
    build_nm1_org,
    build_nm1_person,
    build_per,
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
from finclear.x12.views.authorization import Decision, Diagnosis, ServiceDelivery
from finclear.x12.views.common import (
    DatePeriod,
    Party,
    Procedure,
    Reference,
    RequestError,
    Trace,
)

VERSION = "005010X217"

# BHT02 of a request for review, of a cancellation of one, and of a response.
PURPOSE_REQUEST = "13"
PURPOSE_CANCELLATION = "01"
PURPOSE_RESPONSE = "11"

# DTP qualifiers each level may carry, in the guide's segment order.
EVENT_DATES_REQUEST = ("439", "484", "ABC", "431", "AAH", "435", "096")
EVENT_DATES_RESPONSE = (*EVENT_DATES_REQUEST, "102", "036", "007")
SERVICE_DATES_REQUEST = ("472",)
SERVICE_DATES_RESPONSE = ("472", "102", "036", "007")
# Qualifiers written as one day only (D8) by the guide.
SINGLE_DAY_DATES = frozenset({"439", "484", "ABC", "431", "096", "102", "036"})


@dataclass(frozen=True, slots=True)
class ReviewProvider:
    """A provider named at the event (2010EA) or service (2010FA) level."""

    party: Party  # NM1 (NM101 e.g. SJ service provider, FA facility, 71 attending) with N3/N4
    references: tuple[Reference, ...] = ()
    contact: Contact | None = None  # PER*IC
    role: str = ""  # PRV01: AD admitting, AT attending, OP operating, PE performing, RF referring
    taxonomy: str = ""  # PRV03, NUCC code (PRV02 = PXC)
    errors: tuple[RequestError, ...] = ()  # AAA, response only


@dataclass(frozen=True, slots=True)
class Attachment:
    """A PWK: supporting documentation sent separately (request only)."""

    report_type: str  # PWK01, e.g. 04 drugs administered, 09 progress report, OZ support data
    transmission: str  # PWK02: AA available on request, BM by mail, EL electronically, FX fax...
    control_number: str = ""  # PWK06, with PWK05 = AC
    description: str = ""  # PWK07


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """What one patient event (2000E) or one service (2000F) asks for, or was told.

    A service is professional (SV1) when it has a ``procedure`` and no ``revenue_code``,
    institutional (SV2) when it has a ``revenue_code``; an event carries no service line.
    """

    request_category: str = "HS"  # UM01: AR admission review, HS health services, SC referral
    certification_type: str = "I"  # UM02: I initial, R renewal, S revised, 3 cancel, 4 extension
    service_type: str = ""  # UM03 (X12 service type code)
    facility: tuple[str, ...] = ()  # UM04: (place of service code, "B")
    level_of_service: str = ""  # UM06: E elective, U urgent, 03 emergency
    traces: tuple[Trace, ...] = ()
    decision: Decision | None = None  # HCR, response only
    references: tuple[Reference, ...] = ()  # REF BB previous authorization, NT admin reference
    dates: tuple[DatePeriod, ...] = ()
    diagnoses: tuple[Diagnosis, ...] = ()  # event only
    procedure: Procedure | None = None
    revenue_code: str = ""
    charge: Decimal | None = None
    unit: str = "UN"  # SV103 / SV204: UN units, MJ minutes (SV1), DA days (SV2)
    quantity: Decimal | None = None
    delivery: ServiceDelivery | None = None  # HSD
    attachments: tuple[Attachment, ...] = ()  # request only
    messages: tuple[str, ...] = ()  # MSG (at most one)
    providers: tuple[ReviewProvider, ...] = ()
    errors: tuple[RequestError, ...] = ()  # AAA, response only


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    event: ReviewItem
    services: tuple[ReviewItem, ...] = ()


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """A 278 request for review: who asks whom, about whom, for what."""

    reference: str  # BHT03, the submitter's transaction identifier
    created: datetime  # BHT04/05
    umo: Organization  # 2010A, NM1*X3
    requester: Organization  # 2010B, NM1*1P (provider) or FA (facility)
    subscriber: Person  # 2010C, NM1*IL
    events: tuple[ReviewEvent, ...]
    dependent: Person | None = None  # 2010D, NM1*03
    relationship: str = ""  # the dependent's INS02: 01 spouse, 19 child, 34 other adult...
    requester_entity: str = "1P"
    requester_contact: Contact | None = None
    requester_role: str = ""  # PRV01 of 2010B
    requester_taxonomy: str = ""
    purpose: str = PURPOSE_REQUEST


@dataclass(frozen=True, slots=True)
class ReviewResponse:
    """A 278 response: the request's parties and events echoed with the UMO's decisions."""

    reference: str  # BHT03, echoing the request's
    created: datetime
    umo: Organization
    requester: Organization
    subscriber: Person
    events: tuple[ReviewEvent, ...] = ()
    dependent: Person | None = None
    relationship: str = ""
    requester_entity: str = "1P"
    umo_contact: Contact | None = None  # PER*IC of 2010A
    response_type: str = ""  # BHT06: 18 no further updates to follow
    source_errors: tuple[RequestError, ...] = ()  # 2000A AAA: the UMO could not answer
    umo_errors: tuple[RequestError, ...] = ()  # 2010A AAA
    requester_errors: tuple[RequestError, ...] = ()  # 2010B AAA
    subscriber_errors: tuple[RequestError, ...] = ()  # 2010C AAA
    dependent_errors: tuple[RequestError, ...] = ()  # 2010D AAA


def build_278_request(
    request: ReviewRequest, control_number: str, delimiters: Delimiters | None = None
) -> list[Segment]:
    """The 278 request for review (BHT02 13, or 01 to cancel a request)."""
    if request.purpose not in (PURPOSE_REQUEST, PURPOSE_CANCELLATION):
        raise X12Error(f"278 request: purpose {request.purpose!r} is not 13 or 01")
    if not request.events:
        raise X12Error("278 request: at least one patient event (2000E) is required")
    make = SegmentMaker(delimiters)
    tree = Hierarchy(make)
    body = [_bht(make, request.purpose, request.reference, request.created, "")]
    hl, umo_id = tree.hl("", "20", True)
    body += [hl, _nm1_org(make, "X3", request.umo)]
    hl, requester_id = tree.hl(umo_id, "21", True)
    body += [hl, _nm1_org(make, request.requester_entity, request.requester)]
    body += build_refs(make, request.requester.references)
    body += build_address(make, request.requester.address)
    if request.requester_contact is not None:
        body.append(build_per(make, "IC", request.requester_contact))
    body += _prv(make, request.requester_role, request.requester_taxonomy)
    patient_id = _members(make, tree, body, request, requester_id)
    for item in request.events:
        body += _event(make, tree, patient_id, item, response=False)
    return build_transaction_set("278", VERSION, body, control_number, make.delimiters)


def build_278_response(
    response: ReviewResponse, control_number: str, delimiters: Delimiters | None = None
) -> list[Segment]:
    """The 278 response (BHT02 11): decisions (HCR) per event and service."""
    make = SegmentMaker(delimiters)
    tree = Hierarchy(make)
    body = [
        _bht(make, PURPOSE_RESPONSE, response.reference, response.created, response.response_type)
    ]
    hl, umo_id = tree.hl("", "20", True)
    body += [hl, *_aaa(make, response.source_errors), _nm1_org(make, "X3", response.umo)]
    if response.umo_contact is not None:
        body.append(build_per(make, "IC", response.umo_contact))
    body += _aaa(make, response.umo_errors)
    hl, requester_id = tree.hl(umo_id, "21", True)
    body += [hl, _nm1_org(make, response.requester_entity, response.requester)]
    body += build_refs(make, response.requester.references)
    body += _aaa(make, response.requester_errors)
    patient_id = _members(make, tree, body, response, requester_id)
    for item in response.events:
        body += _event(make, tree, patient_id, item, response=True)
    return build_transaction_set("278", VERSION, body, control_number, make.delimiters)


def _bht(
    make: SegmentMaker, purpose: str, reference: str, created: datetime, response_type: str
) -> Segment:
    if created.tzinfo is None:
        raise X12Error("278: created must be a timezone-aware datetime", segment_id="BHT")
    return make(
        "BHT", "0007", purpose, reference, ccyymmdd(created.date()), hhmm(created), response_type
    )


def _nm1_org(make: SegmentMaker, entity: str, org: Organization) -> Segment:
    if not org.id:
        raise X12Error(f"278: {entity} {org.name!r} needs an identifier (NM109)", segment_id="NM1")
    return build_nm1_org(make, entity, org)


def _prv(make: SegmentMaker, role: str, taxonomy: str) -> list[Segment]:
    return [make("PRV", role, "PXC", taxonomy)] if role and taxonomy else []


def _aaa(make: SegmentMaker, errors: tuple[RequestError, ...]) -> list[Segment]:
    return [make("AAA", e.valid_request, "", e.code, e.follow_up) for e in errors]


def _members(
    make: SegmentMaker,
    tree: Hierarchy,
    body: list[Segment],
    message: ReviewRequest | ReviewResponse,
    requester_id: str,
) -> str:
    """Append 2000C (and 2000D); return the HL01 the patient events hang under."""
    subscriber = message.subscriber
    if not subscriber.member_id:
        raise X12Error("278: the subscriber needs a member ID (NM109)", segment_id="NM1")
    hl, sub_id = tree.hl(requester_id, "22", True)
    body += [hl, build_nm1_person(make, "IL", subscriber)]
    body += build_refs(make, subscriber.references)
    body += build_address(make, subscriber.address)
    if isinstance(message, ReviewResponse):
        body += _aaa(make, message.subscriber_errors)
    body += _dmg(make, subscriber)
    dependent = message.dependent
    if dependent is None:
        return sub_id
    hl, dep_id = tree.hl(sub_id, "23", True)
    # NM108/NM109 are not used for a dependent: the subscriber's member ID identifies both.
    body += [hl, build_nm1_person(make, "03", replace(dependent, member_id=""))]
    body += build_refs(make, dependent.references)
    body += build_address(make, dependent.address)
    if isinstance(message, ReviewResponse):
        body += _aaa(make, message.dependent_errors)
    body += _dmg(make, dependent)
    if message.relationship:
        body.append(make("INS", "N", message.relationship))
    return dep_id


def _dmg(make: SegmentMaker, person: Person) -> list[Segment]:
    """DMG only with a birth date: X217 requires DMG01/DMG02 whenever DMG is sent."""
    return build_dmg(make, person) if person.birth_date else []


def _event(
    make: SegmentMaker, tree: Hierarchy, parent: str, item: ReviewEvent, *, response: bool
) -> list[Segment]:
    hl, event_id = tree.hl(parent, "EV", bool(item.services))
    event = item.event
    out = [hl, *_review_head(make, event, response=response)]
    out += _dates(make, event.dates, EVENT_DATES_RESPONSE if response else EVENT_DATES_REQUEST)
    if event.diagnoses:
        out.append(_hi(make, event.diagnoses))
    out += _hsd(make, event.delivery)
    out += _tail(make, event, response=response)
    for service in item.services:
        hl, _ = tree.hl(event_id, "SS", False)
        out += [hl, *_review_head(make, service, response=response)]
        allowed = SERVICE_DATES_RESPONSE if response else SERVICE_DATES_REQUEST
        out += _dates(make, service.dates, allowed)
        out += _service_line(make, service)
        out += _hsd(make, service.delivery)
        out += _tail(make, service, response=response)
    return out


def _review_head(make: SegmentMaker, item: ReviewItem, *, response: bool) -> list[Segment]:
    """TRN, AAA, UM, HCR and REF, in the guide's order for a request or a response."""
    out = [make("TRN", t.type, t.reference, t.originator, t.secondary) for t in item.traces]
    if response:
        out += _aaa(make, item.errors)
    elif item.errors:
        raise X12Error("278 request: AAA (request validation) belongs to a response")
    out.append(
        make(
            "UM",
            item.request_category,
            item.certification_type,
            item.service_type,
            item.facility,
            "",
            item.level_of_service,
        )
    )
    if item.decision is not None:
        if not response:
            raise X12Error("278 request: HCR (the decision) belongs to a response")
        d = item.decision
        out.append(make("HCR", d.action, d.certification_number, d.reason, d.second_opinion))
    order = ("NT", "BB") if response else ("BB", "NT")
    for qualifier in order:
        out += [
            make("REF", qualifier, r.value) for r in item.references if r.qualifier == qualifier
        ]
    unknown = {r.qualifier for r in item.references} - set(order)
    if unknown:
        raise X12Error(f"278: REF qualifiers {sorted(unknown)} are not BB or NT", segment_id="REF")
    return out


def _dates(
    make: SegmentMaker, dates: tuple[DatePeriod, ...], allowed: tuple[str, ...]
) -> list[Segment]:
    unknown = {d.qualifier for d in dates} - set(allowed)
    if unknown:
        raise X12Error(
            f"278: DTP qualifiers {sorted(unknown)} do not belong at this level "
            f"(allowed: {', '.join(allowed)})",
            segment_id="DTP",
        )
    out = []
    for qualifier in allowed:
        for item in dates:
            if item.qualifier != qualifier:
                continue
            if qualifier in SINGLE_DAY_DATES and item.end != item.start:
                raise X12Error(f"278: DTP {qualifier} is one day, not a range", segment_id="DTP")
            out.append(make("DTP", qualifier, *period(item.start, item.end)))
    return out


def _hi(make: SegmentMaker, diagnoses: tuple[Diagnosis, ...]) -> Segment:
    if len(diagnoses) > 12:
        raise X12Error("278: at most 12 diagnoses fit in HI", segment_id="HI")
    composites = [
        (d.qualifier, d.code, "D8", ccyymmdd(d.date)) if d.date else (d.qualifier, d.code)
        for d in diagnoses
    ]
    return make("HI", *composites)


def _service_line(make: SegmentMaker, item: ReviewItem) -> list[Segment]:
    proc = item.procedure
    composite = procedure(proc.qualifier, proc.code, proc.modifiers) if proc else ()
    quantity = number(item.quantity)
    unit = item.unit if quantity else ""
    if item.revenue_code:
        return [make("SV2", item.revenue_code, composite, money(item.charge), unit, quantity)]
    if proc is None:
        return []
    return [make("SV1", composite, money(item.charge), unit, quantity)]


def _hsd(make: SegmentMaker, delivery: ServiceDelivery | None) -> list[Segment]:
    if delivery is None:
        return []
    d = delivery
    return [
        make(
            "HSD",
            d.quantity_qualifier,
            number(d.quantity),
            d.unit,
            number(d.sample_modulus),
            d.period_qualifier,
            number(d.periods),
            d.frequency,
            d.pattern_time,
        )
    ]


def _tail(make: SegmentMaker, item: ReviewItem, *, response: bool) -> list[Segment]:
    """PWK (request), MSG and the providers' name loops."""
    out = []
    if item.attachments and response:
        raise X12Error("278 response: PWK (attachments) belongs to a request")
    for a in item.attachments:
        control = ("AC", a.control_number) if a.control_number else ("", "")
        out.append(make("PWK", a.report_type, a.transmission, "", "", *control, a.description))
    if len(item.messages) > 1:
        raise X12Error("278: at most one MSG per level", segment_id="MSG")
    out += [make("MSG", message) for message in item.messages]
    for provider in item.providers:
        out.append(_nm1_party(make, provider.party))
        out += build_refs(make, provider.references)
        out += build_address(make, provider.party.address)
        if provider.contact is not None:
            out.append(build_per(make, "IC", provider.contact))
        if response:
            out += _aaa(make, provider.errors)
        out += _prv(make, provider.role, provider.taxonomy)
    return out


def _nm1_party(make: SegmentMaker, party: Party) -> Segment:
    return make(
        "NM1",
        party.entity,
        party.entity_type or ("1" if party.first_name else "2"),
        party.name,
        party.first_name,
        party.middle_name,
        "",
        party.suffix,
        party.id_qualifier if party.id else "",
        party.id,
    )
