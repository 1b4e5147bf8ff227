"""Reads for the encounter page's authorization panel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from finclear.authorizations.models import AWAITING_STATUSES, Authorization
from finclear.authorizations.services import LineCoverage, build_coverage
from finclear.rules import deadlines
from finclear.scheduling.models import Encounter


@dataclass(frozen=True)
class AuthorizationRow:
    authorization: Authorization
    late: bool  # the decision is overdue, or came after its CMS-0057-F due time


def authorizations_for(encounter: Encounter) -> QuerySet[Authorization]:
    """The encounter's own authorizations and those of the patient that may cover it."""
    return (
        Authorization.objects.filter(
            Q(encounter=encounter) | Q(coverage__patient_id=encounter.patient_id)
        )
        .select_related("payer", "requested_by", "recorded_by")
        .prefetch_related("services", "documents")
        .distinct()
        .order_by("-created_at", "-pk")
    )


def build_panel(
    encounter: Encounter, now: dt.datetime | None = None
) -> tuple[list[LineCoverage], list[AuthorizationRow]]:
    now = now or timezone.now()
    rows = []
    for auth in authorizations_for(encounter):
        late = False
        if auth.requested_at is not None and (
            auth.status in AWAITING_STATUSES or auth.decided_at is not None
        ):
            late = deadlines.is_decision_late(
                auth.requested_at, auth.expedited, auth.decided_at, now
            )
        rows.append(AuthorizationRow(auth, late))
    return build_coverage(encounter), rows
