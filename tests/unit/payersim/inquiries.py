"""Test helpers: a synthetic scenario and the 270s finclear would send about its members."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

from finclear.demo.records import SeedParams
from finclear.demo.scenario import Scenario, ScenarioMember, build_scenario
from finclear.demo.synth import build_clinic
from finclear.x12 import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.build.eligibility import EligibilityQuestion, EligibilityRequest, build_270
from finclear.x12.build.parties import Organization, Person
from finclear.x12.views.common import DatePeriod, Trace
from finclear.x12.views.eligibility import Inquiry

START = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
CLINIC = Organization("SYNTHETIC CLINIC", "1234567893", "XX")


@cache
def scenario() -> Scenario:
    return build_scenario(build_clinic(SeedParams(patients=300, days=7, seed=3, start_date=START)))


def active_subscriber(payer_id: str = "ZZ301") -> ScenarioMember:
    family_ids = {m.subscriber_member_id for m in scenario().members if m.relationship != "18"}
    return next(
        m
        for m in scenario().members
        if m.payer_id == payer_id
        and m.relationship == "18"
        and m.is_active_on(START)
        and m.member_id not in family_ids
    )


def dependent() -> ScenarioMember:
    return next(
        m
        for m in scenario().members
        if m.relationship == "19"
        and m.member_id == m.subscriber_member_id
        and m.is_active_on(START)
    )


def terminated() -> ScenarioMember:
    return next(
        m
        for m in scenario().members
        if m.termination_date is not None and m.termination_date < START and m.relationship == "18"
    )


def subscriber_of(member: ScenarioMember) -> ScenarioMember:
    return next(
        m
        for m in scenario().members
        if m.payer_id == member.payer_id
        and m.member_id == member.subscriber_member_id
        and m.relationship == "18"
    )


def person(member: ScenarioMember, member_id: str | None = None) -> Person:
    return Person(
        member.last_name,
        member.first_name,
        member_id=member.member_id if member_id is None else member_id,
        birth_date=member.date_of_birth,
        gender=member.gender,
    )


def inquiry_270(
    member: ScenarioMember,
    *,
    member_id: str | None = None,
    first_name: str | None = None,
    as_dependent: bool = False,
    service_types: tuple[str, ...] = ("30",),
    trace: str = "TRACE1",
    payer_id: str | None = None,
    day: date = START,
) -> str:
    """A 270 interchange about ``member`` (as a dependent under their subscriber if asked)."""
    dependent_person = None
    relationship = ""
    subscriber = person(member, member_id)
    if first_name is not None:
        subscriber = Person(
            member.last_name, first_name, member_id=subscriber.member_id,
            birth_date=member.date_of_birth, gender=member.gender,
        )  # fmt: skip
    if as_dependent:
        dependent_person = Person(
            member.last_name, member.first_name, birth_date=member.date_of_birth,
            gender=member.gender,
        )  # fmt: skip
        relationship = member.relationship
        subscriber = person(subscriber_of(member), member_id)
    question = EligibilityQuestion(
        Trace("1", trace, "9FINCLEAR1"),
        subscriber,
        dependent=dependent_person,
        relationship=relationship,
        dates=(DatePeriod("291", day, day),),
        inquiries=(Inquiry(service_types=service_types),),
    )
    request = EligibilityRequest(
        "REF" + trace,
        NOW,
        Organization("PAYER", payer_id or member.payer_id, "PI"),
        CLINIC,
        (question,),
    )
    envelope = Envelope("FINCLEAR01", "FINCLEARSIM", NOW, usage="T")
    return build_interchange(envelope, [build_270(request, "0001")], SequentialControlNumbers())


def batch_270(members: list[ScenarioMember]) -> str:
    """One interchange with one 270 per member (as subscribers)."""
    transactions = []
    for n, member in enumerate(members, start=1):
        question = EligibilityQuestion(
            Trace("1", f"BATCH{n}", "9FINCLEAR1"),
            person(member),
            dates=(DatePeriod("291", START, START),),
        )
        request = EligibilityRequest(
            f"B{n}", NOW, Organization("PAYER", member.payer_id, "PI"), CLINIC, (question,)
        )
        transactions.append(build_270(request, f"{n:04d}"))
    envelope = Envelope("FINCLEAR01", "FINCLEARSIM", NOW, usage="T")
    return build_interchange(envelope, transactions, SequentialControlNumbers())
