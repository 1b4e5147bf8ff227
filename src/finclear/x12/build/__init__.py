"""Builders: plain dataclasses in, a transaction set's segments out; envelopes around them."""

from finclear.x12.build.claim_status import ClaimStatusExchange, build_276, build_277, build_277ca
from finclear.x12.build.claims import ClaimSubmission, build_837i, build_837p
from finclear.x12.build.eligibility import (
    EligibilityRequest,
    EligibilityResponse,
    build_270,
    build_271,
)
from finclear.x12.build.envelope import (
    ControlNumbers,
    Envelope,
    SequentialControlNumbers,
    build_interchange,
    build_transaction_set,
)
from finclear.x12.build.remittance import RemittanceAdvice, build_835

__all__ = [
    "ClaimStatusExchange",
    "ClaimSubmission",
    "ControlNumbers",
    "EligibilityRequest",
    "EligibilityResponse",
    "Envelope",
    "RemittanceAdvice",
    "SequentialControlNumbers",
    "build_270",
    "build_271",
    "build_276",
    "build_277",
    "build_277ca",
    "build_835",
    "build_837i",
    "build_837p",
    "build_interchange",
    "build_transaction_set",
]
