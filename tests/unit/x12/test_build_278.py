"""The 278 request and response builders (005010X217).

No Python peer models the 5010 278, so besides finclear's own validator the generated 278s are
compared segment by segment with the guide's published examples (X12's "X12 EDI Examples" for
005010X217, the examples printed in the TR3):

* Example 1a, Referral Request for Review,
  https://x12.org/examples/005010x217/example-1a-referral-request-review (the transaction as
  reproduced in EdiFabric/X12.NET ``Files.Hipaa/ServicesReview.txt``).
* Example 2a, Admission Request for Review,
  https://x12.org/examples/005010x217/example-2a-admission-request-review
* Example 2b, Response to the Admission Request for Review,
  https://x12.org/examples/005010x217/example-2b-response-admission-request-review

Of examples 2a and 2b only the header part (ST through the subscriber level) could be read
from the stored copy of those pages; the tests compare exactly that part, and the whole of
Example 1a. The inputs are the examples' own values; the deliberate differences are named
where they occur.
"""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.x12 import read, validate, write_segments
from finclear.x12.build.authorization import (
    Attachment,
    ReviewEvent,
    ReviewItem,
    ReviewProvider,
    ReviewRequest,
    ReviewResponse,
    build_278_request,
    build_278_response,
)
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.build.parties import Contact, Organization, Person
from finclear.x12.errors import X12Error
from finclear.x12.tree import Delimiters, Segment
from finclear.x12.views.authorization import (
    AuthorizationView,
    Decision,
    Diagnosis,
    ServiceDelivery,
)
from finclear.x12.views.common import Address, DatePeriod, Party, Procedure, Reference, Trace

MARYLAND = Organization("MARYLAND CAPITAL INSURANCE COMPANY", "789312", "46")


def texts(segments: list[Segment]) -> list[str]:
    return write_segments(segments, Delimiters(suffix="\n")).strip().replace("~", "").split("\n")


def interchange(segments: list[Segment], delimiters: Delimiters | None = None) -> str:
    d = delimiters or Delimiters(suffix="\n")
    envelope = Envelope("SUBMITTER", "UMO", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), delimiters=d)
    return build_interchange(envelope, [segments], SequentialControlNumbers())


def errors_of(text: str) -> list[str]:
    return [f.describe() for f in validate(read(text)).all_findings() if f.is_error]


def view_of(text: str) -> AuthorizationView:
    (transaction,) = list(read(text).transactions())
    return AuthorizationView.from_transaction(transaction)


# -- Example 1a: Referral Request for Review (the whole transaction) -----------------------------

EXAMPLE_1A = [
    "ST*278*0001*005010X217",
    "BHT*0007*13*A12345*20050502*1101",
    "HL*1**20*1",
    "NM1*X3*2*MARYLAND CAPITAL INSURANCE COMPANY*****46*789312",
    "HL*2*1*21*1",
    "NM1*1P*1*GARDENER*JAMES****46*8189991234",
    "HL*3*2*22*1",
    "NM1*IL*1*SMITH*JOE****MI*12345678901",
    "HL*4*3*EV*0",
    "TRN*1*111099*9012345678",
    "UM*SC*I*3*11:B*****Y",
    "HI*BF:41090:D8:20050430",
    "HSD*VS*1",
    "NM1*SJ*1*WATSON*SUSAN****34*987654321",
    "PER*IC**TE*4029993456",
    "SE*16*0001",
]


def example_1a() -> ReviewRequest:
    """Dr Gardener asks for a cardiology consultation with Dr Watson for Joe Smith."""
    return ReviewRequest(
        reference="A12345",
        created=datetime(2005, 5, 2, 11, 1, tzinfo=UTC),
        umo=MARYLAND,
        requester=Organization("GARDENER", "8189991234", "46", entity_type="1", first_name="JAMES"),
        subscriber=Person("SMITH", "JOE", member_id="12345678901"),
        events=(
            ReviewEvent(
                ReviewItem(
                    request_category="SC",
                    certification_type="I",
                    service_type="3",
                    facility=("11", "B"),
                    traces=(Trace("1", "111099", "9012345678"),),
                    diagnoses=(Diagnosis("BF", "41090", date(2005, 4, 30)),),
                    delivery=ServiceDelivery("VS", Decimal(1)),
                    providers=(
                        ReviewProvider(
                            Party("SJ", "WATSON", "SUSAN", id_qualifier="34", id="987654321"),
                            contact=Contact(phone="4029993456"),
                        ),
                    ),
                )
            ),
        ),
    )


