"""External code lists the guides point to that are small and stable enough to ship.

The guides leave some ID elements to external code sources; the specs give them no
``codes``. Those listed here are checked by the validator, keyed by X12 data element number.
"""

from __future__ import annotations

# Code source 22, States and Provinces (USPS state abbreviations, including DC, territories
# and military "states", and Canada Post province and territory codes). Data element 156.
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
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
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
        "UM",
        "FM",
        "MH",
        "PW",
        "AA",
        "AE",
        "AP",
    ]
)
CANADIAN_PROVINCES = frozenset(
    ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
)
STATES_AND_PROVINCES = US_STATES | CANADIAN_PROVINCES

STATE_CODE_REF = "156"
COUNTRY_CODE_REF = "26"

EXTERNAL_CODES: dict[str, tuple[str, frozenset[str]]] = {
    STATE_CODE_REF: ("code source 22 (States and Provinces)", STATES_AND_PROVINCES),
}
