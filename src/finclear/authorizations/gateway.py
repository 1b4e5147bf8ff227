"""The sender an authorization request goes out with: the payer's endpoint on the gateway.

Endpoints are the ones the eligibility app resolves (``finclear.eligibility.endpoints``): the
payers file keyed by payer ID, with a ``default`` clearinghouse endpoint.
"""

from __future__ import annotations

from finclear.authorizations.services import Sender
from finclear.eligibility import endpoints
from finclear.payers.models import Payer


def sender_for(payer: Payer) -> Sender:
    endpoint = endpoints.endpoint_for(payer)
    gateway = endpoints.gateway()

    def send(payload_type: str, payload: str) -> str:
        return gateway.exchange_realtime(endpoint, payload_type, payload).payload

    return send
