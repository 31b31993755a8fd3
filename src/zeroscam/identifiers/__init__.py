"""Identifiers: parse, validate and canonicalise every kind AXF names.

One module per kind, each with `normalize(value) -> str` raising
`IdentifierError`. Package level: `normalize(kind, value)`, `KINDS`,
`token(kind, canonical, key)` (keyed HMAC-SHA256, domain-separated by kind)
and `extract(text)` for free text in Thai and English. See docs/identifiers.md.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib

from zeroscam.kit.errors import IdentifierError

# kind → module under zeroscam.identifiers
_MODULES = {
    "phone": "phone",
    "bank_account": "bank_account",
    "national_id": "national_id",
    "holder_id": "holder_id",
    "url": "url",
    "promptpay": "promptpay",
    "line_id": "line_id",
    "facebook": "facebook",
    "email": "email",
    "imei": "imei",
    "crypto_wallet": "crypto_wallet",
}
KINDS: tuple[str, ...] = tuple(_MODULES)
# The contact types of reports.jsonl (AXF.md), all of them kinds here.
CONTACT_TYPES: tuple[str, ...] = ("phone", "bank_account", "promptpay", "url", "line_id",
                                  "facebook", "email", "crypto_wallet")


_loaded: dict[str, object] = {}


def module(kind: str):
    """The module that parses `kind`."""
    found = _loaded.get(kind)
    if found is None:
        if kind not in _MODULES:
            raise IdentifierError(kind, None, f"unknown kind (known: {', '.join(KINDS)})")
        found = _loaded[kind] = importlib.import_module(f"zeroscam.identifiers.{_MODULES[kind]}")
    return found


def normalize(kind: str, value: object) -> str:
    """Canonical form of `value` read as `kind`; raises `IdentifierError`."""
    return module(kind).normalize(value)


def try_normalize(kind: str, value: object) -> str | None:
    """Canonical form, or None when `value` is not a valid `kind`."""
    try:
        return normalize(kind, value)
    except IdentifierError:
        return None


def token(kind: str, canonical: str, key: bytes) -> str:
    """Keyed token of a canonical identifier: HMAC-SHA256 hex over `kind NUL canonical`.

    The kind is part of the message so that the same digits as a phone and as a
    PromptPay ID give different tokens.
    """
    if kind not in _MODULES:
        raise IdentifierError(kind, canonical, "unknown kind")
    if not key:
        raise ValueError("token key must not be empty")
    message = kind.encode() + b"\x00" + canonical.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def __getattr__(name: str):
    # extract/Found live in freetext.py; imported lazily to keep this module light.
    if name in ("extract", "Found"):
        from zeroscam.identifiers import freetext

        return getattr(freetext, name)
    raise AttributeError(name)


__all__ = ["KINDS", "CONTACT_TYPES", "IdentifierError", "normalize", "try_normalize", "token",
           "module", "extract", "Found"]
