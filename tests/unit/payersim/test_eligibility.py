"""The simulator's 270 -> 271 answers, in process: lookups, rejections, benefits, peers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from finclear.connect.core_envelope import EnvelopeError, PayloadType
from finclear.payersim.benefits import CORE_SERVICE_TYPES
from finclear.payersim.eligibility import EligibilityResponder, SimulatedFailure
from finclear.payersim.index import ScenarioIndex
from finclear.x12 import EligibilityView, read, validate
from finclear.x12.views.eligibility import CoverageStatus
from tests.unit.payersim.inquiries import (
    START,
    active_subscriber,
    batch_270,
    dependent,
    inquiry_270,
    scenario,
    subscriber_of,
    terminated,
)
from tests.unit.x12.test_peers import lfh_models, values, x12sdk_models

CLOCK = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
PEER_AAA_BUG = (
    "x12sdk 2.2.0 and linuxforhealth-x12 0.57 check a 2100C AAA03 against the 2100B list "
    "(15, 41, 43...), so both refuse AAA 72/73/75, which X279A1 allows in 2100C"
)


@pytest.fixture
def responder() -> EligibilityResponder:
    return EligibilityResponder(ScenarioIndex(scenario()), slow_seconds=1.5, clock=lambda: CLOCK)


def answered(responder: EligibilityResponder, payload: str) -> EligibilityView:
    answer = responder.answer(payload)
    assert answer.payload_type == PayloadType.X12_271_RESPONSE
    document = read(answer.payload)
    report = validate(document)
    assert [f.describe() for f in report.errors] == []
    (tx,) = list(document.transactions())
    return EligibilityView.from_transaction(tx)


def test_an_active_subscriber_gets_the_plan_and_its_amounts(
    responder: EligibilityResponder,
) -> None:
    member = active_subscriber()
    plan = next(p for p in scenario().plans if p.plan_code == member.plan_code)
    view = answered(responder, inquiry_270(member))
    (sub,) = view.subscribers
    assert sub.member_id == member.member_id
    assert sub.coverage_status is CoverageStatus.ACTIVE
    assert sub.plan_name == plan.name
    assert sub.plan_begin == member.effective_date
    assert [t.reference for t in sub.request_traces] == ["TRACE1"]
    assert view.reference == "REFTRACE1"
    deductibles = {
        (b.coverage_level, b.time_period, b.in_plan_network): b.amount
        for b in sub.benefits
        if b.info_code == "C"
    }
    limit = plan.in_network.deductible_individual
    met = member.accumulators.deductible_met
    assert deductibles[("IND", "23", "Y")] == limit
    assert deductibles[("IND", "24", "Y")] == min(met, limit)
    assert deductibles[("IND", "29", "Y")] == limit - min(met, limit)
    assert plan.out_of_network is not None
    assert deductibles[("IND", "29", "N")] == plan.out_of_network.deductible_individual
    assert deductibles[("FAM", "23", "Y")] == plan.in_network.deductible_family
    covered = {code for b in sub.benefits if b.info_code in ("1", "I") for code in b.service_types}
    assert set(CORE_SERVICE_TYPES) | {"62", "PT"} <= covered
    copays = {b.amount for b in sub.benefits if b.info_code == "B" and "98" in b.service_types}
    design = {b.copay for b in plan.benefits if b.service_type == "98" and b.network == "in"}
    assert copays == design
    coinsurance = [
        b.percent for b in sub.benefits if b.info_code == "A" and b.service_types == ("62",)
    ]
    assert coinsurance == [Decimal("0.2"), Decimal("0.4")]


def test_terminated_coverage_is_inactive_with_its_end_date(responder: EligibilityResponder) -> None:
    member = terminated()
    view = answered(responder, inquiry_270(member))
    (sub,) = view.subscribers
    assert sub.coverage_status is CoverageStatus.INACTIVE
    assert sub.plan_end == member.termination_date
    assert [b.info_code for b in sub.benefits] == ["6"]


def test_a_dependent_is_answered_in_the_dependent_loop(responder: EligibilityResponder) -> None:
    member = dependent()
    view = answered(responder, inquiry_270(member, as_dependent=True))
    (sub,) = view.subscribers
    assert sub.member_id == subscriber_of(member).member_id
    assert sub.benefits == ()
    (dep,) = sub.dependents
    assert (dep.party.name, dep.party.first_name) == (
        member.last_name.upper(),
        member.first_name.upper(),
    )
    assert dep.relationship == member.relationship
    assert dep.coverage_status is CoverageStatus.ACTIVE
    assert dep.birth_date == member.date_of_birth
    assert [t.reference for t in dep.request_traces] == ["TRACE1"]


def rejection(view: EligibilityView) -> list[tuple[str, str]]:
    return [(e.code, e.follow_up) for e in view.errors]


def test_a_dependent_sent_as_the_subscriber_is_an_invalid_name(
    responder: EligibilityResponder,
) -> None:
    member = dependent()
    assert rejection(answered(responder, inquiry_270(member))) == [("73", "C")]


def test_rejections_name_what_is_wrong(responder: EligibilityResponder) -> None:
    member = active_subscriber()
    wrong = next(e for e in scenario().errors if e.kind == "wrong_member_id")
    payer_member = next(m for m in scenario().members if m.payer_id == wrong.payer_id)
    cases = {
        "72": inquiry_270(member, member_id="12-34"),
        "75": inquiry_270(payer_member, member_id=wrong.registered),
        "73": inquiry_270(member, first_name="SOMEONEELSE"),
        "79": inquiry_270(member, payer_id="NOSUCHPAYER"),
    }
    for code, payload in cases.items():
        assert rejection(answered(responder, payload)) == [(code, "C")], code


def test_an_unknown_dependent_is_subscriber_found_patient_not_found(
    responder: EligibilityResponder,
) -> None:
    member = dependent()
    other = active_subscriber("ZZ303")
    payload = inquiry_270(member, as_dependent=True).replace(
        f"NM1*03*1*{member.last_name}*{member.first_name}", f"NM1*03*1*{other.last_name}*X"
    )
    view = answered(responder, payload)
    assert rejection(view) == [("77", "C")]
    assert view.subscribers[0].member_id == subscriber_of(member).member_id


def test_magic_member_ids(responder: EligibilityResponder) -> None:
    member = active_subscriber()
    busy = answered(responder, inquiry_270(member, member_id=member.member_id + "AAA42"))
    assert rejection(busy) == [("42", "R")]
    assert busy.subscribers == ()
    once = member.member_id + "AAA72X1"
    assert rejection(answered(responder, inquiry_270(member, member_id=once))) == [("72", "C")]
    second = answered(responder, inquiry_270(member, member_id=once))
    assert second.errors == () and second.subscribers[0].member_id == member.member_id
    with pytest.raises(SimulatedFailure):
        responder.answer(inquiry_270(member, member_id=member.member_id + "FAIL5X1"))
    assert responder.answer(inquiry_270(member, member_id=member.member_id + "FAIL5X1"))
    assert (
        responder.answer(inquiry_270(member, member_id=member.member_id + "SLOW")).delay_seconds
        == 1.5
    )


def test_a_malformed_270_gets_a_999_rejection(responder: EligibilityResponder) -> None:
    payload = inquiry_270(active_subscriber()).replace("DMG*D8*", "DMG*D9*")
    answer = responder.answer(payload)
    assert answer.payload_type == PayloadType.X12_999_RESPONSE
    segments = [seg.elements for tx in read(answer.payload).transactions() for seg in tx.segments]
    assert ["IK5", "R", "5"] in segments
    assert any(s[0] == "IK4" for s in segments)


def test_what_is_not_a_270_is_refused_at_the_envelope(responder: EligibilityResponder) -> None:
    with pytest.raises(EnvelopeError) as not_x12:
        responder.answer("hello")
    assert not_x12.value.code == "PayloadIllegal"
    a_271 = responder.answer(inquiry_270(active_subscriber())).payload
    with pytest.raises(EnvelopeError) as wrong:
        responder.answer(a_271)
    assert wrong.value.code == "PayloadTypeIllegal"


def test_a_batch_answers_every_270(responder: EligibilityResponder) -> None:
    members = [m for m in scenario().members if m.relationship == "18"][:40]
    answer = responder.answer(batch_270(members), batch=True)
    document = read(answer.payload)
    assert validate(document).valid
    views = [EligibilityView.from_transaction(tx) for tx in document.transactions()]
    assert [v.subscribers[0].member_id for v in views] == [m.member_id for m in members]
    statuses = [v.subscribers[0].coverage_status for v in views]
    expected = [
        CoverageStatus.ACTIVE if m.is_active_on(START) else CoverageStatus.INACTIVE for m in members
    ]
    assert statuses == expected
    ack = read(responder.acknowledge(batch_270(members)))
    segments = [seg.elements for tx in ack.transactions() for seg in tx.segments]
    assert ["AK9", "A", "40", "40", "40"] in segments


def test_the_cache_gives_each_request_its_own_trace_and_reference(
    responder: EligibilityResponder,
) -> None:
    member = active_subscriber()
    first = answered(responder, inquiry_270(member, trace="ONE"))
    second = answered(responder, inquiry_270(member, trace="TWO"))
    assert responder.cache.hits >= 1
    assert [t.reference for t in second.subscribers[0].request_traces] == ["TWO"]
    assert (first.reference, second.reference) == ("REFONE", "REFTWO")
    assert first.subscribers[0].benefits == second.subscribers[0].benefits


@pytest.mark.peers
@pytest.mark.parametrize("peer", ["x12sdk", "linuxforhealth-x12"])
@pytest.mark.parametrize(
    "case",
    [
        "active",
        "inactive",
        "dependent",
        "busy",
        pytest.param("rejected", marks=pytest.mark.xfail(strict=True, reason=PEER_AAA_BUG)),
    ],
)
def test_peers_read_our_271s_alike(
    peer: str, case: str, responder: EligibilityResponder, tmp_path: Path
) -> None:
    payload = {
        "active": lambda: inquiry_270(active_subscriber()),
        "inactive": lambda: inquiry_270(terminated()),
        "dependent": lambda: inquiry_270(dependent(), as_dependent=True),
        "rejected": lambda: inquiry_270(active_subscriber(), member_id="ZZSBC000000001"),
        "busy": lambda: inquiry_270(
            active_subscriber(), member_id=active_subscriber().member_id + "AAA42"
        ),
    }[case]()
    path = tmp_path / "answer.271"
    path.write_text(responder.answer(payload).payload)
    models = {"x12sdk": x12sdk_models, "linuxforhealth-x12": lfh_models}[peer](path)
    ours = EligibilityView.from_transaction(next(read(path.read_text()).transactions()))
    members = ours.members
    assert {m.member_id for m in members if m.member_id} <= set(
        values(models, "identification_code")
    )
    rows = values(models, "eb_segment")
    rows = [r for found in rows for r in (found if isinstance(found, list) else [found])]
    benefits = [b for m in members for b in m.benefits]
    assert [r["eligibility_benefit_information"] for r in rows] == [b.info_code for b in benefits]
    assert [Decimal(str(r["benefit_amount"])) for r in rows if "benefit_amount" in r] == [
        b.amount for b in benefits if b.amount is not None
    ]
    assert [Decimal(str(r["benefit_percent"])) for r in rows if "benefit_percent" in r] == [
        b.percent for b in benefits if b.percent is not None
    ]
    dates = set(values(models, "date_time_period"))
    for m in members:
        if m.birth_date:
            assert m.birth_date.isoformat() in dates
        for period in m.dates:
            assert period.start.isoformat() in dates
    codes = [e.code for e in ours.errors]
    assert codes == [
        r
        for found in values(models, "reject_reason_code")
        for r in ([found] if isinstance(found, str) else found)
    ]