def test_example_1a_segment_by_segment() -> None:
    ours = texts(build_278_request(example_1a(), "0001"))
    assert len(ours) == len(EXAMPLE_1A)
    for position, (mine, guide) in enumerate(zip(ours, EXAMPLE_1A, strict=True), start=1):
        if guide.startswith("UM*"):
            # Deliberate difference: the example sends UM09 "Y" (release of information), an
            # element finclear's X217 table marks not used in 5010 (docs/x12-guides.md), so the
            # builder never writes it; every other UM element is the example's.
            assert mine == guide.removesuffix("*****Y"), position
            continue
        assert mine == guide, position


def test_example_1a_as_printed_is_flagged_only_for_um09() -> None:
    """Our validator passes our output and names UM09 as the only problem of the example."""
    ours = build_278_request(example_1a(), "0001")
    assert errors_of(interchange(ours)) == []
    printed = interchange(ours).replace("UM*SC*I*3*11:B~", "UM*SC*I*3*11:B*****Y~")
    (problem,) = errors_of(printed)
    assert "UM09" in problem


# -- Example 2a / 2b: Admission Request for Review and its response (the header part) ------------

EXAMPLE_2A_HEADER = [
    "ST*278*0001*005010X217",
    "BHT*0007*13*B56789*20050502*1430",
    "HL*1**20*1",
    "NM1*X3*2*MARYLAND CAPITAL INSURANCE COMPANY*****46*789312",
    "HL*2*1*21*1",
    "NM1*1P*1*WATSON*SUSAN****34*98765432",
    "PER*IC**TE*4029993456",
    "HL*3*2*22*1",
]

EXAMPLE_2B_HEADER = [
    "ST*278*0001*005010X217",
    "BHT*0007*11*B56789*20050502*1431*18",
    "HL*1**20*1",
    # The example prints NM109 7893122 here, although its own explanation (and example 2a)
    # give 789312: the value is reproduced as printed.
    "NM1*X3*2*MARYLAND CAPITAL INSURANCE COMPANY*****46*7893122",
    "HL*2*1*21*1",
]

WATSON = Organization("WATSON", "98765432", "34", entity_type="1", first_name="SUSAN")
# The examples' patient level and services could not be read (see the module docstring): the
# subscriber, event and services below are this test's own, so only the header is compared.
SUBSCRIBER = Person("SMITH", "JOE", member_id="12345678901", birth_date=date(1950, 3, 4))
ADMISSION = ReviewItem(
    request_category="AR",
    certification_type="I",
    service_type="1",
    facility=("21", "A"),
    level_of_service="E",
    traces=(Trace("1", "200502021", "9012345678"),),
    dates=(DatePeriod("435", date(2005, 5, 15), date(2005, 5, 15)),),
    diagnoses=(Diagnosis("ABK", "M1711"), Diagnosis("ABF", "E119")),
    delivery=ServiceDelivery("DY", Decimal(3)),
    providers=(
        ReviewProvider(
            Party("FA", "GENERAL HOSPITAL", entity_type="2", id_qualifier="XX", id="1234567893"),
            role="PE",
            taxonomy="282N00000X",
        ),
    ),
)
SURGERY = ReviewItem(
    request_category="HS",
    certification_type="I",
    service_type="2",
    traces=(Trace("1", "200502022", "9012345678"),),
    dates=(DatePeriod("472", date(2005, 5, 15), date(2005, 5, 15)),),
    procedure=Procedure("HC", "27447"),
    charge=Decimal("15000.00"),
    quantity=Decimal(1),
    delivery=ServiceDelivery("VS", Decimal(1)),
)


