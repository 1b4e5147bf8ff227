"""The patient estimate letter and the Good Faith Estimate, as PDF documents (reportlab).

Both are built from a stored estimate (never recalculated): what the patient receives is
exactly what is on record. The GFE prints every element 45 CFR 149.610(c)(1) asks for,
including the disclaimers in full (``finclear.estimates.gfe.DISCLAIMER_TEXT``).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from reportlab.platypus import KeepTogether

from finclear.estimates import pdf
from finclear.estimates.gfe import DISCLAIMER_TEXT, SEPARATELY_SCHEDULED_NOTE, build_gfe
from finclear.estimates.models import Estimate
from finclear.organizations.models import Facility
from finclear.rules.money import ZERO

ORDER = (
    "disclaimer_estimate_only",
    "disclaimer_additional_items",
    "disclaimer_dispute_resolution",
    "disclaimer_not_a_contract",
)
HEADINGS = {
    "disclaimer_estimate_only": "This is an estimate",
    "disclaimer_additional_items": "Other items or services",
    "disclaimer_dispute_resolution": "Your right to dispute the bill",
    "disclaimer_not_a_contract": "Not a contract",
}


def facility_lines(facility: Facility) -> list[str]:
    city = ", ".join(
        x for x in (facility.city, f"{facility.state} {facility.postal_code}".strip()) if x
    )
    return [
        ", ".join(x for x in (facility.address_line1, facility.address_line2, city) if x),
        f"Phone {facility.phone}" if facility.phone else "",
        f"NPI {facility.npi} · TIN {facility.tin}",
    ]


def _visit_date(estimate: Estimate) -> dt.date:
    encounter = estimate.encounter
    return encounter.scheduled_at.astimezone(encounter.facility.zone).date()


def _prepared(estimate: Estimate) -> str:
    zone = estimate.encounter.facility.zone
    return timezone.localtime(estimate.created_at, zone).strftime("%B %-d, %Y")


def _provider_name(estimate: Estimate) -> str:
    doctor = estimate.encounter.rendering_provider
    name = f"{doctor.first_name} {doctor.last_name}".strip()
    return f"{name}, {doctor.credential}" if doctor.credential else name


def build_estimate_letter(estimate: Estimate) -> bytes:
    """The patient estimate letter: the share first, then each service and how it was worked out."""
    encounter = estimate.encounter
    facility = encounter.facility
    patient = encounter.patient
    lines = list(estimate.lines.all())
    visit = _visit_date(estimate)
    story = [
        pdf.letterhead(facility.name, facility_lines(facility)),
        pdf.spacer(12),
        pdf.p("Your estimate for an upcoming visit", "title"),
        pdf.p(f"Prepared {_prepared(estimate)} · Estimate {estimate.pk}", "subtitle"),
        pdf.facts(
            [
                ("Patient", patient.full_name),
                ("Visit date", visit.strftime("%B %-d, %Y")),
                ("Account (MRN)", patient.mrn),
                ("Provider", _provider_name(estimate)),
                ("Insurance plan", estimate.plan_name or "—"),
                ("Where", facility.name),
            ]
        ),
        pdf.spacer(10),
        pdf.callout(
            "Your estimated share",
            pdf.money(estimate.patient_total),
            f"Estimated charges {pdf.money(estimate.charge)} · your plan is expected to pay "
            f"{pdf.money(estimate.plan_pays)}"
            + (
                f" · your secondary plan {pdf.money(estimate.secondary_pays)}"
                if estimate.secondary_pays
                else ""
            ),
        ),
    ]
    rows = [
        [
            f"{line.code} {line.description}".strip(),
            pdf.money(line.charge),
            pdf.money(line.allowed) if line.estimated else "—",
            pdf.money(line.plan_pays + line.secondary_pays) if line.estimated else "—",
            pdf.money(line.patient_total) if line.estimated else "not estimated",
        ]
        for line in lines
    ]
    story += pdf.section(
        "Services",
        pdf.grid(
            ["Service", "Charge", "Plan allows", "Insurance pays", "You pay"],
            rows,
            [3.2, 1, 1, 1.1, 1],
            numeric=(1, 2, 3, 4),
            total=[
                "Total",
                pdf.money(estimate.charge),
                pdf.money(estimate.allowed),
                pdf.money(estimate.plan_pays + estimate.secondary_pays),
                pdf.money(estimate.patient_total),
            ],
        ),
    )
    breakdown = [
        ("Copays", estimate.copay),
        ("Deductible", estimate.deductible),
        ("Coinsurance", estimate.coinsurance),
        ("Not covered", estimate.non_covered),
    ]
    parts = [(label, pdf.money(amount)) for label, amount in breakdown if amount != ZERO]
    if estimate.deductible_remaining is not None:
        parts.append(("Deductible left after", pdf.money(estimate.deductible_remaining)))
    if estimate.oop_remaining is not None:
        parts.append(("Out-of-pocket left after", pdf.money(estimate.oop_remaining)))
    if parts:
        story += pdf.section("Your share, by kind", pdf.facts(parts))
    explained = [pdf.p(f"{line.code}: {line.explanation}", "body") for line in lines]
    story += pdf.section("How we worked it out", *explained)
    fine = [
        *estimate.notes,
        "This is an estimate, not a bill or a guarantee of payment. What you owe depends on "
        "the services you actually receive, the claim your insurer processes, and your "
        "benefits on the date of service.",
        f"Questions, payment plans or financial assistance: call {facility.name}"
        + (f" at {facility.phone}." if facility.phone else "."),
    ]
    story += pdf.section("Please note", *(pdf.p(text, "small") for text in fine))
    return pdf.render(story, "Patient estimate", f"{facility.name} · Estimate {estimate.pk}")


def build_gfe_document(estimate: Estimate) -> bytes:
    """The Good Faith Estimate for an uninsured or self-pay patient (45 CFR 149.610)."""
    encounter = estimate.encounter
    facility = encounter.facility
    lines = list(estimate.lines.all())
    visit = _visit_date(estimate)
    gfe = build_gfe(encounter, visit, lines)
    story = [
        pdf.letterhead(facility.name, facility_lines(facility)),
        pdf.spacer(12),
        pdf.p("Good Faith Estimate for Health Care Items and Services", "title"),
        pdf.p(
            f"Issued {_prepared(estimate)} · GFE {estimate.pk} · for uninsured and self-pay "
            "patients (No Surprises Act, 45 CFR 149.610)",
            "subtitle",
        ),
        pdf.facts(
            [
                ("Patient", gfe.patient_name),
                (
                    "Date of birth",
                    gfe.patient_date_of_birth.isoformat() if gfe.patient_date_of_birth else "—",
                ),
                ("Primary service", gfe.primary_service or "—"),
                ("Scheduled for", visit.strftime("%B %-d, %Y")),
            ]
        ),
        pdf.spacer(10),
        pdf.callout(
            "Total estimated charges",
            pdf.money(gfe.total_expected_charges),
            "The charges you can expect for the items and services below, as a self-pay patient.",
        ),
    ]
    provider_rows = [[pv.name, pv.npi, pv.tin, pv.location, pv.state] for pv in gfe.providers]
    story += pdf.section(
        "Providers and facilities",
        pdf.grid(["Name", "NPI", "TIN", "Location", "State"], provider_rows, [2.4, 1, 1, 2.4, 0.6]),
    )
    names = {pv.npi: pv.name for pv in gfe.providers}
    for npi, items in gfe.items_by_provider().items():
        if not items:
            continue
        rows = [
            [
                item.service_code,
                item.description,
                ", ".join(item.diagnosis_codes) or "—",
                str(item.quantity),
                pdf.money(item.expected_charge),
            ]
            for item in items
        ]
        subtotal = sum((item.expected_charge for item in items), ZERO)
        story += pdf.section(
            f"Items and services: {names[npi]} (NPI {npi})",
            pdf.grid(
                ["Service code", "Description", "Diagnosis codes", "Qty", "Expected charge"],
                rows,
                [1, 3, 1.4, 0.5, 1.2],
                numeric=(3, 4),
                total=["", "Subtotal", "", "", pdf.money(subtotal)],
            ),
        )
    separately = ", ".join(gfe.separately_scheduled) or "None expected for this visit."
    story += pdf.section(
        "Items or services to be scheduled separately",
        pdf.p(separately),
        pdf.p(SEPARATELY_SCHEDULED_NOTE, "small"),
    )
    story.append(pdf.p("Disclaimers", "h2"))
    for key in ORDER:
        story += [
            KeepTogether([pdf.p(HEADINGS[key], "head"), pdf.p(DISCLAIMER_TEXT[key], "small")]),
            pdf.spacer(4),
        ]
    return pdf.render(
        story, "Good Faith Estimate", f"{facility.name} · Good Faith Estimate {estimate.pk}"
    )


def build_document(estimate: Estimate) -> tuple[bytes, str]:
    """The estimate's document and its file name."""
    if estimate.is_gfe:
        return build_gfe_document(estimate), f"good-faith-estimate-{estimate.pk}.pdf"
    return build_estimate_letter(estimate), f"estimate-{estimate.pk}.pdf"
