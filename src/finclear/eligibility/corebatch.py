"""A batch chunk's 270s through CAQH CORE batch mode: one interchange per payer endpoint.

The chunk's 270 transaction sets go to each payer in one batch submission (every payer's
submitted before any pickup, so the payers work side by side); the 271s are
picked up by the submission's PayloadID once the payer has them (polled), then the pickup is
acknowledged. Each inquiry's 271 is found by its trace number (TRN*2, else BHT03, which echoes
the 270's BHT03: the trace number too). Each check keeps its own
270 and 271 transaction sets (ST..SE) and the batch's PayloadID. An inquiry without an answer,
or a batch the gateway could not deliver, becomes an ``error`` outcome saying so.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from finclear.connect.gateway import GatewayError, PayerEndpoint, PayerGateway
from finclear.eligibility import endpoints
from finclear.eligibility.inquiry import (
    CONTROL_NUMBERS,
    PAYLOAD_TYPE_270,
    build_envelope,
    build_fingerprint,
    build_inquiry_set,
    visit_date,
)
from finclear.eligibility.services import Exchanged
from finclear.patients.models import Coverage
from finclear.rules.benefits import ResponseError, normalize_271
from finclear.rules.fast271 import read_271_segments
from finclear.scheduling.models import Encounter
from finclear.x12 import X12Error, build_interchange, read, write_segments
from finclear.x12.build.envelope import SequentialControlNumbers
from finclear.x12.tree import Segment
from finclear.x12.views.eligibility import EligibilityView

RESULTS_271 = "X12_005010_Request_Batch_Results_271"
RESULTS_ACK = "X12_999_SubmissionRequest_005010X231A1"
# Polls for a batch's 271s: every POLL_SECONDS in the first FAST_POLLING seconds (a payer on
# loopback answers a chunk in tens of milliseconds: a longer wait is idle time), then twice
# as long each time up to POLL_MAX_SECONDS (a real payer may take minutes).
POLL_SECONDS = 0.01
FAST_POLLING = 1.0
POLL_MAX_SECONDS = 1.0
PICKUP_TIMEOUT = 120.0


@dataclass
class Item:
    encounter: Encounter
    coverage: Coverage
    trace: str
    codes: list[str] | None = None  # the service lines' codes, in order (None: read them)


@dataclass(frozen=True)
class Submitted:
    """A batch interchange the payer took: its PayloadID, the attempts it took, when."""

    payload_id: str
    attempts: int
    started: float


@dataclass
class Member:
    """An item of a batch interchange: its outcome so far and its 270 transaction set."""

    out: Exchanged
    dependent: bool
    segments: list[Segment]


def exchange_batch(items: list[Item], gateway: PayerGateway | None = None) -> list[Exchanged]:
    """Verify the items through CORE batch mode; one ``Exchanged`` per item, in order."""
    gate = gateway or endpoints.gateway()
    now = timezone.now()
    outcomes: dict[str, Exchanged] = {}
    groups: dict[str, tuple[PayerEndpoint, list[Member]]] = {}
    for item in items:
        out = Exchanged(
            encounter=item.encounter,
            coverage=item.coverage,
            trace=item.trace,
            fingerprint=build_fingerprint(item.coverage),
            date_of_service=visit_date(item.encounter),
            service_types=(),
            payer_key="",
            requested_at=now,
            responded_at=None,
        )
        outcomes[item.trace] = out
        try:
            endpoint = endpoints.endpoint_for(item.coverage.payer)
        except endpoints.NoEndpoint as exc:
            out.error = str(exc)
            continue
        out.payer_key = endpoint.payer_key
        built = build_inquiry_set(
            item.encounter,
            item.coverage,
            item.trace,
            endpoints.payer_id_for(item.coverage.payer, endpoint),
            now,
            CONTROL_NUMBERS.next_number(),
            item.codes,
        )
        out.raw_270 = write_segments(built.segments)
        out.service_types = built.service_types
        groups.setdefault(endpoint.payer_key, (endpoint, []))[1].append(
            Member(out, built.dependent, built.segments)
        )
    # Every payer's interchange is submitted before any pickup: the payers answer them
    # side by side instead of one after the other.
    sent = [
        (endpoint, members, do_submit_group(gate, endpoint, members))
        for endpoint, members in groups.values()
    ]
    for endpoint, members, receipt in sent:
        if receipt is not None:
            do_collect_group(gate, endpoint, members, receipt)
    return [outcomes[item.trace] for item in items]


def do_fail_group(members: list[Member], exc: GatewayError) -> None:
    for m in members:
        out = m.out
        out.responded_at = timezone.now()
        out.attempts = exc.attempts
        out.error = f"batch: {exc} [CORE error code {exc.core_error_code}]"


def do_submit_group(
    gate: PayerGateway, endpoint: PayerEndpoint, members: list[Member]
) -> Submitted | None:
    """Submit one batch interchange to one endpoint; None (members in error) if it failed."""
    sets = [m.segments for m in members]
    number = CONTROL_NUMBERS.next_number()
    interchange = build_interchange(
        build_envelope(endpoint, timezone.now()),
        sets,
        SequentialControlNumbers(number - 1, number - 1, number - 1),
    )
    clock = time.perf_counter()
    try:
        receipt = gate.submit_batch(endpoint, PAYLOAD_TYPE_270, interchange)
    except GatewayError as exc:
        do_fail_group(members, exc)
        return None
    return Submitted(receipt.payload_id, receipt.attempts, clock)


def do_collect_group(
    gate: PayerGateway, endpoint: PayerEndpoint, members: list[Member], receipt: Submitted
) -> None:
    """Pick up (polling) and acknowledge a submitted interchange's 271s; fill the outcomes."""
    try:
        results = gate.retrieve_batch(endpoint, RESULTS_271, receipt.payload_id)
        started = time.monotonic()
        deadline = started + PICKUP_TIMEOUT
        delay = POLL_SECONDS
        while not results.payload and time.monotonic() < deadline:
            time.sleep(delay)
            if time.monotonic() - started > FAST_POLLING:
                delay = min(delay * 2, POLL_MAX_SECONDS)
            results = gate.retrieve_batch(endpoint, RESULTS_271, receipt.payload_id)
        if results.payload:
            gate.retrieve_batch(endpoint, RESULTS_ACK, receipt.payload_id)
    except GatewayError as exc:
        do_fail_group(members, exc)
        return
    elapsed = (time.perf_counter() - receipt.started) * 1000
    answers, problem = read_answers(results.payload, endpoint.payer_key)
    responded = timezone.now()
    for m in members:
        out = m.out
        out.responded_at = responded
        out.payload_id = receipt.payload_id
        out.attempts = receipt.attempts
        out.elapsed_ms = elapsed
        found = answers.get(out.trace)
        if found is None:
            out.error = problem or (
                f"batch {receipt.payload_id}: the payer's 271s hold no answer for trace "
                f"{out.trace} (its 999 may have rejected the 270)"
            )
            continue
        view, text = found
        out.raw_271 = text
        try:
            out.result = normalize_271(view, out.trace, out.date_of_service, dependent=m.dependent)
        except ResponseError as exc:
            out.error = f"271 from {endpoint.payer_key}: {exc}"


