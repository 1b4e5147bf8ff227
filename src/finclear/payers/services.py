"""Writes for payers, their clearinghouse identifiers and plans (each in one transaction)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from finclear.organizations.validation import do_save_checked, set_fields
from finclear.payers.models import Payer, PayerIdentifier, Plan


@transaction.atomic
def do_create_payer(**fields: Any) -> Payer:
    payer = Payer(**fields)
    do_save_checked(payer)
    return payer


@transaction.atomic
def do_add_payer_identifier(payer: Payer, clearinghouse: str, identifier: str) -> PayerIdentifier:
    row = PayerIdentifier(payer=payer, clearinghouse=clearinghouse, identifier=identifier)
    do_save_checked(row)
    return row


@transaction.atomic
def do_create_plan(payer: Payer, **fields: Any) -> Plan:
    plan = Plan(payer=payer, **fields)
    do_save_checked(plan)
    return plan


@transaction.atomic
def do_update(instance: Payer | PayerIdentifier | Plan, **fields: Any) -> None:
    set_fields(instance, fields)
    do_save_checked(instance)
