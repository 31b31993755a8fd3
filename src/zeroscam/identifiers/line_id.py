"""LINE IDs.

Decision (docs/identifiers.md): canonical form is the ID lower-cased without any
leading `@`. LINE official accounts are written `@name` and personal IDs `name`;
victims drop or add the `@` at will and LINE itself matches IDs
case-insensitively, so `@DHL-Refund`, `＠dhl-refund` and `dhl-refund` are one ID.
`line.me/ti/p/~name` and `line.me/R/ti/p/@name` links are reduced to the ID.
"""

from __future__ import annotations

import re

from zeroscam.identifiers._text import clean
from zeroscam.kit.errors import IdentifierError

KIND = "line_id"
_ID_RE = re.compile(r"^[a-z0-9._-]{1,40}$")
_LINK_RE = re.compile(r"^(?:https?://)?(?:page\.)?line\.me/(?:r/)?(?:ti/p/)?[~@]?([^/?#]+)", re.IGNORECASE)
_PREFIX_RE = re.compile(r"^(?:line\s*(?:id)?|ไลน์\s*(?:ไอดี)?|ไอดีไลน์|id\s*line)\s*[:：]?\s*", re.IGNORECASE)


def normalize(value: object) -> str:
    """`@DHL-Refund`, `line id: dhl-refund`, `https://line.me/R/ti/p/@dhl-refund` → `dhl-refund`."""
    text = clean(KIND, value)
    m = _LINK_RE.match(text)
    if m:
        text = m.group(1)
    text = _PREFIX_RE.sub("", text)
    text = text.lstrip("@~").strip().lower()
    if not _ID_RE.match(text):
        raise IdentifierError(KIND, value, "a LINE ID is 1-40 of a-z, 0-9, '.', '_', '-'")
    return text
