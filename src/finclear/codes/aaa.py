"""AAA reject reasons (element 901) as messages a specialist can act on.

The code names are X12's (005010X279A1 AAA03, kept in ``finclear.x12.views.common``); the
advice is finclear's: what to check and what to resend. Codes without advice get a generic
one built from the code's name.
Source of the codes: X12 005010X279A1, AAA segments of loops 2000A, 2100B, 2100C, 2100D.
"""

from __future__ import annotations

from dataclasses import dataclass

AAA_SOURCE = "X12 005010X279A1 AAA03 (element 901) and AAA04 (element 889)"

# Reasons worth retrying later rather than correcting the request.
TRANSIENT_CODES = frozenset({"42", "80"})

# Reasons about the provider or the payer set-up, not about the patient's registration.
SETUP_CODES = frozenset({"41", "43", "44", "45", "46", "47", "50", "51", "79", "97", "T4"})

ADVICE: dict[str, str] = {
    "15": "the payer says required data is missing: check the member ID, name and date of "
    "birth on the coverage, then verify again",
    "33": "the payer found input errors: check the member ID, name and date of birth against "
    "the card, then verify again",
    "41": "this provider may not ask this payer: check the facility's enrollment with the payer",
    "42": "the payer cannot answer right now: verify again later",
    "43": "the payer does not know the provider's NPI: check the facility NPI and its "
    "enrollment with the payer",
    "44": "the payer does not match the provider's name: check the facility name on file "
    "with the payer",
    "45": "the payer needs the provider's specialty: check the rendering provider's taxonomy",
    "46": "the payer needs the provider's phone number: add it to the facility",
    "47": "the payer needs the provider's state: check the facility's address",
    "50": "this provider is not allowed to make inquiries: contact the payer's provider services",
    "51": "the provider is not on the payer's file: check the facility's enrollment",
    "56": "the payer refuses the date asked about: check the date of service",
    "57": "the date of service is missing or invalid: check the encounter's scheduled date",
    "58": "the date of birth is missing or invalid: check it on the card",
    "60": "the date of birth is after the date of service: check the date of birth",
    "61": "the payer has a date of death before the date of service: check the patient's "
    "identity with the payer",
    "62": "the date of service is outside the payer's inquiry window: verify closer to the visit",
    "63": "the payer does not answer for dates this far ahead: verify closer to the visit",
    "64": "the patient's ID is missing or invalid: check the card; a dependent may have an ID "
    "of their own",
    "65": "the patient's name is missing or invalid: check the spelling on the card",
    "66": "the patient's gender is missing or invalid: check it on the coverage",
    "67": "patient not found: check the patient's name and date of birth, and whether the "
    "patient is the subscriber or a dependent",
    "68": "the payer has the patient ID twice: add the full name and date of birth",
    "69": "the service does not fit the patient's age: check the date of birth",
    "70": "the service does not fit the patient's gender: check the gender on the coverage",
    "71": "the date of birth does not match the payer's: check it with the patient and the card",
    "72": "member ID not found: check the card, try the subscriber's ID",
    "73": "the subscriber's name does not match: check the spelling on the card; if the patient "
    "is a dependent, send the subscriber's name with the patient as the dependent",
    "74": "the subscriber's gender is missing or invalid: check it on the coverage",
    "75": "subscriber not found: check the member ID, name and date of birth on the card; the "
    "patient may be a dependent on someone else's plan",
    "76": "the payer has this member ID twice: add the subscriber's full name and date of birth",
    "77": "subscriber found, patient not found: check the patient's name, date of birth and "
    "relationship to the subscriber",
    "78": "the subscriber is not in this group or plan: check the group number and the plan",
    "79": "the payer does not recognize the request's participants: check the payer ID used "
    "for this payer",
    "80": "no response from the payer: verify again later",
    "97": "the provider's address is missing or invalid: check the facility's address",
    "T4": "the payer name or ID is missing: check the payer ID configured for this payer",
}


@dataclass(frozen=True, slots=True)
class Advice:
    code: str
    message: str
    transient: bool  # worth retrying later as it is
    setup: bool  # about the provider or payer set-up, not the patient's registration


def advice_for(code: str, name: str = "") -> Advice:
    """What a specialist should do about AAA03 ``code`` (``name``: its X12 name, for unknowns)."""
    message = ADVICE.get(code)
    if message is None:
        label = name or f"reject reason {code}"
        message = f"the payer rejected the inquiry ({label}): review the coverage and verify again"
    return Advice(code, message, code in TRANSIENT_CODES, code in SETUP_CODES)
