"""Account and SIM holders: a 13-digit national ID, `P:<passport>`, `C:<company>`, or `tok:<hex>`."""

from __future__ import annotations

import re

from zeroscam.identifiers import national_id
from zeroscam.identifiers._text import SEPARATORS_RE, clean
from zeroscam.kit.errors import IdentifierError

KIND = "holder_id"

_PREFIX_RE = re.compile(r"^(p|c|tok)\s*:\s*(.+)$", re.IGNORECASE)
_PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")
_COMPANY_RE = re.compile(r"^[A-Z0-9]{5,20}$")
_HEX_RE = re.compile(r"^[0-9a-f]{8,128}$")


def normalize(value: object) -> str:
    """National IDs are check-digit validated; passports and company numbers are
    upper-cased without separators; tokens are lower-case hex."""
    text = clean(KIND, value)
    m = _PREFIX_RE.match(text)
    if m is None:
        compact = SEPARATORS_RE.sub("", text)
        if compact.isdigit() and compact.isascii():
            try:
                return national_id.normalize(compact)
            except IdentifierError as exc:
                raise IdentifierError(KIND, value, exc.reason) from exc
        raise IdentifierError(KIND, value, "expected a 13-digit national ID, P:<passport>, C:<company> or tok:<hex>")
    prefix, body = m.group(1).lower(), SEPARATORS_RE.sub("", m.group(2))
    if prefix == "tok":
        body = body.lower()
        if not _HEX_RE.match(body):
            raise IdentifierError(KIND, value, "a token must be 8-128 hex digits")
        return f"tok:{body}"
    body = body.upper()
    pattern = _PASSPORT_RE if prefix == "p" else _COMPANY_RE
    if not pattern.match(body):
        raise IdentifierError(KIND, value, "must be 5-20 letters or digits")
    return f"{prefix.upper()}:{body}"
