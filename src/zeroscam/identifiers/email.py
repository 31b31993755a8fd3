"""E-mail addresses: trimmed, domain lower-cased (IDN as punycode), local part kept."""

from __future__ import annotations

import re

from zeroscam.identifiers._text import clean
from zeroscam.kit.errors import IdentifierError

KIND = "email"
_LOCAL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")


def normalize(value: object) -> str:
    """`Refund@DHL-TH.Example` → `refund@dhl-th.example`.

    The local part is lower-cased too: every large provider treats it
    case-insensitively and scammers' addresses are matched, not delivered to.
    """
    text = clean(KIND, value)
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if text.count("@") != 1:
        raise IdentifierError(KIND, value, "must have exactly one @")
    local, domain = text.split("@")
    if not _LOCAL_RE.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise IdentifierError(KIND, value, "bad local part")
    from zeroscam.identifiers.url import _host

    return f"{local.lower()}@{_host(domain, value)}"
