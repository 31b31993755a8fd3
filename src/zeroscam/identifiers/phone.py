"""Phone numbers: E.164 through libphonenumber, Thai local forms by default.

`+697` (VoIP calls from abroad) and `+698` (Thai numbers roaming abroad) are
NBTC markers, not country codes libphonenumber knows: they are kept as
`+697<digits>` / `+698<digits>`.
"""

from __future__ import annotations

import re

import phonenumbers

from zeroscam.identifiers._text import SEPARATORS_RE, clean
from zeroscam.kit.errors import IdentifierError

KIND = "phone"
DEFAULT_REGION = "TH"

_NBTC_RE = re.compile(r"^(?:\+|00)(69[78])(\d{6,12})$")
# Thai numbers written with the country code but no plus ("66812345678").
_TH_NO_PLUS_RE = re.compile(r"^66(\d{8,9})$")
# The everyday Thai forms, settled without libphonenumber (same answer, 50x faster;
# a property test compares the two).
_TH_COMMON_RE = re.compile(r"^(?:0|\+?66)([689]\d{8}|[2-7]\d{7})$")
_LETTERS_RE = re.compile(r"[^\W\d_]")


def normalize(value: object, region: str = DEFAULT_REGION) -> str:
    """`081-234-5678`, `+66 81 234 5678`, `66812345678`, `(081) 2345678` → `+66812345678`."""
    text = clean(KIND, value)
    if text[:4].lower() == "tel:":
        text = text[4:]
    lowered = text.lower()
    for ext in ("ext.", "ext", "ต่อ", "x"):
        # "02-123-4567 ต่อ 12": an extension names the same line.
        pos = lowered.rfind(ext)
        if pos > 0 and lowered[pos + len(ext):].strip(" .:").isdigit():
            text = text[:pos]
            break
    if _LETTERS_RE.search(text):
        raise IdentifierError(KIND, value, "letters in a phone number")
    compact = SEPARATORS_RE.sub("", text)
    m = _TH_COMMON_RE.match(compact)
    if m and compact.isascii() and region == DEFAULT_REGION:
        return "+66" + m.group(1)
    return _parse(compact, value, region)


def _parse(compact: str, value: object, region: str = DEFAULT_REGION) -> str:
    """The general path: NBTC markers, international prefixes, then libphonenumber."""
    m = _NBTC_RE.match(compact)
    if m:
        return f"+{m.group(1)}{m.group(2)}"
    if compact.startswith("00") and compact[2:3] not in ("1", "7", "8", "9"):
        # "00" + country code, the international prefix of most of the world
        # (Thailand's own are 001, 007, 008, 009: libphonenumber knows those).
        compact = "+" + compact[2:]
    if not compact.startswith("+"):
        m = _TH_NO_PLUS_RE.match(compact)
        if m:
            compact = "+" + compact
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException as exc:
        raise IdentifierError(KIND, value, "not a phone number") from exc
    if number.country_code == 66:
        # libphonenumber's Thai "possible" lengths run to 13 digits (service
        # numbers); subscriber numbers are 8 (fixed) or 9 (mobile) digits.
        nsn = str(number.national_number)
        if len(nsn) not in (8, 9) and not phonenumbers.is_valid_number(number):
            raise IdentifierError(KIND, value, "wrong length for a Thai number")
    elif not phonenumbers.is_possible_number(number):
        raise IdentifierError(KIND, value, "wrong length for a phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def classify(canonical: str) -> str:
    """`thai_mobile`, `thai_fixed`, `foreign_voip` (+697), `thai_roaming` (+698) or `foreign`."""
    if canonical.startswith("+697"):
        return "foreign_voip"
    if canonical.startswith("+698"):
        return "thai_roaming"
    if canonical.startswith("+66"):
        national = canonical[3:]
        if len(national) == 9 and national[0] in "689":
            return "thai_mobile"
        return "thai_fixed"
    return "foreign"


def national_format(canonical: str) -> str:
    """`+66812345678` → `0812345678` (Thai numbers only; others unchanged)."""
    if canonical.startswith("+66"):
        return "0" + canonical[3:]
    return canonical
