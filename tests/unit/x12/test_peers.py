"""Peers as oracles for what the builders write.

pyx12 validates the 835, 837P, 837I, 277CA and 999 (it has those guides' maps); x12sdk and
linuxforhealth-x12 (in its own virtual environment, through lfh_probe.py) must read the
270, 271, 276 and 277 without error and find the same key values as our views.
pyx12's 277 X212 map is shipped but broken (the guide's own example fails its structure
check), so the 277 is checked by the two model peers instead.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finclear.x12.acks import GroupResult, TransactionResult, build_999
from finclear.x12.build.claim_status import (
    ClaimQuery,
    ClaimStatusExchange,
    PatientClaims,
    ProviderClaims,
    build_276,
    build_277,
    build_277ca,
)
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
from finclear.x12.errors import Finding, Level, Severity
from finclear.x12.reader import read
from finclear.x12.tree import Segment
from finclear.x12.views.claim_status import ClaimStatusView, LineStatus, Status, StatusCode
from finclear.x12.views.common import Address, DatePeriod, Party, Procedure, Trace
from finclear.x12.views.eligibility import Benefit, EligibilityView, Inquiry
from finclear.x12.views.remittance import (
    Adjustment,
    ClaimPayment,
    Payment,
    ProviderAdjustment,
    ProviderAdjustmentItem,
    Remark,
    ServiceLine,
)

pytestmark = pytest.mark.peers

ROOT = Path(__file__).resolve().parents[3]
LFH_PYTHON = ROOT / ".venv-peers" / "lfh" / "bin" / "python"
PROBE = Path(__file__).with_name("lfh_probe.py")
NOW = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
DAY = date(2026, 3, 2)
ADDRESS = Address("1 MAIN ST", city="AUSTIN", state="TX", postal_code="787011234")
PAYER = Organization("ACME HEALTH", "12345", "PI", address=ADDRESS)
CLINIC = Organization("GOOD CLINIC", "1234567893", "XX", address=ADDRESS)
JANE = Person(
    "DOE", "JANE", member_id="MEM123456", birth_date=date(1980, 1, 2), gender="F", address=ADDRESS
)
JIM = Person("DOE", "JIM", birth_date=date(2015, 6, 7), gender="M", address=ADDRESS)


def interchange(*transactions: list[Segment]) -> str:
    env = Envelope("SUBMITTER", "RECEIVER", NOW, usage="T")
    return build_interchange(env, list(transactions), SequentialControlNumbers())


# -- what the builders generate ------------------------------------------------------------


def file_835() -> str:
    line = ServiceLine(
        Procedure("HC", "99213", ("25",)),
        Decimal("120.00"),
        Decimal("80.00"),
        units=Decimal("1"),
        dates=(DatePeriod("472", DAY, DAY),),
        adjustments=(
            Adjustment("CO", "45", Decimal("25.00")),
            Adjustment("PR", "2", Decimal("15.00")),
        ),
        remarks=(Remark("HE", "N130"),),
    )
    claim = ClaimPayment(
        "PCN1",
        "1",
        Decimal("120.00"),
        Decimal("80.00"),
        Decimal("15.00"),
        "12",
        "PAYER1",
        facility_type="11",
        frequency="1",
        header_number="1",
        patient=Party("QC", "DOE", "JANE", entity_type="1", id_qualifier="MI", id="MEM123456"),
        dates=(DatePeriod("232", DAY, DAY), DatePeriod("233", DAY, DAY)),
        lines=(line,),
    )
    plb = ProviderAdjustment(
        "1234567893", date(2026, 12, 31), (ProviderAdjustmentItem("WO", "X1", Decimal("5.00")),)
    )
    advice = RemittanceAdvice(
        Payment("I", Decimal("75.00"), "C", "CHK", "", DAY, Trace("1", "CHK1001", "1999999999")),
        PAYER,
        CLINIC,
        Contact("EDI DESK", phone="5125551212"),
        claims=(claim,),
        provider_adjustments=(plb,),
        production_date=DAY,
    )
    return interchange(build_835(advice, "0001"))


def submission() -> ClaimSubmission:
    line = ClaimLine(
        Procedure("HC", "99213", ("25",)),
        Decimal("120.00"),
        Decimal("1"),
        DAY,
        (1, 2),
        revenue_code="0510",
    )
    claim = Claim(
        "PCN1",
        (line,),
        ("E119", "I10"),
        place_of_service="11",
        prior_authorization="AUTH1",
        statement_from=DAY,
        statement_to=DAY,
        admission_type="3",
        admission_source="1",
        patient_status="01",
        attending=Provider("SMITH", "ANN", "1234567893", "207Q00000X"),
        rendering=Provider("SMITH", "ANN", "1234567893", "207Q00000X"),
    )
    sub = Subscriber(JANE, Organization("ACME HEALTH", "12345", "PI"), group_number="GRP1")
    return ClaimSubmission(
        "BATCH1",
        NOW,
        Organization("GOOD CLINIC", "ETIN1", "46"),
        Contact("BILLING", phone="5125551212"),
        Organization("CLEARINGHOUSE", "CH1", "46"),
        CLINIC,
        (ClaimGroup(sub, (claim,)), ClaimGroup(sub, (claim,), JIM, "19")),
        billing_tin="123456789",
    )


def file_837p() -> str:
    return interchange(build_837p(submission(), "0001"))


def file_837i() -> str:
    sm = submission()
    claims = tuple(
        ClaimGroup(
            g.subscriber,
            tuple(
                Claim(
                    c.patient_control_number,
                    c.lines,
                    c.diagnoses,
                    place_of_service="13",
                    statement_from=DAY,
                    statement_to=DAY,
                    admission_type="3",
                    admission_source="1",
                    patient_status="01",
                    attending=c.attending,
                )
                for c in g.claims
            ),
            g.patient,
            g.relationship,
        )
        for g in sm.groups
    )
    sm = ClaimSubmission(
        sm.reference,
        sm.created,
        sm.submitter,
        sm.submitter_contact,
        sm.receiver,
        sm.billing_provider,
        claims,
        billing_tin=sm.billing_tin,
    )
    return interchange(build_837i(sm, "0001"))


ACCEPTED = Status((StatusCode("A2", "20"),), DAY, "WQ", Decimal("120.00"))
REJECTED = Status((StatusCode("A7", "562", "85"),), DAY, "U", Decimal("50.00"))


def exchange(kind: str) -> ClaimStatusExchange:
    line = LineStatus(
        Procedure("HC", "99213"),
        Decimal("120.00"),
        Decimal("0"),
        units=Decimal("1"),
        control_number="L1",
        dates=(DatePeriod("472", DAY, DAY),),
        statuses=(Status((StatusCode("A7", "453"),), DAY, "U"),)
        if kind == "277CA"
        else (Status((StatusCode("F1", "65"),), DAY),),
    )
    claims: tuple[ClaimQuery, ...]
    if kind == "276":
        claims = (ClaimQuery(Trace("1", "INQ1"), Decimal("120.00"), DAY, DAY, "PAYER1"),)
    else:
        claims = (
            ClaimQuery(
                Trace("2", "PCN1"),
                Decimal("120.00"),
                DAY,
                DAY,
                "PAYER1",
                statuses=(ACCEPTED,),
                lines=(line,),
            ),
            ClaimQuery(Trace("2", "PCN2"), Decimal("50.00"), DAY, statuses=(REJECTED,)),
        )
    provider_status = (Status((StatusCode("A1", "19", "PR"),), None, "WQ", Decimal("170.00")),)
    return ClaimStatusExchange(
        "B1",
        NOW,
        PAYER,
        Organization("GOOD CLINIC", "ETIN1", "46"),
        (
            ProviderClaims(
                CLINIC, (PatientClaims(JANE, claims),), Trace("1", "PROV1"), provider_status
            ),
        ),
        Trace("1", "BATCH1"),
        DAY,
        DAY,
        Trace("2", "ICN1"),
        (Status((StatusCode("A1", "19", "PR"),), DAY, "WQ", Decimal("170.00")),),
    )


def file_277ca() -> str:
    return interchange(build_277ca(exchange("277CA"), "0001"))


def file_999() -> str:
    bad = (
        Finding(
            Severity.ERROR,
            Level.SEGMENT,
            "3",
            "missing",
            segment_position=7,
            segment_id="NM1",
            loop_id="2010BB",
        ),
        Finding(
            Severity.ERROR,
            Level.ELEMENT,
            "7",
            "bad code",
            segment_position=9,
            segment_id="CLM",
            element_position=5,
            component=1,
            element_ref="1331",
            bad_value="99",
        ),
    )
    result = GroupResult(
        "HC",
        "17",
        "005010X222A1",
        (
            TransactionResult("837", "0001", "005010X222A1"),
            TransactionResult("837", "0002", "005010X222A1", bad),
        ),
    )
    return interchange(build_999(result, "0001"))


def file_270() -> str:
    question = EligibilityQuestion(
        Trace("1", "TRACE1", "9877281234"),
        JANE,
        dates=(DatePeriod("291", DAY, DAY),),
        inquiries=(Inquiry(service_types=("30",)),),
    )
    return interchange(
        build_270(EligibilityRequest("REQ1", NOW, PAYER, CLINIC, (question,)), "0001")
    )


BENEFITS = (
    Benefit("1", "IND", ("30",), "HM", "GOLD PLAN"),
    Benefit(
        "C", "IND", ("30",), "HM", time_period="23", amount=Decimal("1500.00"), in_plan_network="Y"
    ),
    Benefit(
        "B", "IND", ("98",), "HM", time_period="27", amount=Decimal("25.00"), in_plan_network="Y"
    ),
    Benefit(
        "A", "IND", ("30",), "HM", time_period="27", percent=Decimal("0.2"), in_plan_network="N"
    ),
)


def file_271() -> str:
    member = MemberAnswer(
        JANE,
        traces=(Trace("2", "TRACE1", "9877281234"),),
        dates=(DatePeriod("346", date(2026, 1, 1), date(2026, 1, 1)),),
        benefits=BENEFITS,
    )
    return interchange(
        build_271(
            EligibilityResponse("REQ1", NOW, PAYER, CLINIC, (EligibilityAnswer(member),)), "0001"
        )
    )


def file_276() -> str:
    return interchange(build_276(exchange("276"), "0001"))


def file_277() -> str:
    return interchange(build_277(exchange("277"), "0001"))


# -- pyx12 -----------------------------------------------------------------------------------


def pyx12_errors(path: Path) -> list[str]:
    import pyx12.params
    import pyx12.x12n_document

    out = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(),
        src_file=str(path),
        fd_997=None,
        fd_html=None,
        fd_xmldoc=None,
        fd_json=out,
    )
    errors = [
        f"{e['err_cde']}: {e['err_str']}"
        for e in _find(json.loads(out.getvalue()), "errors")
        for e in e
    ]
    if not ok and not errors:
        errors.append("pyx12 returned False")
    return errors


def _find(obj: Any, key: str) -> Iterator[Any]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                yield v
            yield from _find(v, key)
    elif isinstance(obj, list):
        for item in obj:
            yield from _find(item, key)


@pytest.mark.parametrize(
    "make", [file_835, file_837p, file_837i, file_277ca, file_999], ids=lambda f: f.__name__
)
def test_pyx12_validates_what_we_write(make: Any, tmp_path: Path) -> None:
    path = tmp_path / "generated.x12"
    path.write_text(make())
    assert [f.describe() for f in read(path.read_text()).all_findings() if f.is_error] == []
    assert pyx12_errors(path) == []


# -- x12sdk and linuxforhealth-x12 -------------------------------------------------------------


def x12sdk_models(path: Path) -> list[dict[str, Any]]:
    from x12sdk.io import X12ModelReader

    with X12ModelReader(str(path)) as reader:
        return [m.model_dump(mode="json", exclude_none=True) for m in reader.models()]


def lfh_models(path: Path) -> list[dict[str, Any]]:
    if not LFH_PYTHON.exists():
        pytest.skip("linuxforhealth-x12's environment .venv-peers/lfh is absent: run `make peers`")
    done = subprocess.run(
        [str(LFH_PYTHON), str(PROBE), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer = json.loads(done.stdout)
    assert "error" not in answer, answer.get("error")
    models: list[dict[str, Any]] = answer["models"]
    return models


PEERS = {"x12sdk": x12sdk_models, "linuxforhealth-x12": lfh_models}


def values(models: list[dict[str, Any]], key: str) -> list[Any]:
    return list(_find(models, key))


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peers_read_our_271(peer: str, tmp_path: Path) -> None:
    path = tmp_path / "generated.271"
    path.write_text(file_271())
    models = PEERS[peer](path)
    ours = EligibilityView.from_transaction(next(read(path.read_text()).transactions()))
    (sub,) = ours.subscribers
    assert sub.member_id in values(models, "identification_code")
    rows = values(models, "eb_segment")
    assert [Decimal(str(r["benefit_amount"])) for r in rows if "benefit_amount" in r] == [
        b.amount for b in sub.benefits if b.amount is not None
    ]
    assert [Decimal(str(r["benefit_percent"])) for r in rows if "benefit_percent" in r] == [
        b.percent for b in sub.benefits if b.percent is not None
    ]
    assert [r.get("inplan_network_indicator", "") for r in rows] == [
        b.in_plan_network for b in sub.benefits
    ]
    assert "1980-01-02" in values(models, "date_time_period")
    assert "2026-01-01" in values(models, "date_time_period")
    assert [r["eligibility_benefit_information"] for r in rows] == [
        b.info_code for b in sub.benefits
    ]


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peers_read_our_270(peer: str, tmp_path: Path) -> None:
    path = tmp_path / "generated.270"
    path.write_text(file_270())
    models = PEERS[peer](path)
    assert "MEM123456" in values(models, "identification_code")
    assert "2026-03-02" in values(models, "date_time_period")


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peers_read_our_276(peer: str, tmp_path: Path) -> None:
    path = tmp_path / "generated.276"
    path.write_text(file_276())
    models = PEERS[peer](path)
    assert "MEM123456" in values(models, "identification_code")
    assert "INQ1" in str(values(models, "trn_segment"))


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peers_read_our_277(peer: str, tmp_path: Path) -> None:
    path = tmp_path / "generated.277"
    path.write_text(file_277())
    models = PEERS[peer](path)
    ours = ClaimStatusView.from_transaction(next(read(path.read_text()).transactions()))
    peer_codes = sorted(
        tuple(stc["health_care_claim_status_1"].split(":")[:2])
        for found in values(models, "stc_segment")
        for stc in (found if isinstance(found, list) else [found])
    )
    our_codes = sorted(
        (s.category, s.code)
        for claim in ours.claims
        for s in (*claim.statuses, *(st for line in claim.lines for st in line.statuses))
    )
    assert peer_codes == our_codes
