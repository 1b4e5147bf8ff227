"""No Surprises Act Good Faith Estimates (45 CFR 149.610): deadlines, status and content.

Deadlines for the convening provider or facility, in business days:

- a primary item or service scheduled at least 3 business days before it is furnished:
  the GFE is due no later than 1 business day after the date of scheduling;
- scheduled at least 10 business days before: no later than 3 business days after the date
  of scheduling;
- on request of an uninsured or self-pay individual: no later than 3 business days after
  the date of the request.

Scheduled fewer than 3 business days ahead, no GFE is due at scheduling (one can still be
requested). finclear counts business days as weekdays other than federal holidays (the
facility's own closed days can be added) and takes the scheduling or request date in the
facility's time zone; "at least N business days before" counts the business days after the
scheduling date up to and including the date of service.

Federal holidays (5 U.S.C. 6103(a)) are computed per year by rule, with the observed day
of a holiday falling on a weekend (Saturday: the Friday before; Sunday: the Monday after;
5 U.S.C. 6103(b) and Executive Order 11582). New Year's Day falling on a Saturday is
observed on December 31 of the year before. Inauguration Day (a holiday only around
Washington, DC) is not counted.

Content: ``REQUIRED_ELEMENTS`` lists what 149.610(c)(1) requires of the GFE issued to the
patient; ``check_gfe`` names each one a ``GoodFaithEstimate`` lacks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from finclear.codes.npi import is_valid_npi
from finclear.codes.tin import is_valid_tin
from finclear.rules.money import ZERO, Money

MONDAY, THURSDAY = 0, 3


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``th ``weekday`` (0 = Monday) of the month; ``n`` = -1 for the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def observed(day: dt.date) -> dt.date:
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


def legal_holidays(year: int) -> dict[str, dt.date]:
    """The legal public holidays of ``year`` (5 U.S.C. 6103(a)) on their actual dates."""
    days = {
        "New Year's Day": dt.date(year, 1, 1),
        "Birthday of Martin Luther King, Jr.": nth_weekday(year, 1, MONDAY, 3),
        "Washington's Birthday": nth_weekday(year, 2, MONDAY, 3),
        "Memorial Day": nth_weekday(year, 5, MONDAY, -1),
        "Independence Day": dt.date(year, 7, 4),
        "Labor Day": nth_weekday(year, 9, MONDAY, 1),
        "Columbus Day": nth_weekday(year, 10, MONDAY, 2),
        "Veterans Day": dt.date(year, 11, 11),
        "Thanksgiving Day": nth_weekday(year, 11, THURSDAY, 4),
        "Christmas Day": dt.date(year, 12, 25),
    }
    if year >= 2021:
        days["Juneteenth National Independence Day"] = dt.date(year, 6, 19)
    if year < 1986:
        del days["Birthday of Martin Luther King, Jr."]
    return days


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[dt.date]:
    """The days federal offices are closed in ``year``: each holiday or its observed day."""
    days = {observed(d) for y in (year, year + 1) for d in legal_holidays(y).values()}
    return frozenset(d for d in days if d.year == year)


def is_business_day(day: dt.date, closed: Collection[dt.date] = ()) -> bool:
    return day.weekday() < 5 and day not in federal_holidays(day.year) and day not in closed


def add_business_days(day: dt.date, n: int, closed: Collection[dt.date] = ()) -> dt.date:
    """The ``n``th business day after ``day`` (``day`` itself is not counted)."""
    if n < 0:
        raise ValueError(f"n: {n} must not be negative")
    while n:
        day += dt.timedelta(days=1)
        if is_business_day(day, closed):
            n -= 1
    return day


def business_days_between(start: dt.date, end: dt.date, closed: Collection[dt.date] = ()) -> int:
    """Business days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_business_day(day, closed):
            count += 1
    return count


