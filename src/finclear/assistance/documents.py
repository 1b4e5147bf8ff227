"""The payment plan agreement and the point-of-service receipt, as PDFs (the estimates' style)."""

from __future__ import annotations

from django.utils import timezone

from finclear.assistance.models import PaymentPlan, PosPayment
from finclear.assistance.plans import schedule_of
from finclear.estimates import pdf
from finclear.estimates.letters import facility_lines
from finclear.rules.money import ZERO


def build_plan_agreement(plan: PaymentPlan) -> bytes:
    patient = plan.patient
    facility = patient.facility
    installments = schedule_of(plan)
    created = timezone.localtime(plan.created_at, facility.zone).strftime("%B %-d, %Y")
    terms = [
        ("Patient", patient.full_name),
        ("Account (MRN)", patient.mrn),
        ("Balance", pdf.money(plan.balance)),
        ("Down payment", pdf.money(plan.down_payment)),
        ("Amount financed", pdf.money(plan.financed)),
        ("Monthly payment", pdf.money(plan.monthly_payment)),
        ("Number of payments", str(plan.months)),
        (
            "Interest (APR)",
            f"{plan.apr_percent.normalize():f}%" if plan.apr_percent else "None (0%)",
        ),
        ("First payment due", plan.first_due.strftime("%B %-d, %Y")),
        ("Schedule version", str(plan.version)),
    ]
    rows = [
        [
            str(i.number),
            i.due.strftime("%Y-%m-%d"),
            pdf.money(i.principal),
            pdf.money(i.interest),
            pdf.money(i.amount),
        ]
        for i in installments
    ]
    total_interest = sum((i.interest for i in installments), ZERO)
    total = sum((i.amount for i in installments), ZERO)
    policy = plan.policy
    story = [
        pdf.letterhead(facility.name, facility_lines(facility)),
        pdf.spacer(12),
        pdf.p("Payment plan agreement", "title"),
        pdf.p(f"Plan {plan.pk} · made {created}", "subtitle"),
        pdf.facts(terms),
        pdf.spacer(8),
        pdf.callout(
            "Your monthly payment",
            pdf.money(plan.monthly_payment),
            f"{plan.months} payments from {plan.first_due.strftime('%B %-d, %Y')}; the last one "
            "may differ by a few cents so the payments add up exactly to the amount financed.",
        ),
    ]
    story += pdf.section(
        "Payment schedule",
        pdf.grid(
            ["#", "Due", "Principal", "Interest", "Payment"],
            rows,
            [0.5, 1.4, 1.3, 1.1, 1.3],
            numeric=(2, 3, 4),
            total=[
                "",
                "Total",
                pdf.money(plan.financed),
                pdf.money(total_interest),
                pdf.money(total),
            ],
        ),
    )
    story += pdf.section(
        "Terms",
        pdf.p(
            f"A payment is late when it is not received within {policy.plan_grace_days} days of "
            f"its due date. After {policy.plan_default_after} missed payments the plan is in "
            "default: we will contact you before anything else happens, and you may ask us to "
            "recalculate the plan or to screen you for financial assistance.",
            "small",
        ),
        pdf.p(
            "If your balance changes (an insurance payment, an adjustment, financial "
            "assistance), the remaining payments are recalculated and you receive a new "
            "schedule. You may pay more or pay off the balance at any time without a penalty.",
            "small",
        ),
        pdf.p(
            "Financial assistance is available to eligible patients under our financial "
            "assistance policy; applying does not affect this plan while it is reviewed, and no "
            "extraordinary collection action is taken while an application is pending.",
            "small",
        ),
    )
    signature = pdf.grid(
        ["Patient or guarantor signature", "Date", "For the facility", "Date"],
        [["", "", "", ""]],
        [2.6, 1, 2.2, 1],
    )
    story += [pdf.spacer(18), signature]
    return pdf.render(story, "Payment plan agreement", f"{facility.name} · Payment plan {plan.pk}")


def build_receipt(payment: PosPayment) -> bytes:
    encounter = payment.encounter
    facility = encounter.facility
    when = timezone.localtime(payment.received_at, facility.zone).strftime("%B %-d, %Y %H:%M")
    story = [
        pdf.letterhead(facility.name, facility_lines(facility)),
        pdf.spacer(12),
        pdf.p("Payment receipt", "title"),
        pdf.p(f"Receipt {payment.receipt_number}", "subtitle"),
        pdf.facts(
            [
                ("Patient", encounter.patient.full_name),
                ("Account (MRN)", encounter.patient.mrn),
                ("Received", when),
                ("Method", payment.get_method_display()),
                ("For", payment.get_kind_display()),
                ("Reference", payment.reference or "—"),
                ("Visit", f"Encounter {encounter.pk}"),
                ("Received by", payment.received_by.get_username() if payment.received_by else "—"),
            ]
        ),
        pdf.spacer(8),
        pdf.callout("Amount paid", pdf.money(payment.amount), "Thank you. Keep this receipt."),
    ]
    return pdf.render(story, "Payment receipt", f"{facility.name} · {payment.receipt_number}")
