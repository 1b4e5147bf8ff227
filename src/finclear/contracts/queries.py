"""Reads: the contracts as ``finclear.rules.pricing`` dataclasses, loaded once per batch.

``load_book`` reads every fee schedule (with its rates and base schedule), and every self-pay
policy, in a fixed number of queries; ``ContractBook.contract`` then answers, in memory, the
schedule versions that price a payer's plan: the plan's own when it has any, else the payer's
schedules for every plan.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from finclear.contracts.models import BaseRate, FeeSchedule, FeeScheduleRate, SelfPayPolicy
from finclear.rules import pricing

ContractKey = tuple[int, int | None, str]


@dataclass(frozen=True)
class ContractBook:
    schedules: dict[ContractKey, tuple[pricing.FeeSchedule, ...]] = field(default_factory=dict)
    versions: dict[ContractKey, tuple[int, ...]] = field(default_factory=dict)
    self_pay: dict[int, tuple[pricing.SelfPayPolicy, ...]] = field(default_factory=dict)

    def _key(self, payer_id: int, plan_id: int | None, network: str) -> ContractKey:
        own = (payer_id, plan_id, network)
        return own if plan_id is not None and own in self.schedules else (payer_id, None, network)

    def contract(
        self, payer_id: int, plan_id: int | None, network: str = "in"
    ) -> tuple[pricing.FeeSchedule, ...]:
        """The versions pricing this plan: its own schedules, else the payer's for every plan."""
        return self.schedules.get(self._key(payer_id, plan_id, network), ())

    def schedule_ids(
        self, payer_id: int, plan_id: int | None, network: str = "in"
    ) -> tuple[int, ...]:
        return self.versions.get(self._key(payer_id, plan_id, network), ())

    def self_pay_policy(self, facility_id: int, day: dt.date) -> pricing.SelfPayPolicy | None:
        """The facility's self-pay discount in force on ``day`` (the latest-starting one)."""
        found = [p for p in self.self_pay.get(facility_id, ()) if p.in_force(day)]
        return max(found, key=lambda p: p.effective_from) if found else None


def _rates(rows: Iterable[tuple[int, str, Decimal]]) -> dict[int, dict[str, Decimal]]:
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for owner, code, rate in rows:
        out[owner][code] = rate
    return out


def load_book(payer_ids: Iterable[int] | None = None) -> ContractBook:
    """Every fee schedule (of these payers) and every self-pay policy, as pure dataclasses."""
    rows = FeeSchedule.objects.select_related("base").order_by("effective_from", "pk")
    if payer_ids is not None:
        rows = rows.filter(payer_id__in=set(payer_ids))
    schedules = list(rows)
    rates = _rates(
        FeeScheduleRate.objects.filter(schedule__in=schedules).values_list(
            "schedule_id", "code", "rate"
        )
    )
    base_ids = {s.base_id for s in schedules if s.base_id is not None}
    base_rates = _rates(
        BaseRate.objects.filter(base_id__in=base_ids).values_list("base_id", "code", "rate")
    )
    bases = {
        s.base_id: pricing.BaseSchedule(s.base.name, base_rates.get(s.base_id, {}))
        for s in schedules
        if s.base_id is not None and s.base is not None
    }
    by_key: dict[ContractKey, list[pricing.FeeSchedule]] = defaultdict(list)
    ids: dict[ContractKey, list[int]] = defaultdict(list)
    for s in schedules:
        key = (s.payer_id, s.plan_id, s.network)
        by_key[key].append(
            pricing.FeeSchedule(
                name=s.name,
                effective_from=s.effective_from,
                effective_to=s.effective_to,
                rates=rates.get(s.pk, {}),
                base=bases.get(s.base_id) if s.base_id is not None else None,
                base_percent=s.base_percent,
                charges_percent=s.charges_percent,
                case_rate=s.case_rate,
                per_diem=s.per_diem,
            )
        )
        ids[key].append(s.pk)
    policies: dict[int, list[pricing.SelfPayPolicy]] = defaultdict(list)
    for facility_id, percent, start, end in SelfPayPolicy.objects.values_list(
        "facility_id", "discount_percent", "effective_from", "effective_to"
    ):
        policies[facility_id].append(pricing.SelfPayPolicy(percent, start, end))
    return ContractBook(
        {k: tuple(v) for k, v in by_key.items()},
        {k: tuple(v) for k, v in ids.items()},
        {k: tuple(v) for k, v in policies.items()},
    )
