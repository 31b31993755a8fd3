"""How signals become a risk score (pure functions; docs/service.md explains it).

For one identifier:

1. Drop expired signals. Decay the rest: `s · 0.5^(age / half_life[source])`, age
   measured against the reference time (the newest signal in the store, never later
   than now — a quiet dataset does not fade just because the calendar moved).
2. Victim reports: one value per distinct victim (the strongest of that victim's
   reports), so one person reporting ten times is one victim.
3. Positive evidence combines as a noisy-OR: `1 − Π(1 − sᵢ)` — independent pieces
   of evidence each close part of the remaining gap.
4. Holder link: a holder whose strongest other account or number scores h ≥ 0.5
   lifts this one by `HOLDER_LIFT · h` (another noisy-OR term).
5. Clearances damp: `score · Π(1 − cⱼ)`.
6. Bands: high ≥ 0.8, medium ≥ 0.5, otherwise low. Never seen = unknown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

HIGH, MEDIUM = 0.8, 0.5
HOLDER_LIFT = 0.8
HOLDER_MIN = 0.5
DOMAIN_FACTOR = 0.6  # a reported URL lifts its registrable domain, but less (shared hosts)
# Platforms where a reported URL says nothing about the rest of the domain (anyone can
# post there). Their URLs are judged one by one; the domain itself is never lifted.
SHARED_DOMAINS = frozenset({
    "facebook.com", "fb.com", "fb.me", "instagram.com", "tiktok.com", "youtube.com", "youtu.be", "x.com",
    "twitter.com", "line.me", "lin.ee", "google.com", "goo.gl", "forms.gle", "bit.ly", "tinyurl.com",
    "shopee.co.th", "lazada.co.th", "t.me", "telegram.me", "wa.me", "whatsapp.com", "linktr.ee",
    "github.com", "dropbox.com", "drive.google.com", "docs.google.com", "microsoft.com", "apple.com",
})
REASON_MIN = 0.1  # a reason is listed when it moved the score by at least this much

# Half-lives in days by source; None = no decay.
HALF_LIFE_DAYS: dict[str, float | None] = {
    "report": 180.0,
    "mule_model": 90.0,
    "sim_model": 90.0,
    "member_confirmation": 365.0,
    "member_clearance": 365.0,
    "indicator": 90.0,
}
DEFAULT_HALF_LIFE = 90.0
SOURCES = tuple(HALF_LIFE_DAYS)
NEGATIVE_SOURCES = frozenset({"member_clearance"})


def band(score: float) -> str:
    if score >= HIGH:
        return "high"
    if score >= MEDIUM:
        return "medium"
    return "low"


def decayed(score: float, source: str, observed_at: datetime, ref: datetime) -> float:
    half = HALF_LIFE_DAYS.get(source, DEFAULT_HALF_LIFE)
    if half is None:
        return score
    age_days = max(0.0, (ref - observed_at).total_seconds() / 86400.0)
    return score * 0.5 ** (age_days / half)


@dataclass
class Sig:
    source: str
    reason: str
    score: float
    observed_at: datetime
    ref: str = ""
    victim_token: str | None = None
    expires_at: datetime | None = None


@dataclass
class Assessment:
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    reports: int = 0
    victims: int = 0
    last_reported_at: datetime | None = None
    contributions: dict[str, float] = field(default_factory=dict)

    @property
    def risk(self) -> str:
        return band(self.score)


def assess(signals: list[Sig], ref: datetime, holder_score: float = 0.0) -> Assessment:
    """Combine one identifier's signals (see the module docstring)."""
    live = [s for s in signals if s.expires_at is None or s.expires_at > ref]
    out = Assessment()
    per_victim: dict[str, float] = {}
    report_refs: set[str] = set()
    positives: list[tuple[str, float]] = []
    damping = 1.0
    for s in live:
        value = max(0.0, min(1.0, decayed(s.score, s.source, s.observed_at, ref)))
        if s.source == "report":
            report_refs.add(s.ref)
            victim = s.victim_token or f"report:{s.ref}"
            per_victim[victim] = max(per_victim.get(victim, 0.0), value)
            if out.last_reported_at is None or s.observed_at > out.last_reported_at:
                out.last_reported_at = s.observed_at
        elif s.source in NEGATIVE_SOURCES:
            damping *= 1.0 - value
            out.contributions[s.reason] = out.contributions.get(s.reason, 0.0) - value
        else:
            positives.append((s.reason, value))
    for value in per_victim.values():
        positives.append(("victim_reports", value))
    if holder_score >= HOLDER_MIN:
        positives.append(("holder_link", HOLDER_LIFT * holder_score))
    remaining = 1.0
    for reason, value in positives:
        remaining *= 1.0 - value
        out.contributions[reason] = out.contributions.get(reason, 0.0) + value
    out.score = round((1.0 - remaining) * damping, 4)
    out.reports = len(report_refs)
    out.victims = len(per_victim)
    shown = [r for r, v in sorted(out.contributions.items(), key=lambda kv: -abs(kv[1])) if abs(v) >= REASON_MIN]
    out.reasons = shown
    return out


def direct_scores(by_entity: dict[tuple[str, str], list[Sig]], ref: datetime) -> dict[tuple[str, str], float]:
    """Each identifier's score from its own signals only (no holder lift)."""
    return {key: assess(sigs, ref).score for key, sigs in by_entity.items()}


def holder_scores(direct: dict[tuple[str, str], float], holder_of: dict[tuple[str, str], str]) -> dict[str, list]:
    """For each holder, the (score, entity) of its entities, strongest first."""
    out: dict[str, list] = defaultdict(list)
    for key, holder in holder_of.items():
        out[holder].append((direct.get(key, 0.0), key))
    for items in out.values():
        items.sort(reverse=True)
    return out


def lift_for(key: tuple[str, str], holder_entities: list) -> float:
    """The strongest score among the holder's OTHER entities."""
    for score, other in holder_entities:
        if other != key:
            return score
    return 0.0
