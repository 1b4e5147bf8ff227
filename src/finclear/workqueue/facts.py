"""The workqueue's own facts for the clearance engine, loaded for a batch of cases at once.

- the encounter's charges (the sum of its service lines);
- whether a counseling task of the case is done (the counselor had the conversation);
- how difficult each payer is: over the last ``DIFFICULTY_DAYS`` days, the share of its
  eligibility checks that did not verify, or of its authorizations that were denied,
  whichever is worse, damped by ``DIFFICULTY_PRIOR`` checks' worth of a clean record so a
  payer with two checks does not score 1. Read through the app registry, so a deployment
  without the eligibility or authorizations app simply has no difficulty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.utils import timezone

from finclear.rules.money import ZERO
from finclear.scheduling.models import ServiceLine
from finclear.workqueue.checks import (
    CHARGES_KEY,
    COUNSELED_KEY,
    DIFFICULTY_KEY,
    CaseFacts,
    primary_payer,
)
from finclear.workqueue.models import ClearanceCase, Task, TaskKind, TaskStatus

DIFFICULTY_DAYS = 90
DIFFICULTY_PRIOR = 5
CLEAN_ELIGIBILITY = ("verified", "manually_verified")
DENIED_AUTHORIZATIONS = ("denied",)
DECIDED_AUTHORIZATIONS = ("approved", "partially_approved", "denied")


def load_payer_difficulty(payer_ids: set[int], now: dt.datetime) -> dict[int, Decimal]:
    if not payer_ids:
        return {}
    since = now - dt.timedelta(days=DIFFICULTY_DAYS)
    worst: dict[int, Decimal] = dict.fromkeys(payer_ids, Decimal(0))
    sources = []
    if apps.is_installed("finclear.eligibility"):
        model = apps.get_model("eligibility", "EligibilityCheck")
        rows = (
            model.objects.filter(coverage__payer_id__in=payer_ids, requested_at__gte=since)
            .values_list("coverage__payer_id")
            .annotate(total=Count("pk"), bad=Count("pk", filter=~Q(status__in=CLEAN_ELIGIBILITY)))
            .order_by()
        )
        sources.append(rows)
    if apps.is_installed("finclear.authorizations"):
        model = apps.get_model("authorizations", "Authorization")
        rows = (
            model.objects.filter(
                payer_id__in=payer_ids,
                updated_at__gte=since,
                status__in=DECIDED_AUTHORIZATIONS,
            )
            .values_list("payer_id")
            .annotate(
                total=Count("pk"), bad=Count("pk", filter=Q(status__in=DENIED_AUTHORIZATIONS))
            )
            .order_by()
        )
        sources.append(rows)
    if not sources:
        return worst
    # Both sources in one round trip (UNION ALL): this runs for every recomputed batch of cases,
    # a real-time check's single case too.
    rows = sources[0].union(*sources[1:], all=True) if len(sources) > 1 else sources[0]
    for payer_id, total, bad in rows:
        share = (Decimal(bad) / Decimal(total + DIFFICULTY_PRIOR)).quantize(Decimal("0.01"))
        worst[payer_id] = max(worst[payer_id], share)
    return worst


def load_facts(cases: Sequence[ClearanceCase], facts: dict[int, CaseFacts]) -> None:
    """Charges and counseling done for many cases: two queries."""
    encounter_ids = [case.encounter_id for case in cases]
    charges = dict(
        ServiceLine.objects.filter(encounter_id__in=encounter_ids)
        .values_list("encounter_id")
        .annotate(total=Sum("charge"))
        .order_by()
    )
    counseled = set(
        Task.objects.filter(
            case_id__in=[case.pk for case in cases],
            kind=TaskKind.COUNSELING,
            status=TaskStatus.DONE,
        ).values_list("case_id", flat=True)
    )
    for case in cases:
        item = facts[case.pk]
        item.extra[CHARGES_KEY] = Decimal(charges.get(case.encounter_id) or ZERO)
        item.extra[COUNSELED_KEY] = case.pk in counseled


def load_difficulty(cases: Sequence[ClearanceCase], facts: dict[int, CaseFacts]) -> None:
    """The primary payer's difficulty for many cases: one query (see ``load_payer_difficulty``).

    Apart from ``load_facts``: a verification changes it, not the charges or the counseling.
    """
    payers = {p.pk for p in (primary_payer(facts[c.pk]) for c in cases) if p is not None}
    difficulty = load_payer_difficulty(payers, timezone.now())
    for case in cases:
        item = facts[case.pk]
        payer = primary_payer(item)
        if payer is not None:
            item.extra[DIFFICULTY_KEY] = difficulty.get(payer.pk, Decimal(0))
