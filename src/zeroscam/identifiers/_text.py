"""Small text helpers shared by the identifier parsers."""

from __future__ import annotations

import re
import unicodedata

from zeroscam.kit.errors import IdentifierError

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Separators people put inside numbers: spaces (incl. no-break/thin), dashes of
# every width, dots, slashes and parentheses.
SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212./()_]+")


def clean(kind: str, value: object) -> str:
    """NFKC-normalise, map Thai digits to ASCII and trim; refuse non-strings and blanks."""
    if value is None:
        raise IdentifierError(kind, value, "empty")
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int):
            raise IdentifierError(kind, value, "not a string")
        value = str(value)
    if value.isascii():
        text = value.strip()
    else:
        text = unicodedata.normalize("NFKC", value).translate(_THAI_DIGITS).strip()
        text = text.replace("\u200b", "").replace("\ufeff", "")
    if not text:
        raise IdentifierError(kind, value, "empty")
    return text


def digits_only(kind: str, value: object, *, allow_plus: bool = False) -> str:
    """The value with separators removed; refuses anything but digits left over."""
    text = SEPARATORS_RE.sub("", clean(kind, value))
    body = text[1:] if allow_plus and text.startswith("+") else text
    if not body.isdigit() or not body.isascii():
        raise IdentifierError(kind, value, "not a number")
    return text
