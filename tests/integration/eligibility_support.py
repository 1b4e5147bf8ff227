"""A fake ``PayerGateway`` for the eligibility tests: it reads the 270 and answers a real 271.

Behaviour by member ID (the subscriber's): ``inactive`` members get EB*6, ``rejections`` an
AAA code, ``malformed`` a broken 271, ``failures`` a ``GatewayError``; everyone else is
active with deductible, out-of-pocket, copay and coinsurance rows for each asked service type.
Every 270 it receives is kept in ``received`` (tests check the 270s are valid). It answers
real time and CORE batch mode (submit, pick up the 271s, acknowledge); in a batch, a
``malformed`` member gets no answer at all.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from decimal import Decimal

from finclear.connect.gateway import ExchangeResult, GatewayError, PayerEndpoint
from finclear.x12 import EligibilityView, read
from finclear.x12.build.eligibility import (
    EligibilityAnswer,
    EligibilityResponse,
    MemberAnswer,
    build_271,
)
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.build.parties import Organization, Person
from finclear.x12.views.common import DatePeriod, RequestError, Trace
from finclear.x12.views.eligibility import Benefit, Member

PLAN_BEGIN = dt.date(2026, 1, 1)


def build_endpoint(key: str = "default") -> PayerEndpoint:
    return PayerEndpoint(
        payer_key=key,
        url="http://127.0.0.1:9/core/mime",
        protocol="mime",
        sender_id="FINCLEAR",
        receiver_id="PAYERSIM",
        username="finclear",
        password="not-a-real-secret",
    )


def benefits_for(service_types: tuple[str, ...]) -> tuple[Benefit, ...]:
    rows = [
        Benefit("1", "IND", ("30",), insurance_type="C1", plan_description="Fake PPO"),
        Benefit("C", "IND", ("30",), time_period="23", amount=Decimal("1500"), in_plan_network="Y"),
        Benefit("C", "IND", ("30",), time_period="29", amount=Decimal("1100"), in_plan_network="Y"),
        Benefit("C", "FAM", ("30",), time_period="23", amount=Decimal("3000"), in_plan_network="Y"),
        Benefit("C", "FAM", ("30",), time_period="29", amount=Decimal("2500"), in_plan_network="Y"),
        Benefit("G", "IND", ("30",), time_period="23", amount=Decimal("6000"), in_plan_network="Y"),
        Benefit("G", "IND", ("30",), time_period="29", amount=Decimal("5200"), in_plan_network="Y"),
        Benefit("C", "IND", ("30",), time_period="23", amount=Decimal("3000"), in_plan_network="N"),
    ]
    for code in service_types:
        if code == "30":
            continue
        if code == "98":
            rows.append(
                Benefit(
                    "B", "IND", (code,), time_period="27", amount=Decimal("25"), in_plan_network="Y"
                )
            )
        else:
            rows.append(
                Benefit(
                    "A",
                    "IND",
                    (code,),
                    percent=Decimal("0.2"),
                    in_plan_network="Y",
                    authorization_required="Y" if code == "62" else "N",
                )
            )
            rows.append(Benefit("A", "IND", (code,), percent=Decimal("0.4"), in_plan_network="N"))
    return tuple(rows)


@dataclass
class FakePayer:
    inactive: set[str] = field(default_factory=set)
    rejections: dict[str, str] = field(default_factory=dict)
    malformed: set[str] = field(default_factory=set)
    no_echo: set[str] = field(default_factory=set)  # answered without the TRN*2 echo
    failures: dict[str, GatewayError] = field(default_factory=dict)
    received: list[str] = field(default_factory=list)
    batches: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def exchange_realtime(
        self, endpoint: PayerEndpoint, payload_type: str, payload: str
    ) -> ExchangeResult:
        with self.lock:
            self.received.append(payload)
        tx = next(read(payload).transactions())
        view = EligibilityView.from_transaction(tx)
        subscriber = view.subscribers[0]
        if subscriber.member_id in self.failures:
            raise self.failures[subscriber.member_id]
        text = self.envelope([self.answer(view, subscriber)])
        if subscriber.member_id in self.malformed:
            text = text.replace("SE*", "SE*9", 1)
        return ExchangeResult(
            text, "X12_271_Response_005010X279A1", "fake-id", "Success", "", 1, 1.0
        )

    def submit_batch(
        self, endpoint: PayerEndpoint, payload_type: str, payload: str
    ) -> ExchangeResult:
        """Batch mode: every 270 of the interchange is answered at once, kept for pickup."""
        with self.lock:
            self.received.append(payload)
        answers = []
        for tx in read(payload).transactions():
            view = EligibilityView.from_transaction(tx)
            subscriber = view.subscribers[0]
            if subscriber.member_id in self.failures:
                raise self.failures[subscriber.member_id]
            if subscriber.member_id not in self.malformed:  # no answer for those
                answers.append(self.answer(view, subscriber, f"{len(answers) + 1:04d}"))
        batch_id = f"batch-{len(self.batches) + 1}"
        self.batches[batch_id] = self.envelope(answers) if answers else ""
        return ExchangeResult("", "X12_BatchReceiptConfirmation", batch_id, "Success", "", 1, 1.0)

    def retrieve_batch(
        self, endpoint: PayerEndpoint, payload_type: str, payload_id: str
    ) -> ExchangeResult:
        if payload_type == "X12_999_SubmissionRequest_005010X231A1":
            self.batches.pop(payload_id)
            return ExchangeResult("", "", payload_id, "Success", "", 1, 1.0)
        text = self.batches[payload_id]
        return ExchangeResult(
            text, "X12_271_Response_005010X279A1", payload_id, "Success", "", 1, 1.0
        )

    def envelope(self, sets: list[list]) -> str:
        envelope = Envelope("PAYERSIM", "FINCLEAR", dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC))
        return build_interchange(envelope, sets, SequentialControlNumbers())

    def answer(self, view: EligibilityView, subscriber: Member, control: str = "0001") -> list:
        member_id = subscriber.member_id
        asked = subscriber.dependents[0] if subscriber.dependents else subscriber
        trace = asked.traces[0]
        service_types = asked.inquiries[0].service_types if asked.inquiries else ("30",)
        echo = () if member_id in self.no_echo else (Trace("2", trace.reference, trace.originator),)
        person = Person(subscriber.party.name, subscriber.party.first_name, member_id=member_id)
        dates = (DatePeriod("346", PLAN_BEGIN, PLAN_BEGIN),)
        errors: tuple[RequestError, ...] = ()
        benefits: tuple[Benefit, ...] = ()
        if member_id in self.rejections:
            errors = (RequestError("", "N", self.rejections[member_id], "C"),)
            dates = ()
        elif member_id in self.inactive:
            benefits = (Benefit("6", "IND", ("30",)),)
            dates = (DatePeriod("347", dt.date(2026, 10, 31), dt.date(2026, 10, 31)),)
        else:
            benefits = benefits_for(service_types)
        if asked is subscriber:
            sub = MemberAnswer(person, echo, dates=dates, errors=errors, benefits=benefits)
            answer = EligibilityAnswer(sub)
        else:
            dep_person = Person(asked.party.name, asked.party.first_name)
            sub = MemberAnswer(person)
            dep = MemberAnswer(
                dep_person, echo, relationship="19", dates=dates, errors=errors, benefits=benefits
            )
            answer = EligibilityAnswer(sub, dep)
        response = EligibilityResponse(
            reference=view.reference,
            created=dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC),
            payer=Organization("FAKE PAYER", view.source.id if view.source else "P", "PI"),
            provider=Organization(
                view.receiver.name if view.receiver else "PROVIDER",
                view.receiver.id if view.receiver else "1234567893",
                "XX",
            ),
            answers=(answer,),
        )
        return build_271(response, control)
