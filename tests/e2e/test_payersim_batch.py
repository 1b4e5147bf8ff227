"""Batch mode over HTTP: submit a 270 batch, fetch its 999, pick up the 271s, acknowledge."""

from __future__ import annotations

import time
from typing import Literal

import pytest

from finclear.connect.core_client import CoreGateway
from finclear.connect.core_envelope import PayloadType
from finclear.connect.gateway import GatewayError
from finclear.x12 import EligibilityView, read, validate
from tests.e2e.conftest import PayerSim
from tests.e2e.test_payersim_realtime import endpoint
from tests.unit.payersim.inquiries import START, batch_270

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("protocol", ["mime", "soap"])
def test_a_batch_is_acknowledged_and_its_271s_picked_up(
    payersim: PayerSim, protocol: Literal["mime", "soap"]
) -> None:
    ep = endpoint(payersim, protocol)
    members = [m for m in payersim.scenario.members if m.relationship == "18"][:60]
    with CoreGateway() as gateway:
        receipt = gateway.submit_batch(ep, PayloadType.X12_270_REQUEST, batch_270(members))
        assert receipt.payload_type == PayloadType.X12_BATCH_RECEIPT
        ack = gateway.retrieve_batch(ep, PayloadType.X12_999_RETRIEVAL, receipt.payload_id)
        assert ack.payload_type == PayloadType.X12_999_RESPONSE
        assert "AK9*A*60*60*60" in ack.payload
        deadline = time.monotonic() + 30
        results = gateway.retrieve_batch(ep, PayloadType.X12_BATCH_RESULTS_271, receipt.payload_id)
        while not results.payload and time.monotonic() < deadline:
            time.sleep(0.1)
            results = gateway.retrieve_batch(
                ep, PayloadType.X12_BATCH_RESULTS_271, receipt.payload_id
            )
        assert results.payload_type == PayloadType.X12_271_RESPONSE
        document = read(results.payload)
        assert validate(document).valid
        views = [EligibilityView.from_transaction(tx) for tx in document.transactions()]
        assert [v.subscribers[0].member_id for v in views] == [m.member_id for m in members]
        assert [v.subscribers[0].coverage_status.value for v in views] == [
            "active" if m.is_active_on(START) else "inactive" for m in members
        ]
        done = gateway.retrieve_batch(ep, PayloadType.X12_999_SUBMISSION, receipt.payload_id)
        assert done.core_error_code == "Success"
        with pytest.raises(GatewayError) as gone:
            gateway.retrieve_batch(ep, PayloadType.X12_BATCH_RESULTS_271, receipt.payload_id)
        assert gone.value.core_error_code == "PayloadIDIllegal"
