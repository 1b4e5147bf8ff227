"""The curated public API of finclear.x12: a change here is a change of contract."""

from __future__ import annotations

import finclear.x12

EXPECTED = [
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


def test_public_names_are_pinned_and_sorted() -> None:
    assert finclear.x12.__all__ == EXPECTED
    assert sorted(finclear.x12.__all__) == EXPECTED


def test_every_public_name_exists() -> None:
    for name in finclear.x12.__all__:
        assert getattr(finclear.x12, name) is not None, name