def example_2a() -> ReviewRequest:
    return ReviewRequest(
        reference="B56789",
        created=datetime(2005, 5, 2, 14, 30, tzinfo=UTC),
        umo=MARYLAND,
        requester=WATSON,
        requester_contact=Contact(phone="4029993456"),
        subscriber=SUBSCRIBER,
        events=(ReviewEvent(ADMISSION, (SURGERY,)),),
    )


def example_2b() -> ReviewResponse:
    """Surgery approved, inpatient confinement partially approved, certification AUTH0002."""
    admitted = replace(
        ADMISSION,
        decision=Decision("A2", "AUTH0002"),
        dates=(
            *ADMISSION.dates,
            DatePeriod("102", date(2005, 5, 2), date(2005, 5, 2)),
            DatePeriod("007", date(2005, 5, 15), date(2005, 5, 17)),
        ),
        delivery=ServiceDelivery("DY", Decimal(2)),
        traces=(Trace("2", "200502021", "9012345678"),),
    )
    operated = replace(
        SURGERY,
        decision=Decision("A1", "AUTH0002"),
        traces=(Trace("2", "200502022", "9012345678"),),
    )
    return ReviewResponse(
        reference="B56789",
        created=datetime(2005, 5, 2, 14, 31, tzinfo=UTC),
        umo=Organization("MARYLAND CAPITAL INSURANCE COMPANY", "7893122", "46"),
        requester=WATSON,
        subscriber=SUBSCRIBER,
        events=(ReviewEvent(admitted, (operated,)),),
        response_type="18",
    )


def test_example_2a_header_segment_by_segment() -> None:
    ours = texts(build_278_request(example_2a(), "0001"))
    assert ours[: len(EXAMPLE_2A_HEADER)] == EXAMPLE_2A_HEADER


def test_example_2b_header_segment_by_segment() -> None:
    ours = texts(build_278_response(example_2b(), "0001"))
    assert ours[: len(EXAMPLE_2B_HEADER)] == EXAMPLE_2B_HEADER


def test_example_2_pair_is_valid_and_reads_back() -> None:
    request_text = interchange(build_278_request(example_2a(), "0001"))
    response_text = interchange(build_278_response(example_2b(), "0001"))
    assert errors_of(request_text) == []
    assert errors_of(response_text) == []
    request = view_of(request_text)
    assert not request.is_response
    (event,) = request.events
    assert event.review.diagnoses == ADMISSION.diagnoses
    assert [s.procedure for s in event.services] == [Procedure("HC", "27447")]
    response = view_of(response_text)
    assert response.is_response
    (event,) = response.events
    assert event.review.decision == Decision("A2", "AUTH0002")
    assert event.review.certification_number == "AUTH0002"
    assert event.review.effective == date(2005, 5, 15)
    assert event.review.issued == date(2005, 5, 2)
    assert [s.decision for s in event.services] == [Decision("A1", "AUTH0002")]


def test_response_writes_ref_nt_before_bb_and_the_request_bb_before_nt() -> None:
    refs = (Reference("BB", "PRIOR1"), Reference("NT", "ADMIN7"))
    request = replace(
        example_2a(), events=(ReviewEvent(replace(ADMISSION, references=refs), (SURGERY,)),)
    )
    lines = texts(build_278_request(request, "0001"))
    assert lines.index("REF*BB*PRIOR1") < lines.index("REF*NT*ADMIN7")
    response = example_2b()
    admitted = replace(response.events[0].event, references=refs)
    response = replace(response, events=(ReviewEvent(admitted, response.events[0].services),))
    lines = texts(build_278_response(response, "0001"))
    assert lines.index("REF*NT*ADMIN7") < lines.index("REF*BB*PRIOR1")
    assert errors_of(interchange(build_278_response(response, "0001"))) == []


