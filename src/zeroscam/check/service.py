"""Risk signals in, risk entries out.

Other parts feed evidence with `add_signal` (reports, detectors at load time, member
confirmations and clearances, shared indicators) and then call `refresh_risk` for the
identifiers they touched. `refresh_risk` recomputes `risk_entries` (check/scoring.py)
and bumps `risk_version`, which tells every worker's in-memory cache to reload.
Services only flush; the caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from zeroscam.check import scoring
from zeroscam.check.models import HolderLink, RiskEntry, RiskSignal, RiskVersion
from zeroscam.kit.errors import DataError
from zeroscam.kit.timeutil import utcnow

# Kinds that have risk entries. "domain" and "holder" are derived (registrable domain
# of reported URLs; a holder token for PromptPay national-ID lookups).
SIGNAL_KINDS = ("bank_account", "phone", "url", "domain", "promptpay", "line_id", "facebook", "email",
                "crypto_wallet", "national_id")
HOLDER_KINDS = ("bank_account", "phone")
_CHUNK = 400

Key = tuple[str, str]


def registrable_domain(url: str) -> str | None:
    """`https://pay.dhl-th-refund.example/x` → `dhl-th-refund.example` (None when it has no host)."""
    from zeroscam.identifiers.url import registrable_domain as _registrable

    try:
        domain = _registrable(url)
    except Exception:  # IdentifierError or an unparsable value: no domain to lift
        return None
    return domain or None


def add_signal(session: Session, kind: str, value: str, source: str, score: float, reason: str,
               observed_at: datetime, org_id: int | None = None, expires_at: datetime | None = None, *,
               ref: str | None = None, victim_token: str | None = None) -> RiskSignal:
    """Record (or replace) one piece of evidence about a canonical identifier.

    `source`: report | mule_model | sim_model | member_confirmation | member_clearance |
    indicator (others are accepted and decay like indicators). `score` in [0, 1]: how
    strongly this evidence says "scam" (for a clearance: how strongly it says "not").
    The same (kind, value, source, ref) replaces the earlier signal; `ref` defaults to
    the org ("org:N") or "" — pass a report id, a model name or an indicator id.
    """
    if kind not in SIGNAL_KINDS:
        raise DataError(f"risk signals are kept for {', '.join(SIGNAL_KINDS)}", value=kind)
    if not value or len(value) > 300:
        raise DataError("signal value must be a canonical identifier of 1 to 300 characters")
    if not 0.0 <= float(score) <= 1.0:
        raise DataError("signal score must be within [0, 1]", value=score)
    if ref is None:
        ref = f"org:{org_id}" if org_id is not None else ""
    existing = session.scalar(select(RiskSignal).where(
        RiskSignal.kind == kind, RiskSignal.value == value, RiskSignal.source == source, RiskSignal.ref == ref))
    if existing is None:
        existing = RiskSignal(kind=kind, value=value, source=source, ref=ref)
        session.add(existing)
    existing.org_id = org_id
    existing.score = float(score)
    existing.reason = reason
    existing.observed_at = observed_at
    existing.expires_at = expires_at
    existing.victim_token = victim_token
    session.flush()
    return existing


def add_signals_bulk(session: Session, rows: list[dict]) -> int:
    """Insert-or-replace many signals at once (the load path). Each row has add_signal's fields."""
    if not rows:
        return 0
    keys = {(r["kind"], r["value"], r["source"], r.get("ref") or "") for r in rows}
    by_source_ref: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for kind, value, source, ref in keys:
        by_source_ref[(source, ref)].append((kind, value))
    for (source, ref), kvs in by_source_ref.items():
        for i in range(0, len(kvs), _CHUNK):
            session.execute(delete(RiskSignal).where(
                RiskSignal.source == source, RiskSignal.ref == ref,
                tuple_(RiskSignal.kind, RiskSignal.value).in_(kvs[i:i + _CHUNK])))
    now = utcnow()
    payload = [{"kind": r["kind"], "value": r["value"], "source": r["source"], "ref": r.get("ref") or "",
                "org_id": r.get("org_id"), "score": float(r["score"]), "reason": r["reason"],
                "victim_token": r.get("victim_token"), "observed_at": r["observed_at"],
                "expires_at": r.get("expires_at"), "created_at": now} for r in rows]
    dedup = {(p["kind"], p["value"], p["source"], p["ref"]): p for p in payload}
    session.execute(insert(RiskSignal), list(dedup.values()))
    return len(dedup)


