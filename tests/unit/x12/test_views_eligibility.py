"""The 271 view over real samples (/work/shared/x12), values checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from finclear.x12.reader import read_file
from finclear.x12.views.eligibility import CoverageStatus, EligibilityView
from tests.conftest import SHARED_X12

LFH_271 = "linuxforhealth-x12/src/tests/resources/271_005010X279A1"


def view_of(path: str) -> EligibilityView:
    doc = read_file(SHARED_X12 / path)
    (tx,) = list(doc.transactions())
    return EligibilityView.from_transaction(tx)


def test_subscriber_benefits() -> None:
    view = view_of(f"{LFH_271}/subscriber-health-benefit-check.271")
    assert (view.transaction_set, view.purpose, view.reference) == ("271", "11", "10001234")
    assert view.source is not None and (view.source.name, view.source.id) == (
        "ABC COMPANY",
        "841610001",
    )
    assert view.receiver is not None and view.receiver.id == "2000035"
    (sub,) = view.subscribers
    assert (sub.member_id, sub.party.name, sub.party.first_name) == ("123456789", "SMITH", "JOHN")
    assert sub.birth_date == date(1963, 5, 19) and sub.gender == "M"
    assert sub.party.address is not None and sub.party.address.city == "KANSAS CITY"
    assert [(t.type, t.reference) for t in sub.request_traces] == [("2", "93175-012547")]
    assert sub.coverage_status is CoverageStatus.ACTIVE
    assert sub.plan_name == "GOLD 123 PLAN"
    assert sub.plan_begin == date(2006, 1, 1)
    assert [b.info_code for b in sub.benefits] == ["1", "L", "1", "B", "B"]
    pcp = sub.benefits[1]
    assert pcp.meaning == "Primary Care Provider"
    (entity,) = pcp.related_entities
    assert (entity.entity, entity.name, entity.id) == ("P3", "JONES", "0202034")
    in_net, out_net = sub.benefits[3:]
    assert in_net.service_types == ("1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC")
    assert (in_net.insurance_type, in_net.time_period, in_net.amount, in_net.in_plan_network) == (
        "HM",
        "27",
        Decimal("10.00"),
        "Y",
    )
    assert (out_net.amount, out_net.in_plan_network) == (Decimal("30.00"), "N")


def test_dependent_is_the_patient() -> None:
    view = view_of(f"{LFH_271}/dependent-health-benefit-check.271")
    (sub,) = view.subscribers
    assert sub.benefits == () and sub.coverage_status is CoverageStatus.UNKNOWN
    (dep,) = sub.dependents
    assert (dep.party.first_name, dep.relationship, dep.birth_date) == (
        "MARY",
        "19",
        date(1998, 10, 14),
    )
    assert dep.coverage_status is CoverageStatus.ACTIVE
    assert dep.request_traces[0].reference == "93175-012547"
    assert [m.level for m in view.members] == ["subscriber", "dependent"]


def test_receiver_rejection() -> None:
    view = view_of(f"{LFH_271}/subscriber-health-benefit-check-error.271")
    assert view.subscribers == ()
    (error,) = view.errors
    assert (error.loop, error.valid_request, error.code, error.follow_up) == (
        "2100B",
        "Y",
        "50",
        "N",
    )
    assert error.meaning == "Provider Ineligible for Inquiries"
    assert error.follow_up_meaning == "Resubmission Not Allowed"