def test_dependent_patient_hangs_the_event_under_2000d() -> None:
    request = replace(
        example_2a(),
        dependent=Person("SMITH", "ANNA", birth_date=date(2015, 6, 1), gender="F"),
        relationship="19",
    )
    text = interchange(build_278_request(request, "0001"))
    # The event sits under 2000D, where the guide puts it; 2000E under 2000C is situational.
    assert errors_of(text) == []
    lines = text.replace("~", "").split("\n")
    assert "HL*4*3*23*1" in lines
    assert "HL*5*4*EV*1" in lines
    assert "INS*N*19" in lines
    view = view_of(text)
    assert view.dependent is not None and view.dependent.first_name == "ANNA"
    assert view.patient == view.dependent


def test_attachments_and_a_cancellation() -> None:
    attached = replace(ADMISSION, attachments=(Attachment("09", "FX", "DOC-0001"),))
    request = replace(example_2a(), events=(ReviewEvent(attached, (SURGERY,)),))
    text = interchange(build_278_request(request, "0001"))
    assert "PWK*09*FX***AC*DOC-0001~" in text
    assert errors_of(text) == []
    cancel = replace(request, purpose="01")
    assert errors_of(interchange(build_278_request(cancel, "0002"))) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: replace(r, events=()), "at least one patient event"),
        (lambda r: replace(r, created=datetime(2026, 1, 1)), "timezone-aware"),
        (lambda r: replace(r, purpose="11"), "is not 13 or 01"),
        (lambda r: replace(r, subscriber=Person("SMITH")), "member ID"),
        (
            lambda r: replace(
                r, events=(ReviewEvent(replace(ADMISSION, decision=Decision("A1"))),)
            ),
            "HCR",
        ),
        (
            lambda r: replace(
                r,
                events=(
                    ReviewEvent(
                        replace(ADMISSION, dates=(DatePeriod("472", date.today(), date.today()),))
                    ),
                ),
            ),
            "DTP qualifiers ['472']",
        ),
        (
            lambda r: replace(
                r,
                events=(
                    ReviewEvent(
                        replace(
                            ADMISSION,
                            dates=(DatePeriod("431", date(2026, 1, 1), date(2026, 1, 5)),),
                        )
                    ),
                ),
            ),
            "one day",
        ),
        (
            lambda r: replace(r, events=(ReviewEvent(replace(ADMISSION, messages=("A", "B"))),)),
            "one MSG",
        ),
    ],
    ids=["no-event", "naive", "purpose", "member", "hcr", "dtp-level", "dtp-range", "msg"],
)
def test_bad_requests_raise_naming_what(change, problem: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(X12Error, match=problem.replace("[", r"\[").replace("]", r"\]")):
        build_278_request(change(example_2a()), "0001")


def test_a_response_refuses_attachments() -> None:
    response = example_2b()
    attached = replace(response.events[0].event, attachments=(Attachment("09", "FX"),))
    with pytest.raises(X12Error, match="PWK"):
        build_278_response(replace(response, events=(ReviewEvent(attached),)), "0001")


# -- random inputs round-trip and always validate ------------------------------------------------

words = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=12)
ids = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=2, max_size=12)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
CODES = ["99213", "27447", "70553", "97110", "J1745", "E0601"]
ICD = ["M1711", "E119", "I10", "J449", "R0600"]
delimiter_sets = st.sampled_from(
    [Delimiters(suffix="\n"), Delimiters("|", ">", "!", "~", ""), Delimiters("*", ":", "^", "\n")]
)


