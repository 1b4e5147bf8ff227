"""The payer simulator's ASGI app (Starlette): ``/core/mime``, ``/core/soap`` and ``/health``.

Each request goes through the same steps whatever its envelope: read the envelope,
authenticate (HTTP 401 ``UnAuthorized``), check the metadata (HTTP 400 with the CORE
ErrorCode), check the SenderID and ReceiverID, maybe fail on purpose (``--error-rate``: HTTP
500), run the handler registered for the PayloadType, wait the simulated latency, answer.
Nothing about the payload is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from anyio import to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from finclear.connect.core_envelope import (
    CORE_RULE_VERSION,
    SOAP_CONTENT_TYPE,
    CoreMessage,
    EnvelopeError,
    ErrorCode,
    MessageKind,
    PayloadType,
    SoapFault,
    build_error_response,
    build_mime,
    build_response,
    build_soap,
    build_soap_fault,
    check_request,
    kind_of,
    parse_mime,
    parse_soap,
)
from finclear.payersim.authorization import register_authorization
from finclear.payersim.batches import BatchJob, BatchStore
from finclear.payersim.eligibility import EligibilityResponder, SimulatedFailure
from finclear.payersim.index import ScenarioIndex
from finclear.payersim.registry import Registry, Reply
from finclear.payersim.users import SimUser, load_users

log = logging.getLogger("finclear.payersim")
SIMULATOR_ID = "FINCLEARSIM"


@dataclass(slots=True)
class SimSettings:
    latency_ms: float = 0.0  # added to every answer
    error_rate: float = 0.0  # share of requests answered with HTTP 500
    slow_ms: float = 3000.0  # how long a SLOW member's answer takes
    seed: int | None = None  # for the error-rate draws
    users: Mapping[str, SimUser] = field(default_factory=lambda: load_users(None))


class Simulator:
    """The state behind the app: scenario index, responders, batches, settings."""

    def __init__(self, index: ScenarioIndex, settings: SimSettings) -> None:
        self.index = index
        self.settings = settings
        self.responder = EligibilityResponder(index, slow_seconds=settings.slow_ms / 1000)
        self.batches = BatchStore()
        self.random = random.Random(settings.seed)
        self.receivers = index.receiver_ids | {SIMULATOR_ID}
        self.registry = build_registry(self)

    async def handle(self, kind: MessageKind, fields: Mapping[str, str], soap: bool) -> Response:
        user = self.settings.users.get(fields.get("UserName", ""))
        if user is None or not user.check_password(fields.get("Password", "")):
            error = EnvelopeError(
                ErrorCode.UNAUTHORIZED, "the UserName and Password are not accepted", 401
            )
            return render(build_error_response(kind, fields, error), error.status, soap)
        try:
            request = check_request(fields, kind if soap else None, self.registry.payload_types)
            if not user.may_send_as(request.sender_id):
                raise EnvelopeError(
                    ErrorCode.SENDER_ID_ILLEGAL,
                    f"SenderID {request.sender_id!r} is not one this user may send as",
                )
            if request.receiver_id.upper() not in self.receivers:
                raise EnvelopeError(
                    ErrorCode.RECEIVER_ID_ILLEGAL,
                    f"ReceiverID {request.receiver_id!r} is not a payer this endpoint serves",
                )
            handler = self.registry.find(request.kind, request.payload_type)
            if handler is None:
                raise EnvelopeError(
                    ErrorCode.PAYLOAD_TYPE_ILLEGAL,
                    f"PayloadType {request.payload_type} is not accepted in a "
                    f"{request.kind.value} message",
                )
            if self.settings.error_rate and self.random.random() < self.settings.error_rate:
                raise SimulatedFailure("the configured error rate")
            if request.kind is MessageKind.REAL_TIME:
                reply = handler(request)
            else:
                reply = await to_thread.run_sync(handler, request)
        except EnvelopeError as exc:
            return render(build_error_response(kind, fields, exc), exc.status, soap)
        except SimulatedFailure as exc:
            log.info("simulated failure: %s", exc)
            return server_error(soap)
        delay = self.settings.latency_ms / 1000 + reply.delay_seconds
        if delay > 0:
            await asyncio.sleep(delay)
        response = build_response(
            request, reply.payload_type, reply.payload, payload_id=reply.payload_id
        )
        return render(response, 200, soap)

    # -- eligibility handlers ------------------------------------------------------------------

    def realtime_270(self, request: CoreMessage) -> Reply:
        answer = self.responder.answer(request.payload)
        return Reply(answer.payload_type, answer.payload, delay_seconds=answer.delay_seconds)

    def submit_270_batch(self, request: CoreMessage) -> Reply:
        document, report = self.responder.read_270(request.payload)
        ack = self.responder.build_ack(document, report)
        job = BatchJob(request.payload_id, request.sender_id, ack)

        def answer() -> tuple[str, str]:
            found = self.responder.answer_read(document, report, batch=True)
            return found.payload_type, found.payload

        self.batches.submit(job, answer)
        return Reply(PayloadType.X12_BATCH_RECEIPT, payload_id=request.payload_id)

    def retrieve_999(self, request: CoreMessage) -> Reply:
        job = self._job(request)
        return Reply(PayloadType.X12_999_RESPONSE, job.ack, payload_id=job.payload_id)

    def retrieve_271_batch(self, request: CoreMessage) -> Reply:
        job = self._job(request)
        if not job.results.done():
            return Reply(PayloadType.X12_271_RESPONSE, "", payload_id=job.payload_id)
        error = job.results.exception()
        if error is not None:
            raise EnvelopeError(
                ErrorCode.PAYLOAD_ILLEGAL, f"the batch could not be answered: {error}"
            )
        return Reply(job.results_type, job.results.result(), payload_id=job.payload_id)

    def acknowledge_results(self, request: CoreMessage) -> Reply:
        self._job(request)
        self.batches.forget(request.payload_id)
        return Reply(PayloadType.X12_BATCH_RECEIPT, payload_id=request.payload_id)

    def _job(self, request: CoreMessage) -> BatchJob:
        job = self.batches.get(request.payload_id, request.sender_id)
        if job is None:
            raise EnvelopeError(
                ErrorCode.PAYLOAD_ID_ILLEGAL,
                f"PayloadID {request.payload_id} names no batch submitted by this sender",
            )
        return job


def build_registry(sim: Simulator) -> Registry:
    registry = Registry()
    registry.add(MessageKind.REAL_TIME, PayloadType.X12_270_REQUEST, sim.realtime_270)
    registry.add(MessageKind.BATCH_SUBMISSION, PayloadType.X12_270_REQUEST, sim.submit_270_batch)
    registry.add(MessageKind.BATCH_ACK_RETRIEVAL, PayloadType.X12_999_RETRIEVAL, sim.retrieve_999)
    registry.add(
        MessageKind.BATCH_RESULTS_RETRIEVAL,
        PayloadType.X12_BATCH_RESULTS_271,
        sim.retrieve_271_batch,
    )
    registry.add(
        MessageKind.BATCH_RESULTS_ACK, PayloadType.X12_999_SUBMISSION, sim.acknowledge_results
    )
    register_authorization(registry)
    return registry


def render(message: CoreMessage, status: int, soap: bool) -> Response:
    if soap:
        return Response(build_soap(message, response=True), status, media_type=SOAP_CONTENT_TYPE)
    body, content_type = build_mime(message)
    return Response(body, status, media_type=content_type)


def server_error(soap: bool) -> Response:
    if soap:
        fault = build_soap_fault("Receiver", "simulated server error")
        return Response(fault, 500, media_type=SOAP_CONTENT_TYPE)
    return Response("simulated server error", 500, media_type="text/plain")


def build_app(index: ScenarioIndex, settings: SimSettings | None = None) -> Starlette:
    sim = Simulator(index, settings or SimSettings())

    async def mime(request: Request) -> Response:
        body = await request.body()
        try:
            fields = parse_mime(body, request.headers.get("content-type", ""))
        except EnvelopeError as exc:
            return render(build_error_response(MessageKind.REAL_TIME, {}, exc), exc.status, False)
        kind = kind_of(fields.get("ProcessingMode", ""), fields.get("PayloadType", ""))
        return await sim.handle(kind, fields, soap=False)

    async def soap(request: Request) -> Response:
        body = await request.body()
        try:
            kind, fields = parse_soap(body)
        except EnvelopeError as exc:
            return Response(build_soap_fault("Sender", str(exc)), 400, media_type=SOAP_CONTENT_TYPE)
        except SoapFault as fault:
            return Response(
                build_soap_fault("Sender", f"a request may not be a fault: {fault.reason}"),
                400,
                media_type=SOAP_CONTENT_TYPE,
            )
        return await sim.handle(kind, fields, soap=True)

    async def health(request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "core_rule_version": CORE_RULE_VERSION,
                "payers": len(index.scenario.payers),
                "members": len(index.scenario.members),
                "payload_types": sorted(sim.registry.payload_types),
            }
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        sim.batches.close()

    app = Starlette(
        routes=[
            Route("/core/mime", mime, methods=["POST"]),
            Route("/core/soap", soap, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.simulator = sim
    return app
