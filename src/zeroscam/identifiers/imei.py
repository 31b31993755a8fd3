"""IMEI: 15 digits, the last a Luhn check digit."""

from __future__ import annotations

from zeroscam.identifiers._text import digits_only
from zeroscam.kit.errors import IdentifierError

KIND = "imei"


def luhn_digit(first14: str) -> int:
    """The Luhn check digit for 14 digits (every second digit from the left doubled)."""
    total = 0
    for i, ch in enumerate(first14):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def normalize(value: object) -> str:
    """`35-693803-564380-9` → `356938035643809`; a bad check digit is an IdentifierError."""
    digits = digits_only(KIND, value)
    if len(digits) != 15:
        raise IdentifierError(KIND, value, f"must have 15 digits, has {len(digits)}")
    if luhn_digit(digits[:14]) != int(digits[14]):
        raise IdentifierError(KIND, value, "bad check digit (Luhn)")
    return digits
