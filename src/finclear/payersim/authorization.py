"""The simulator's utilization management desk: it answers 278 requests (and, through
``finclear.connect.pas``, Da Vinci PAS Claim bundles) by scenario.

Scenarios, per member: ``approve`` (every service certified, A1); ``pend_then_approve`` (the
first request is pended, A4, asking for clinical notes; the next request for the same member
and services is approved); ``deny`` (A3 with reason 0V, not medically necessary);
``partial`` (the first service certified for half its units, A2; the others denied, A3).
A member's scenario comes from ``overrides`` or, by default, from the last digit of the
member ID (0-5 approve, 6-7 pend then approve, 8 deny, 9 partial), so a demo gets all four.
Certifications run 90 days from the date of service. No Django: this runs in the simulator.
``register_authorization`` adds the real-time 278 and PAS handlers to the simulator's
registry (PAS travels in the CORE envelope under finclear's PayloadType
``HL7_FHIR_R4_PAS_Claim_Bundle``: real PAS uses FHIR REST ``Claim/$submit``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from finclear.connect import pas
from finclear.connect.core_envelope import (
    CoreMessage,
    EnvelopeError,
    ErrorCode,
    MessageKind,
    PayloadType,
)
from finclear.payersim.registry import Registry, Reply
from finclear.x12 import X12Error, read, validate
from finclear.x12.build.authorization import (
    ReviewEvent,
    ReviewItem,
    ReviewProvider,
    ReviewResponse,
    build_278_response,
)
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.build.parties import Organization, Person
from finclear.x12.views.authorization import AuthorizationView, Decision, Review, ServiceDelivery
from finclear.x12.views.common import DatePeriod, Party, Trace

CERTIFICATION_DAYS = 90
DENIAL_REASON = "0V"  # HCR03 (code source 886): requested service not medically necessary
PEND_MESSAGE = "SEND CLINICAL NOTES; DECISION PENDING MEDICAL REVIEW"


class AuthScenario(StrEnum):
    APPROVE = "approve"
    PEND_THEN_APPROVE = "pend_then_approve"
    DENY = "deny"
    PARTIAL = "partial"


def default_scenario(member_id: str) -> AuthScenario:
    digits = [c for c in member_id if c.isdigit()]
    last = int(digits[-1]) if digits else 0
    if last <= 5:
        return AuthScenario.APPROVE
    if last <= 7:
        return AuthScenario.PEND_THEN_APPROVE
    return AuthScenario.DENY if last == 8 else AuthScenario.PARTIAL


@dataclass(frozen=True)
class ServiceAnswer:
    """The desk's decision on one requested service."""

    code: str
    action: str  # HCR01
    approved_units: Decimal | None
    reason: str = ""


@dataclass(frozen=True)
class DeskAnswer:
    action: str  # the event's HCR01
    certification_number: str
    start: date | None
    end: date | None
    reason: str
    message: str
    services: tuple[ServiceAnswer, ...]


