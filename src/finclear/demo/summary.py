"""The demo's summary: encounters by clearance status, and the dollars at risk."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from finclear.scheduling.models import EncounterStatus, ServiceLine
from finclear.workqueue.models import CaseStatus, ClearanceCase

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatusRow:
    status: str
    label: str
    encounters: int
    charges: Decimal


@dataclass(frozen=True)
class ClearanceSummary:
    rows: tuple[StatusRow, ...]

    @property
    def encounters(self) -> int:
        return sum(r.encounters for r in self.rows)

    @property
    def charges(self) -> Decimal:
        return sum((r.charges for r in self.rows), ZERO)

    @property
    def dollars_at_risk(self) -> Decimal:
        """The charges of every encounter that is not cleared."""
        return sum((r.charges for r in self.rows if r.status != CaseStatus.CLEARED), ZERO)


OPEN_STATUSES = (EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED)


def build_summary() -> ClearanceSummary:
    """Count the clearance cases of open encounters (scheduled or arrived) by status, with charges.

    A discharged encounter's clearance is over (its case is no longer computed) and a cancelled
    one has nothing to clear: neither puts dollars at risk."""
    live = ClearanceCase.objects.filter(encounter__status__in=OPEN_STATUSES)
    counts = dict(live.values_list("status").annotate(n=Count("pk")).order_by())
    charges = dict(
        ServiceLine.objects.filter(encounter__status__in=OPEN_STATUSES)
        .filter(encounter__clearance_case__isnull=False)
        .values_list("encounter__clearance_case__status")
        .annotate(total=Sum("charge"))
        .order_by()
    )
    rows = tuple(
        StatusRow(
            status=status.value,
            label=status.label,
            encounters=counts.get(status.value, 0),
            charges=Decimal(charges.get(status.value) or ZERO).quantize(ZERO),
        )
        for status in CaseStatus
        if counts.get(status.value)
    )
    return ClearanceSummary(rows=rows)
