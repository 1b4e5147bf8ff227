"""Handlers by (message kind, PayloadType): what the simulator answers, and with what.

The eligibility handlers are registered by ``build_registry``; later transactions (276/277,
278, 837 -> 999/277CA, 835) add theirs with ``Registry.add`` without touching the HTTP layer.
A handler gets the checked request envelope and returns a ``Reply``; it raises
``EnvelopeError`` to refuse the request (HTTP 400) or ``SimulatedFailure`` for an HTTP 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from finclear.connect.core_envelope import CoreMessage, MessageKind


@dataclass(frozen=True, slots=True)
class Reply:
    payload_type: str
    payload: str = ""
    payload_id: str | None = None  # None: a new UUID
    delay_seconds: float = 0.0


Handler = Callable[[CoreMessage], Reply]


class Registry:
    def __init__(self) -> None:
        self._handlers: dict[tuple[MessageKind, str], Handler] = {}

    def add(self, kind: MessageKind, payload_type: str, handler: Handler) -> None:
        key = (kind, payload_type)
        if key in self._handlers:
            raise ValueError(f"a handler for {kind.value} {payload_type} is already registered")
        self._handlers[key] = handler

    def find(self, kind: MessageKind, payload_type: str) -> Handler | None:
        return self._handlers.get((kind, payload_type))

    @property
    def payload_types(self) -> frozenset[str]:
        return frozenset(payload_type for _, payload_type in self._handlers)
