"""Lifetimes and confidence: how indicators age and how members' feedback moves them.

Each kind has a lifetime: a scam number is burned within days (the gang moves to
fresh SIMs), a mule account keeps receiving until it is frozen (months), a scam
URL lives hours to days. An indicator is valid from its first sighting until
`last_seen + lifetime`; every confirmation renews it. Confidence decays as in
MISP's decay model with a linear curve: `base * (1 - elapsed / lifetime)`, so an
indicator reaches 0 exactly when it leaves the feeds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

LIFETIMES: dict[str, timedelta] = {
    "phone": timedelta(days=10),
    "bank_account": timedelta(days=180),
    "url": timedelta(hours=48),
    "domain": timedelta(days=14),
}

CONFIRM_BOOST = 10        # per confirming org
FALSE_POSITIVE_DROP = 30  # per org reporting a false positive
REVOKE_BELOW = 20         # confidence under which an indicator is withdrawn


def lifetime(kind: str) -> timedelta:
    return LIFETIMES.get(kind, timedelta(days=7))


def valid_until(kind: str, last_seen: datetime) -> datetime:
    return last_seen + lifetime(kind)


def decayed(base: int, kind: str, last_seen: datetime, now: datetime) -> int:
    """Confidence now, from `base` at `last_seen` (never above base, 0 once expired)."""
    life = lifetime(kind).total_seconds()
    elapsed = max(0.0, (now - last_seen).total_seconds())
    return max(0, round(base * max(0.0, 1.0 - elapsed / life)))


def after_confirmation(base: int, orgs: int = 1) -> int:
    return min(100, base + CONFIRM_BOOST * orgs)


def after_false_positive(base: int, orgs: int = 1) -> int:
    return max(0, base - FALSE_POSITIVE_DROP * orgs)