def replace_source(session: Session, source: str, ref: str, rows: list[dict]) -> int:
    """Replace every signal of (source, ref) — e.g. one model's scores after a new load."""
    session.execute(delete(RiskSignal).where(RiskSignal.source == source, RiskSignal.ref == ref))
    for r in rows:
        r["source"], r["ref"] = source, ref
    return add_signals_bulk(session, rows)


def set_holder_links(session: Session, links: Iterable[tuple[str, str, str]]) -> int:
    """Insert-or-replace (kind, value, holder_token) rows."""
    rows = {(k, v): t for k, v, t in links}
    items = list(rows.items())
    for i in range(0, len(items), _CHUNK):
        chunk = items[i:i + _CHUNK]
        session.execute(delete(HolderLink).where(tuple_(HolderLink.kind, HolderLink.value).in_([k for k, _ in chunk])))
        session.execute(insert(HolderLink), [{"kind": k, "value": v, "holder_token": t} for (k, v), t in chunk])
    return len(items)


def reference_time(session: Session) -> datetime:
    """The newest signal's time, never later than now."""
    newest = session.scalar(select(func.max(RiskSignal.observed_at)))
    now = utcnow()
    if newest is None:
        return now
    if getattr(newest, "tzinfo", None) is not None:
        newest = newest.replace(tzinfo=None)
    return min(newest, now)


def _signals_for(session: Session, keys: set[Key] | None) -> dict[Key, list[scoring.Sig]]:
    cols = (RiskSignal.kind, RiskSignal.value, RiskSignal.source, RiskSignal.reason, RiskSignal.score,
            RiskSignal.observed_at, RiskSignal.ref, RiskSignal.victim_token, RiskSignal.expires_at)
    out: dict[Key, list[scoring.Sig]] = defaultdict(list)

    def take(rows):
        for kind, value, source, reason, score, observed, ref, victim, expires in rows:
            out[(kind, value)].append(scoring.Sig(source, reason, score, observed, ref, victim, expires))

    if keys is None:
        take(session.execute(select(*cols)).yield_per(5000))
    else:
        items = list(keys)
        for i in range(0, len(items), _CHUNK):
            take(session.execute(select(*cols).where(tuple_(RiskSignal.kind, RiskSignal.value).in_(items[i:i + _CHUNK]))))
    return out


def _holder_links_for(session: Session, keys: set[Key] | None) -> dict[Key, str]:
    """Holder of each entity in `keys` and of every sibling entity of those holders."""
    if keys is None:
        return {(k, v): t for k, v, t in session.execute(select(HolderLink.kind, HolderLink.value, HolderLink.holder_token))}
    items = [k for k in keys if k[0] in HOLDER_KINDS]
    holders: set[str] = set()
    for i in range(0, len(items), _CHUNK):
        holders.update(session.scalars(select(HolderLink.holder_token).where(
            tuple_(HolderLink.kind, HolderLink.value).in_(items[i:i + _CHUNK]))))
    out: dict[Key, str] = {}
    hl = list(holders)
    for i in range(0, len(hl), _CHUNK):
        for k, v, t in session.execute(select(HolderLink.kind, HolderLink.value, HolderLink.holder_token).where(
                HolderLink.holder_token.in_(hl[i:i + _CHUNK]))):
            out[(k, v)] = t
    return out


