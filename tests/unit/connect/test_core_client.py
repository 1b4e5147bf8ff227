"""CoreGateway's retry policy against a scripted transport (no network)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from finclear.connect.core_client import CoreGateway, backoff_delay, has_busy_rejection
from finclear.connect.core_envelope import (
    EnvelopeError,
    PayloadType,
    build_error_response,
    build_mime,
    build_response,
    build_soap,
    check_request,
    parse_mime,
    parse_soap,
)
from finclear.connect.gateway import GatewayError, PayerEndpoint

REQUEST = PayloadType.X12_270_REQUEST
BUSY_271 = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *261130*0900*^*00501*000000001*0*T*:~GS*HB*A*B*20261130*0900*1*X*005010X279A1~ST*271*0001*005010X279A1~BHT*0022*11*R*20261130*0900~HL*1**20*0~AAA*Y**42*R~NM1*PR*2*P*****PI*1~SE*6*0001~GE*1*1~IEA*1*000000001~"
OK_271 = BUSY_271.replace("AAA*Y**42*R~", "")


def endpoint(protocol: str = "mime", **changes: object) -> PayerEndpoint:
    return PayerEndpoint(
        "P", f"http://payer.test/core/{protocol}", protocol, "S", "R", "u", "pw-secret",  # type: ignore[arg-type]
        **changes,  # type: ignore[arg-type]
    )  # fmt: skip


Step = Callable[[httpx.Request], httpx.Response]


def answer(payload: str = OK_271, status: int = 200, code: str = "Success") -> Step:
    def step(request: httpx.Request) -> httpx.Response:
        soap = request.url.path.endswith("soap")
        if soap:
            kind, fields = parse_soap(request.content)
            incoming = check_request(fields, kind)
        else:
            incoming = check_request(parse_mime(request.content, request.headers["content-type"]))
        if code != "Success":
            message = build_error_response(
                incoming.kind, incoming.wire_fields(), EnvelopeError(code, "no")
            )
        else:
            message = build_response(incoming, PayloadType.X12_271_RESPONSE, payload)
        if soap:
            return httpx.Response(status, content=build_soap(message, response=True))
        body, content_type = build_mime(message)
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    return step


def fail_with(exc: type[Exception]) -> Step:
    def step(request: httpx.Request) -> httpx.Response:
        raise exc("scripted", request=request)  # type: ignore[call-arg]

    return step


def plain(status: int) -> Step:
    return lambda request: httpx.Response(status, text="oops")


def run(steps: list[Step], ep: PayerEndpoint) -> tuple[object, list[float], int]:
    waits: list[float] = []
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return steps.pop(0)(request)

    gateway = CoreGateway(transport=httpx.MockTransport(handler), sleep=waits.append)
    try:
        outcome: object = gateway.exchange_realtime(ep, REQUEST, "ISA~")
    except GatewayError as exc:
        outcome = exc
    return outcome, waits, calls


@pytest.mark.parametrize("protocol", ["mime", "soap"])
@pytest.mark.parametrize(
    "first", [fail_with(httpx.ReadTimeout), fail_with(httpx.ConnectError), plain(500), plain(503)]
)
def test_transient_failures_are_retried_with_backoff(protocol: str, first: Step) -> None:
    result, waits, calls = run([first, first, answer()], endpoint(protocol, backoff_seconds=0.5))
    assert not isinstance(result, GatewayError)
    assert (calls, waits) == (3, [0.5, 1.0])


@pytest.mark.parametrize(
    ("step", "code"),
    [(plain(401), "UnAuthorized"), (plain(400), "HTTP400"), (plain(404), "HTTP404")],
)
def test_permanent_rejections_are_not_retried(step: Step, code: str) -> None:
    error, waits, calls = run([step], endpoint())
    assert isinstance(error, GatewayError)
    assert (error.core_error_code, error.transient, error.attempts, calls, waits) == (
        code,
        False,
        1,
        1,
        [],
    )


@pytest.mark.parametrize("protocol", ["mime", "soap"])
def test_a_core_error_code_is_permanent(protocol: str) -> None:
    error, _, calls = run([answer(status=400, code="SenderIDIllegal")], endpoint(protocol))
    assert isinstance(error, GatewayError)
    assert (error.core_error_code, calls) == ("SenderIDIllegal", 1)


def test_attempts_run_out_on_transient_failures() -> None:
    error, waits, _ = run([plain(502)] * 3, endpoint(backoff_seconds=0.25))
    assert isinstance(error, GatewayError)
    assert (error.transient, error.attempts, error.core_error_code, waits) == (
        True,
        3,
        "HTTP502",
        [0.25, 0.5],
    )
    assert "pw-secret" not in str(error)


def test_aaa_42_is_retried_and_the_last_271_returned() -> None:
    result, waits, _ = run([answer(BUSY_271)] * 2, endpoint(max_attempts=2, backoff_seconds=1))
    assert not isinstance(result, GatewayError)
    assert (result.attempts, result.payload, waits) == (2, BUSY_271, [1.0])  # type: ignore[attr-defined]
    result, _, _ = run([answer(BUSY_271), answer(OK_271)], endpoint())
    assert (result.attempts, result.payload) == (2, OK_271)  # type: ignore[attr-defined]


def test_a_garbled_200_is_a_malformed_response() -> None:
    error, _, _ = run([lambda r: httpx.Response(200, text="<html>")], endpoint())
    assert isinstance(error, GatewayError)
    assert (error.core_error_code, error.transient) == ("MalformedResponse", False)


def test_helpers() -> None:
    assert has_busy_rejection(BUSY_271) and not has_busy_rejection(OK_271)
    assert not has_busy_rejection("AAA but not X12")
    assert [backoff_delay(endpoint(backoff_seconds=0.5), n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
