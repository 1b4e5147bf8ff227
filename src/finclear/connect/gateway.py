"""The ``PayerGateway`` port: how the application exchanges X12 with a payer.

The eligibility service (and later claims, status, authorizations) codes against this port;
``finclear.connect.core_client.CoreGateway`` is the CAQH CORE adapter. The values here are
plain and Django-free. A password lives only in memory, read from the environment by
``finclear.connect.config``: it is never part of a ``repr``, a log line or an error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol


@dataclass(frozen=True, slots=True)
class PayerEndpoint:
    payer_key: str  # our key for the payer, e.g. "SYNBLUE"
    url: str  # e.g. "http://127.0.0.1:8765/core/mime" or ".../core/soap"
    protocol: Literal["mime", "soap"]
    sender_id: str
    receiver_id: str
    username: str
    password: str = field(repr=False)  # from the environment; never stored, logged or repr'd
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_attempts: int = 3
    backoff_seconds: float = 0.5  # exponential: 0.5, 1, 2...
    verify_tls: bool | str = True  # True, False, or a CA bundle path
    client_cert: tuple[str, str] | None = None  # (certificate file, key file)
    payer_id_aliases: Mapping[str, str] = field(default_factory=dict)  # clearinghouse -> ID


@dataclass(frozen=True, slots=True)
class ExchangeResult:
    payload: str  # the X12 returned (271, 999...), "" when none
    payload_type: str  # e.g. "X12_271_Response_005010X279A1"
    payload_id: str
    core_error_code: str  # "Success" or the CORE error code
    core_error_message: str
    attempts: int
    elapsed_ms: float


class GatewayError(Exception):
    """An exchange that failed: ``transient`` ones (timeouts, 5xx) were retried first.

    ``core_error_code`` is the CORE ErrorCode when the payer sent one (``UnAuthorized``,
    ``PayloadTypeIllegal``...), else one of finclear's own: ``Timeout``, ``ConnectionError``,
    ``HTTP<status>``, ``MalformedResponse``, ``SOAPFault``.
    """

    def __init__(
        self, message: str, *, transient: bool, core_error_code: str, attempts: int
    ) -> None:
        self.transient = transient
        self.core_error_code = core_error_code
        self.attempts = attempts
        super().__init__(message)


class PayerGateway(Protocol):
    def exchange_realtime(
        self, endpoint: PayerEndpoint, payload_type: str, payload: str
    ) -> ExchangeResult: ...

    def submit_batch(
        self, endpoint: PayerEndpoint, payload_type: str, payload: str
    ) -> ExchangeResult: ...

    def retrieve_batch(
        self, endpoint: PayerEndpoint, payload_type: str, payload_id: str
    ) -> ExchangeResult: ...
