"""The reference data an import matches records against, looked up once per distinct value.

Facilities, departments, providers, payers, plans and chargemaster lines are matched, never
created (docs/intake-csv.md), and a file names the same few of them over and over: each
distinct code is looked up once per import, with the same query and the same rule as a single
lookup would use, and remembered, found or not.
"""

from __future__ import annotations

import datetime as dt

from finclear.intake.records import IntakeCoverage
from finclear.organizations.models import Department, Facility, Provider
from finclear.payers.models import Payer, PayerIdentifier, Plan
from finclear.scheduling.models import ChargemasterItem


class ReferenceData:
    """Per-import memo of reference lookups; build a new one for each import."""

    def __init__(self) -> None:
        self._facilities: dict[str, Facility | None] = {}
        self._departments: dict[tuple[int, str], Department | None] = {}
        self._providers: dict[str, Provider | None] = {}
        self._payers: dict[tuple[bool, str, str], Payer | None] = {}
        self._plans: dict[tuple[int, str], Plan | None] = {}
        self._chargemaster: dict[tuple[int, str], list[ChargemasterItem]] = {}

    def facility(self, code: str) -> Facility | None:
        key = code.lower()
        if key not in self._facilities:
            self._facilities[key] = Facility.objects.filter(code__iexact=code).first()
        return self._facilities[key]

    def department(self, facility: Facility, code: str) -> Department | None:
        key = (facility.pk, code.lower())
        if key not in self._departments:
            self._departments[key] = Department.objects.filter(
                facility=facility, code__iexact=code
            ).first()
        return self._departments[key]

    def provider(self, npi: str) -> Provider | None:
        if npi not in self._providers:
            self._providers[npi] = Provider.objects.filter(npi=npi).first()
        return self._providers[npi]

    def payer(self, coverage: IntakeCoverage) -> Payer | None:
        """By clearinghouse identifier, then primary payer ID, then name (case-insensitive)."""
        key = (coverage.self_pay, coverage.payer_id.lower(), coverage.payer_name.lower())
        if key not in self._payers:
            self._payers[key] = _find_payer(coverage)
        return self._payers[key]

    def plan(self, payer: Payer, code: str) -> Plan | None:
        key = (payer.pk, code.lower())
        if key not in self._plans:
            self._plans[key] = Plan.objects.filter(payer=payer, code__iexact=code).first()
        return self._plans[key]

    def chargemaster_item(
        self, facility: Facility, cpt_hcpcs: str, day: dt.date, department: Department | None
    ) -> ChargemasterItem | None:
        """The rule of ``scheduling.queries.find_chargemaster_item``, over lines read once.

        Lines in effect on the day; the department's own first, then any; among equals the
        most recent effective date, then the lowest CDM number (the database's order).
        """
        key = (facility.pk, cpt_hcpcs)
        if key not in self._chargemaster:
            self._chargemaster[key] = list(
                ChargemasterItem.objects.filter(facility=facility, cpt_hcpcs=cpt_hcpcs).order_by(
                    "-effective_date", "code"
                )
            )
        in_effect = [
            item
            for item in self._chargemaster[key]
            if item.effective_date <= day and (item.end_date is None or item.end_date >= day)
        ]
        if department is not None:
            own = next((i for i in in_effect if i.department_id == department.pk), None)
            if own is not None:
                return own
        return in_effect[0] if in_effect else None


def _find_payer(coverage: IntakeCoverage) -> Payer | None:
    active = Payer.objects.filter(is_active=True)
    if coverage.self_pay:
        return active.filter(payer_type="self_pay").order_by("pk").first()
    if coverage.payer_id:
        identifier = (
            PayerIdentifier.objects.filter(
                identifier__iexact=coverage.payer_id, payer__is_active=True
            )
            .select_related("payer")
            .first()
        )
        if identifier is not None:
            return identifier.payer
        by_primary = active.filter(primary_payer_id__iexact=coverage.payer_id).first()
        if by_primary is not None:
            return by_primary
    if coverage.payer_name:
        return active.filter(name__iexact=coverage.payer_name).first()
    return None
