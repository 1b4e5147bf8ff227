"""National Provider Identifier check digit (CMS NPI standard, ISO/IEC 7812 Luhn).

The check digit is the Luhn digit computed over the card-issuer prefix ``80840`` followed by the
first nine digits of the NPI; the NPI's tenth digit must equal it.
"""

from __future__ import annotations

NPI_PREFIX = "80840"


def npi_check_digit(first_nine: str) -> int:
    """The check digit for the first nine digits of an NPI."""
    if len(first_nine) != 9 or not first_nine.isascii() or not first_nine.isdigit():
        raise ValueError(f"{first_nine!r} is not nine digits")
    total = 0
    for position, char in enumerate(reversed(NPI_PREFIX + first_nine)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def check_npi(npi: str) -> str:
    """Return the NPI if it is ten digits with a correct check digit; raise ValueError otherwise."""
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        raise ValueError(f"{npi!r} is not an NPI: an NPI is exactly 10 digits")
    expected = npi_check_digit(npi[:9])
    if int(npi[9]) != expected:
        raise ValueError(f"{npi} fails the NPI check digit (expected {expected} as the last digit)")
    return npi


def is_valid_npi(npi: str) -> bool:
    try:
        check_npi(npi)
    except ValueError:
        return False
    return True
