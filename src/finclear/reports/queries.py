"""The supervisor dashboard's figures, each in one query, in the user's facilities.

The HFMA MAP Keys of patient access (pre-registration, insurance verification, service
authorization) are computed over the encounters of a period (not cancelled), with the
definitions shown on the page (``RATE_DEFINITIONS``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone

from finclear.accounts.scoping import facility_ids_for
from finclear.rules.clearance import ItemFlag
from finclear.scheduling.models import EncounterStatus, EncounterType
from finclear.workqueue.models import CaseActivity, CaseStatus, ClearanceCase
from finclear.workqueue.queries import TAB_ORDER, cases_for_user

DAY_BUCKETS = (
    ("past", "Past due", None, -1),
    ("today", "Today", 0, 0),
    ("1-3", "1 to 3 days", 1, 3),
    ("4-7", "4 to 7 days", 4, 7),
    ("8-14", "8 to 14 days", 8, 14),
    ("15-30", "15 to 30 days", 15, 30),
    ("31+", "31 days or more", 31, None),
)
CLEAN_ELIGIBILITY = ("verified", "manually_verified")

RATE_DEFINITIONS = {
    "pre_registration": (
        "Pre-registration rate",
        "Encounters pre-registered ÷ scheduled encounters",
        "HFMA MAP Key (Patient Access). Scheduled encounters: the period's encounters booked at "
        "least one calendar day before the visit, emergency visits left out, cancelled ones "
        "kept. Pre-registered: the registration was complete enough to ask the payer before "
        "the visit day (an eligibility inquiry, 270 or manual, recorded before it): finclear's "
        'reading of "all fields required by organizational policy".',
    ),
    "insurance_verification": (
        "Insurance verification rate",
        "Verified encounters ÷ registered encounters",
        "HFMA MAP Key (Patient Access). Registered encounters: the period's encounters not "
        "cancelled. Verified: an eligibility check verified by the payer (271) or recorded as "
        "manually verified.",
    ),
    "service_authorization": (
        "Service authorization rate",
        "Encounters authorized ÷ encounters requiring authorization",
        "HFMA MAP Key (Patient Access), inpatient and outpatient together. Requiring: at least "
        "one service line evaluated as needing prior authorization (encounters not cancelled). "
        "Authorized: the clearance check finds every such line covered by an approved "
        "authorization.",
    ),
}


@dataclass(frozen=True)
class Rate:
    key: str
    name: str
    formula: str
    definition: str
    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        share = Decimal(self.numerator) * 100 / Decimal(self.denominator)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Throughput:
    username: str
    claimed: int
    cleared: int
    released: int


@dataclass(frozen=True)
class Dashboard:
    start: dt.date
    end: dt.date
    since: dt.datetime
    by_status: list[tuple[str, str, int]]
    by_days: list[tuple[str, str, int, int]]  # key, label, not cleared, cleared
    past_due: list[ClearanceCase]
    past_due_count: int
    throughput: list[Throughput]
    rates: list[Rate]


def _scoped(queryset: Any, user: Any, field: str = "facility_id") -> Any:
    ids = facility_ids_for(user)
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def volume_by_status(user: Any) -> list[tuple[str, str, int]]:
    counts = dict(cases_for_user(user).order_by().values_list("status").annotate(n=Count("id")))
    return [(s.value, s.label, counts.get(s.value, 0)) for s in TAB_ORDER]


def volume_by_days(user: Any, today: dt.date) -> list[tuple[str, str, int, int]]:
    whens = []
    for index, (_, _, low, high) in enumerate(DAY_BUCKETS):
        condition = Q()
        if low is not None:
            condition &= Q(due_date__gte=today + dt.timedelta(days=low))
        if high is not None:
            condition &= Q(due_date__lte=today + dt.timedelta(days=high))
        whens.append(When(condition, then=Value(index)))
    rows = (
        cases_for_user(user)
        .annotate(bucket=Case(*whens, output_field=IntegerField()))
        .order_by()
        .values_list("bucket", "status")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[int, bool], int] = {}
    for bucket, status, n in rows:
        key = (bucket, status == CaseStatus.CLEARED)
        counts[key] = counts.get(key, 0) + n
    return [
        (key, label, counts.get((i, False), 0), counts.get((i, True), 0))
        for i, (key, label, _, _) in enumerate(DAY_BUCKETS)
    ]


def past_due(user: Any, today: dt.date, limit: int = 20) -> tuple[list[ClearanceCase], int]:
    """Open cases not cleared whose visit date has passed (arrived, or never updated)."""
    cases = cases_for_user(user).filter(due_date__lt=today).exclude(status=CaseStatus.CLEARED)
    rows = list(
        cases.select_related("encounter__patient", "facility", "owner").order_by("due_date", "id")[
            :limit
        ]
    )
    return rows, cases.count()


def throughput(user: Any, since: dt.datetime) -> list[Throughput]:
    """Per user, since ``since``: items claimed, cleared while they owned them, released."""
    activities = _scoped(
        CaseActivity.objects.filter(occurred_at__gte=since, user__isnull=False),
        user,
        "case__facility_id",
    )
    rows = (
        activities.order_by()
        .values_list("user__username")
        .annotate(
            claimed=Count("id", filter=Q(kind=CaseActivity.Kind.CLAIMED)),
            cleared=Count(
                "id", filter=Q(kind=CaseActivity.Kind.STATUS, to_status=CaseStatus.CLEARED)
            ),
            released=Count("id", filter=Q(kind=CaseActivity.Kind.RELEASED)),
        )
    )
    out = [Throughput(*row) for row in rows if any(row[1:])]
    return sorted(out, key=lambda t: (-t.cleared, -t.claimed, t.username))


def rates(user: Any, start: dt.date, end: dt.date) -> list[Rate]:
    """The three patient-access rates over the period's encounters, in one query."""
    cases = _scoped(
        ClearanceCase.objects.filter(due_date__gte=start, due_date__lte=end),
        user,
        "encounter__facility_id",
    )
    live = ~Q(encounter__status=EncounterStatus.CANCELLED)
    scheduled = Q(encounter__created_at__date__lt=F("due_date")) & ~Q(
        encounter__encounter_type=EncounterType.EMERGENCY
    )
    annotations: dict[str, Any] = {}
    if apps.is_installed("finclear.eligibility"):
        checks = apps.get_model("eligibility", "EligibilityCheck").objects.filter(
            encounter_id=OuterRef("encounter_id")
        )
        annotations["is_pre"] = Exists(checks.filter(requested_at__date__lt=OuterRef("due_date")))
        annotations["is_verified"] = Exists(checks.filter(status__in=CLEAN_ELIGIBILITY))
    if apps.is_installed("finclear.authorizations"):
        required = apps.get_model("authorizations", "LineRequirement").objects.filter(
            service_line__encounter_id=OuterRef("encounter_id"), requirement="required"
        )
        annotations["is_auth_needed"] = Exists(required)
    cases = cases.annotate(
        **annotations, auth_open=F("item_flags").bitand(int(ItemFlag.AUTHORIZATION))
    )
    wanted: dict[str, Any] = {
        "scheduled": Count("id", filter=scheduled),
        "registered": Count("id", filter=live),
    }
    if "is_pre" in annotations:
        wanted["pre"] = Count("id", filter=scheduled & Q(is_pre=True))
        wanted["verified"] = Count("id", filter=live & Q(is_verified=True))
    if "is_auth_needed" in annotations:
        wanted["needs_auth"] = Count("id", filter=live & Q(is_auth_needed=True))
        wanted["authorized"] = Count("id", filter=live & Q(is_auth_needed=True, auth_open=0))
    totals = dict.fromkeys(("pre", "verified", "needs_auth", "authorized"), 0)
    totals.update(cases.aggregate(**wanted))
    figures = {
        "pre_registration": (totals["pre"], totals["scheduled"]),
        "insurance_verification": (totals["verified"], totals["registered"]),
        "service_authorization": (totals["authorized"], totals["needs_auth"]),
    }
    return [Rate(key, *RATE_DEFINITIONS[key], *figures[key]) for key in RATE_DEFINITIONS]


def build_dashboard(user: Any, start: dt.date, end: dt.date, throughput_days: int = 7) -> Dashboard:
    today = timezone.localdate()
    since = timezone.now() - dt.timedelta(days=throughput_days)
    rows, count = past_due(user, today)
    return Dashboard(
        start=start,
        end=end,
        since=since,
        by_status=volume_by_status(user),
        by_days=volume_by_days(user, today),
        past_due=rows,
        past_due_count=count,
        throughput=throughput(user, since),
        rates=rates(user, start, end),
    )
