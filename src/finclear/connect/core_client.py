"""``CoreGateway``: the CAQH CORE connectivity adapter of the ``PayerGateway`` port.

Each call builds a CORE envelope (HTTP MIME multipart or SOAP 1.2, per endpoint), posts it
with httpx and reads the response envelope. Transient failures are retried with exponential
backoff (``backoff_seconds * 2**(attempt - 1)``): timeouts, connection errors, HTTP 5xx, a
SOAP Receiver fault, a response whose checksum does not match, and a real-time 271 whose AAA03
is 42 ("unable to respond at current time"). Permanent rejections (HTTP 400/401, a CORE
ErrorCode other than Success) are not retried. When every attempt at a 271 got AAA 42, that
271 is returned: it is the payer's answer, for the caller to keep and show.

Logs name the payer key, PayloadType, PayloadID, attempt and outcome; never the payload (it
holds patient data) nor the credentials.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable
from typing import Self

import httpx

from finclear.connect.core_envelope import (
    BATCH_KIND_BY_TYPE,
    SOAP_ACTIONS,
    SOAP_CONTENT_TYPE,
    CoreMessage,
    EnvelopeError,
    ErrorCode,
    MessageKind,
    PayloadType,
    SoapFault,
    build_mime,
    build_request,
    build_soap,
    checksum,
    parse_mime,
    parse_soap,
    read_response,
)
from finclear.connect.gateway import ExchangeResult, GatewayError, PayerEndpoint
from finclear.x12 import X12Error, read

log = logging.getLogger("finclear.connect")


class _Failure(Exception):
    def __init__(self, transient: bool, code: str, message: str) -> None:
        self.transient = transient
        self.code = code
        self.message = message
        super().__init__(message)


def has_busy_rejection(payload: str) -> bool:
    """True when an X12 response holds an AAA whose reject reason (AAA03) is 42."""
    if "AAA" not in payload:
        return False
    try:
        document = read(payload, loops=False)
    except X12Error:
        return False
    return any(
        seg.id == "AAA" and seg.get(3) == "42"
        for tx in document.transactions()
        for seg in tx.segments
    )


def backoff_delay(endpoint: PayerEndpoint, attempt: int) -> float:
    """The wait after failed attempt ``attempt`` (1-based): 0.5, 1, 2... for 0.5 s."""
    return float(endpoint.backoff_seconds * 2 ** (attempt - 1))


class CoreGateway:
    """The CORE connectivity client; thread-safe, one connection pool per TLS setting."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._transport = transport
        self._sleep = sleep
        self._clients: dict[tuple[object, ...], httpx.Client] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    # -- the port ------------------------------------------------------------------------------

    def exchange_realtime(
        self, endpoint: PayerEndpoint, payload_type: str, payload: str
    ) -> ExchangeResult:
        return self._exchange(endpoint, MessageKind.REAL_TIME, payload_type, payload, None)

    def submit_batch(
        self, endpoint: PayerEndpoint, payload_type: str, payload: str
    ) -> ExchangeResult:
        return self._exchange(endpoint, MessageKind.BATCH_SUBMISSION, payload_type, payload, None)

    def retrieve_batch(
        self, endpoint: PayerEndpoint, payload_type: str, payload_id: str
    ) -> ExchangeResult:
        kind = BATCH_KIND_BY_TYPE.get(payload_type, MessageKind.BATCH_RESULTS_RETRIEVAL)
        return self._exchange(endpoint, kind, payload_type, "", payload_id)

    # -- the exchange --------------------------------------------------------------------------

    def _exchange(
        self,
        endpoint: PayerEndpoint,
        kind: MessageKind,
        payload_type: str,
        payload: str,
        payload_id: str | None,
    ) -> ExchangeResult:
        start = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            request = build_request(
                kind,
                payload_type,
                endpoint.sender_id,
                endpoint.receiver_id,
                payload,
                payload_id=payload_id,
                username=endpoint.username,
                password=endpoint.password,
            )
            try:
                response = self._post(endpoint, request)
            except _Failure as failure:
                log.warning(
                    "payer %s %s %s attempt %d/%d failed: %s",
                    endpoint.payer_key,
                    payload_type,
                    request.payload_id,
                    attempt,
                    endpoint.max_attempts,
                    failure.message,
                )
                if failure.transient and attempt < endpoint.max_attempts:
                    self._sleep(backoff_delay(endpoint, attempt))
                    continue
                raise GatewayError(
                    f"payer {endpoint.payer_key}: {failure.message} "
                    f"(after {attempt} attempt{'s' if attempt > 1 else ''})",
                    transient=failure.transient,
                    core_error_code=failure.code,
                    attempts=attempt,
                ) from None
            result = ExchangeResult(
                payload=response.payload,
                payload_type=response.payload_type,
                payload_id=response.payload_id,
                core_error_code=response.error_code or ErrorCode.SUCCESS,
                core_error_message=response.error_message or "",
                attempts=attempt,
                elapsed_ms=(time.perf_counter() - start) * 1000,
            )
            busy = (
                kind is MessageKind.REAL_TIME
                and response.payload_type == PayloadType.X12_271_RESPONSE
                and has_busy_rejection(response.payload)
            )
            # A plain success is routine: debug. Rejections and retries are worth an operator's eye.
            (log.debug if result.core_error_code == "Success" and not busy else log.info)(
                "payer %s %s %s attempt %d: %s%s",
                endpoint.payer_key,
                payload_type,
                request.payload_id,
                attempt,
                result.core_error_code,
                " (AAA 42: unable to respond now)" if busy else "",
            )
            if busy and attempt < endpoint.max_attempts:
                self._sleep(backoff_delay(endpoint, attempt))
                continue
            return result

    def _post(self, endpoint: PayerEndpoint, request: CoreMessage) -> CoreMessage:
        if endpoint.protocol == "soap":
            body = build_soap(request)
            action = SOAP_ACTIONS[request.kind]
            headers = {"Content-Type": f'{SOAP_CONTENT_TYPE}; action="{action}"'}
        else:
            body, content_type = build_mime(request)
            headers = {"Content-Type": content_type}
        timeout = httpx.Timeout(
            connect=endpoint.connect_timeout,
            read=endpoint.read_timeout,
            write=endpoint.read_timeout,
            pool=endpoint.connect_timeout,
        )
        try:
            reply = self._client(endpoint).post(
                endpoint.url, content=body, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException as exc:
            raise _Failure(True, "Timeout", f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _Failure(True, "ConnectionError", f"cannot reach {endpoint.url}: {exc}") from None
        return self._read(endpoint, request.kind, reply)

    def _read(
        self, endpoint: PayerEndpoint, kind: MessageKind, reply: httpx.Response
    ) -> CoreMessage:
        status = reply.status_code
        try:
            response = self._parse(endpoint, kind, reply)
        except SoapFault as fault:
            receiver = fault.code.endswith("Receiver")
            raise _Failure(
                receiver or status >= 500, "SOAPFault", f"HTTP {status}, SOAP fault: {fault.reason}"
            ) from None
        except EnvelopeError as exc:
            if status >= 500:
                raise _Failure(True, f"HTTP{status}", f"HTTP {status}") from None
            if status != 200:
                code = ErrorCode.UNAUTHORIZED if status == 401 else f"HTTP{status}"
                raise _Failure(False, code, f"HTTP {status}") from None
            raise _Failure(
                False, "MalformedResponse", f"malformed response: {exc.message}"
            ) from None
        code = response.error_code or ""
        if status >= 500:
            raise _Failure(True, code or f"HTTP{status}", f"HTTP {status} {code}".strip())
        if status != 200 or (code and code != ErrorCode.SUCCESS):
            detail = f": {response.error_message}" if response.error_message else ""
            raise _Failure(False, code or f"HTTP{status}", f"HTTP {status} {code}{detail}")
        if response.checksum and response.checksum.lower() != checksum(response.payload):
            raise _Failure(
                True, "ChecksumIllegal", "the response payload's checksum does not match"
            )
        return response

    def _parse(
        self, endpoint: PayerEndpoint, kind: MessageKind, reply: httpx.Response
    ) -> CoreMessage:
        if endpoint.protocol == "soap":
            found, fields = parse_soap(reply.content)
            return read_response(found, fields)
        fields = parse_mime(reply.content, reply.headers.get("content-type", ""))
        return read_response(kind, fields)

    def _client(self, endpoint: PayerEndpoint) -> httpx.Client:
        key = (endpoint.verify_tls, endpoint.client_cert)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = httpx.Client(
                    verify=build_ssl_context(endpoint),
                    transport=self._transport,
                    limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
                )
                self._clients[key] = client
            return client


def build_ssl_context(endpoint: PayerEndpoint) -> ssl.SSLContext | bool:
    """The TLS settings of an endpoint: certificate checks (system or given CA), client cert."""
    if endpoint.verify_tls is False and endpoint.client_cert is None:
        return False
    if isinstance(endpoint.verify_tls, str):
        context = ssl.create_default_context(cafile=endpoint.verify_tls)
    else:
        context = ssl.create_default_context()
        if endpoint.verify_tls is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if endpoint.client_cert is not None:
        context.load_cert_chain(*endpoint.client_cert)
    return context
