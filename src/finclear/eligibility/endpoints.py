"""Which payer endpoint a coverage's 270 goes to, and the gateway that carries it.

Endpoints come from the payers file (``finclear.connect.config.load_endpoints``), keyed by
payer: an endpoint whose key is the payer's own ID (``Payer.primary_payer_id``) or one of its
clearinghouse identifiers serves that payer; a ``default`` endpoint (a clearinghouse) serves
every other payer. The 270 names the payer (2100A NM109) by the endpoint's alias for the
clearinghouse in ``FINCLEAR_CLEARINGHOUSE`` (default ``direct``), else by the payer's
identifier with that clearinghouse, else by its own ID.
"""

from __future__ import annotations

import os
import threading

from finclear.connect.config import ConfigError, load_endpoints
from finclear.connect.gateway import PayerEndpoint, PayerGateway
from finclear.payers.models import Payer

DEFAULT_KEY = "default"

_lock = threading.Lock()
_endpoints: dict[str, PayerEndpoint] | None = None
_gateway: PayerGateway | None = None


class NoEndpoint(Exception):
    """No endpoint is configured for a payer: says which payer and where to configure it."""


def clearinghouse() -> str:
    return os.environ.get("FINCLEAR_CLEARINGHOUSE", "direct")


def endpoints() -> dict[str, PayerEndpoint]:
    """The configured endpoints, read once per process (``reset`` re-reads them)."""
    global _endpoints
    if _endpoints is None:
        with _lock:
            if _endpoints is None:
                _endpoints = load_endpoints()
    return _endpoints


def use_endpoints(table: dict[str, PayerEndpoint] | None) -> None:
    """Set the endpoints (tests, the demo); None makes the next call read the file again."""
    global _endpoints
    _endpoints = table


def gateway() -> PayerGateway:
    """The process's gateway (CORE over HTTP), built on first use; thread-safe."""
    global _gateway
    if _gateway is None:
        with _lock:
            if _gateway is None:
                from finclear.connect.core_client import CoreGateway

                _gateway = CoreGateway()
    return _gateway


def use_gateway(value: PayerGateway | None) -> None:
    """Replace the gateway (tests use a fake one); None goes back to the CORE client."""
    global _gateway
    _gateway = value


def payer_keys(payer: Payer) -> tuple[str, ...]:
    """The keys an endpoint may have for this payer, most specific first.

    Reads ``payer.identifiers.all()``: prefetch it when resolving many coverages.
    """
    keys = [payer.primary_payer_id]
    keys.extend(i.identifier for i in sorted(payer.identifiers.all(), key=lambda i: i.pk))
    return tuple(k for k in dict.fromkeys(keys) if k)


def endpoint_for(payer: Payer) -> PayerEndpoint:
    """The payer's endpoint; ``NoEndpoint`` names the payer, or the payers file's problem."""
    try:
        table = endpoints()
    except ConfigError as exc:
        raise NoEndpoint(f"payer #{payer.pk} ({payer.name}): {exc}") from None
    for key in (*payer_keys(payer), DEFAULT_KEY):
        found = table.get(key)
        if found is not None:
            return found
    raise NoEndpoint(
        f"payer #{payer.pk} ({payer.name}): no endpoint in the payers file under "
        f"[payers.{payer.primary_payer_id or '<payer id>'}] nor [payers.{DEFAULT_KEY}]"
    )


def payer_id_for(payer: Payer, endpoint: PayerEndpoint) -> str:
    """The payer ID the 270 carries in 2100A NM109."""
    house = clearinghouse()
    alias = endpoint.payer_id_aliases.get(house)
    if alias:
        return alias
    if house != "direct":
        for item in payer.identifiers.all():
            if item.clearinghouse == house:
                return str(item.identifier)
    return payer.primary_payer_id
