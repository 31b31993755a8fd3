"""Thai national ID: 13 digits, the last a check digit (DOMAIN.md)."""

from __future__ import annotations

from zeroscam.identifiers._text import digits_only
from zeroscam.kit.errors import IdentifierError

KIND = "national_id"


def check_digit(first12: str) -> int:
    """`(11 - sum(d[i] * (13 - i) for i in 0..11) mod 11) mod 10`."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return (11 - total % 11) % 10


def is_valid(digits: str) -> bool:
    return len(digits) == 13 and digits.isdigit() and digits.isascii() and check_digit(digits[:12]) == int(digits[12])


def normalize(value: object) -> str:
    """`1-1017-00230-70-8` → `1101700230708`; a bad check digit is an IdentifierError."""
    digits = digits_only(KIND, value)
    if len(digits) != 13:
        raise IdentifierError(KIND, value, f"must have 13 digits, has {len(digits)}")
    if check_digit(digits[:12]) != int(digits[12]):
        raise IdentifierError(KIND, value, "bad check digit")
    return digits
