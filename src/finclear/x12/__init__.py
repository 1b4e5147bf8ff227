"""finclear.x12: the X12 5010 engine (pure: no Django, no I/O beyond the files it is given).

Read with ``read`` / ``read_file`` (or stream with ``iter_transactions``), write back with
``write``; every problem in the input is a ``Finding`` or, when the text cannot be read as X12
at all, an ``X12Error``.
"""

from finclear.x12.acks import build_999, build_ta1
from finclear.x12.build.authorization import build_278_request, build_278_response
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.document import FunctionalGroup, Interchange, Transaction, X12Document
from finclear.x12.errors import Finding, Level, Severity, X12Error
from finclear.x12.reader import ClaimUnit, iter_claims, iter_transactions, read, read_file
from finclear.x12.specs.registry import spec_for
from finclear.x12.tree import Delimiters, Loop, Segment
from finclear.x12.validate import ValidationReport, validate
from finclear.x12.views import (
    AcknowledgmentView,
    AuthorizationView,
    ClaimStatusView,
    ClaimView,
    EligibilityView,
    RemittanceView,
)
from finclear.x12.writer import write, write_segments

__all__ = [
    "AcknowledgmentView",
    "AuthorizationView",
    "ClaimStatusView",
    "ClaimUnit",
    "ClaimView",
    "Delimiters",
    "EligibilityView",
    "Envelope",
    "Finding",
    "FunctionalGroup",
    "Interchange",
    "Level",
    "Loop",
    "RemittanceView",
    "Segment",
    "SequentialControlNumbers",
    "Severity",
    "Transaction",
    "ValidationReport",
    "X12Document",
    "X12Error",
    "build_278_request",
    "build_278_response",
    "build_999",
    "build_interchange",
    "build_ta1",
    "iter_claims",
    "iter_transactions",
    "read",
    "read_file",
    "spec_for",
    "validate",
    "write",
    "write_segments",
]