@dataclass
class AuthorizationDesk:
    """Decides requests by scenario; remembers pended requests to approve them next time."""

    overrides: dict[str, AuthScenario] = field(default_factory=dict)
    payer_name: str = "SIMULATED PAYER"
    _pended: set[str] = field(default_factory=set)
    _numbers: SequentialControlNumbers = field(default_factory=SequentialControlNumbers)

    def scenario_for(self, member_id: str) -> AuthScenario:
        return self.overrides.get(member_id) or default_scenario(member_id)

    def decide(self, member_id: str, day: date, requested: list[tuple[str, Decimal]]) -> DeskAnswer:
        """The decision for a member's request of ``requested`` (code, units) on ``day``."""
        scenario = self.scenario_for(member_id)
        key = f"{member_id}|{day.isoformat()}|{','.join(code for code, _ in requested)}"
        number = "SIM" + hashlib.sha256(key.encode()).hexdigest()[:10].upper()
        end = day + timedelta(days=CERTIFICATION_DAYS)
        if scenario is AuthScenario.PEND_THEN_APPROVE and key not in self._pended:
            self._pended.add(key)
            pended = tuple(ServiceAnswer(code, "A4", None) for code, _ in requested)
            return DeskAnswer("A4", "", None, None, "", PEND_MESSAGE, pended)
        if scenario is AuthScenario.DENY:
            denied = tuple(ServiceAnswer(c, "A3", None, DENIAL_REASON) for c, _ in requested)
            return DeskAnswer("A3", number, None, None, DENIAL_REASON, "", denied)
        if scenario is AuthScenario.PARTIAL:
            answers = []
            for index, (code, units) in enumerate(requested):
                if index == 0:
                    half = max((units / 2).to_integral_value(), Decimal(1))
                    answers.append(ServiceAnswer(code, "A2", half))
                else:
                    answers.append(ServiceAnswer(code, "A3", None, DENIAL_REASON))
            return DeskAnswer("A2", number, day, end, "", "", tuple(answers))
        approved = tuple(ServiceAnswer(code, "A1", units) for code, units in requested)
        return DeskAnswer("A1", number, day, end, "", "", approved)

    def answer_278(self, request_text: str, now: datetime | None = None) -> str:
        """A 278 response interchange to a 278 request interchange."""
        now = now or datetime.now(UTC)
        document = read(request_text)
        errors = validate(document).errors
        transactions = list(document.transactions())
        if errors or len(transactions) != 1:
            why = errors[0].describe() if errors else f"{len(transactions)} transactions"
            raise X12Error(f"278 request not accepted: {why}")
        view = AuthorizationView.from_transaction(transactions[0])
        if view.is_response or view.subscriber is None or not view.events:
            raise X12Error("278 request not accepted: not a request for review with an event")
        sender = ""
        if document.interchanges:
            sender = document.interchanges[0].isa.get(6).strip()
        response = self._respond(view, now)
        segments = build_278_response(response, "0001")
        envelope = Envelope(
            sender_id="SIMPAYER", receiver_id=sender[:15] or "PROVIDER", created=now
        )
        return build_interchange(envelope, [segments], self._numbers)

    def _respond(self, view: AuthorizationView, now: datetime) -> ReviewResponse:
        subscriber = view.subscriber
        assert subscriber is not None
        event = view.events[0]
        day = _service_day(event.review, event.services) or now.date()
        requested = [
            (s.procedure.code, s.quantity or Decimal(1))
            for s in event.services
            if s.procedure is not None
        ]
        answer = self.decide(subscriber.id, day, requested)
        services = []
        by_code = {a.code: a for a in answer.services}
        for service in event.services:
            if service.procedure is None:
                continue
            decided = by_code[service.procedure.code]
            services.append(_echo_service(service, decided, answer, day))
        review = event.review
        dates = [
            DatePeriod(d.qualifier, d.start, d.end) for d in review.dates if d.qualifier == "AAH"
        ]
        if answer.start and answer.end:
            dates += [
                DatePeriod("102", now.date(), now.date()),
                DatePeriod("007", answer.start, answer.end),
            ]
        echoed = ReviewItem(
            request_category=review.request_category or "HS",
            certification_type=review.certification_type or "I",
            service_type=review.service_type,
            facility=review.facility,
            level_of_service=review.level_of_service,
            traces=tuple(Trace("2", t.reference, t.originator) for t in review.traces),
            decision=Decision(answer.action, answer.certification_number, answer.reason),
            dates=tuple(dates),
            diagnoses=review.diagnoses,
            messages=(answer.message,) if answer.message else (),
            providers=tuple(ReviewProvider(p) for p in review.providers),
        )
        requester = view.requester or Party("1P", "PROVIDER", id_qualifier="XX", id="0000000000")
        umo = view.umo or Party("X3", self.payer_name, id_qualifier="PI", id="SIMPAYER")
        dependent = view.dependent
        return ReviewResponse(
            reference=view.reference,
            created=now,
            umo=Organization(umo.name, umo.id, umo.id_qualifier or "PI"),
            requester=Organization(
                requester.name,
                requester.id,
                requester.id_qualifier or "XX",
                entity_type=requester.entity_type or "2",
                first_name=requester.first_name,
            ),
            requester_entity=requester.entity or "1P",
            subscriber=Person(
                subscriber.name,
                subscriber.first_name,
                member_id=subscriber.id,
                birth_date=view.subscriber_birth_date,
            ),
            dependent=Person(dependent.name, dependent.first_name) if dependent else None,
            events=(ReviewEvent(echoed, tuple(services)),),
            response_type="18",
        )