def local_date(moment: dt.datetime, time_zone: str) -> dt.date:
    """The date of an aware ``moment`` in ``time_zone`` (an IANA name)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} must be timezone-aware")
    return moment.astimezone(ZoneInfo(time_zone)).date()


RULE_3_DAYS_AHEAD = (
    "scheduled at least 3 business days ahead: due 1 business day after scheduling "
    "(45 CFR 149.610(b))"
)
RULE_10_DAYS_AHEAD = (
    "scheduled at least 10 business days ahead: due 3 business days after scheduling "
    "(45 CFR 149.610(b))"
)
RULE_REQUEST = "requested: due 3 business days after the request (45 CFR 149.610(b))"
RULE_SHORT_NOTICE = (
    "scheduled fewer than 3 business days ahead: no GFE is due at scheduling "
    "(the patient can still request one)"
)


@dataclass(frozen=True, slots=True)
class GfeDeadline:
    due: dt.date | None  # None: not required
    rule: str

    @property
    def required(self) -> bool:
        return self.due is not None


def gfe_deadline(
    scheduled_on: dt.date | None,
    service_date: dt.date | None,
    requested_on: dt.date | None = None,
    closed: Collection[dt.date] = (),
) -> GfeDeadline:
    """When the GFE is due, from the scheduling date, the request date, or both (the earlier)."""
    candidates: list[GfeDeadline] = []
    if scheduled_on is not None and service_date is not None:
        lead = business_days_between(scheduled_on, service_date, closed)
        if lead >= 10:
            candidates.append(
                GfeDeadline(add_business_days(scheduled_on, 3, closed), RULE_10_DAYS_AHEAD)
            )
        elif lead >= 3:
            candidates.append(
                GfeDeadline(add_business_days(scheduled_on, 1, closed), RULE_3_DAYS_AHEAD)
            )
    if requested_on is not None:
        candidates.append(GfeDeadline(add_business_days(requested_on, 3, closed), RULE_REQUEST))
    dated = [c for c in candidates if c.due is not None]
    if not dated:
        return GfeDeadline(None, RULE_SHORT_NOTICE)
    return min(dated, key=lambda c: c.due or dt.date.max)


class GfeStatus(StrEnum):
    NOT_REQUIRED = "not_required"
    DUE = "due"
    LATE = "late"
    DELIVERED = "delivered"
    DELIVERED_LATE = "delivered_late"


def gfe_status(
    deadline: GfeDeadline, delivered_at: dt.datetime | None, now: dt.datetime, time_zone: str
) -> GfeStatus:
    """Due until the end of the due date in the facility's time zone, late after it."""
    today = local_date(now, time_zone)
    if delivered_at is not None:
        delivered_on = local_date(delivered_at, time_zone)
        if deadline.due is not None and delivered_on > deadline.due:
            return GfeStatus.DELIVERED_LATE
        return GfeStatus.DELIVERED
    if deadline.due is None:
        return GfeStatus.NOT_REQUIRED
    return GfeStatus.LATE if today > deadline.due else GfeStatus.DUE


@dataclass(frozen=True, slots=True)
class ContentElement:
    key: str
    requirement: str
    citation: str = "45 CFR 149.610(c)(1)"


REQUIRED_ELEMENTS: tuple[ContentElement, ...] = (
    ContentElement("patient", "the patient's name and date of birth"),
    ContentElement(
        "primary_service",
        "a description of the primary item or service in clear and understandable language "
        "(and, if scheduled, its date)",
    ),
    ContentElement(
        "items",
        "an itemized list of the items or services reasonably expected to be furnished, "
        "grouped by each provider or facility",
    ),
    ContentElement(
        "codes_and_charges",
        "applicable diagnosis codes, expected service codes and expected charges of each item",
    ),
    ContentElement(
        "providers",
        "the name, NPI and TIN of each provider or facility, and the state(s) and office or "
        "facility location(s) where the items or services are expected to be furnished",
    ),
    ContentElement(
        "separately_scheduled",
        "the items or services expected to need separate scheduling before or after the "
        "period of care, under a disclaimer that separate GFEs are available on request",
    ),
    ContentElement(
        "disclaimer_additional_items",
        "a disclaimer that additional items or services may be recommended and must be "
        "scheduled or requested separately and are not in this GFE",
    ),
    ContentElement(
        "disclaimer_estimate_only",
        "a disclaimer that this is only an estimate and the actual items, services or "
        "charges may differ",
    ),
    ContentElement(
        "disclaimer_dispute_resolution",
        "a disclaimer of the right to the patient-provider dispute resolution process if the "
        "billed charges are substantially in excess (at least $400) of the expected charges, "
        "with where to find how to start it, and that starting it will not affect the quality "
        "of care",
    ),
    ContentElement(
        "disclaimer_not_a_contract",
        "a disclaimer that the GFE is not a contract and does not require the patient to "
        "obtain the items or services from any provider or facility in it",
    ),
)
DISCLAIMERS = frozenset(e.key for e in REQUIRED_ELEMENTS if e.key.startswith("disclaimer_"))
ELEMENTS = {e.key: e for e in REQUIRED_ELEMENTS}


