"""Answering a 270 with a 271 from the scenario (real time, or every 270 of a batch).

The 270 is read and validated by finclear's X12 engine: a payload that is not X12 is refused
at the envelope (PayloadIllegal); one that breaks the guide gets a 999 rejecting it. Each
subscriber (or dependent) is then looked up by payer and member ID:

* no member ID, or one that does not look like this payer's IDs: AAA 72 (invalid member ID);
* a well-formed ID nobody has: AAA 75 (subscriber not found);
* the name does not match the subscriber on that ID: AAA 73 (a dependent registered as the
  subscriber lands here); the birth date does not: AAA 71;
* a dependent not found among the subscriber's dependents: AAA 77 (subscriber found, patient
  not found);
* coverage not in force on the date of service: EB01 6 (inactive), with the plan dates;
* otherwise EB rows from the plan design and accumulators (``benefits``), and EB01 R naming
  any other payer that covers the same person (coordination of benefits).

Magic member-ID suffixes (``faults``) add AAA 42, chosen rejections, slow answers and HTTP 500s.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from finclear.connect.core_envelope import EnvelopeError, PayloadType
from finclear.demo.scenario import ScenarioMember, ScenarioPayer
from finclear.payersim.benefits import (
    ALL_SERVICE_TYPES,
    build_benefits,
    build_inactive,
    build_service_rows,
)
from finclear.payersim.faults import Counters, Magic, parse_magic
from finclear.payersim.index import ScenarioIndex
from finclear.payersim.templates import ResponseCache
from finclear.x12 import (
    Envelope,
    SequentialControlNumbers,
    X12Document,
    X12Error,
    build_999,
    build_interchange,
    read,
    validate,
)
from finclear.x12.build.eligibility import (
    EligibilityAnswer,
    EligibilityResponse,
    MemberAnswer,
)
from finclear.x12.build.parties import Organization, Person
from finclear.x12.tree import Segment
from finclear.x12.validate import ValidationReport
from finclear.x12.views.common import DatePeriod, Party, Reference, RequestError, Trace
from finclear.x12.views.eligibility import Benefit, EligibilityView, Member


class SimulatedFailure(Exception):
    """A failure the simulator was asked to produce (HTTP 500)."""


@dataclass(frozen=True, slots=True)
class Answer:
    payload: str
    payload_type: str
    delay_seconds: float = 0.0


def reject(code: str, follow_up: str = "C", valid: str = "N") -> RequestError:
    return RequestError(loop="", valid_request=valid, code=code, follow_up=follow_up)


BUSY = reject("42", "R", "Y")


class EligibilityResponder:
    """Answers 270 interchanges; thread-safe (control numbers are drawn under a lock)."""

    def __init__(
        self,
        index: ScenarioIndex,
        *,
        slow_seconds: float = 3.0,
        counters: Counters | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.index = index
        self.slow_seconds = slow_seconds
        self.counters = counters or Counters()
        self.clock = clock
        self.cache = ResponseCache()
        # A member's benefit rows depend on the scenario only (and on what was asked); the
        # service types' rows on the plan only, so they are built once per plan and question.
        self._benefits: dict[tuple[object, ...], tuple[Benefit, ...]] = {}
        self._service_rows: dict[tuple[str, str, tuple[str, ...]], tuple[Benefit, ...]] = {}
        self._numbers = SequentialControlNumbers()
        self._lock = threading.Lock()

    def read_270(self, payload: str) -> tuple[X12Document, ValidationReport]:
        try:
            document = read(payload, "payload")
        except X12Error as exc:
            raise EnvelopeError("PayloadIllegal", f"the payload is not X12: {exc}") from None
        if not document.interchanges:
            raise EnvelopeError("PayloadIllegal", "the payload holds no X12 interchange")
        return document, validate(document)

    def acknowledge(self, payload: str) -> str:
        """The 999 acknowledging a batch of 270s (accepted or rejected)."""
        return self.build_ack(*self.read_270(payload))

    def build_ack(self, document: X12Document, report: ValidationReport) -> str:
        """The 999 of a 270 interchange already read and validated (``read_270``)."""
        return self._ack_999(document, report, self.clock())

    def answer(self, payload: str, batch: bool = False) -> Answer:
        """The 271 interchange (or a 999) answering ``payload``.

        In a ``batch`` the SLOW and FAIL5 member IDs have no effect (they concern real time).
        """
        return self.answer_read(*self.read_270(payload), batch=batch)

    def answer_read(
        self, document: X12Document, report: ValidationReport, batch: bool = False
    ) -> Answer:
        """``answer`` for a 270 interchange already read and validated (``read_270``): a
        batch is read once, for its 999 and its 271s."""
        now = self.clock()
        if not report.valid:
            return Answer(self._ack_999(document, report, now), PayloadType.X12_999_RESPONSE)
        transactions = list(document.transactions())
        wrong = {tx.transaction_set for tx in transactions} - {"270"}
        if wrong or not transactions:
            raise EnvelopeError(
                "PayloadTypeIllegal",
                f"PayloadType {PayloadType.X12_270_REQUEST} but the payload holds "
                f"{', '.join(sorted(wrong)) or 'no transaction set'}",
            )
        delay = 0.0
        answers: list[tuple[EligibilityView, dict[str, Magic]]] = []
        for tx in transactions:
            view = EligibilityView.from_transaction(tx)
            magic: dict[str, Magic] = {}
            for member in view.members:
                found = parse_magic(member.member_id) if member.member_id else None
                if found is None or (batch and found.behaviour in ("FAIL5", "SLOW")):
                    continue
                if not self.counters.applies(found):
                    continue
                if found.behaviour == "FAIL5":
                    raise SimulatedFailure(f"FAIL5 asked for by member ID {found.member_id}")
                if found.behaviour == "SLOW":
                    delay = self.slow_seconds
                else:
                    magic[member.member_id] = found
            answers.append((view, magic))
        responses = [
            self.cache.build_271(self.respond(view, magic, now), f"{n:04d}")
            for n, (view, magic) in enumerate(answers, start=1)
        ]
        text = self._interchange(document, responses, now)
        return Answer(text, PayloadType.X12_271_RESPONSE, delay)

    def _interchange(
        self, document: X12Document, transactions: list[list[Segment]], now: datetime
    ) -> str:
        isa = document.interchanges[0].isa
        envelope = Envelope(
            sender_id=isa.get(8).strip() or "FINCLEARSIM",
            receiver_id=isa.get(6).strip() or "UNKNOWN",
            sender_qualifier=isa.get(7) or "ZZ",
            receiver_qualifier=isa.get(5) or "ZZ",
            created=now,
            usage=isa.get(15) if isa.get(15) in ("P", "T") else "P",
        )
        with self._lock:
            return build_interchange(envelope, transactions, self._numbers)

    def _ack_999(self, document: X12Document, report: ValidationReport, now: datetime) -> str:
        acks = [build_999(group, f"{n:04d}") for n, group in enumerate(report.groups(), 1)]
        if not acks:
            raise EnvelopeError(
                "PayloadIllegal",
                "the payload's envelope cannot be read: "
                + "; ".join(f.describe() for f in report.errors[:3]),
            )
        return self._interchange(document, acks, now)

    # -- one 270 transaction -------------------------------------------------------------------

    def respond(
        self, view: EligibilityView, magic: dict[str, Magic], now: datetime
    ) -> EligibilityResponse:
        source = view.source or Party(entity="PR", name="UNKNOWN PAYER")
        receiver = view.receiver or Party(entity="1P", name="UNKNOWN PROVIDER")
        payer = self.index.payer(source.id)
        payer_org = Organization(
            payer.name if payer else source.name or "UNKNOWN PAYER",
            payer.payer_id if payer else source.id,
            "PI" if (payer or source.id) else "",
        )
        provider = Organization(
            receiver.name,
            receiver.id,
            receiver.id_qualifier if receiver.id else "",
            entity_type=receiver.entity_type or "2",
            first_name=receiver.first_name,
        )
        response = EligibilityResponse(
            view.reference, now, payer_org, provider, provider_entity=receiver.entity or "1P"
        )
        if payer is None:
            return replace(response, source_errors=(reject("79"),))
        if any(m.behaviour == "AAA42" for m in magic.values()):
            return replace(response, source_errors=(BUSY,))
        day = service_date(view, now)
        answers = tuple(self._answer(payer, sub, magic, day) for sub in view.subscribers)
        return replace(response, answers=answers)

    def _answer(
        self, payer: ScenarioPayer, sub: Member, magic: dict[str, Magic], day: date
    ) -> EligibilityAnswer:
        chosen = magic.get(sub.member_id)
        suffixed = parse_magic(sub.member_id)
        member_id = suffixed.base_id if suffixed else sub.member_id
        if chosen is not None and chosen.behaviour in ("AAA72", "AAA73", "AAA75"):
            return EligibilityAnswer(echo(sub, reject(chosen.behaviour[3:])))
        subscriber, error = self._find_subscriber(payer, sub, member_id)
        if subscriber is None:
            return EligibilityAnswer(echo(sub, error))
        if not sub.dependents:
            return EligibilityAnswer(self._member_answer(subscriber, sub, day, at_subscriber=True))
        dependent_270 = sub.dependents[0]
        found = next(
            (
                m
                for m in self.index.family(subscriber)
                if m.relationship != "18" and same_person(m, dependent_270)
            ),
            None,
        )
        sub_answer = MemberAnswer(person_of(subscriber))
        if found is None:
            return EligibilityAnswer(sub_answer, echo(dependent_270, reject("77")))
        return EligibilityAnswer(
            sub_answer, self._member_answer(found, dependent_270, day, at_subscriber=False)
        )

    def _find_subscriber(
        self, payer: ScenarioPayer, sub: Member, member_id: str
    ) -> tuple[ScenarioMember | None, RequestError]:
        if not member_id.strip() or not self.index.well_formed(payer.payer_id, member_id):
            return None, reject("72")
        candidates = self.index.members_with_id(payer.payer_id, member_id)
        if not candidates:
            return None, reject("75")
        subscriber = next((m for m in candidates if m.relationship == "18"), candidates[0])
        if not same_name(subscriber, sub.party):
            return None, reject("73")
        if sub.birth_date is not None and sub.birth_date != subscriber.date_of_birth:
            return None, reject("71")
        return subscriber, reject("")

    def _other_payer(self, payer_id: str) -> Benefit:
        """EB01 R: another payer covers the same person (coordination of benefits)."""
        payer = self.index.payers[payer_id.upper()]
        party = Party(entity="PR", name=payer.name, entity_type="2", id_qualifier="PI", id=payer_id)
        return Benefit("R", "", ("30",), related_entities=(party,))

    def _member_answer(
        self, member: ScenarioMember, asked: Member, day: date, *, at_subscriber: bool
    ) -> MemberAnswer:
        plan = self.index.plans[(member.payer_id, member.plan_code)]
        dates = [DatePeriod("346", member.effective_date, member.effective_date)]
        if member.termination_date is not None:
            dates.append(DatePeriod("347", member.termination_date, member.termination_date))
        benefits: tuple[Benefit, ...]
        if member.is_active_on(day):
            others = tuple(o.payer_id for o in self.index.other_coverages(member, day))
            types = asked_service_types(asked)
            key = (member.payer_id, member.member_id, member.person_code, types, others)
            cached = self._benefits.get(key)
            if cached is None:
                plan_key = (member.payer_id, member.plan_code, types)
                service_rows = self._service_rows.get(plan_key)
                if service_rows is None:
                    service_rows = self._service_rows[plan_key] = build_service_rows(plan, types)
                family = self.index.family(member)
                cached = build_benefits(member, plan, family, types, service_rows=service_rows)
                cached += tuple(self._other_payer(payer_id) for payer_id in others)
                self._benefits[key] = cached
            benefits = cached
        else:
            benefits = build_inactive(member, plan)
        refs = [Reference("18", plan.plan_code)]
        if member.group_number:
            refs.append(Reference("6P", member.group_number))
        return MemberAnswer(
            person_of(member, with_id=at_subscriber, references=tuple(refs)),
            traces=echo_traces(asked),
            relationship="" if at_subscriber else member.relationship,
            dates=tuple(dates),
            benefits=benefits,
        )


# -- helpers -----------------------------------------------------------------------------------


def service_date(view: EligibilityView, now: datetime) -> date:
    """The date of service asked about: DTP 291 of the patient, of an inquiry, else BHT04."""
    for member in view.members:
        for period in member.dates:
            if period.qualifier == "291":
                return period.start
        for inquiry in member.inquiries:
            for period in inquiry.dates:
                if period.qualifier == "291":
                    return period.start
    return view.created or now.date()


def asked_service_types(member: Member) -> tuple[str, ...]:
    asked = [code for inquiry in member.inquiries for code in inquiry.service_types]
    if not asked or "30" in asked:
        return ALL_SERVICE_TYPES
    return ("30", *dict.fromkeys(asked))


def same_name(member: ScenarioMember, party: Party) -> bool:
    if member.last_name.upper() != party.name.strip().upper():
        return False
    first = party.first_name.strip().upper()
    return not first or first == member.first_name.upper()


def same_person(member: ScenarioMember, asked: Member) -> bool:
    if not same_name(member, asked.party):
        return False
    return asked.birth_date is None or asked.birth_date == member.date_of_birth


def person_of(
    member: ScenarioMember, with_id: bool = True, references: tuple[Reference, ...] = ()
) -> Person:
    return Person(
        member.last_name.upper(),
        member.first_name.upper(),
        member.middle_name.upper(),
        member_id=member.member_id if with_id else "",
        birth_date=member.date_of_birth,
        gender=member.gender,
        references=references,
    )


def echo_traces(asked: Member) -> tuple[Trace, ...]:
    """The 270's TRN*1, echoed as TRN*2 (the payer's reference to the inquiry)."""
    return tuple(
        Trace("2", t.reference, t.originator, t.secondary) for t in asked.traces if t.type == "1"
    )


def echo(asked: Member, error: RequestError) -> MemberAnswer:
    """A rejected subscriber or dependent: the names sent, the trace, and the AAA."""
    party = asked.party
    return MemberAnswer(
        Person(
            party.name or "UNKNOWN",
            party.first_name,
            party.middle_name,
            party.suffix,
            member_id=party.id,
        ),
        traces=echo_traces(asked),
        errors=(error,),
    )
