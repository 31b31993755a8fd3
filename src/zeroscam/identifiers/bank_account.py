"""Bank accounts: canonical `BANK-DIGITS` (`014-9876543210`), bank code zero-padded to 3."""

from __future__ import annotations

import re

from zeroscam.identifiers import banks
from zeroscam.identifiers._text import SEPARATORS_RE, clean, digits_only
from zeroscam.kit.errors import IdentifierError

KIND = "bank_account"
MIN_DIGITS, MAX_DIGITS = 6, 20

_CANONICAL_RE = re.compile(r"^\d{3}-\d{6,20}$")
# "014-9876543210", "14 987-6-54321-0", "014/9876543210": bank code, a separator, the number.
_CODE_FIRST_RE = re.compile(r"^(\d{1,3})[\s\-./:]+(\d[\d\s\-./]*\d)$")
# "123-4-56789-0": the usual way a bare 10-digit Thai account number is written.
_BARE_THAI_RE = re.compile(r"^\d{3}[\s\-]\d[\s\-]\d{5}[\s\-]\d$")
# "SCB 123-4-56789-0", "กสิกร: 1234567890", "ธนาคารไทยพาณิชย์ 987-6-54321-0".
_NAME_FIRST_RE = re.compile(r"^([^\d]+?)[\s:\-]*(\d[\d\s\-./]*\d)$")


def bank_code(value: object) -> str:
    """`"4"`, `"04"`, `"004"`, `4` → `"004"`. Only digits: a name is not a code."""
    text = clean("bank_code", value)
    if text.endswith(".0") and text[:-2].isdigit():  # a code that went through a float column
        text = text[:-2]
    if not (text.isdigit() and text.isascii()) or len(text) > 3:
        raise IdentifierError("bank_code", value, "must be 1 to 3 digits")
    return text.zfill(3)


def account_digits(value: object) -> str:
    """An account number with its separators removed; 6 to 20 digits."""
    digits = digits_only(KIND, value)
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise IdentifierError(KIND, value, f"account number must have {MIN_DIGITS}-{MAX_DIGITS} digits")
    return digits


def make(bank: object, account: object) -> str:
    """Canonical key from separate bank and account fields (the AXF columns)."""
    return f"{bank_code(bank)}-{account_digits(account)}"


# A Thai account number has 10 digits (12 at a few banks). An account field holding more
# than 12 digits that starts with its own bank's code repeats the bank ("004-4651249015").
FULL_ACCOUNT_DIGITS, LONGEST_ACCOUNT_DIGITS = 10, 12


def from_fields(bank: object, account: object) -> str:
    """The bank and account fields a person filled in → `BANK-DIGITS`.

    People often repeat the bank in the account field: its code (`004` + `004-4651249015`)
    or its name (`004` + `KTB 465-1-24901-5`). A code is dropped when it is this bank's and
    the field has more digits than any account number with a full one left after it; a
    name when it is this bank's. Anything else is read as `make` does.
    """
    code = bank_code(bank)
    text = clean(KIND, account)
    m = _CODE_FIRST_RE.match(text)
    if m:
        rest = SEPARATORS_RE.sub("", m.group(2))
        if (m.group(1).zfill(3) == code and len(m.group(1)) + len(rest) > LONGEST_ACCOUNT_DIGITS
                and len(rest) >= FULL_ACCOUNT_DIGITS):
            return make(code, rest)
    else:
        m = _NAME_FIRST_RE.match(text)
        if m and banks.code_for_name(m.group(1).strip(" :-")) == code:
            return make(code, m.group(2))
    return make(code, account)


def normalize(value: object, bank: object | None = None) -> str:
    """One written account → `BANK-DIGITS`.

    With `bank`, `value` is the account number alone. Without it, `value` must
    name the bank first: a code (`014-9876543210`, `14 987-6-54321-0`) or a
    bank name in Thai or English (`SCB 987-6-54321-0`, `กสิกร 1234567890`).
    A bare account number (`123-4-56789-0`) has no bank and is refused.
    """
    if bank is not None:
        return make(bank, value)
    text = clean(KIND, value)
    if _CANONICAL_RE.match(text):
        return text
    if _BARE_THAI_RE.match(text):
        raise IdentifierError(KIND, value, "no bank code (write BANK-ACCOUNT, e.g. 014-9876543210)")
    m = _CODE_FIRST_RE.match(text)
    if m:
        return make(m.group(1), m.group(2))
    m = _NAME_FIRST_RE.match(text)
    if m:
        code = banks.code_for_name(m.group(1).strip(" :-"))
        if code is None:
            raise IdentifierError(KIND, value, f"unknown bank {m.group(1).strip()!r}")
        return make(code, m.group(2))
    if SEPARATORS_RE.sub("", text).isdigit():
        raise IdentifierError(KIND, value, "no bank code (write BANK-ACCOUNT, e.g. 014-9876543210)")
    raise IdentifierError(KIND, value, "not a bank account")


def split(canonical: str) -> tuple[str, str]:
    """`014-9876543210` → (`014`, `9876543210`)."""
    code, _, digits = canonical.partition("-")
    return code, digits
