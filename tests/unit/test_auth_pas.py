"""Da Vinci PAS: the Claim Bundle and the ClaimResponse Bundle round trip through fhir.resources,
and the simulator's desk answers both the 278 and PAS by scenario."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from finclear.connect import pas
from finclear.payersim.authorization import (
    AuthorizationDesk,
    AuthScenario,
    answer_pas,
    default_scenario,
)
from finclear.x12 import read, validate
from finclear.x12.build.authorization import build_278_request
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.views.authorization import AuthorizationView
from tests.unit.x12.test_build_278 import example_2a

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REQUEST = pas.PasRequest(
    identifier="REQ-0001",
    created=NOW,
    patient_family="DOE",
    patient_given="JANE",
    birth_date=date(1980, 1, 1),
    member_id="W000000001",
    payer_id="60054",
    payer_name="SYNTHETIC HEALTH PLAN",
    provider_npi="1234567893",
    provider_name="NORTH CAMPUS",
    service_date=date(2026, 3, 16),
    place_of_service="22",
    diagnoses=("M5416",),
    items=(
        pas.PasItem(1, "70553", Decimal(1), Decimal("1800.10")),
        pas.PasItem(2, "97110", Decimal(8), Decimal("50.00")),
    ),
    expedited=True,
)


def test_claim_bundle_round_trips_and_is_a_preauthorization() -> None:
    text = pas.build_claim_bundle(REQUEST)
    data = json.loads(text)
    claim = data["entry"][0]["resource"]
    assert data["type"] == "collection"
    assert (claim["resourceType"], claim["use"]) == ("Claim", "preauthorization")
    assert '"unitPrice": {"value": 1800.10' in text  # a Decimal written digit for digit
    assert pas.parse_claim_bundle(text) == REQUEST


def test_claim_response_round_trips() -> None:
    decision = pas.PasDecision(
        request_identifier="REQ-0001",
        outcome="partial",
        action="A2",
        certification_number="CERT-9",
        start=date(2026, 3, 16),
        end=date(2026, 6, 14),
        disposition="",
        items=(
            pas.PasItemDecision(
                1, "A1", "CERT-9", date(2026, 3, 16), date(2026, 6, 14), Decimal(1)
            ),
            pas.PasItemDecision(2, "A3", "", None, None, None),
        ),
    )
    text = pas.build_claim_response_bundle(REQUEST, decision, NOW)
    assert json.loads(text)["entry"][0]["resource"]["resourceType"] == "ClaimResponse"
    assert pas.parse_claim_response_bundle(text) == decision


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "not JSON"),
        ('{"resourceType": "Patient"}', "not a FHIR Bundle"),
        ('{"resourceType": "Bundle", "type": "collection", "entry": []}', "starts with a Claim"),
        ('{"resourceType": "Bundle", "type": "collection", "entry": "x"}', r"Bundle\.entry"),
    ],
)
def test_bad_payloads_name_the_resource(text: str, problem: str) -> None:
    with pytest.raises(pas.PasError, match=problem):
        pas.parse_claim_bundle(text)


def test_a_claim_for_something_else_than_preauthorization_is_refused() -> None:
    data = json.loads(pas.build_claim_bundle(REQUEST))
    data["entry"][0]["resource"]["use"] = "claim"
    with pytest.raises(pas.PasError, match=r"Claim\.use"):
        pas.parse_claim_bundle(json.dumps(data))


def test_naive_created_is_refused() -> None:
    with pytest.raises(pas.PasError, match="timezone-aware"):
        pas.build_claim_bundle(
            pas.PasRequest(**{**REQUEST.__dict__, "created": datetime(2026, 3, 2)})
        )


@pytest.mark.parametrize(
    ("member", "scenario"),
    [
        ("W0", AuthScenario.APPROVE),
        ("W5", AuthScenario.APPROVE),
        ("W6", AuthScenario.PEND_THEN_APPROVE),
        ("W8", AuthScenario.DENY),
        ("W9", AuthScenario.PARTIAL),
        ("NODIGITS", AuthScenario.APPROVE),
    ],
)
def test_default_scenario_by_the_last_digit(member: str, scenario: AuthScenario) -> None:
    assert default_scenario(member) is scenario


@pytest.mark.parametrize(
    ("scenario", "actions", "outcome", "units"),
    [
        (AuthScenario.APPROVE, ["A1", "A1"], "complete", [Decimal(1), Decimal(8)]),
        (AuthScenario.DENY, ["A3", "A3"], "complete", [None, None]),
        (AuthScenario.PARTIAL, ["A2", "A3"], "partial", [Decimal(1), None]),
    ],
)
def test_desk_answers_pas_by_scenario(
    scenario: AuthScenario, actions: list[str], outcome: str, units: list[Decimal | None]
) -> None:
    desk = AuthorizationDesk(overrides={REQUEST.member_id: scenario})
    decision = pas.parse_claim_response_bundle(
        answer_pas(desk, pas.build_claim_bundle(REQUEST), NOW)
    )
    assert decision.request_identifier == "REQ-0001"
    assert decision.outcome == outcome
    assert [i.action for i in decision.items] == actions
    assert [i.quantity for i in decision.items] == units


def test_desk_pends_then_approves_pas() -> None:
    desk = AuthorizationDesk(overrides={REQUEST.member_id: AuthScenario.PEND_THEN_APPROVE})
    bundle = pas.build_claim_bundle(REQUEST)
    first = pas.parse_claim_response_bundle(answer_pas(desk, bundle, NOW))
    assert (first.outcome, first.action, first.certification_number) == ("queued", "A4", "")
    assert "CLINICAL NOTES" in first.disposition
    second = pas.parse_claim_response_bundle(answer_pas(desk, bundle, NOW))
    assert (second.action, second.end) == ("A1", date(2026, 6, 14))
    assert second.certification_number.startswith("SIM")


@pytest.mark.parametrize("scenario", list(AuthScenario))
def test_desk_answers_the_278_with_a_valid_response(scenario: AuthScenario) -> None:
    request = example_2a()
    desk = AuthorizationDesk(overrides={request.subscriber.member_id: scenario})
    envelope = Envelope("CLINIC", "SIMPAYER", NOW)
    text = build_interchange(
        envelope, [build_278_request(request, "0001")], SequentialControlNumbers()
    )
    answer = desk.answer_278(text, NOW)
    assert validate(read(answer)).valid
    (tx,) = list(read(answer).transactions())
    view = AuthorizationView.from_transaction(tx)
    assert view.is_response and view.reference == request.reference
    action = view.events[0].review.decision.action  # type: ignore[union-attr]
    expected = {
        AuthScenario.APPROVE: "A1",
        AuthScenario.PEND_THEN_APPROVE: "A4",
        AuthScenario.DENY: "A3",
        AuthScenario.PARTIAL: "A2",
    }[scenario]
    assert action == expected
