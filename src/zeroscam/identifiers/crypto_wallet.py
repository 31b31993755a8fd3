"""Crypto wallet addresses by shape: Bitcoin (base58 `1…`/`3…`, bech32 `bc1…`),
Ethereum (`0x` + 40 hex, lower-cased) and TRON (`T` + 33 base58).

Shape only: checksums are not verified (a scammer's typo'd address is still
worth matching as written)."""

from __future__ import annotations

import re

from zeroscam.identifiers._text import clean
from zeroscam.kit.errors import IdentifierError

KIND = "crypto_wallet"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BTC_B58_RE = re.compile(rf"^[13][{_B58}]{{25,34}}$")
_BTC_BECH32_RE = re.compile(r"^(bc1)[02-9ac-hj-np-z]{11,71}$")
_ETH_RE = re.compile(r"^0x[0-9a-f]{40}$")
_TRON_RE = re.compile(rf"^T[{_B58}]{{33}}$")


def chain(canonical: str) -> str:
    """`btc`, `eth` or `tron` for a canonical address."""
    if canonical.startswith("0x"):
        return "eth"
    if canonical.startswith("T"):
        return "tron"
    return "btc"


def normalize(value: object) -> str:
    text = clean(KIND, value)
    for prefix in ("bitcoin:", "ethereum:", "tron:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):].split("?")[0]
    if text[:2].lower() == "0x":
        lowered = "0x" + text[2:].lower()
        if _ETH_RE.match(lowered):
            return lowered
        raise IdentifierError(KIND, value, "an Ethereum address is 0x + 40 hex digits")
    if text[:3].lower() == "bc1":
        lowered = text.lower()
        # bech32 is single-case: mixed case is invalid.
        if text not in (lowered, text.upper()) or not _BTC_BECH32_RE.match(lowered):
            raise IdentifierError(KIND, value, "not a bech32 Bitcoin address")
        return lowered
    if _BTC_B58_RE.match(text) or _TRON_RE.match(text):
        return text
    raise IdentifierError(KIND, value, "not a Bitcoin, Ethereum or TRON address")
