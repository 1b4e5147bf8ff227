"""The CORE client against the payer simulator as a real process, over HTTP, MIME and SOAP."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Literal

import httpx
import pytest

from finclear.connect.core_client import CoreGateway
from finclear.connect.core_envelope import PayloadType
from finclear.connect.gateway import GatewayError, PayerEndpoint
from finclear.demo.scenario import ScenarioMember
from finclear.x12 import EligibilityView, read, validate
from finclear.x12.views.eligibility import CoverageStatus
from tests.e2e.conftest import PayerSim
from tests.unit.payersim.inquiries import (
    START,
    active_subscriber,
    dependent,
    inquiry_270,
    subscriber_of,
    terminated,
)

pytestmark = pytest.mark.e2e
PROTOCOLS = ["mime", "soap"]
REQUEST = PayloadType.X12_270_REQUEST


def endpoint(sim: PayerSim, protocol: Literal["mime", "soap"], **changes: object) -> PayerEndpoint:
    base = PayerEndpoint(
        payer_key="SYNBLUE",
        url=f"{sim.base_url}/core/{protocol}",
        protocol=protocol,
        sender_id=sim.sender_id,
        receiver_id="ZZ301",
        username=sim.username,
        password=sim.password,
        connect_timeout=2.0,
        read_timeout=10.0,
        backoff_seconds=0.05,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def gateway() -> CoreGateway:
    return CoreGateway()


def view_of(payload: str) -> EligibilityView:
    document = read(payload)
    assert validate(document).valid
    return EligibilityView.from_transaction(next(document.transactions()))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_active_inactive_and_dependent_members(
    payersim: PayerSim, gateway: CoreGateway, protocol: Literal["mime", "soap"]
) -> None:
    ep = endpoint(payersim, protocol)
    active = active_subscriber()
    result = gateway.exchange_realtime(ep, REQUEST, inquiry_270(active))
    assert (result.payload_type, result.core_error_code, result.attempts) == (
        PayloadType.X12_271_RESPONSE,
        "Success",
        1,
    )
    (sub,) = view_of(result.payload).subscribers
    assert (sub.member_id, sub.coverage_status) == (active.member_id, CoverageStatus.ACTIVE)

    ended = terminated()
    (sub,) = view_of(gateway.exchange_realtime(ep, REQUEST, inquiry_270(ended)).payload).subscribers
    assert sub.coverage_status is CoverageStatus.INACTIVE
    assert sub.plan_end == ended.termination_date

    child = dependent()
    answer = gateway.exchange_realtime(ep, REQUEST, inquiry_270(child, as_dependent=True))
    (sub,) = view_of(answer.payload).subscribers
    assert sub.member_id == subscriber_of(child).member_id
    (dep,) = sub.dependents
    assert dep.coverage_status is CoverageStatus.ACTIVE
    assert dep.birth_date == child.date_of_birth


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_each_aaa_rejection(
    payersim: PayerSim, gateway: CoreGateway, protocol: Literal["mime", "soap"]
) -> None:
    ep = endpoint(payersim, protocol)
    member = active_subscriber()
    wrong = next(e for e in payersim.scenario.errors if e.kind == "wrong_member_id")
    wrong_payer = next(m for m in payersim.scenario.members if m.payer_id == wrong.payer_id)
    cases = {
        "72": inquiry_270(member, member_id="BAD-ID"),
        "73": inquiry_270(dependent()),  # a dependent registered as the subscriber
        "75": inquiry_270(wrong_payer, member_id=wrong.registered),
    }
    for code, payload in cases.items():
        result = gateway.exchange_realtime(ep, REQUEST, payload)
        assert result.attempts == 1
        assert [e.code for e in view_of(result.payload).errors] == [code]
    busy = gateway.exchange_realtime(
        ep, REQUEST, inquiry_270(member, member_id=member.member_id + "AAA42")
    )
    assert busy.attempts == ep.max_attempts  # AAA 42 is retried, then the 271 is returned
    assert [e.code for e in view_of(busy.payload).errors] == ["42"]


def fresh_member(sim: PayerSim, protocol: str, purpose: int) -> ScenarioMember:
    """A different active subscriber per protocol and purpose: magic counters are per ID."""
    members = [
        m
        for m in sim.scenario.members
        if m.relationship == "18" and m.payer_id == "ZZ302" and m.is_active_on(START)
    ]
    return members[purpose * 2 + PROTOCOLS.index(protocol)]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_timeout_is_retried(
    payersim: PayerSim, gateway: CoreGateway, protocol: Literal["mime", "soap"]
) -> None:
    member = fresh_member(payersim, protocol, 0)
    ep = endpoint(payersim, protocol, read_timeout=payersim.slow_ms / 1000 / 3)
    payload = inquiry_270(member, member_id=member.member_id + "SLOWX1")
    result = gateway.exchange_realtime(ep, REQUEST, payload)
    assert result.attempts == 2
    assert view_of(result.payload).subscribers[0].member_id == member.member_id


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_500_then_success(
    payersim: PayerSim, gateway: CoreGateway, protocol: Literal["mime", "soap"]
) -> None:
    member = fresh_member(payersim, protocol, 1)
    ep = endpoint(payersim, protocol)
    payload = inquiry_270(member, member_id=member.member_id + "FAIL5X1")
    result = gateway.exchange_realtime(ep, REQUEST, payload)
    assert (result.attempts, result.core_error_code) == (2, "Success")
    assert view_of(result.payload).subscribers[0].coverage_status is CoverageStatus.ACTIVE


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_busy_then_answered(
    payersim: PayerSim, gateway: CoreGateway, protocol: Literal["mime", "soap"]
) -> None:
    member = fresh_member(payersim, protocol, 2)
    ep = endpoint(payersim, protocol)
    payload = inquiry_270(member, member_id=member.member_id + "AAA42X1")
    result = gateway.exchange_realtime(ep, REQUEST, payload)
    assert result.attempts == 2
    assert view_of(result.payload).errors == ()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_persistent_500s_give_up_as_transient(
    payersim: PayerSim, gateway: CoreGateway, protocol: Literal["mime", "soap"]
) -> None:
    member = fresh_member(payersim, protocol, 3)
    ep = endpoint(payersim, protocol, max_attempts=2)
    with pytest.raises(GatewayError) as failed:
        gateway.exchange_realtime(
            ep, REQUEST, inquiry_270(member, member_id=member.member_id + "FAIL5")
        )
    assert (failed.value.transient, failed.value.attempts) == (True, 2)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_authentication_failure_is_not_retried_and_not_logged(
    payersim: PayerSim,
    gateway: CoreGateway,
    protocol: Literal["mime", "soap"],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ep = endpoint(payersim, protocol, password="not-the-password-XYZ")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(GatewayError) as failed:
        gateway.exchange_realtime(ep, REQUEST, inquiry_270(active_subscriber()))
    error = failed.value
    assert (error.core_error_code, error.transient, error.attempts) == ("UnAuthorized", False, 1)
    assert "not-the-password-XYZ" not in caplog.text + str(error) + repr(ep)
    assert active_subscriber().member_id not in caplog.text


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_envelope_rejections(
    payersim: PayerSim, gateway: CoreGateway, protocol: Literal["mime", "soap"]
) -> None:
    payload = inquiry_270(active_subscriber())
    cases = {
        "SenderIDIllegal": (endpoint(payersim, protocol, sender_id="SOMEONEELSE"), REQUEST),
        "ReceiverIDIllegal": (endpoint(payersim, protocol, receiver_id="NOPAYER"), REQUEST),
        "PayloadTypeIllegal": (endpoint(payersim, protocol), "X12_271_Response_005010X279A1"),
    }
    for code, (ep, payload_type) in cases.items():
        with pytest.raises(GatewayError) as failed:
            gateway.exchange_realtime(ep, payload_type, payload)
        assert (failed.value.core_error_code, failed.value.attempts) == (code, 1), code


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_malformed_request(
    payersim: PayerSim, gateway: CoreGateway, protocol: Literal["mime", "soap"]
) -> None:
    ep = endpoint(payersim, protocol)
    with pytest.raises(GatewayError) as not_x12:
        gateway.exchange_realtime(ep, REQUEST, "this is not X12")
    assert (not_x12.value.core_error_code, not_x12.value.transient) == ("PayloadIllegal", False)
    broken = inquiry_270(active_subscriber()).replace("DMG*D8*", "DMG*D9*")
    result = gateway.exchange_realtime(ep, REQUEST, broken)
    assert result.payload_type == PayloadType.X12_999_RESPONSE
    assert "IK5*R" in result.payload


def test_raw_envelope_errors_carry_the_rule_s_codes(payersim: PayerSim) -> None:
    """Bypassing the client: a wrong version and a missing field, as the rule answers them."""
    fields = {
        "PayloadType": REQUEST,
        "ProcessingMode": "RealTime",
        "PayloadID": "not-a-uuid",
        "TimeStamp": "2026-11-30T09:00:00Z",
        "UserName": payersim.username,
        "Password": payersim.password,
        "SenderID": payersim.sender_id,
        "ReceiverID": "ZZ301",
        "CORERuleVersion": "2.2.0",
        "Payload": inquiry_270(active_subscriber()),
    }
    url = f"{payersim.base_url}/core/mime"
    for change, code in (
        ({"CORERuleVersion": "2.1.0"}, "VersionMismatch"),
        ({}, "PayloadIDIllegal"),
        ({"ProcessingMode": "Sometimes"}, "ProcessingModeIllegal"),
        ({"SenderID": ""}, "SenderIDRequired"),
    ):
        reply = httpx.post(url, files={k: (None, v) for k, v in (fields | change).items()})
        assert reply.status_code == 400
        assert f'name="ErrorCode"\r\n\r\n{code}\r\n'.encode() in reply.content, code
    soap = httpx.post(
        f"{payersim.base_url}/core/soap",
        content=b"<not-soap/>",
        headers={"Content-Type": "application/soap+xml"},
    )
    assert soap.status_code == 400 and b"soap:Sender" in soap.content