@dataclass(frozen=True, slots=True)
class GfeProvider:
    name: str
    npi: str
    tin: str
    state: str
    location: str


@dataclass(frozen=True, slots=True)
class GfeItem:
    description: str
    service_code: str
    expected_charge: Money
    provider_npi: str
    diagnosis_codes: tuple[str, ...] = ()
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class GoodFaithEstimate:
    patient_name: str
    patient_date_of_birth: dt.date | None
    primary_service: str
    scheduled_date: dt.date | None
    providers: tuple[GfeProvider, ...]
    items: tuple[GfeItem, ...]
    separately_scheduled: tuple[str, ...] = ()
    disclaimers: frozenset[str] = field(default_factory=frozenset)

    @property
    def total_expected_charges(self) -> Money:
        return sum((i.expected_charge for i in self.items), ZERO)

    def items_by_provider(self) -> dict[str, tuple[GfeItem, ...]]:
        """The items grouped by provider NPI, providers in their order."""
        return {
            p.npi: tuple(i for i in self.items if i.provider_npi == p.npi) for p in self.providers
        }


def _problem(key: str, what: str) -> str:
    return f"{key}: {what} ({ELEMENTS[key].citation})"


def check_gfe(gfe: GoodFaithEstimate) -> tuple[str, ...]:
    """Each required element the GFE lacks or gets wrong, named; empty when complete."""
    problems: list[str] = []
    if not gfe.patient_name.strip():
        problems.append(_problem("patient", "the patient's name is missing"))
    if gfe.patient_date_of_birth is None:
        problems.append(_problem("patient", "the patient's date of birth is missing"))
    if not gfe.primary_service.strip():
        problems.append(_problem("primary_service", "the primary item or service is not described"))
    if not gfe.items:
        problems.append(_problem("items", "no items or services are listed"))
    npis = {p.npi for p in gfe.providers}
    for n, item in enumerate(gfe.items, start=1):
        where = f"item {n}"
        if not item.description.strip():
            problems.append(_problem("items", f"{where} has no description"))
        if not item.service_code.strip():
            problems.append(_problem("codes_and_charges", f"{where} has no service code"))
        if item.expected_charge < 0:
            problems.append(
                _problem("codes_and_charges", f"{where} has a negative expected charge")
            )
        if item.provider_npi not in npis:
            problems.append(
                _problem("providers", f"{where}'s provider {item.provider_npi} is not listed")
            )
    if gfe.items and not any(item.diagnosis_codes for item in gfe.items):
        problems.append(_problem("codes_and_charges", "no diagnosis code is given"))
    if not gfe.providers:
        problems.append(_problem("providers", "no provider or facility is listed"))
    for provider in gfe.providers:
        label = provider.name or provider.npi or "a provider"
        if not provider.name.strip():
            problems.append(_problem("providers", f"provider {provider.npi} has no name"))
        if not is_valid_npi(provider.npi):
            problems.append(_problem("providers", f"{label}: NPI {provider.npi!r} is not valid"))
        if not is_valid_tin(provider.tin):
            problems.append(_problem("providers", f"{label}: TIN is missing or not 9 digits"))
        if not provider.state.strip() or not provider.location.strip():
            problems.append(_problem("providers", f"{label}: state or location is missing"))
    for key in sorted(DISCLAIMERS - gfe.disclaimers):
        problems.append(_problem(key, "the disclaimer is missing"))
    return tuple(problems)


def missing_elements(gfe: GoodFaithEstimate) -> tuple[str, ...]:
    """The keys of the required elements with a problem, in the regulation's order."""
    found = {p.split(":", 1)[0] for p in check_gfe(gfe)}
    return tuple(e.key for e in REQUIRED_ELEMENTS if e.key in found)
