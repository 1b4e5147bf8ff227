"""The workqueue's own facts for the clearance engine, loaded for a batch of cases at once.

- the encounter's charges (the sum of its service lines);
- whether a counseling task of the case is done (the counselor had the conversation);
- how difficult each payer is: over the last ``DIFFICULTY_DAYS`` days, the share of its
  eligibility checks that did not verify, or of its authorizations that were denied,
  whichever is worse, damped by ``DIFFICULTY_PRIOR`` checks' worth of a clean record so a
  payer with two checks does not score 1. Read through the app registry, so a deployment
  without the eligibility or authorizations app simply has no difficulty.

The difficulty is a population rate over 90 days, used only as a weight in the priority
score, so a recompute takes it from Django's cache (``load_cached_difficulty``: one value a
payer, kept ``settings.FINCLEAR_PAYER_DIFFICULTY_TTL`` seconds, 300 by default) instead of
running the aggregate over the window's checks for every recomputed case. Staleness bound: a
case's priority may weigh a payer's difficulty as it was up to that many seconds before (the
checks and authorizations decided since, in this process or, with a shared cache, in any,
count from the next computation after the value expires; a value computed in a transaction
that then rolled back is kept until it expires too). A TTL of 0 reads it exactly every time.
``load_payer_difficulty`` is the exact figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Sum
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
DIFFICULTY_TTL = 300  # seconds, unless settings.FINCLEAR_PAYER_DIFFICULTY_TTL says otherwise
DIFFICULTY_CACHE_KEY = "workqueue:payer-difficulty:v1:{}"
CLEAN_ELIGIBILITY = ("verified", "manually_verified")
DENIED_AUTHORIZATIONS = ("denied",)
DECIDED_AUTHORIZATIONS = ("approved", "partially_approved", "denied")


def _difficulty_sources() -> list[tuple[str, list[str], list[str]]]:
    """Each installed source's aggregate (payer, total, bad) as SQL, with the parameters
    before its payer ids (``{payers}``) and the window's start, and those after."""
    quote = connection.ops.quote_name
    sources = []
    if apps.is_installed("finclear.eligibility"):
        check = apps.get_model("eligibility", "EligibilityCheck")._meta
        coverage = apps.get_model("patients", "Coverage")._meta
        clean = ", ".join(["%s"] * len(CLEAN_ELIGIBILITY))
        sql = (
            f"SELECT c.{quote('payer_id')}, COUNT(*), "
            f"SUM(CASE WHEN e.{quote('status')} NOT IN ({clean}) THEN 1 ELSE 0 END) "
            f"FROM {quote(check.db_table)} e "
            f"INNER JOIN {quote(coverage.db_table)} c ON c.{quote('id')} = e.{quote('coverage_id')} "
            f"WHERE c.{quote('payer_id')} IN ({{payers}}) AND e.{quote('requested_at')} >= %s "
            f"GROUP BY c.{quote('payer_id')}"
        )
        sources.append((sql, list(CLEAN_ELIGIBILITY), []))
    if apps.is_installed("finclear.authorizations"):
        table = apps.get_model("authorizations", "Authorization")._meta.db_table
        denied = ", ".join(["%s"] * len(DENIED_AUTHORIZATIONS))
        decided = ", ".join(["%s"] * len(DECIDED_AUTHORIZATIONS))
        sql = (
            f"SELECT a.{quote('payer_id')}, COUNT(*), "
            f"SUM(CASE WHEN a.{quote('status')} IN ({denied}) THEN 1 ELSE 0 END) "
            f"FROM {quote(table)} a "
            f"WHERE a.{quote('payer_id')} IN ({{payers}}) AND a.{quote('updated_at')} >= %s "
            f"AND a.{quote('status')} IN ({decided}) "
            f"GROUP BY a.{quote('payer_id')}"
        )
        sources.append((sql, list(DENIED_AUTHORIZATIONS), list(DECIDED_AUTHORIZATIONS)))
    return sources


def load_payer_difficulty(payer_ids: set[int], now: dt.datetime) -> dict[int, Decimal]:
    """Both sources in one round trip (UNION ALL), as plain SQL: this runs for every recomputed
    batch of cases, a real-time check's single case too, where building the ORM's aggregate
    cost more CPU than the database took to answer it."""
    if not payer_ids:
        return {}
    worst: dict[int, Decimal] = dict.fromkeys(payer_ids, Decimal(0))
    since = connection.ops.adapt_datetimefield_value(now - dt.timedelta(days=DIFFICULTY_DAYS))
    ids = sorted(payer_ids)
    marks = ", ".join(["%s"] * len(ids))
    parts, params = [], []
    for sql, before, after in _difficulty_sources():
        parts.append(sql.format(payers=marks))
        params += [*before, *ids, since, *after]
    if not parts:
        return worst
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    for payer_id, total, bad in rows:
        share = (Decimal(bad) / Decimal(total + DIFFICULTY_PRIOR)).quantize(Decimal("0.01"))
        worst[payer_id] = max(worst[payer_id], share)
    return worst


def difficulty_ttl() -> int:
    return int(getattr(settings, "FINCLEAR_PAYER_DIFFICULTY_TTL", DIFFICULTY_TTL))


def load_cached_difficulty(payer_ids: set[int], now: dt.datetime) -> dict[int, Decimal]:
    """``load_payer_difficulty`` of the payers the cache does not hold, the others as cached
    (one ``get_many``, and one ``set_many`` of the payers computed); see the module's
    staleness bound."""
    ttl = difficulty_ttl()
    if not payer_ids or ttl <= 0:
        return load_payer_difficulty(payer_ids, now)
    keys = {DIFFICULTY_CACHE_KEY.format(pk): pk for pk in payer_ids}
    found = {keys[key]: Decimal(value) for key, value in cache.get_many(list(keys)).items()}
    missing = payer_ids - found.keys()
    if missing:
        fresh = load_payer_difficulty(missing, now)
        cache.set_many({DIFFICULTY_CACHE_KEY.format(pk): str(v) for pk, v in fresh.items()}, ttl)
        found.update(fresh)
    return found


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
    """The primary payer's difficulty for many cases: from the cache, or one query for the
    payers it does not hold (``load_cached_difficulty``).

    Apart from ``load_facts``: a verification changes it, not the charges or the counseling.
    """
    payers = {p.pk for p in (primary_payer(facts[c.pk]) for c in cases) if p is not None}
    difficulty = load_cached_difficulty(payers, timezone.now())
    for case in cases:
        item = facts[case.pk]
        payer = primary_payer(item)
        if payer is not None:
            item.extra[DIFFICULTY_KEY] = difficulty.get(payer.pk, Decimal(0))
