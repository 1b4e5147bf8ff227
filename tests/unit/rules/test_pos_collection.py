from __future__ import annotations

from decimal import Decimal

import pytest

from finclear.rules.pos_collection import (
    CheckIn,
    CollectionKind,
    PosPolicy,
    build_collection,
)

D = Decimal
POLICY = PosPolicy(deposit_percent=D(50), deposit_cap=D(1000))


@pytest.mark.parametrize(
    ("check_in", "copay", "prior", "deposit"),
    [
        # Office visit: the $40 copay only.
        (CheckIn("office", copay=D(40), estimated_patient_share=D(40)), "40", "0", "0"),
        # Plus a $125.50 prior balance.
        (CheckIn("office", copay=D(40), prior_balance=D("125.50")), "40", "125.50", "0"),
        # Prior balance on a payment plan: not asked for at check-in.
        (
            CheckIn("office", copay=D(40), prior_balance=D(300), prior_balance_on_plan=True),
            "40",
            "0",
            "0",
        ),
        # Elective surgery, estimated share 1,400 with no copay: 50% = 700.
        (CheckIn("elective_surgery", estimated_patient_share=D(1400)), "0", "0", "700"),
        # Share 3,250 with a 250 copay: 50% of 3,000 = 1,500, capped at 1,000.
        (
            CheckIn("elective_surgery", copay=D(250), estimated_patient_share=D(3250)),
            "250",
            "0",
            "1000",
        ),
        # Share 333.33: 50% = 166.665 -> 166.67 (half up).
        (CheckIn("elective_surgery", estimated_patient_share=D("333.33")), "0", "0", "166.67"),
        # Emergency: nothing at all before screening, even with a copay and a prior balance.
        (CheckIn("emergency", copay=D(250), prior_balance=D(80), emergency=True), "0", "0", "0"),
    ],
)
def test_collection_at_check_in(check_in, copay, prior, deposit):
    result = build_collection(check_in, POLICY)
    assert result.amount(CollectionKind.COPAY) == D(copay)
    assert result.amount(CollectionKind.PRIOR_BALANCE) == D(prior)
    assert result.amount(CollectionKind.DEPOSIT) == D(deposit)
    assert result.total == D(copay) + D(prior) + D(deposit)
    assert all(line.reason for line in result.lines)


def test_reasons_and_notes():
    result = build_collection(
        CheckIn("elective_surgery", copay=D(250), estimated_patient_share=D(3250)), POLICY
    )
    assert result.lines[-1].reason == (
        "50% of the $3,000 estimated share beyond the copay, capped at $1,000"
    )
    emergency = build_collection(CheckIn("er", emergency=True), POLICY)
    assert "EMTALA" in emergency.notes[0]
    no_prior = build_collection(
        CheckIn("office", prior_balance=D(10)), PosPolicy(collect_prior_balance=False)
    )
    assert no_prior.total == D(0)


def test_bad_input_refused():
    with pytest.raises(ValueError, match="copay"):
        CheckIn("office", copay=D(-1))
    with pytest.raises(ValueError, match="deposit_percent"):
        PosPolicy(deposit_percent=D(150))