def refresh_risk(session: Session, values: Iterable[Key] | None = None) -> int:
    """Recompute risk entries from signals: all of them (`values=None`) or the given
    (kind, canonical value) pairs plus what they affect (same holder, URL domain).
    Bumps the risk version. Returns the number of entries written."""
    ref_time = reference_time(session)
    full = values is None
    keys: set[Key] | None = None if full else set(values)  # type: ignore[arg-type]
    holder_of = _holder_links_for(session, keys)
    if keys is not None:
        keys |= set(holder_of)
        # A domain entry depends on every reported URL in the domain.
        domains = {d for k, v in keys if k == "url" for d in [registrable_domain(v)] if d}
        domains |= {v for k, v in keys if k == "domain"}
        keys |= {("domain", d) for d in domains}
        if domains:
            for (url,) in session.execute(select(RiskSignal.value).where(RiskSignal.kind == "url").distinct()):
                if registrable_domain(url) in domains:
                    keys.add(("url", url))
    signals = _signals_for(session, keys)
    direct = scoring.direct_scores(signals, ref_time)
    by_holder = scoring.holder_scores(direct, holder_of)

    entities = set(signals) | set(holder_of) if full else set(keys)  # type: ignore[arg-type]
    entries: dict[Key, scoring.Assessment] = {}
    url_by_domain: dict[str, list[scoring.Assessment]] = defaultdict(list)
    for key in entities:
        if key[0] == "domain":
            continue
        holder = holder_of.get(key)
        lift = scoring.lift_for(key, by_holder[holder]) if holder else 0.0
        sigs = signals.get(key, [])
        if not sigs and lift < scoring.HOLDER_MIN:
            if key in holder_of:  # seen in the data, nothing against it
                entries[key] = scoring.Assessment()
            continue
        a = scoring.assess(sigs, ref_time, lift)
        entries[key] = a
        if key[0] == "url":
            d = registrable_domain(key[1])
            if d and d not in scoring.SHARED_DOMAINS:
                url_by_domain[d].append(a)
    domain_keys = {k for k in (keys or set()) if k[0] == "domain"} | {("domain", d) for d in url_by_domain}
    domain_keys |= {k for k in signals if k[0] == "domain"}
    for key in domain_keys:
        a = scoring.assess(signals.get(key, []), ref_time)
        urls = url_by_domain.get(key[1], [])
        if urls:
            best = max(urls, key=lambda x: x.score)
            lifted = 1.0 - (1.0 - a.score) * (1.0 - scoring.DOMAIN_FACTOR * best.score)
            a.score = round(lifted, 4)
            a.reports += sum(u.reports for u in urls)
            a.victims += sum(u.victims for u in urls)
            stamps = [u.last_reported_at for u in urls if u.last_reported_at] + (
                [a.last_reported_at] if a.last_reported_at else [])
            a.last_reported_at = max(stamps) if stamps else None
            if "domain_reports" not in a.reasons:
                a.reasons.append("domain_reports")
        if a.score > 0 or a.reasons:
            entries[key] = a
    # Holder entries: what a PromptPay national ID resolves to (the holder's strongest entity).
    holders_touched = {holder_of[k] for k in entities if k in holder_of}
    for holder in holders_touched:
        members = [(entries[k].score, k) for k in holder_of if holder_of[k] == holder and k in entries] \
            if not full else [(entries[k].score, k) for _, k in by_holder[holder] if k in entries]
        if not members:
            continue
        _, best_key = max(members)
        best = entries[best_key]
        entries[("holder", holder)] = scoring.Assessment(
            score=best.score, reasons=list(best.reasons), reports=best.reports, victims=best.victims,
            last_reported_at=best.last_reported_at)

    now = utcnow()
    if full:
        session.execute(delete(RiskEntry))
    else:
        stale = set(keys) | {("holder", h) for h in holders_touched}  # type: ignore[arg-type]
        items = list(stale)
        for i in range(0, len(items), _CHUNK):
            session.execute(delete(RiskEntry).where(tuple_(RiskEntry.kind, RiskEntry.value).in_(items[i:i + _CHUNK])))
    rows = [{"kind": k, "value": v, "score": a.score, "risk": a.risk, "reasons": a.reasons, "reports": a.reports,
             "victims": a.victims, "last_reported_at": a.last_reported_at, "updated_at": now}
            for (k, v), a in entries.items()]
    for i in range(0, len(rows), 5000):
        session.execute(insert(RiskEntry), rows[i:i + 5000])
    bump_version(session)
    session.flush()
    return len(rows)


def bump_version(session: Session) -> int:
    """Tell every worker to reload risk entries (one version row, created if missing)."""
    row = session.get(RiskVersion, 1)
    if row is None:
        row = RiskVersion(id=1, version=0)
        session.add(row)
        session.flush()
    session.execute(update(RiskVersion).where(RiskVersion.id == 1).values(
        version=RiskVersion.version + 1, updated_at=utcnow()))
    session.flush()
    return session.scalar(select(RiskVersion.version).where(RiskVersion.id == 1)) or 0


def current_version(session: Session) -> int:
    return session.scalar(select(RiskVersion.version).where(RiskVersion.id == 1)) or 0


def get_entry(session: Session, kind: str, value: str) -> RiskEntry | None:
    return session.get(RiskEntry, (kind, value))


def holder_token(holder_id: str, key: bytes) -> str:
    """The keyed token that stands for a holder (canonical holder id) in `holder_links`."""
    from zeroscam import identifiers

    return identifiers.token("holder_id", holder_id, key)
