"""Reads for payers and plans."""

from __future__ import annotations

from django.db.models import QuerySet

from finclear.payers.models import Payer, Plan


def active_payers() -> QuerySet[Payer]:
    return Payer.objects.filter(is_active=True).order_by("name")


def payer_by_identifier(clearinghouse: str, identifier: str) -> Payer | None:
    """The payer a clearinghouse knows by ``identifier``, else the payer with that own ID."""
    payer = Payer.objects.filter(
        identifiers__clearinghouse=clearinghouse, identifiers__identifier=identifier
    ).first()
    if payer is None:
        payer = Payer.objects.filter(primary_payer_id=identifier).order_by("pk").first()
    return payer


def plans_of(payer: Payer, active_only: bool = True) -> QuerySet[Plan]:
    plans = Plan.objects.filter(payer=payer)
    if active_only:
        plans = plans.filter(is_active=True)
    return plans.order_by("code")


def plan_by_code(payer: Payer, code: str) -> Plan | None:
    return Plan.objects.filter(payer=payer, code=code).first()
