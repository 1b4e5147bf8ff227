"""HHS poverty guidelines by year and region, and a household's income as a percent of them.

Each year's guidelines are a figure for a household of one plus an amount for each
additional person, in three sets: the 48 contiguous states and the District of Columbia,
Alaska, and Hawaii. The published tables (sizes 1 to 8, then "add $X for each additional
person") are exactly that line, so the table holds the two figures.

Sources (the "Annual Update of the HHS Poverty Guidelines" notices):

- 2025: 90 FR 5917, January 17, 2025 (FR Doc. 2025-01377): 48 states and DC $15,650 +
  $5,500; Alaska $19,550 + $6,880; Hawaii $17,990 + $6,330.
- 2026: 91 FR 1797, January 15, 2026 (FR Doc. 2026-00755; the tables are on page 1798):
  48 states and DC $15,960 + $5,680; Alaska $19,950 + $7,100; Hawaii $18,360 + $6,530.
  The Alaska and Hawaii rows were read from the notice's tables as public sources quote
  them (sizes 1, 2 and 8 and the increment, which agree with each other).

A year not in the table raises ``GuidelineNotFound`` rather than a guess; the application
can add one (``Guideline`` values passed as ``table``).

The guidelines do not cover Puerto Rico and the other territories; the program decides
which set applies there, so ``region_of_state`` refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from finclear.rules.money import HUNDRED, Money


class Region(StrEnum):
    CONTIGUOUS = "contiguous"  # the 48 contiguous states and the District of Columbia
    ALASKA = "alaska"
    HAWAII = "hawaii"


class GuidelineNotFound(LookupError):
    """No poverty guideline for the year and region asked."""


@dataclass(frozen=True, slots=True)
class Guideline:
    year: int
    region: Region
    first_person: Money
    each_additional: Money
    source: str

    def for_household(self, size: int) -> Money:
        check_household_size(size)
        return self.first_person + self.each_additional * (size - 1)


FR_2025 = "90 FR 5917 (January 17, 2025), FR Doc. 2025-01377"
FR_2026 = "91 FR 1797 (January 15, 2026), FR Doc. 2026-00755"

GUIDELINES: Mapping[tuple[int, Region], Guideline] = {
    (g.year, g.region): g
    for g in (
        Guideline(2025, Region.CONTIGUOUS, Decimal(15650), Decimal(5500), FR_2025),
        Guideline(2025, Region.ALASKA, Decimal(19550), Decimal(6880), FR_2025),
        Guideline(2025, Region.HAWAII, Decimal(17990), Decimal(6330), FR_2025),
        Guideline(2026, Region.CONTIGUOUS, Decimal(15960), Decimal(5680), FR_2026),
        Guideline(2026, Region.ALASKA, Decimal(19950), Decimal(7100), FR_2026),
        Guideline(2026, Region.HAWAII, Decimal(18360), Decimal(6530), FR_2026),
    )
}

TERRITORIES = frozenset({"PR", "GU", "VI", "AS", "MP", "UM", "FM", "MH", "PW"})
STATES = frozenset(
    [
        "AL",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
    ]
)


def check_household_size(size: int) -> None:
    if size < 1:
        raise ValueError(f"household_size: {size} must be at least 1")


def region_of_state(state: str) -> Region:
    """The guideline set for a USPS state code."""
    code = state.strip().upper()
    if code == "AK":
        return Region.ALASKA
    if code == "HI":
        return Region.HAWAII
    if code in STATES:
        return Region.CONTIGUOUS
    if code in TERRITORIES:
        raise ValueError(
            f"state: the HHS poverty guidelines do not cover {code}; the program must choose "
            "which set applies"
        )
    raise ValueError(f"state: {state!r} is not a USPS state code")


def guideline(
    year: int, region: Region, table: Mapping[tuple[int, Region], Guideline] = GUIDELINES
) -> Guideline:
    found = table.get((year, region))
    if found is None:
        known = ", ".join(f"{y} {r.value}" for y, r in sorted(table))
        raise GuidelineNotFound(
            f"no HHS poverty guideline for {year} ({region.value}) in the table; it has: {known}"
        )
    return found


def poverty_line(
    household_size: int,
    year: int,
    region: Region = Region.CONTIGUOUS,
    table: Mapping[tuple[int, Region], Guideline] = GUIDELINES,
) -> Money:
    """The poverty guideline in dollars for a household of ``household_size``."""
    return guideline(year, region, table).for_household(household_size)


def percent_of_poverty(
    income: Decimal,
    household_size: int,
    year: int,
    region: Region = Region.CONTIGUOUS,
    table: Mapping[tuple[int, Region], Guideline] = GUIDELINES,
) -> Decimal:
    """Annual household income as a percent of the guideline, two places, half up (for display).

    Decisions compare the income with the threshold exactly (``income_at_or_below``) so a
    rounded percent never moves a household across a tier's edge.
    """
    if income < 0:
        raise ValueError(f"income: {income} is negative")
    line = poverty_line(household_size, year, region, table)
    return (income * HUNDRED / line).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def income_at_or_below(
    income: Decimal,
    percent: Decimal,
    household_size: int,
    year: int,
    region: Region = Region.CONTIGUOUS,
    table: Mapping[tuple[int, Region], Guideline] = GUIDELINES,
) -> bool:
    """True when ``income`` is at or below ``percent`` of the guideline (exact comparison)."""
    line = poverty_line(household_size, year, region, table)
    return income * HUNDRED <= line * percent
