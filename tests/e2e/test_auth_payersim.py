"""The 278 and PAS round trips against the payer simulator as a real process (CORE MIME and
SOAP): each scenario (approve, pend then approve, deny, partial) and the application's own
request path, from an encounter to a tracked decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Literal

import pytest

from finclear.authorizations import services
from finclear.authorizations.models import AuthorizationStatus, Channel
from finclear.connect import pas
from finclear.connect.core_client import CoreGateway
from finclear.connect.core_envelope import PayloadType
from finclear.connect.gateway import GatewayError, PayerEndpoint
from finclear.scheduling.services import ServiceLineInput
from finclear.x12 import read, validate
from finclear.x12.build.authorization import build_278_request
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.build.parties import Person
from finclear.x12.views.authorization import AuthorizationView
from tests.e2e.conftest import PayerSim
from tests.integration.model_builders import EASTERN, Clinic
from tests.unit.test_auth_pas import REQUEST as PAS_REQUEST
from tests.unit.x12.test_build_278 import example_2a

pytestmark = pytest.mark.e2e
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
# The simulator's default scenario comes from the member ID's last digit.
MEMBERS = {
    "approve": "AUTH0000001",
    "pend": "AUTH0000006",
    "deny": "AUTH0000008",
    "partial": "AUTH0000009",
}


def endpoint(sim: PayerSim, protocol: Literal["mime", "soap"] = "mime") -> PayerEndpoint:
    return PayerEndpoint(
        payer_key="SIM",
        url=f"{sim.base_url}/core/{protocol}",
        protocol=protocol,
        sender_id=sim.sender_id,
        receiver_id="FINCLEARSIM",
        username=sim.username,
        password=sim.password,
        connect_timeout=2.0,
        read_timeout=10.0,
        backoff_seconds=0.05,
    )


def request_278(member_id: str, control: int) -> str:
    request = replace(example_2a(), subscriber=Person("SMITH", "JOE", member_id=member_id))
    envelope = Envelope("FINCLEAR01", "FINCLEARSIM", NOW)
    numbers = SequentialControlNumbers(interchange=control)
    return build_interchange(envelope, [build_278_request(request, "0001")], numbers)


def decision_of(payload: str) -> AuthorizationView:
    document = read(payload)
    assert validate(document).valid
    return AuthorizationView.from_transaction(next(document.transactions()))


@pytest.mark.parametrize("protocol", ["mime", "soap"])
@pytest.mark.parametrize(
    ("member", "event_action", "service_actions"),
    [("approve", "A1", ["A1"]), ("deny", "A3", ["A3"]), ("partial", "A2", ["A2"])],
)
def test_278_scenarios(
    payersim: PayerSim,
    protocol: Literal["mime", "soap"],
    member: str,
    event_action: str,
    service_actions: list[str],
) -> None:
    result = CoreGateway().exchange_realtime(
        endpoint(payersim, protocol), PayloadType.X12_278_REQUEST, request_278(MEMBERS[member], 1)
    )
    assert result.payload_type == PayloadType.X12_278_RESPONSE
    view = decision_of(result.payload)
    (event,) = view.events
    assert event.review.decision is not None and event.review.decision.action == event_action
    assert [s.decision.action for s in event.services if s.decision] == service_actions


def test_278_pend_then_approve(payersim: PayerSim) -> None:
    gateway, target = CoreGateway(), endpoint(payersim)
    first = gateway.exchange_realtime(
        target, PayloadType.X12_278_REQUEST, request_278(MEMBERS["pend"], 2)
    )
    event = decision_of(first.payload).events[0]
    assert event.review.decision is not None and event.review.decision.action == "A4"
    assert event.review.messages and "CLINICAL NOTES" in event.review.messages[0]
    second = gateway.exchange_realtime(
        target, PayloadType.X12_278_REQUEST, request_278(MEMBERS["pend"], 3)
    )
    event = decision_of(second.payload).events[0]
    assert event.review.decision is not None and event.review.decision.action == "A1"
    assert event.review.certification_number.startswith("SIM")


def test_pas_scenarios(payersim: PayerSim) -> None:
    gateway, target = CoreGateway(), endpoint(payersim, "soap")
    outcomes = {}
    for name, member in MEMBERS.items():
        bundle = pas.build_claim_bundle(replace(PAS_REQUEST, member_id=member))
        result = gateway.exchange_realtime(target, pas.PAYLOAD_TYPE_PAS_REQUEST, bundle)
        assert result.payload_type == pas.PAYLOAD_TYPE_PAS_RESPONSE
        outcomes[name] = pas.parse_claim_response_bundle(result.payload).action
    assert outcomes == {"approve": "A1", "pend": "A4", "deny": "A3", "partial": "A2"}


def test_a_malformed_278_is_refused_with_payload_illegal(payersim: PayerSim) -> None:
    broken = request_278(MEMBERS["approve"], 4).replace("UM*AR*I", "UM*ZZ*I")
    with pytest.raises(GatewayError) as caught:
        CoreGateway().exchange_realtime(endpoint(payersim), PayloadType.X12_278_REQUEST, broken)
    assert caught.value.core_error_code == "PayloadIllegal"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("channel", [Channel.X12_278, Channel.FHIR_PAS])
def test_the_application_requests_and_tracks_through_the_simulator(
    payersim: PayerSim, channel: str
) -> None:
    clinic = Clinic()
    clinic.coverage.member_id = "APP0000009"  # partial approval
    clinic.coverage.save()
    services.do_import_rules(
        f'rules:\n  - id: MRI\n    payer: "{clinic.payer.primary_payer_id}"\n'
        "    codes: [70551-70553]\n    effective: 2026-01-01\n    source: e2e\n",
        "rules.yaml",
    )
    encounter = clinic.encounter(
        scheduled_at=dt.datetime(2026, 12, 3, 9, 30, tzinfo=EASTERN),
        diagnoses=["M5416"],
        service_lines=[ServiceLineInput("70553", units=Decimal(2), charge=Decimal("3600.00"))],
    )
    services.do_evaluate_encounter(encounter)
    auth = services.do_open_authorizations(encounter)
    assert auth is not None
    gateway, target = CoreGateway(), endpoint(payersim)

    def send(payload_type: str, payload: str) -> str:
        return gateway.exchange_realtime(target, payload_type, payload).payload

    auth = services.do_request(auth, send, channel=channel)
    assert auth.reason_text == ""
    assert auth.status == AuthorizationStatus.PARTIALLY_APPROVED
    assert auth.services.get().approved_units == Decimal(1)
    assert auth.start_date == dt.date(2026, 12, 3)