def _service_day(event: Review, services: tuple[Review, ...]) -> date | None:
    for review in (*services, event):
        for found in review.dates:
            if found.qualifier in ("472", "AAH", "435"):
                return found.start
    return None


def _echo_service(
    service: Review, decided: ServiceAnswer, answer: DeskAnswer, day: date
) -> ReviewItem:
    approved = decided.action in ("A1", "A2")
    dates = [DatePeriod("472", day, day)]
    if approved and answer.start and answer.end:
        dates.append(DatePeriod("007", answer.start, answer.end))
    delivery = None
    if approved and decided.approved_units is not None:
        delivery = ServiceDelivery("VS", decided.approved_units)
    return ReviewItem(
        request_category=service.request_category or "HS",
        certification_type=service.certification_type or "I",
        service_type=service.service_type,
        traces=tuple(Trace("2", t.reference, t.originator) for t in service.traces),
        decision=Decision(
            decided.action, answer.certification_number if approved else "", decided.reason
        ),
        dates=tuple(dates),
        procedure=service.procedure,
        revenue_code=service.revenue_code,
        charge=service.charge,
        quantity=service.quantity,
        delivery=delivery,
    )


def answer_pas(desk: AuthorizationDesk, bundle_text: str, now: datetime | None = None) -> str:
    """A PAS ClaimResponse Bundle answering a PAS Claim Bundle, by the member's scenario."""
    now = now or datetime.now(UTC)
    request = pas.parse_claim_bundle(bundle_text)
    answer = desk.decide(
        request.member_id, request.service_date, [(i.code, i.quantity) for i in request.items]
    )
    by_code = {a.code: a for a in answer.services}
    items = []
    for item in request.items:
        decided = by_code[item.code]
        approved = decided.action in ("A1", "A2")
        items.append(
            pas.PasItemDecision(
                item.sequence,
                decided.action,
                answer.certification_number if approved else "",
                answer.start if approved else None,
                answer.end if approved else None,
                decided.approved_units if approved else None,
            )
        )
    decision = pas.PasDecision(
        request_identifier=request.identifier,
        outcome=pas.OUTCOMES.get(answer.action, "complete"),
        action=answer.action,
        certification_number=answer.certification_number if answer.start else "",
        start=answer.start,
        end=answer.end,
        disposition=answer.message or (f"denied: {answer.reason}" if answer.reason else ""),
        items=tuple(items),
    )
    return pas.build_claim_response_bundle(request, decision, now)


def register_authorization(registry: Registry, desk: AuthorizationDesk | None = None) -> None:
    """Add the real-time 278 and PAS handlers to the simulator's registry."""
    desk = desk or AuthorizationDesk()

    def realtime_278(message: CoreMessage) -> Reply:
        try:
            answer = desk.answer_278(message.payload)
        except X12Error as exc:
            raise EnvelopeError(ErrorCode.PAYLOAD_ILLEGAL, str(exc)) from None
        return Reply(PayloadType.X12_278_RESPONSE, answer)

    def realtime_pas(message: CoreMessage) -> Reply:
        try:
            answer = answer_pas(desk, message.payload)
        except pas.PasError as exc:
            raise EnvelopeError(ErrorCode.PAYLOAD_ILLEGAL, str(exc)) from None
        return Reply(pas.PAYLOAD_TYPE_PAS_RESPONSE, answer)

    registry.add(MessageKind.REAL_TIME, PayloadType.X12_278_REQUEST, realtime_278)
    registry.add(MessageKind.REAL_TIME, pas.PAYLOAD_TYPE_PAS_REQUEST, realtime_pas)
