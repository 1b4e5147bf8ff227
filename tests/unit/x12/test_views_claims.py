"""The 837 view: over a real 837P sample (values checked by hand) and over the 837P and 837I
the builders write (every value the builders put in is read back)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from finclear.x12.build.claims import (
    Claim,
    ClaimGroup,
    ClaimLine,
    ClaimSubmission,
    Provider,
    Subscriber,
    build_837i,
    build_837p,
)
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.build.parties import Contact, Organization, Person
from finclear.x12.errors import X12Error
from finclear.x12.reader import read, read_file
from finclear.x12.tree import Segment
from finclear.x12.views.claims import ClaimView, Diagnosis
from finclear.x12.views.common import Address, DatePeriod, Procedure
from tests.conftest import SHARED_X12

IMSWEB = SHARED_X12 / "imsweb-x12-parser/src/test/resources/837_5010"
NOW = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
DAY = date(2026, 3, 2)
ADDRESS = Address("1 MAIN ST", city="AUSTIN", state="TX", postal_code="787011234")
JANE = Person(
    "DOE", "JANE", member_id="MEM123456", birth_date=date(1980, 1, 2), gender="F", address=ADDRESS
)
JIM = Person("DOE", "JIM", birth_date=date(2015, 6, 7), gender="M", address=ADDRESS)


@pytest.mark.skipif(not IMSWEB.is_dir(), reason="shared samples missing")
def test_real_837p_with_subscriber_and_dependent_claims() -> None:
    doc = read_file(IMSWEB / "x12_complex.txt")
    first_tx, second_tx = doc.transactions()
    view = ClaimView.from_transaction(first_tx)
    assert view.control_number == "987654"
    assert view.submitter is not None and view.submitter.entity == "41"
    assert view.receiver is not None and view.receiver.entity == "40"
    own, dependent, other = view.claims
    assert (own.claim_id, own.charge) == ("A37YH556", Decimal("500"))
    assert own.subscriber is not None and (own.subscriber.entity, own.subscriber.name) == (
        "IL",
        "DOE",
    )
    assert own.patient == own.subscriber  # no 2000C: the subscriber is the patient
    assert own.payer is not None and own.payer.entity == "PR"
    assert own.billing_provider is not None and own.billing_provider.entity == "85"
    assert [(line.number, line.charge, line.units) for line in own.lines] == [
        ("1", Decimal("12.25"), Decimal("1")),
        ("2", Decimal("13.26"), Decimal("1")),
    ]
    assert own.lines[0].procedure == Procedure("HC", "99211", ("25",))
    assert dependent.claim_id == "A37YH667"
    assert dependent.patient is not None and (dependent.patient.entity, dependent.patient.name) == (
        "QC",
        "JONES",
    )
    assert dependent.subscriber is not None and dependent.subscriber.first_name == "DAVID"
    assert [line.procedure for line in dependent.lines] == [Procedure("HC", "478331", ("25",))]
    assert other.claim_id == "A37YH668" and len(other.lines) == 2
    # this sample's HI elements are not composites: read as they are (the validator flags them)
    assert own.diagnoses[-1] == Diagnosis("BF", "5559")
    assert len(ClaimView.from_transaction(second_tx).claims) == 3


def interchange(segments: list[Segment]) -> str:
    env = Envelope("SUBMITTER", "RECEIVER", NOW, usage="T")
    return build_interchange(env, [segments], SequentialControlNumbers())


def submission(institutional: bool) -> ClaimSubmission:
    line = ClaimLine(
        Procedure("HC", "99213", ("25",)),
        Decimal("120.00"),
        Decimal("2"),
        DAY,
        (1, 2),
        revenue_code="0510",
    )
    second = ClaimLine(
        Procedure("HC", "81002"), Decimal("15.50"), Decimal("1"), DAY, revenue_code="0300"
    )
    claim = Claim(
        "PCN1",
        (line, second),
        ("E119", "I10"),
        place_of_service="13" if institutional else "11",
        statement_from=DAY,
        statement_to=DAY,
        admission_type="3",
        admission_source="1",
        patient_status="01",
        attending=Provider("SMITH", "ANN", "1234567893", "207Q00000X"),
        rendering=Provider("SMITH", "ANN", "1234567893", "207Q00000X"),
    )
    sub = Subscriber(JANE, Organization("ACME HEALTH", "12345", "PI"))
    return ClaimSubmission(
        "BATCH1",
        NOW,
        Organization("GOOD CLINIC", "ETIN1", "46"),
        Contact("BILLING", phone="5125551212"),
        Organization("CLEARINGHOUSE", "CH1", "46"),
        Organization("GOOD CLINIC", "1234567893", "XX", address=ADDRESS),
        (ClaimGroup(sub, (claim,)), ClaimGroup(sub, (claim,), JIM, "19")),
        billing_tin="123456789",
    )


@pytest.mark.parametrize("institutional", [False, True])
def test_builder_values_read_back(institutional: bool) -> None:
    built = submission(institutional)
    segments = (build_837i if institutional else build_837p)(built, "0001")
    (tx,) = list(read(interchange(segments)).transactions())
    view = ClaimView.from_transaction(tx)
    assert view.control_number == "0001"
    assert view.submitter is not None and view.submitter.name == "GOOD CLINIC"
    assert view.receiver is not None and view.receiver.id == "CH1"
    own, dependent = view.claims
    assert view.total_charge == 2 * Decimal("135.50")
    for claim in (own, dependent):
        assert (claim.claim_id, claim.charge, claim.frequency) == ("PCN1", Decimal("135.50"), "1")
        assert claim.facility_code == ("13" if institutional else "11")
        assert claim.subscriber is not None and claim.subscriber.id == "MEM123456"
        assert claim.payer is not None and (claim.payer.name, claim.payer.id) == (
            "ACME HEALTH",
            "12345",
        )
        assert claim.billing_provider is not None and claim.billing_provider.id == "1234567893"
        assert [d.code for d in claim.diagnoses] == ["E119", "I10"]
        first, second = claim.lines
        assert (first.number, second.number) == ("1", "2")
        assert first.procedure == Procedure("HC", "99213", ("25",))
        assert (first.charge, first.units, first.unit_basis) == (Decimal("120.00"), 2, "UN")
        assert first.service_date == DatePeriod("472", DAY, DAY)
        assert (second.procedure, second.charge) == (Procedure("HC", "81002"), Decimal("15.50"))
        if institutional:
            assert first.revenue_code == "0510"
            assert claim.diagnoses[0].qualifier == "ABK"
        else:
            assert first.diagnosis_pointers == ("1", "2")
            assert claim.diagnoses == (Diagnosis("ABK", "E119"), Diagnosis("ABF", "I10"))
    assert own.patient == own.subscriber
    assert dependent.patient is not None and (
        dependent.patient.name,
        dependent.patient.first_name,
    ) == (
        "DOE",
        "JIM",
    )


def test_a_bad_charge_names_its_segment() -> None:
    segments = build_837p(submission(False), "0001")
    text = interchange(segments).replace("CLM*PCN1*135.5", "CLM*PCN1*12X", 1)
    (tx,) = list(read(text).transactions())
    with pytest.raises(X12Error) as caught:
        ClaimView.from_transaction(tx)
    assert caught.value.segment_id == "CLM" and caught.value.element_position == 2


def test_only_837() -> None:
    segments = build_837p(submission(False), "0001")
    text = interchange(segments).replace("ST*837*", "ST*835*", 1)
    (tx,) = list(read(text).transactions())
    with pytest.raises(X12Error):
        ClaimView.from_transaction(tx)
