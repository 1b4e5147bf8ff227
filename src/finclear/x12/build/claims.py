"""Builders of the 837P professional (005010X222A1) and 837I institutional (005010X223A2)
claims.

Loops in guide order: 1000A submitter, 1000B receiver, 2000A/2010AA billing provider,
2000B/2010BA subscriber and 2010BB payer, 2000C/2010CA patient when the patient is not the
subscriber, 2300 claim (CLM, DTP, CL1, REF, HI), 2310 claim providers, 2400 lines (LX,
SV1 or SV2, DTP 472, REF 6R).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from finclear.x12.build.envelope import build_transaction_set
from finclear.x12.build.parties import (
    Contact,
    Organization,
    Person,
    build_address,
    build_dmg,
    build_nm1_org,
    build_nm1_person,
    build_per,
)
from finclear.x12.build.segments import (
    Hierarchy,
    SegmentMaker,
    ccyymmdd,
    hhmm,
    money,
    number,
    procedure,
)
from finclear.x12.errors import X12Error
from finclear.x12.tree import Delimiters, Segment
from finclear.x12.views.common import Procedure

PROFESSIONAL = "005010X222A1"
INSTITUTIONAL = "005010X223A2"


@dataclass(frozen=True, slots=True)
class Provider:
    """A claim-level provider (2310): attending (837I) or rendering (837P)."""

    last_name: str
    first_name: str
    npi: str
    taxonomy: str = ""


@dataclass(frozen=True, slots=True)
class ClaimLine:
    procedure: Procedure  # HC (HCPCS/CPT) code and modifiers
    charge: Decimal
    units: Decimal
    service_date: date
    diagnosis_pointers: tuple[int, ...] = (1,)  # 837P SV107: 1..4 pointers into HI
    revenue_code: str = ""  # 837I SV201 (required there)
    unit: str = "UN"  # UN units, MJ minutes
    control_number: str = ""  # REF*6R, echoed in the 835


@dataclass(frozen=True, slots=True)
class Claim:
    patient_control_number: str  # CLM01
    lines: tuple[ClaimLine, ...]
    diagnoses: tuple[str, ...]  # ICD-10-CM, no dot; the first is the principal
    place_of_service: str = "11"  # 837P CLM05-1 (POS); 837I: the facility type (bill type 1-2)
    frequency: str = "1"  # CLM05-3: 1 original, 7 replacement, 8 void
    provider_signature: str = "Y"  # CLM06 (837P)
    assignment: str = "A"  # CLM07
    benefits_assignment: str = "Y"  # CLM08
    release_of_information: str = "Y"  # CLM09
    prior_authorization: str = ""  # REF*G1
    payer_claim_number: str = ""  # REF*F8 (required for frequency 7 and 8)
    statement_from: date | None = None  # 837I DTP*434
    statement_to: date | None = None
    admission: datetime | None = None  # 837I DTP*435 (inpatient)
    admission_type: str = ""  # 837I CL101
    admission_source: str = ""  # 837I CL102
    patient_status: str = ""  # 837I CL103
    attending: Provider | None = None  # 837I 2310A
    rendering: Provider | None = None  # 837P 2310B

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0"))


@dataclass(frozen=True, slots=True)
class Subscriber:
    person: Person  # member ID, birth date and gender, address
    payer: Organization  # 2010BB (id qualifier PI)
    responsibility: str = "P"  # SBR01: P, S, T
    group_number: str = ""  # SBR03
    filing_indicator: str = "CI"  # SBR09: CI commercial, MB Medicare B, MC Medicaid, HM HMO...


@dataclass(frozen=True, slots=True)
class ClaimGroup:
    """The claims of one subscriber (and patient, when the patient is a dependent)."""

    subscriber: Subscriber
    claims: tuple[Claim, ...]
    patient: Person | None = None
    relationship: str = ""  # PAT01 when the patient is not the subscriber: 01, 19, 20, G8


@dataclass(frozen=True, slots=True)
class ClaimSubmission:
    reference: str  # BHT03
    created: datetime
    submitter: Organization  # 1000A (id qualifier 46: ETIN)
    submitter_contact: Contact
    receiver: Organization  # 1000B
    billing_provider: Organization  # 2010AA: NPI (XX), address, TIN in references (EI)
    groups: tuple[ClaimGroup, ...]
    billing_taxonomy: str = ""  # PRV*BI*PXC
    billing_tin: str = ""  # REF*EI


def check_claim(claim: Claim, institutional: bool) -> None:
    where = f"claim {claim.patient_control_number}"
    if not claim.lines:
        raise X12Error(f"{where}: a claim needs at least one service line")
    if not claim.diagnoses:
        raise X12Error(f"{where}: a claim needs a principal diagnosis")
    if len(claim.diagnoses) > 12:
        raise X12Error(f"{where}: at most 12 diagnoses fit the HI segment")
    if claim.frequency in ("7", "8") and not claim.payer_claim_number:
        raise X12Error(f"{where}: a replacement or void needs the payer claim number (REF*F8)")
    for number_, line in enumerate(claim.lines, start=1):
        if institutional and not line.revenue_code:
            raise X12Error(f"{where} line {number_}: an institutional line needs a revenue code")
        if not institutional:
            pointers = line.diagnosis_pointers
            if not 1 <= len(pointers) <= 4 or any(
                not 1 <= p <= len(claim.diagnoses) for p in pointers
            ):
                raise X12Error(
                    f"{where} line {number_}: diagnosis pointers {pointers} must be 1 to 4 "
                    f"of 1..{len(claim.diagnoses)}"
                )
    if institutional and (claim.statement_from is None or claim.statement_to is None):
        raise X12Error(f"{where}: an institutional claim needs its statement dates")
    if institutional and not (claim.admission_type and claim.patient_status):
        raise X12Error(f"{where}: an institutional claim needs CL1 (admission type, status)")


def build_837p(
    submission: ClaimSubmission, control_number: str, delimiters: Delimiters | None = None
) -> list[Segment]:
    return _build(submission, control_number, delimiters, institutional=False)


def build_837i(
    submission: ClaimSubmission, control_number: str, delimiters: Delimiters | None = None
) -> list[Segment]:
    return _build(submission, control_number, delimiters, institutional=True)


def _build(
    submission: ClaimSubmission,
    control_number: str,
    delimiters: Delimiters | None,
    institutional: bool,
) -> list[Segment]:
    if not submission.groups:
        raise X12Error("837: at least one subscriber with claims is required")
    for group in submission.groups:
        for claim in group.claims:
            check_claim(claim, institutional)
    make = SegmentMaker(delimiters)
    tree = Hierarchy(make)
    created = submission.created
    body = [
        make(
            "BHT", "0019", "00", submission.reference, ccyymmdd(created.date()), hhmm(created), "CH"
        ),
        build_nm1_org(make, "41", submission.submitter),
        build_per(make, "IC", submission.submitter_contact),
        build_nm1_org(make, "40", submission.receiver),
    ]
    hl, billing_id = tree.hl("", "20", True)
    body.append(hl)
    if submission.billing_taxonomy:
        body.append(make("PRV", "BI", "PXC", submission.billing_taxonomy))
    billing = submission.billing_provider
    if billing.address is None:
        raise X12Error("837: the billing provider's address (N3/N4) is required")
    if not (len(billing.address.postal_code) == 9 and billing.address.postal_code.isdigit()):
        raise X12Error("837: the billing provider's ZIP code must have all nine digits (N403)")
    body.append(build_nm1_org(make, "85", billing))
    body.extend(build_address(make, billing.address))
    if not submission.billing_tin:
        raise X12Error("837: the billing provider's TIN (REF*EI) is required")
    body.append(make("REF", "EI", submission.billing_tin))
    for group in submission.groups:
        body.extend(_group(make, tree, billing_id, group, institutional))
    version = INSTITUTIONAL if institutional else PROFESSIONAL
    return build_transaction_set("837", version, body, control_number, make.delimiters)


def _group(
    make: SegmentMaker, tree: Hierarchy, parent: str, group: ClaimGroup, institutional: bool
) -> list[Segment]:
    sub = group.subscriber
    is_patient = group.patient is None
    hl, sub_id = tree.hl(parent, "22", not is_patient)
    out = [
        hl,
        make(
            "SBR",
            sub.responsibility,
            "18" if is_patient else "",
            sub.group_number,
            "",
            "",
            "",
            "",
            "",
            sub.filing_indicator,
        ),
        build_nm1_person(make, "IL", sub.person),
    ]
    out.extend(build_address(make, sub.person.address))
    if is_patient:
        out.extend(build_dmg(make, sub.person))
    out.append(build_nm1_org(make, "PR", sub.payer))
    if group.patient is not None:
        if not group.relationship:
            raise X12Error("837: PAT01, the patient's relationship to the subscriber, is required")
        hl, _ = tree.hl(sub_id, "23", False)
        out += [hl, make("PAT", group.relationship)]
        patient = group.patient
        out.append(
            build_nm1_person(
                make,
                "QC",
                Person(patient.last_name, patient.first_name, patient.middle_name, patient.suffix),
            )
        )
        if patient.address is None:
            raise X12Error("837: the patient's address (N3/N4) is required")
        out.extend(build_address(make, patient.address))
        out.extend(build_dmg(make, patient))
    for claim in group.claims:
        out.extend(_claim(make, claim, institutional))
    return out


def _claim(make: SegmentMaker, claim: Claim, institutional: bool) -> list[Segment]:
    qualifier = "A" if institutional else "B"
    out = [
        make(
            "CLM",
            claim.patient_control_number,
            money(claim.total_charge),
            "",
            "",
            (claim.place_of_service, qualifier, claim.frequency),
            "" if institutional else claim.provider_signature,
            claim.assignment,
            claim.benefits_assignment,
            claim.release_of_information,
        )
    ]
    if institutional:
        assert claim.statement_from is not None and claim.statement_to is not None
        if claim.admission is not None:
            out.append(make("DTP", "435", "DT", claim.admission.strftime("%Y%m%d%H%M")))
        out.append(
            make(
                "DTP",
                "434",
                "RD8",
                f"{ccyymmdd(claim.statement_from)}-{ccyymmdd(claim.statement_to)}",
            )
        )
        out.append(make("CL1", claim.admission_type, claim.admission_source, claim.patient_status))
    if claim.prior_authorization:
        out.append(make("REF", "G1", claim.prior_authorization))
    if claim.payer_claim_number:
        out.append(make("REF", "F8", claim.payer_claim_number))
    principal, *others = claim.diagnoses
    # 837I: the principal diagnosis has an HI of its own; 837P: one HI holds them all.
    if institutional:
        out.append(make("HI", ("ABK", principal)))
        if others:
            out.append(make("HI", *[("ABF", code) for code in others]))
    else:
        out.append(make("HI", ("ABK", principal), *[("ABF", code) for code in others]))
    if institutional and claim.attending is not None:
        out.extend(_provider(make, "71", "AT", claim.attending))
    if not institutional and claim.rendering is not None:
        out.extend(_provider(make, "82", "PE", claim.rendering))
    for number_, line in enumerate(claim.lines, start=1):
        out.append(make("LX", str(number_)))
        proc = procedure(line.procedure.qualifier, line.procedure.code, line.procedure.modifiers)
        if institutional:
            out.append(
                make(
                    "SV2",
                    line.revenue_code,
                    proc,
                    money(line.charge),
                    line.unit,
                    number(line.units),
                )
            )
        else:
            out.append(
                make(
                    "SV1",
                    proc,
                    money(line.charge),
                    line.unit,
                    number(line.units),
                    "",
                    "",
                    tuple(str(p) for p in line.diagnosis_pointers),
                )
            )
        out.append(make("DTP", "472", "D8", ccyymmdd(line.service_date)))
        if line.control_number:
            out.append(make("REF", "6R", line.control_number))
    return out


def _provider(make: SegmentMaker, entity: str, role: str, provider: Provider) -> list[Segment]:
    out = [
        make(
            "NM1",
            entity,
            "1",
            provider.last_name,
            provider.first_name,
            "",
            "",
            "",
            "XX",
            provider.npi,
        )
    ]
    if provider.taxonomy:
        out.append(make("PRV", role, "PXC", provider.taxonomy))
    return out