def read_answers(
    payload: str, payer_key: str
) -> tuple[dict[str, tuple[EligibilityView, str]], str]:
    """The batch's 271s by the trace numbers they echo, and what went wrong reading them."""
    if not payload.strip():
        return {}, f"batch from {payer_key}: no 271s were picked up in time"
    try:
        document = read(payload, f"batch 271 from {payer_key}", loops=False)
    except X12Error as exc:
        return {}, f"batch 271 from {payer_key}: not readable as X12: {exc}"
    answers: dict[str, tuple[EligibilityView, str]] = {}
    problems: dict[str, int] = defaultdict(int)
    for tx in document.transactions():
        if tx.transaction_set != "271":
            problems[f"a {tx.transaction_set} instead of a 271"] += 1
            continue
        if any(f.is_error for f in tx.findings):
            problems[f"transaction {tx.control_number}: {tx.findings[0].describe()}"] += 1
            continue
        try:
            view = read_271_segments(tx.segments)
        except X12Error as exc:
            problems[f"transaction {tx.control_number}: {exc}"] += 1
            continue
        text = write_segments(tx.segments)
        for member in view.members:
            for trace in member.request_traces:
                answers[trace.reference] = (view, text)
        # A rejection may come back without the TRN echo; BHT03 echoes the 270's, which is
        # the trace number too.
        answers.setdefault(view.reference, (view, text))
    problem = "; ".join(problems)
    return answers, f"batch 271 from {payer_key}: {problem}" if problem else ""
