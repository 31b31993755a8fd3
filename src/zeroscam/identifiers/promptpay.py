"""PromptPay IDs: a mobile number (→ E.164), a 13-digit national ID (check digit
validated) or a 15-digit e-wallet ID."""

from __future__ import annotations

from zeroscam.identifiers import national_id, phone
from zeroscam.identifiers._text import SEPARATORS_RE, clean
from zeroscam.kit.errors import IdentifierError

KIND = "promptpay"


def normalize(value: object) -> str:
    """`081-234-5678` → `+66812345678`; `1-1017-00230-70-8` → `1101700230708`;
    `004 000 123456789 0` (15 digits) → `004000123456789`."""
    text = clean(KIND, value)
    compact = SEPARATORS_RE.sub("", text)
    digits = compact.lstrip("+")
    if not (digits.isdigit() and digits.isascii()):
        raise IdentifierError(KIND, value, "not a number")
    if not compact.startswith("+"):
        if len(digits) == 13 and not digits.startswith("66"):
            try:
                return national_id.normalize(digits)
            except IdentifierError as exc:
                raise IdentifierError(KIND, value, exc.reason) from None
        if len(digits) == 15:
            return digits
    try:
        canonical = phone.normalize(text)
    except IdentifierError:
        raise IdentifierError(KIND, value, "not a mobile number, national ID or 15-digit e-wallet ID") from None
    if phone.classify(canonical) != "thai_mobile":
        raise IdentifierError(KIND, value, "PromptPay numbers are Thai mobile numbers")
    return canonical


def kind_of(canonical: str) -> str:
    """`mobile`, `national_id` or `ewallet`."""
    if canonical.startswith("+"):
        return "mobile"
    return "national_id" if len(canonical) == 13 else "ewallet"
