"""Typed, read-only views over parsed transactions: one module per transaction family."""

from finclear.x12.views.acknowledgment import AcknowledgmentView
from finclear.x12.views.authorization import AuthorizationView
from finclear.x12.views.claim_status import ClaimStatusView
from finclear.x12.views.claims import ClaimView
from finclear.x12.views.eligibility import CoverageStatus, EligibilityView
from finclear.x12.views.remittance import RemittanceView

__all__ = [
    "AcknowledgmentView",
    "AuthorizationView",
    "ClaimStatusView",
    "ClaimView",
    "CoverageStatus",
    "EligibilityView",
    "RemittanceView",
]
