"""Building the 270 of a coverage for an encounter.

- Subscriber or dependent: a patient who is the subscriber (relationship 18), or who has a
  member ID of their own (Medicare, Medicaid: ``member_id`` differs from the subscriber's), is
  sent in the subscriber loop (2100C). Otherwise the subscriber goes in 2100C with the
  subscriber's ID and the patient in the dependent loop (2100D) with their relationship, as
  X279A1 section 1.4.7 asks.
- The date asked about (DTP 291) is the date of service, the visit date in the facility's time
  zone, never the policy's dates.
- The service types (EQ01) come from the encounter's service lines and place of service
  (``finclear.codes.service_types``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from finclear.codes.service_types import service_types_for
from finclear.connect.gateway import PayerEndpoint
from finclear.patients.models import Coverage, SubscriberRelationship
from finclear.scheduling.models import Encounter
from finclear.x12.build.eligibility import EligibilityQuestion, EligibilityRequest, build_270
from finclear.x12.build.envelope import Envelope, build_interchange
from finclear.x12.build.parties import Organization, Person
from finclear.x12.tree import Segment
from finclear.x12.views.common import DatePeriod, Trace
from finclear.x12.views.eligibility import Inquiry

PAYLOAD_TYPE_270 = "X12_270_Request_005010X279A1"
TRACE_ORIGINATOR = "9FINCLEAR0"  # TRN03: "9" + the originator's own ID, 10 characters
GENDERS = frozenset({"F", "M", "U"})


class ControlNumberSource:
    """ISA13/GS06/ST02 numbers: one counter per process, started from the clock.

    Numbers only need to differ between the interchanges a payer sees from us for a while; a
    counter seeded from the time in tenths of a second, shared by the threads of a process,
    does that without a database round trip.
    """

    def __init__(self) -> None:
        self._counter = itertools.count(int(time.time() * 10) % 900_000_000 + 1)
        self._lock = threading.Lock()

    def next_number(self) -> int:
        with self._lock:
            return next(self._counter) % 999_999_999 or 1


CONTROL_NUMBERS = ControlNumberSource()


@dataclass(frozen=True, slots=True)
class Built270:
    text: str
    date_of_service: dt.date
    service_types: tuple[str, ...]
    dependent: bool


def visit_date(encounter: Encounter) -> dt.date:
    return encounter.scheduled_at.astimezone(encounter.facility.zone).date()


def build_realtime_trace(encounter: Encounter, coverage: Coverage) -> str:
    """A fresh TRN02 for a check a user asked for."""
    return f"{encounter.pk}-{coverage.pk}-{uuid.uuid4().hex[:16]}"


def build_fingerprint(coverage: Coverage) -> str:
    """What the payer is asked about a coverage: if any of it changes, a check is stale."""
    parts = [
        coverage.payer_id,
        coverage.plan_id,
        coverage.member_id,
        coverage.group_number,
        coverage.subscriber_relationship,
        coverage.subscriber_first_name,
        coverage.subscriber_last_name,
        coverage.subscriber_date_of_birth,
        coverage.subscriber_member_id,
        coverage.effective_date,
        coverage.termination_date,
        coverage.is_active,
        coverage.order,
    ]
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def is_dependent_inquiry(coverage: Coverage) -> bool:
    if coverage.subscriber_relationship == SubscriberRelationship.SELF:
        return False
    own_id = coverage.member_id.strip()
    subscriber_id = coverage.subscriber_member_id.strip()
    return not (own_id and subscriber_id and own_id != subscriber_id)


def build_question(
    encounter: Encounter, coverage: Coverage, trace: str, service_types: tuple[str, ...]
) -> tuple[EligibilityQuestion, bool]:
    patient = encounter.patient
    gender = patient.sex if patient.sex in GENDERS else ""
    day = visit_date(encounter)
    dates = (DatePeriod("291", day, day),)
    inquiries = (Inquiry(service_types=service_types),)
    the_trace = Trace("1", trace, TRACE_ORIGINATOR)
    if not is_dependent_inquiry(coverage):
        person = Person(
            last_name=patient.last_name,
            first_name=patient.first_name,
            middle_name=patient.middle_name[:1],
            member_id=coverage.member_id.strip(),
            birth_date=patient.date_of_birth,
            gender=gender,
        )
        return EligibilityQuestion(the_trace, person, dates=dates, inquiries=inquiries), False
    subscriber = Person(
        last_name=coverage.subscriber_last_name or patient.last_name,
        first_name=coverage.subscriber_first_name,
        member_id=(coverage.subscriber_member_id or coverage.member_id).strip(),
        birth_date=coverage.subscriber_date_of_birth,
    )
    dependent = Person(
        last_name=patient.last_name,
        first_name=patient.first_name,
        middle_name=patient.middle_name[:1],
        birth_date=patient.date_of_birth,
        gender=gender,
    )
    question = EligibilityQuestion(
        the_trace,
        subscriber,
        dependent=dependent,
        relationship=coverage.subscriber_relationship,
        dates=dates,
        inquiries=inquiries,
    )
    return question, True


@functools.lru_cache(maxsize=4096)
def _service_types(codes: tuple[str, ...], place_of_service: str) -> tuple[str, ...]:
    """``service_types_for``, kept: a batch's encounters repeat a few sets of codes, each
    code matched against every range of the table."""
    return service_types_for(codes, place_of_service)


@dataclass(frozen=True, slots=True)
class Built270Set:
    """One 270 transaction set (ST..SE), to send alone or in a batch interchange."""

    segments: list[Segment]
    date_of_service: dt.date
    service_types: tuple[str, ...]
    dependent: bool


def build_inquiry_set(
    encounter: Encounter,
    coverage: Coverage,
    trace: str,
    payer_id: str,
    now: dt.datetime,
    control_number: int,
    codes: Sequence[str] | None = None,
) -> Built270Set:
    """The 270 transaction set for one coverage. ``codes``: the encounter's service lines'
    codes in line order, when the caller has read them (else its service lines are read)."""
    if codes is None:
        codes = [line.cpt_hcpcs for line in encounter.service_lines.all()]
    service_types = _service_types(tuple(codes), encounter.place_of_service)
    question, dependent = build_question(encounter, coverage, trace, service_types)
    facility = encounter.facility
    request = EligibilityRequest(
        reference=trace[:50],
        created=now,
        payer=Organization(name=coverage.payer.name[:60], id=payer_id, id_qualifier="PI"),
        provider=Organization(name=facility.name[:60], id=facility.npi, id_qualifier="XX"),
        questions=(question,),
    )
    segments = build_270(request, f"{control_number:09d}")
    return Built270Set(segments, visit_date(encounter), service_types, dependent)


def build_envelope(endpoint: PayerEndpoint, now: dt.datetime) -> Envelope:
    return Envelope(sender_id=endpoint.sender_id, receiver_id=endpoint.receiver_id, created=now)


def build_inquiry(
    encounter: Encounter,
    coverage: Coverage,
    trace: str,
    endpoint: PayerEndpoint,
    payer_id: str,
    now: dt.datetime,
    codes: Sequence[str] | None = None,
) -> Built270:
    """The whole 270 interchange for one coverage, for a real-time exchange."""
    number = CONTROL_NUMBERS.next_number()
    built = build_inquiry_set(encounter, coverage, trace, payer_id, now, number, codes)
    text = build_interchange(build_envelope(endpoint, now), [built.segments], _Fixed(number))
    return Built270(text, built.date_of_service, built.service_types, built.dependent)


class _Fixed:
    """The control numbers of one interchange: all equal to the number already drawn."""

    def __init__(self, number: int) -> None:
        self.number = number

    def next_interchange(self) -> int:
        return self.number

    def next_group(self) -> int:
        return self.number

    def next_transaction(self) -> int:
        return self.number
