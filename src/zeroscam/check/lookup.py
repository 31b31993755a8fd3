"""Answering check items from the in-memory risk cache (no database, no scanning)."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from zeroscam import identifiers
from zeroscam.check.cache import UNKNOWN, RiskCache
from zeroscam.check.service import registrable_domain
from zeroscam.kit.errors import IdentifierError

CHECK_KINDS = ("bank_account", "phone", "url", "promptpay", "national_id", "line_id", "facebook", "email",
               "crypto_wallet")


@lru_cache(maxsize=100_000)
def _normalize(kind: str, value: str) -> tuple[str | None, str | None]:
    """(canonical, None) or (None, error text). Cached: hot identifiers are checked again and again."""
    try:
        return identifiers.normalize(kind, value), None
    except IdentifierError as exc:
        return None, exc.reason
    except Exception:  # a parser bug must not fail the other items
        return None, "could not be parsed"


@lru_cache(maxsize=100_000)
def _domain(url: str) -> str | None:
    return registrable_domain(url)


@lru_cache(maxsize=100_000)
def _holder_token(national_id: str, key: bytes) -> str:
    return identifiers.token("holder_id", national_id, key)


def _best(candidates: list[dict | None]) -> dict | None:
    found = [c for c in candidates if c is not None]
    if not found:
        return None
    return max(found, key=lambda c: (c["score"], c["reports"]))


def answer_one(cache: RiskCache, kind: str, raw: str, key: bytes) -> dict:
    if kind not in CHECK_KINDS:
        return {"type": kind, "value": raw, **UNKNOWN, "risk": "invalid",
                "error": f"unknown type (one of {', '.join(CHECK_KINDS)})"}
    canonical, error = _normalize(kind, raw)
    if canonical is None:
        return {"type": kind, "value": raw, **UNKNOWN, "risk": "invalid", "error": error}
    get = cache.entries.get
    if kind == "url":
        domain = _domain(canonical)
        hit = _best([get(("url", canonical)), get(("domain", domain)) if domain else None])
    elif kind == "promptpay":
        cands = [get(("promptpay", canonical))]
        if canonical.startswith("+"):
            cands.append(get(("phone", canonical)))
        elif len(canonical) == 13 and canonical.isdigit():
            cands.append(get(("national_id", canonical)))
            cands.append(get(("holder", _holder_token(canonical, key))))
        hit = _best(cands)
    elif kind == "national_id":
        hit = _best([get(("national_id", canonical)), get(("holder", _holder_token(canonical, key)))])
    else:
        hit = get((kind, canonical))
    return {"type": kind, "value": canonical, **(hit or UNKNOWN)}


def answer(cache: RiskCache, items, key: bytes) -> tuple[list[dict], Counter]:
    """One result per item, in order, and counts by (kind, risk) for the metrics."""
    results = [answer_one(cache, it.type, it.value, key) for it in items]
    counts = Counter((r["type"] if r["type"] in CHECK_KINDS else "other", r["risk"]) for r in results)
    return results, counts
