"""Random builder inputs round-trip: build -> write -> read -> view gives the inputs back."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.x12.build.eligibility import (
    EligibilityAnswer,
    EligibilityQuestion,
    EligibilityRequest,
    EligibilityResponse,
    MemberAnswer,
    build_270,
    build_271,
)
from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange
from finclear.x12.build.parties import Contact, Organization, Person
from finclear.x12.build.remittance import RemittanceAdvice, build_835
from finclear.x12.reader import read
from finclear.x12.tree import Delimiters
from finclear.x12.views.common import Address, DatePeriod, Party, Procedure, Trace
from finclear.x12.views.eligibility import Benefit, EligibilityView, Inquiry
from finclear.x12.views.remittance import (
    Adjustment,
    ClaimPayment,
    Payment,
    ProviderAdjustment,
    ProviderAdjustmentItem,
    RemittanceView,
    ServiceLine,
)

NOW = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
words = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=12)
opt_words = st.one_of(st.just(""), words)
days = st.dates(min_value=date(1930, 1, 1), max_value=date(2030, 12, 31))
money = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
delimiter_sets = st.sampled_from(
    [
        Delimiters(suffix="\n"),
        Delimiters("|", ">", "!", "~", ""),
        Delimiters("*", ":", "^", "\n", ""),
    ]
)
SERVICE_TYPES = ["1", "30", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC"]


def envelope(delimiters: Delimiters) -> Envelope:
    return Envelope("SUBMITTER", "PAYER", NOW, usage="T", delimiters=delimiters)


def only_transaction(text: str):  # type: ignore[no-untyped-def]
    doc = read(text)
    assert [f.describe() for f in doc.all_findings() if f.is_error] == []
    (tx,) = list(doc.transactions())
    return tx


@st.composite
def persons(draw: st.DrawFn, with_id: bool = True) -> Person:
    return Person(
        last_name=draw(words),
        first_name=draw(opt_words),
        member_id=draw(words) if with_id else "",
        birth_date=draw(st.one_of(st.none(), days)),
        gender=draw(st.sampled_from(["", "F", "M", "U"])),
        address=draw(
            st.one_of(
                st.none(),
                st.builds(Address, words, opt_words, words, st.sampled_from(["TX", "NY"]), words),
            )
        ),
    )


@st.composite
def benefits(draw: st.DrawFn) -> Benefit:
    related = draw(
        st.lists(
            st.builds(
                Party,
                entity=st.sampled_from(["P3", "PR", "1P"]),
                name=words,
                entity_type=st.just("2"),
                id_qualifier=st.just("PI"),
                id=words,
            ),
            max_size=2,
        )
    )
    return Benefit(
        info_code=draw(st.sampled_from(["1", "6", "A", "B", "C", "G", "L"])),
        coverage_level=draw(st.sampled_from(["", "IND", "FAM"])),
        service_types=tuple(draw(st.lists(st.sampled_from(SERVICE_TYPES), max_size=4))),
        insurance_type=draw(st.sampled_from(["", "HM", "PR", "MB"])),
        plan_description=draw(opt_words),
        time_period=draw(st.sampled_from(["", "23", "29", "27"])),
        amount=draw(st.one_of(st.none(), money)),
        percent=draw(st.one_of(st.none(), st.decimals(0, 1, places=2))),
        in_plan_network=draw(st.sampled_from(["", "Y", "N", "W"])),
        dates=tuple(draw(st.lists(st.builds(lambda d: DatePeriod("291", d, d), days), max_size=1))),
        messages=tuple(draw(st.lists(words, max_size=2))),
        related_entities=tuple(related),
    )


@settings(max_examples=40, deadline=None)
@given(
    subscriber=persons(),
    items=st.lists(benefits(), max_size=5),
    trace=words,
    delimiters=delimiter_sets,
)
def test_271_round_trip(
    subscriber: Person, items: list[Benefit], trace: str, delimiters: Delimiters
) -> None:
    member = MemberAnswer(
        subscriber,
        traces=(Trace("2", trace, "9877281234"),),
        dates=(DatePeriod("346", date(2026, 1, 1), date(2026, 1, 1)),),
        benefits=tuple(items),
    )
    response = EligibilityResponse(
        "REF1",
        NOW,
        Organization("ACME HEALTH", "12345", "PI"),
        Organization("CLINIC", "1234567893", "XX"),
        (EligibilityAnswer(member),),
    )
    tx = build_271(response, "0001", delimiters)
    text = build_interchange(envelope(delimiters), [tx], SequentialControlNumbers())
    view = EligibilityView.from_transaction(only_transaction(text))
    (sub,) = view.subscribers
    assert sub.member_id == subscriber.member_id
    assert (sub.party.name, sub.party.first_name) == (subscriber.last_name, subscriber.first_name)
    assert sub.party.address == subscriber.address
    assert (sub.birth_date, sub.gender) == (subscriber.birth_date, subscriber.gender)
    assert sub.benefits == tuple(items)
    assert sub.traces == member.traces
    assert sub.plan_begin == date(2026, 1, 1)


@settings(max_examples=30, deadline=None)
@given(subscriber=persons(), dependent=st.one_of(st.none(), persons(with_id=False)), trace=words)
def test_270_round_trip(subscriber: Person, dependent: Person | None, trace: str) -> None:
    question = EligibilityQuestion(
        Trace("1", trace, "9877281234"),
        subscriber,
        dependent,
        relationship="19" if dependent else "",
        dates=(DatePeriod("291", date(2026, 3, 2), date(2026, 3, 2)),),
        inquiries=(Inquiry(service_types=("30",)), Inquiry(service_types=("98", "UC"))),
    )
    request = EligibilityRequest(
        "REQ1",
        NOW,
        Organization("ACME", "12345", "PI"),
        Organization("CLINIC", "1234567893", "XX"),
        (question,),
    )
    text = build_interchange(
        envelope(Delimiters(suffix="\n")), [build_270(request, "0001")], SequentialControlNumbers()
    )
    view = EligibilityView.from_transaction(only_transaction(text))
    (sub,) = view.subscribers
    assert sub.member_id == subscriber.member_id
    patient = sub.dependents[0] if dependent else sub
    assert len(sub.dependents) == (1 if dependent else 0)
    assert [i.service_types for i in patient.inquiries] == [("30",), ("98", "UC")]
    assert patient.traces == (question.trace,)
    assert patient.dates == question.dates


@st.composite
def claims(draw: st.DrawFn, number: int) -> ClaimPayment:
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        charge = draw(money)
        adjustments = tuple(
            draw(
                st.lists(
                    st.builds(
                        Adjustment,
                        st.sampled_from(["CO", "PR", "OA"]),
                        st.sampled_from(["1", "2", "3", "45", "96"]),
                        st.decimals(0, Decimal("500"), places=2),
                    ),
                    max_size=7,
                )
            )
        )
        paid = charge - sum((a.amount for a in adjustments), Decimal(0))
        lines.append(
            ServiceLine(
                Procedure("HC", draw(st.sampled_from(["99213", "99214", "80053"])), ()),
                charge,
                paid,
                units=Decimal(draw(st.integers(1, 9))),
                dates=(DatePeriod("472", date(2026, 1, 5), date(2026, 1, 5)),),
                adjustments=adjustments,
            )
        )
    return ClaimPayment(
        patient_control_number=f"PCN{number}",
        status=draw(st.sampled_from(["1", "2", "4", "22"])),
        charge=sum((ln.charge for ln in lines), Decimal(0)),
        payment=sum((ln.payment for ln in lines), Decimal(0)),
        patient_responsibility=draw(st.one_of(st.none(), money)),
        filing_indicator=draw(st.sampled_from(["12", "CH", "HM", "MB", "MC"])),
        payer_claim_number=draw(words),
        header_number="1",
        patient=Party(
            "QC", draw(words), draw(opt_words), entity_type="1", id_qualifier="MI", id=draw(words)
        ),
        lines=tuple(lines),
    )


@settings(max_examples=40, deadline=None)
@given(data=st.data(), delimiters=delimiter_sets)
def test_835_round_trip(data: st.DataObject, delimiters: Delimiters) -> None:
    items = [data.draw(claims(i)) for i in range(data.draw(st.integers(1, 4)))]
    plb = ProviderAdjustment(
        "1234567893", date(2026, 12, 31), (ProviderAdjustmentItem("WO", "X1", data.draw(money)),)
    )
    total = sum((c.payment for c in items), Decimal(0)) - plb.items[0].amount
    payment = Payment(
        "I", total, "C", "CHK", "", date(2026, 3, 2), Trace("1", "CHK1", "1999999999")
    )
    advice = RemittanceAdvice(
        payment,
        Organization(
            "ACME HEALTH",
            address=Address("1 MAIN ST", city="AUSTIN", state="TX", postal_code="78701"),
        ),
        Organization("CLINIC", "1234567893", "XX"),
        Contact("EDI", phone="5125551212"),
        claims=tuple(items),
        provider_adjustments=(plb,),
    )
    tx = build_835(advice, "0001", delimiters)
    text = build_interchange(envelope(delimiters), [tx], SequentialControlNumbers())
    view = RemittanceView.from_transaction(only_transaction(text))
    assert view.payment == payment
    assert view.claims == tuple(items)
    assert view.provider_adjustments == (plb,)
