"""The indicator store: upsert with merge, sightings and false positives, labels for detectors.

Services only flush; the caller (request handler, CLI command) commits.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeroscam import identifiers
from zeroscam.indicators import decay
from zeroscam.indicators.models import Indicator, IndicatorSighting
from zeroscam.kit.errors import IdentifierError

KINDS = ("bank_account", "phone", "url", "domain")
PLATFORM = "platform"


def producer_key(org_id: int | None) -> str:
    return PLATFORM if org_id is None else f"org:{org_id}"


def normalize(kind: str, value: str) -> str:
    """Canonical value of an indicator's identifier (`domain` = a URL's host)."""
    if kind == "domain":
        from zeroscam.identifiers import url as urlmod

        host = urlmod.host(identifiers.normalize("url", "http://" + str(value).strip().rstrip(".") + "/"))
        if "." not in host:
            raise IdentifierError("domain", value, "not a domain name")
        return host
    if kind not in KINDS:
        raise IdentifierError(kind, value, f"indicators are kept for {', '.join(KINDS)}")
    return identifiers.normalize(kind, value)


def token(kind: str, canonical: str, key: bytes) -> str:
    """Keyed token (HMAC-SHA256 under the alliance key) as `zeroscam.identifiers.token` makes it."""
    if kind == "domain":  # not an identifier kind of its own; same construction
        return hmac.new(key, b"domain\x00" + canonical.encode(), hashlib.sha256).hexdigest()
    return identifiers.token(kind, canonical, key)


@dataclass
class Observation:
    """What a producer says about one identifier."""

    kind: str
    token: str
    value: str | None
    label: str
    confidence: int
    reasons: list[str]
    observed_at: datetime
    tlp: str
    recipients: tuple[int, ...] = ()
    bank_code: str | None = None
    ring_id: str | None = None
    confirmed: bool = False


def find(session: Session, kind: str, token_: str, producer: str) -> Indicator | None:
    return session.scalars(select(Indicator).where(Indicator.kind == kind, Indicator.token == token_,
                                                   Indicator.producer == producer)).first()


def upsert(session: Session, obs: Observation, producer_org_id: int | None, now: datetime,
           new_stix_id, known: dict | None = None) -> tuple[Indicator, bool]:
    """Create or merge the producer's indicator; returns (indicator, changed).

    `known` ({(kind, token, producer): Indicator}, preloaded) spares one query per call
    in bulk runs; the caller flushes then."""
    producer = producer_key(producer_org_id)
    if known is None:
        ind = find(session, obs.kind, obs.token, producer)
    else:
        ind = known.get((obs.kind, obs.token, producer))
    recipients = "," + ",".join(str(r) for r in sorted(set(obs.recipients))) + "," if obs.recipients else ""
    if ind is None:
        ind = Indicator(stix_id=new_stix_id("indicator"), kind=obs.kind, value=obs.value, token=obs.token,
                        bank_code=obs.bank_code, label=obs.label, producer=producer,
                        producer_org_id=producer_org_id, tlp=obs.tlp, recipients=recipients,
                        confidence=obs.confidence, reasons=sorted(set(obs.reasons)), ring_id=obs.ring_id,
                        confirmed=obs.confirmed, first_seen=obs.observed_at, last_seen=obs.observed_at,
                        valid_from=obs.observed_at,
                        valid_until=decay.valid_until(obs.kind, obs.observed_at),
                        created_at=now, modified_at=now, sightings=0, false_positives=0, revoked=False)
        session.add(ind)
        if known is None:
            session.flush()
        else:
            known[(obs.kind, obs.token, producer)] = ind
        return ind, True
    before = (ind.confidence, tuple(ind.reasons), ind.last_seen, ind.tlp, ind.recipients, ind.ring_id,
              ind.label, ind.confirmed, ind.value)
    current = decay.decayed(ind.confidence, ind.kind, ind.last_seen, now)
    if obs.observed_at >= ind.last_seen:
        ind.confidence = max(current, obs.confidence)
        ind.last_seen = obs.observed_at
    else:
        ind.confidence = max(ind.confidence, obs.confidence)
    ind.reasons = sorted(set(ind.reasons) | set(obs.reasons))
    ind.tlp, ind.recipients = obs.tlp, recipients  # the producer's latest word on sharing wins
    ind.ring_id = obs.ring_id or ind.ring_id
    ind.label = obs.label
    ind.confirmed = ind.confirmed or obs.confirmed
    ind.value = ind.value or obs.value
    ind.bank_code = ind.bank_code or obs.bank_code
    ind.valid_until = decay.valid_until(ind.kind, ind.last_seen)
    if ind.revoked and obs.confidence >= decay.REVOKE_BELOW:
        ind.revoked = False
    changed = before != (ind.confidence, tuple(ind.reasons), ind.last_seen, ind.tlp, ind.recipients,
                         ind.ring_id, ind.label, ind.confirmed, ind.value)
    if changed:
        ind.modified_at = now
    if known is None:
        session.flush()
    return ind, changed


def record_sighting(session: Session, ind: Indicator, org_id: int, outcome: str, seen_at: datetime,
                    now: datetime, new_stix_id, count: int = 1) -> IndicatorSighting:
    """A member confirms (`confirmed`) or disputes (`false_positive`) an indicator; confidence moves."""
    if outcome not in ("confirmed", "false_positive"):
        raise ValueError(f"unknown sighting outcome {outcome!r}")
    s = session.scalars(select(IndicatorSighting).where(
        IndicatorSighting.indicator_id == ind.id, IndicatorSighting.org_id == org_id,
        IndicatorSighting.outcome == outcome)).first()
    first_from_org = s is None
    if s is None:
        s = IndicatorSighting(stix_id=new_stix_id("sighting"), indicator_id=ind.id, org_id=org_id,
                              outcome=outcome, count=count, first_seen=seen_at, last_seen=seen_at,
                              created_at=now)
        session.add(s)
    else:
        s.count += count
        s.first_seen = min(s.first_seen, seen_at)
        s.last_seen = max(s.last_seen, seen_at)
    current = decay.decayed(ind.confidence, ind.kind, ind.last_seen, now)
    if outcome == "confirmed":
        ind.sightings += count
        # Each org moves confidence once; repeats only renew the validity.
        ind.confidence = decay.after_confirmation(current) if first_from_org else max(current, ind.confidence)
        if seen_at > ind.last_seen:
            ind.last_seen = seen_at
        ind.valid_until = decay.valid_until(ind.kind, ind.last_seen)
    else:
        ind.false_positives += count
        if first_from_org:
            ind.confidence = decay.after_false_positive(current)
        if ind.confidence < decay.REVOKE_BELOW:
            ind.revoked = True
    ind.modified_at = now
    session.flush()
    return s


def confirmed_labels(session: Session, now: datetime, kinds: tuple[str, ...] = ("bank_account", "phone")):
    """Labels for detectors: (kind, value, label, producer) of members' confirmed, live indicators.

    Only rows with a canonical value (token-only submissions cannot be joined to data).
    """
    rows = session.execute(
        select(Indicator.kind, Indicator.value, Indicator.label, Indicator.producer)
        .where(Indicator.confirmed.is_(True), Indicator.revoked.is_(False), Indicator.value.is_not(None),
               Indicator.kind.in_(kinds), Indicator.valid_until > now)
        .order_by(Indicator.kind, Indicator.value))
    return [tuple(r) for r in rows]