@st.composite
def services(draw: st.DrawFn, response: bool) -> ReviewItem:
    start = draw(days)
    end = draw(st.one_of(st.just(start), days.filter(lambda d: d >= start)))
    institutional = draw(st.booleans())
    decision = None
    if response:
        decision = Decision(
            draw(st.sampled_from(["A1", "A2", "A3", "A4", "A6", "CT"])),
            draw(st.one_of(st.just(""), words)),
            draw(st.sampled_from(["", "0V", "0Y", "AF"])),
        )
    dates = [DatePeriod("472", start, end)]
    if response and decision and decision.action in ("A1", "A2", "A6"):
        dates.append(DatePeriod("007", start, end))
    return ReviewItem(
        request_category="HS",
        certification_type="I",
        service_type=draw(st.sampled_from(["", "1", "2", "73", "AD"])),
        traces=(Trace("2" if response else "1", draw(words), "9012345678"),),
        decision=decision,
        dates=tuple(dates),
        procedure=Procedure("HC", draw(st.sampled_from(CODES))),
        revenue_code="0360" if institutional else "",
        charge=draw(st.decimals(min_value=1, max_value=Decimal("99999.99"), places=2)),
        unit="UN",
        quantity=Decimal(draw(st.integers(1, 30))),
        delivery=draw(
            st.one_of(st.none(), st.builds(ServiceDelivery, st.just("VS"), st.just(Decimal(2))))
        ),
    )


@st.composite
def messages(draw: st.DrawFn, response: bool) -> ReviewRequest | ReviewResponse:
    event = ReviewItem(
        request_category=draw(st.sampled_from(["AR", "HS", "SC"])),
        certification_type="I",
        facility=(draw(st.sampled_from(["11", "21", "22", "24"])), "B"),
        traces=(Trace("1", draw(words), "9012345678"),),
        diagnoses=tuple(
            Diagnosis("ABK" if i == 0 else "ABF", code)
            for i, code in enumerate(draw(st.lists(st.sampled_from(ICD), min_size=1, max_size=4)))
        ),
        decision=Decision(draw(st.sampled_from(["A1", "A3", "A4"]))) if response else None,
    )
    lines = tuple(draw(st.lists(services(response), min_size=0, max_size=4)))
    subscriber = Person(
        draw(words),
        draw(words),
        member_id=draw(ids),
        birth_date=draw(st.one_of(st.none(), days)),
        gender=draw(st.sampled_from(["", "F", "M"])),
        address=draw(
            st.one_of(
                st.none(),
                st.builds(
                    Address, words, st.just(""), ids, st.just("TX"), st.from_regex(r"\A\d{5}\Z")
                ),
            )
        ),
    )
    common = {
        "reference": draw(words),
        "created": datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
        "umo": Organization(draw(words), draw(ids), "PI"),
        "requester": Organization(draw(words), "1234567893", "XX"),
        "subscriber": subscriber,
        "events": (ReviewEvent(event, lines),),
    }
    if response:
        return ReviewResponse(**common)  # type: ignore[arg-type]
    return ReviewRequest(**common)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), response=st.booleans(), delimiters=delimiter_sets)
def test_random_278s_validate_and_round_trip(
    data: st.DataObject, response: bool, delimiters: Delimiters
) -> None:
    message = data.draw(messages(response))
    if isinstance(message, ReviewResponse):
        segments = build_278_response(message, "0001", delimiters)
    else:
        segments = build_278_request(message, "0001", delimiters)
    text = interchange(segments, delimiters)
    assert errors_of(text) == []
    view = view_of(text)
    assert view.is_response is response
    assert view.reference == message.reference
    assert view.subscriber is not None
    assert view.subscriber.id == message.subscriber.member_id
    assert view.subscriber.address == message.subscriber.address
    assert view.subscriber_birth_date == message.subscriber.birth_date
    (event,) = view.events
    (sent,) = message.events
    assert event.review.diagnoses == sent.event.diagnoses
    assert event.review.decision == sent.event.decision
    assert len(event.services) == len(sent.services)
    for got, want in zip(event.services, sent.services, strict=True):
        assert got.procedure == want.procedure
        assert got.revenue_code == want.revenue_code
        assert got.charge == want.charge
        assert got.quantity == want.quantity
        assert got.decision == want.decision
        assert got.dates == want.dates
        assert got.traces == want.traces
        assert got.deliveries == ((want.delivery,) if want.delivery else ())
