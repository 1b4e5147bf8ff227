"""Importing fee schedules, base schedules and their rates from CSV (docs/contracts-csv.md).

One row per item: a rate of a code, a base schedule's rate, or one of a schedule's terms
(percent of a base, percent of charges, case rate, per diem). Rows of the same schedule
(name + effective_from) must agree on payer, plan, network and end date. Each row is checked
and written on its own (a savepoint): a bad row is reported with its line and field and
rolled back, the good rows around it are kept. Importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from finclear.contracts.models import (
    BaseRate,
    BaseSchedule,
    FeeSchedule,
    FeeScheduleRate,
    Network,
)
from finclear.organizations.validation import do_save_checked
from finclear.payers.models import Payer, PayerIdentifier, Plan

COLUMNS = (
    "schedule",
    "payer",
    "plan",
    "network",
    "effective_from",
    "effective_to",
    "kind",
    "code",
    "amount",
    "base",
)
REQUIRED = ("schedule", "effective_from", "kind", "amount")
KINDS = (
    "rate",
    "base_rate",
    "percent_of_base",
    "percent_of_charges",
    "case_rate",
    "per_diem",
)
TERM_FIELDS = {
    "percent_of_charges": "charges_percent",
    "case_rate": "case_rate",
    "per_diem": "per_diem",
}


class RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass
class ImportReport:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"{self.source}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.failed} failed"
        )


def parse_date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RowError(name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def parse_amount(value: str, name: str) -> Decimal:
    try:
        amount = Decimal(value.replace(",", "").replace("$", "").replace("%", ""))
    except InvalidOperation:
        raise RowError(name, f"{value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise RowError(name, f"{value!r} must be a number, 0 or more")
    return amount


def find_payer(value: str) -> Payer:
    payer = Payer.objects.filter(primary_payer_id=value).first()
    if payer is None:
        ident = PayerIdentifier.objects.filter(identifier=value).select_related("payer").first()
        payer = ident.payer if ident else None
    if payer is None:
        payer = Payer.objects.filter(name__iexact=value).first()
    if payer is None:
        raise RowError("payer", f"no payer with ID or name {value!r}")
    return payer


class _Importer:
    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.schedules: dict[tuple[str, dt.date], FeeSchedule] = {}
        self.bases: dict[str, BaseSchedule] = {}

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.report.created += 1
        elif changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def base_named(
        self, name: str, start: dt.date, end: dt.date | None
    ) -> tuple[BaseSchedule, bool]:
        base = self.bases.get(name) or BaseSchedule.objects.filter(name=name).first()
        created = base is None
        if base is None:
            base = BaseSchedule(name=name, effective_from=start, effective_to=end)
            do_save_checked(base)
        self.bases[name] = base
        return base, created

    def schedule(
        self, row: dict[str, str], start: dt.date, end: dt.date | None
    ) -> tuple[FeeSchedule, bool]:
        name = row["schedule"]
        if not row["payer"]:
            raise RowError("payer", f"required for a {row['kind']} row")
        payer = find_payer(row["payer"])
        plan = None
        if row["plan"]:
            plan = Plan.objects.filter(payer=payer, code=row["plan"]).first()
            if plan is None:
                raise RowError("plan", f"{payer.name} has no plan with code {row['plan']!r}")
        network = row["network"] or Network.IN
        if network not in Network.values:
            raise RowError("network", f"{network!r} is not one of {', '.join(Network.values)}")
        key = (name, start)
        schedule = (
            self.schedules.get(key)
            or FeeSchedule.objects.filter(name=name, effective_from=start).first()
        )
        created = schedule is None
        if schedule is None:
            schedule = FeeSchedule(
                name=name,
                payer=payer,
                plan=plan,
                network=network,
                effective_from=start,
                effective_to=end,
            )
            do_save_checked(schedule)
        else:
            for label, have, want in (
                ("payer", schedule.payer_id, payer.pk),
                ("plan", schedule.plan_id, plan.pk if plan else None),
                ("network", schedule.network, network),
                ("effective_to", schedule.effective_to, end),
            ):
                if have != want:
                    raise RowError(
                        label,
                        f"schedule {name!r} from {start.isoformat()} already has another {label}",
                    )
        self.schedules[key] = schedule
        return schedule, created

    def row(self, row: dict[str, str]) -> None:
        for name in REQUIRED:
            if not row[name]:
                raise RowError(name, "required")
        kind = row["kind"]
        if kind not in KINDS:
            raise RowError("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        start = parse_date(row["effective_from"], "effective_from")
        end = parse_date(row["effective_to"], "effective_to") if row["effective_to"] else None
        amount = parse_amount(row["amount"], "amount")
        code = row["code"].upper()
        if kind in ("rate", "base_rate") and not code:
            raise RowError("code", f"required for a {kind} row")
        if kind not in ("rate", "base_rate") and code:
            raise RowError("code", f"a {kind} row applies to the whole schedule: leave it empty")
        if kind == "base_rate":
            if row["payer"] or row["plan"]:
                raise RowError("payer", "a base_rate row belongs to a base schedule: no payer")
            base, created = self.base_named(row["schedule"], start, end)
            rate = BaseRate.objects.filter(base=base, code=code).first()
            self.count(created or rate is None, rate is not None and rate.rate != amount)
            self.save_rate(rate or BaseRate(base=base, code=code), amount)
            return
        schedule, created = self.schedule(row, start, end)
        if kind == "rate":
            rate = FeeScheduleRate.objects.filter(schedule=schedule, code=code).first()
            self.count(created or rate is None, rate is not None and rate.rate != amount)
            self.save_rate(rate or FeeScheduleRate(schedule=schedule, code=code), amount)
            return
        if kind == "percent_of_base":
            if not row["base"]:
                raise RowError("base", "required for a percent_of_base row")
            base = (
                self.bases.get(row["base"]) or BaseSchedule.objects.filter(name=row["base"]).first()
            )
            if base is None:
                raise RowError("base", f"no base schedule named {row['base']!r} (list it first)")
            was = schedule.base_percent
            changed = schedule.base_id != base.pk or was != amount
            schedule.base, schedule.base_percent = base, amount
        else:
            name = TERM_FIELDS[kind]
            was = getattr(schedule, name)
            changed = was != amount
            setattr(schedule, name, amount)
        # A term set for the first time is a new item, as a new rate is.
        self.count(created or was is None, changed)
        if changed:
            do_save_checked(schedule)

    def save_rate(self, rate: Any, amount: Decimal) -> None:
        if rate.pk is None or rate.rate != amount:
            rate.rate = amount
            do_save_checked(rate)


def do_import_fee_schedules(text: str, source: str = "fee_schedule.csv") -> ImportReport:
    """Import a fee schedule CSV; every bad row is reported as ``source:line: field: message``."""
    report = ImportReport(source)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        report.errors.append(f"{source}:1: header: missing column(s) {', '.join(missing)}")
        return report
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        report.warnings.append(
            f"{source}:1: header: unknown column(s) ignored: {', '.join(unknown)}"
        )
    reader.fieldnames = header
    importer = _Importer(report)
    with transaction.atomic():
        for raw in reader:
            line = reader.line_num
            row = {c: (raw.get(c) or "").strip() for c in COLUMNS}
            if not any(row.values()):
                continue
            try:
                with transaction.atomic():
                    importer.row(row)
            except RowError as exc:
                importer.schedules.clear()
                importer.bases.clear()
                report.errors.append(f"{source}:{line}: {exc}")
            except ValidationError as exc:
                importer.schedules.clear()
                importer.bases.clear()
                report.errors.append(f"{source}:{line}: {'; '.join(exc.messages)}")
    return report
