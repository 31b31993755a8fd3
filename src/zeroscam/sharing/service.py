"""Sharing: publish what the platform knows as versioned STIX objects; ingest members' bundles.

The TAXII server reads only `sharing_objects` (one row per object version, with
its TLP, audience, producer, recipients and expiry in columns). Publishing writes
a new version only when an object's content changed. Services only flush.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from zeroscam.indicators import service as indicators
from zeroscam.indicators.models import Indicator, IndicatorSighting
from zeroscam.kit.errors import DataError, IdentifierError
from zeroscam.kit.timeutil import utcnow
from zeroscam.members.models import Org
from zeroscam.sharing import stix
from zeroscam.sharing import tlp as tlpmod
from zeroscam.sharing.models import SharedObject
from zeroscam.sharing.tlp import Level

# The platform's own evidence (never members' shared intelligence, whose TLP must not be laundered).
OWN_SOURCES = ("report", "mule_model", "sim_model")
DEFAULT_TLP = {"bank_account": Level.AMBER, "phone": Level.GREEN, "url": Level.CLEAR, "domain": Level.CLEAR}
PUBLISH_THRESHOLD = 0.8        # platform indicators: risk "high" from its own evidence
MEMBER_DEFAULT_CONFIDENCE = 85  # a member's own confirmation without a stated confidence
MEMBER_DEFAULT_TLP = Level.AMBER
# TLP levels whose intelligence may feed the check API (which answers every caller).
FEEDS_CHECK = (Level.CLEAR, Level.GREEN, Level.AMBER)
CONFIRM_REASON = {"mule_account": "member_confirmed_mule", "suspended_sim": "member_suspended_sim",
                  "scam_number": "member_confirmed_scam", "scam_url": "member_confirmed_scam",
                  "scam_domain": "member_confirmed_scam"}


def sharing_now(session: Session) -> datetime:
    """The feeds' clock: the newest evidence's time, never later than now (as the check API)."""
    from zeroscam.check.service import reference_time

    return reference_time(session)


# ---- the object store ---------------------------------------------------------

def _strip_modified(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if k != "modified"}


class PublishContext:
    """Preloaded state for a bulk publish: one query each instead of several per object."""

    def __init__(self, session: Session, clock: datetime):
        self.latest = {r.subject: r for r in session.scalars(select(SharedObject).where(SharedObject.latest.is_(True)))}
        self.by_token: dict[tuple[str, str], list[Indicator]] = defaultdict(list)
        for ind in session.scalars(select(Indicator).where(Indicator.revoked.is_(False),
                                                           Indicator.valid_until > clock)):
            self.by_token[(ind.kind, ind.token)].append(ind)
        self.sightings: dict[int, list[IndicatorSighting]] = defaultdict(list)
        for s in session.scalars(select(IndicatorSighting)):
            self.sightings[s.indicator_id].append(s)
        self.orgs = {o.id: o for o in session.scalars(select(Org))}


def put_object(session: Session, *, subject: str, obj: dict, level: Level, audience: str,
               producer_org_id: int | None, recipients: str, expires_at: datetime | None,
               now: datetime, ctx: PublishContext | None = None) -> SharedObject | None:
    """Store `obj` as the latest version of `subject` if its content changed; returns the new row."""
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # TAXII timestamps carry milliseconds
    if ctx is not None:
        prev = ctx.latest.get(subject)
    else:  # row lock on PostgreSQL: two requests publishing one subject take turns
        prev = session.scalars(select(SharedObject).where(SharedObject.subject == subject,
                                                          SharedObject.latest.is_(True)).with_for_update()).first()
    meta = dict(tlp=level.value, audience=audience, producer_org_id=producer_org_id,
                recipients=recipients, expires_at=expires_at)
    if prev is not None and _strip_modified(prev.payload) == _strip_modified(obj):
        for k, v in meta.items():  # sharing metadata of an unchanged object (SCOs) may move
            setattr(prev, k, v)
        return None
    if "modified" in obj:
        modified = stix.parse_ts(obj["modified"])
        if prev is not None and modified <= prev.modified:
            modified = max(now, prev.modified + timedelta(milliseconds=1))
            obj = dict(obj, modified=stix.ts(modified))
    else:  # SCOs and marking definitions: not versioned
        modified = stix.parse_ts(obj.get("created", stix.ts(now)))
        if prev is not None:
            modified = max(now, prev.modified + timedelta(milliseconds=1))
    modified = modified.replace(microsecond=modified.microsecond // 1000 * 1000)
    if prev is not None:
        prev.latest = False
    row = SharedObject(stix_id=obj["id"], subject=subject, type=obj["type"], spec_version="2.1",
                       modified=modified, date_added=now, latest=True, payload=obj, **meta)
    session.add(row)
    if ctx is not None:
        ctx.latest[subject] = row
    else:
        session.flush()
    return row


def _latest_id(session: Session, subject: str, ctx: PublishContext | None = None) -> str | None:
    if ctx is not None:
        row = ctx.latest.get(subject)
        return row.stix_id if row is not None else None
    return session.scalar(select(SharedObject.stix_id).where(SharedObject.subject == subject,
                                                             SharedObject.latest.is_(True)))


def publish_common(session: Session, now: datetime) -> None:
    """TLP marking definitions, extension definitions and the platform's identity (CLEAR, every feed)."""
    common = [(f"def:tlp:{lv.value}", tlpmod.marking_definition(lv)) for lv in Level]
    common += [(f"def:{e['name']}", e) for e in stix.extension_definitions()]
    common.append(("identity:platform", stix.platform_identity()))
    for subject, obj in common:
        put_object(session, subject=subject, obj=obj, level=Level.CLEAR, audience="common",
                   producer_org_id=None, recipients="", expires_at=None, now=now)


def org_identity_id(session: Session, org: Org, now: datetime, ctx: PublishContext | None = None) -> str:
    """The org's STIX identity id, published (CLEAR) on first use."""
    subject = f"org:{org.id}"
    existing = _latest_id(session, subject, ctx)
    if existing and ctx is not None:
        return existing  # bulk runs publish every org first
    stix_id = existing or stix.new_id("identity")
    put_object(session, subject=subject, obj=stix.org_identity(stix_id, org.name, org.type, org.created_at),
               level=Level.CLEAR, audience="common", producer_org_id=None, recipients="", expires_at=None,
               now=now, ctx=ctx)
    return stix_id


def publish_orgs(session: Session, now: datetime) -> None:
    for org in session.scalars(select(Org).order_by(Org.id)):
        org_identity_id(session, org, now)


def _quantised(confidence: int) -> int:
    # Published confidence moves in steps of 10 so that decay adds a version at most ten times.
    return max(1, confidence // 10 * 10) if confidence > 0 else 0


def publish_indicator(session: Session, ind: Indicator, now: datetime, clock: datetime | None = None,
                      ctx: PublishContext | None = None) -> None:
    """The indicator, its observable and its sightings, as the latest versions.

    `now` stamps what is added (wall clock); `clock` is the feeds' time for decay."""
    clock = clock or now
    level = tlpmod.parse_level(ind.tlp)
    audience = tlpmod.audience_of_kind(ind.kind)
    creator = stix.PLATFORM_IDENTITY_ID
    if ind.producer_org_id is not None:
        org = ctx.orgs[ind.producer_org_id] if ctx else session.get(Org, ind.producer_org_id)
        creator = org_identity_id(session, org, now, ctx)
    conf = _quantised(indicators_decay(ind, clock))
    obj = stix.indicator(stix_id=ind.stix_id, kind=ind.kind, label=ind.label, token=ind.token, value=ind.value,
                         created_by=creator, created=ind.created_at, modified=ind.modified_at,
                         valid_from=ind.valid_from, valid_until=ind.valid_until, confidence=conf,
                         reasons=list(ind.reasons), level=level, revoked=ind.revoked)
    put_object(session, subject=f"indicator:{ind.id}", obj=obj, level=level, audience=audience,
               producer_org_id=ind.producer_org_id, recipients=ind.recipients, expires_at=ind.valid_until,
               now=now, ctx=ctx)
    _publish_observable(session, ind.kind, ind.token, now, clock, ctx)
    sightings = ctx.sightings.get(ind.id, []) if ctx else session.scalars(
        select(IndicatorSighting).where(IndicatorSighting.indicator_id == ind.id))
    for s in sightings:
        org = ctx.orgs[s.org_id] if ctx else session.get(Org, s.org_id)
        org_stix = org_identity_id(session, org, now, ctx)
        recips = _merge_recipients(ind.recipients, [s.org_id])
        put_object(session, subject=f"sighting:{s.id}",
                   obj=stix.sighting(stix_id=s.stix_id, indicator_id=ind.stix_id, where=org_stix,
                                     created=s.created_at, modified=max(s.last_seen, s.created_at),
                                     first_seen=s.first_seen, last_seen=s.last_seen, count=s.count,
                                     outcome=s.outcome, level=level),
                   level=level, audience=audience, producer_org_id=ind.producer_org_id, recipients=recips,
                   expires_at=ind.valid_until, now=now, ctx=ctx)


def indicators_decay(ind: Indicator, now: datetime) -> int:
    from zeroscam.indicators import decay

    return decay.decayed(ind.confidence, ind.kind, ind.last_seen, now)


def _merge_recipients(recipients: str, extra: Iterable[int]) -> str:
    ids = {int(x) for x in recipients.strip(",").split(",") if x} | set(extra)
    return "," + ",".join(str(i) for i in sorted(ids)) + "," if ids else ""


def _publish_observable(session: Session, kind: str, token: str, now: datetime, clock: datetime,
                        ctx: PublishContext | None = None) -> None:
    """The SCO of an identifier, shared as loosely as the loosest live indicator that names it."""
    if ctx is not None:
        rows = [r for r in ctx.by_token.get((kind, token), []) if not r.revoked and r.valid_until > clock]
    else:
        rows = session.scalars(select(Indicator).where(Indicator.kind == kind, Indicator.token == token,
                                                       Indicator.revoked.is_(False),
                                                       Indicator.valid_until > clock)).all()
    if not rows:
        return
    best = min(rows, key=lambda r: tlpmod.parse_level(r.tlp).rank)
    value = next((r.value for r in rows if r.value), None)
    bank = next((r.bank_code for r in rows if r.bank_code), None)
    sco = stix.observable(kind, token, value, bank)
    if sco is None:
        return
    put_object(session, subject=f"sco:{sco['id']}", obj=sco, level=tlpmod.parse_level(best.tlp),
               audience=tlpmod.audience_of_kind(kind), producer_org_id=best.producer_org_id,
               recipients=best.recipients, expires_at=max(r.valid_until for r in rows), now=now, ctx=ctx)


def publish_rings(session: Session, now: datetime, ctx: PublishContext | None = None) -> int:
    """Rings as intrusion-sets (AMBER, responders) with `indicates` relationships from their indicators."""
    by_ring: dict[str, list[Indicator]] = defaultdict(list)
    for ind in session.scalars(select(Indicator).where(Indicator.ring_id.is_not(None),
                                                       Indicator.producer == indicators.PLATFORM)):
        by_ring[ind.ring_id].append(ind)
    ring_level = Level.AMBER
    for ring_id, members in by_ring.items():
        subject = f"ring:{ring_id}"
        ring_stix = _latest_id(session, subject, ctx) or stix.new_id("intrusion-set")
        created = min(m.created_at for m in members)
        modified = max(m.modified_at for m in members)
        expires = max(m.valid_until for m in members)
        put_object(session, subject=subject,
                   obj=stix.intrusion_set(stix_id=ring_stix, ring_id=ring_id, created=created, modified=modified,
                                          members=len(members), level=ring_level),
                   level=ring_level, audience="general", producer_org_id=None, recipients="", expires_at=expires,
                   now=now, ctx=ctx)
        for m in members:
            level = tlpmod.strictest(ring_level, tlpmod.parse_level(m.tlp))
            rel_subject = f"rel:{m.id}:ring:{ring_id}"
            rel_id = _latest_id(session, rel_subject, ctx) or stix.new_id("relationship")
            put_object(session, subject=rel_subject,
                       obj=stix.relationship(stix_id=rel_id, source=m.stix_id, target=ring_stix, rel="indicates",
                                             created=m.created_at, level=level),
                       level=level, audience=tlpmod.audience_of_kind(m.kind), producer_org_id=m.producer_org_id,
                       recipients=m.recipients, expires_at=m.valid_until, now=now, ctx=ctx)
    return len(by_ring)


@dataclass
class PublishResult:
    created: int = 0
    updated: int = 0
    revoked: int = 0


def refresh_from_risk(session: Session, now: datetime, *, threshold: float = PUBLISH_THRESHOLD,
                      tlp_by_kind: dict[str, Level] | None = None, alliance_key: bytes,
                      rings: dict[tuple[str, str], str] | None = None) -> PublishResult:
    """Platform indicators = identifiers whose own evidence (reports, detectors) scores `threshold`+.

    Members' shared intelligence is left out on purpose: republishing it under the
    platform's name would strip its TLP. Platform indicators that fall out of the set
    are revoked.
    """
    from zeroscam.check import scoring
    from zeroscam.check.models import RiskSignal
    from zeroscam.check.service import reference_time

    tlp_by_kind = {**DEFAULT_TLP, **(tlp_by_kind or {})}
    ref = reference_time(session)
    sigs: dict[tuple[str, str], list] = defaultdict(list)
    rows = session.execute(select(RiskSignal.kind, RiskSignal.value, RiskSignal.source, RiskSignal.reason,
                                  RiskSignal.score, RiskSignal.observed_at, RiskSignal.ref,
                                  RiskSignal.victim_token, RiskSignal.expires_at)
                           .where(RiskSignal.source.in_(OWN_SOURCES), RiskSignal.kind.in_(indicators.KINDS)))
    for kind, value, source, reason, score, observed, sref, victim, expires in rows:
        sigs[(kind, value)].append(scoring.Sig(source, reason, score, observed, sref, victim, expires))
    result = PublishResult()
    keep: set[int] = set()
    known = {(i.kind, i.token, i.producer): i for i in session.scalars(
        select(Indicator).where(Indicator.producer == indicators.PLATFORM))}
    for (kind, value), items in sigs.items():
        a = scoring.assess(items, ref)
        if a.score < threshold:
            continue
        observed = max(s.observed_at for s in items)
        label = stix.KIND_LABELS[kind][0]
        obs = indicators.Observation(
            kind=kind, token=indicators.token(kind, value, alliance_key), value=value, label=label,
            confidence=round(a.score * 100), reasons=list(a.reasons), observed_at=observed,
            tlp=tlp_by_kind[kind].value, bank_code=value[:3] if kind == "bank_account" else None,
            ring_id=(rings or {}).get((kind, value)))
        before = known.get((kind, obs.token, indicators.PLATFORM))
        with session.no_autoflush:
            ind, changed = indicators.upsert(session, obs, None, now, stix.new_id, known=known)
        keep.add(id(ind))
        if before is None:
            result.created += 1
        elif changed:
            result.updated += 1
    for ind in known.values():
        if id(ind) not in keep and not ind.revoked and ind.valid_until > ref:
            ind.revoked, ind.modified_at = True, now
            result.revoked += 1
    session.flush()
    return result


def publish_all(session: Session, now: datetime | None = None) -> int:
    """Bring the object store up to date with indicators, orgs, rings. Returns new versions written."""
    now = now or utcnow()
    before = session.scalar(select(SharedObject.id).order_by(SharedObject.id.desc()).limit(1)) or 0
    publish_common(session, now)
    publish_orgs(session, now)
    session.flush()
    feed_now = sharing_now(session)
    ctx = PublishContext(session, feed_now)
    with session.no_autoflush:
        for ind in session.scalars(select(Indicator).where(
                or_(Indicator.valid_until > feed_now, Indicator.modified_at >= now - timedelta(days=1)))).all():
            publish_indicator(session, ind, now, feed_now, ctx)
        publish_rings(session, now, ctx)
    session.flush()
    after = session.scalar(select(SharedObject.id).order_by(SharedObject.id.desc()).limit(1)) or 0
    return after - before


# ---- ingest -----------------------------------------------------------------

_COMPARISON = re.compile(r"""^\s*([a-z0-9-]+):([a-z0-9_]+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*$""")
_PATTERN_KIND = {("bank-account", "account_number"): "bank_account", ("bank-account", "account_token"): "bank_account",
                 ("phone-number", "value"): "phone", ("url", "value"): "url", ("domain-name", "value"): "domain"}


def parse_pattern(pattern: str) -> list[tuple[str, str, str]]:
    """`[phone-number:value = '+66…'] OR [url:value = '…']` → [(kind, property, value)].

    Only equality comparisons joined by OR (inside or between observations) are
    taken; anything else is refused with a DataError.
    """
    text = pattern.strip()
    parts = re.split(r"\]\s*OR\s*\[", text)
    out = []
    for i, part in enumerate(parts):
        part = part.strip()
        if i == 0:
            part = part.removeprefix("[")
        if i == len(parts) - 1:
            part = part.removesuffix("]")
        for comp in re.split(r"\s+OR\s+(?=[a-z0-9-]+:)", part):
            m = _COMPARISON.match(comp)
            if not m:
                raise DataError("pattern not understood (only equality on bank-account, phone-number, url "
                                "and domain-name joined by OR)", value=pattern[:120])
            stype, prop, raw = m.groups()
            kind = _PATTERN_KIND.get((stype, prop))
            if kind is None:
                raise DataError(f"pattern names {stype}:{prop}, which is not shared here", value=pattern[:120])
            value = re.sub(r"\\(.)", r"\1", raw)
            out.append((kind, prop, value))
    return out


@dataclass
class IngestOutcome:
    successes: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    touched: set[tuple[str, str]] = field(default_factory=set)


def _recipients_of(session: Session, obj: dict, poster: Org) -> tuple[int, ...]:
    """`x_zeroscam_recipients`: org ids, names, or their STIX identity ids."""
    names = obj.get("x_zeroscam_recipients") or []
    if not isinstance(names, list):
        raise DataError("x_zeroscam_recipients must be a list", value=names)
    ids = {poster.id}
    for n in names:
        n = str(n)
        if n.startswith("identity--"):
            subject = session.scalar(select(SharedObject.subject).where(SharedObject.stix_id == n))
            if subject and subject.startswith("org:"):
                ids.add(int(subject[4:]))
                continue
        org = session.scalar(select(Org).where(or_(Org.name == n, Org.id == (int(n) if n.isdigit() else -1))))
        if org is None:
            raise DataError("unknown recipient", value=n)
        ids.add(org.id)
    return tuple(sorted(ids))


def _observations_from(obj: dict, key: bytes) -> list[tuple[str, str | None, str, str | None]]:
    """(kind, canonical value or None, token, bank_code) for an indicator or a custom SCO."""
    found: list[tuple[str, str, str]] = []
    if obj["type"] == "indicator":
        if obj.get("pattern_type", "stix") != "stix":
            raise DataError("only STIX patterns are taken", value=obj.get("pattern_type"))
        found = parse_pattern(str(obj.get("pattern", "")))
    elif obj["type"] == "bank-account":
        if obj.get("account_number"):
            found = [("bank_account", "account_number", str(obj["account_number"]))]
        elif obj.get("account_token"):
            found = [("bank_account", "account_token", str(obj["account_token"]))]
    elif obj["type"] == "phone-number" and obj.get("value"):
        found = [("phone", "value", str(obj["value"]))]
    if not found:
        raise DataError("no identifier in the object", value=obj.get("id"))
    out = []
    for kind, prop, raw in found:
        if prop == "account_token":
            if not re.fullmatch(r"[0-9a-f]{64}", raw):
                raise DataError("account_token must be 64 hex digits", value=raw[:80])
            bank = obj.get("bank_code") if isinstance(obj.get("bank_code"), str) else None
            out.append((kind, None, raw, bank))
            continue
        canonical = indicators.normalize(kind, raw)
        if len(canonical) > 300:
            raise DataError("identifiers longer than 300 characters are not taken", value=canonical[:60] + "…")
        out.append((kind, canonical, indicators.token(kind, canonical, key),
                    canonical[:3] if kind == "bank_account" else None))
    return out


def _label_for(obj: dict, kind: str) -> str:
    labels = {str(x).lower() for x in obj.get("labels", []) or []}
    text = (str(obj.get("name", "")) + " " + str(obj.get("description", ""))).lower()
    if kind == "phone" and ("suspended_sim" in labels or "suspended" in text):
        return "suspended_sim"
    return stix.KIND_LABELS[kind][0]


def ingest_envelope(session: Session, poster: Org, objects: list, *, alliance_key: bytes,
                    now: datetime | None = None) -> IngestOutcome:
    """Take a member's envelope: indicators and custom SCOs become the member's confirmed
    indicators; sightings confirm or dispute ours. Each object succeeds or fails alone."""
    from zeroscam.check import service as check

    now = now or utcnow()
    out = IngestOutcome()
    for obj in objects:
        oid = obj.get("id") if isinstance(obj, dict) else None
        try:
            if not isinstance(obj, dict) or not isinstance(obj.get("type"), str) or not isinstance(oid, str):
                raise DataError("each object needs a type and an id")
            if obj.get("spec_version", "2.1") != "2.1":
                raise DataError("only STIX 2.1 objects are taken", value=obj.get("spec_version"))
            version = obj.get("modified") or obj.get("created") or stix.ts(now)
            kind_of = obj["type"]
            if kind_of in ("indicator", "bank-account", "phone-number"):
                _ingest_observation(session, poster, obj, alliance_key, now, out, check)
            elif kind_of == "sighting":
                _ingest_sighting(session, poster, obj, now, out, check)
            elif kind_of in ("identity", "marking-definition", "extension-definition"):
                pass  # context only; identities of members are the platform's to publish
            else:
                raise DataError(f"objects of type {kind_of} are not taken here")
            out.successes.append({"id": oid, "version": str(version), "message": "accepted"})
        except (DataError, IdentifierError, ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
            out.failures.append({"id": str(oid or "unknown"), "version": str(obj.get("modified", "")) if isinstance(obj, dict) else "",
                                 "message": str(exc)[:300]})
    if out.touched:
        check.refresh_risk(session, sorted(out.touched))
    session.flush()
    return out


def _ingest_observation(session, poster: Org, obj: dict, key: bytes, now: datetime, out: IngestOutcome, check) -> None:
    level = tlpmod.level_from_refs(obj.get("object_marking_refs"), MEMBER_DEFAULT_TLP)
    recipients = _recipients_of(session, obj, poster) if level is Level.RED else ()
    conf = obj.get("confidence", MEMBER_DEFAULT_CONFIDENCE)
    if not isinstance(conf, int) or not 0 <= conf <= 100:
        raise DataError("confidence must be an integer 0..100", value=conf)
    observed = stix.parse_ts(obj["valid_from"]) if obj.get("valid_from") else now
    observed = min(observed, now)
    reasons = [str(x)[:40] for x in obj.get("labels", []) or []][:10]
    withdraw = obj.get("revoked") is True
    for kind, value, token_, bank in _observations_from(obj, key):
        if withdraw:  # the producer takes its word back
            mine = indicators.find(session, kind, token_, indicators.producer_key(poster.id))
            if mine is None:
                raise DataError("revoked indicator names nothing your organisation shared")
            mine.revoked, mine.modified_at = True, now
            if mine.value is not None and mine.kind in check.SIGNAL_KINDS:
                check.add_signal(session, mine.kind, mine.value, "member_confirmation", 0.0, "member_withdrawn",
                                 now, org_id=poster.id, ref=f"org:{poster.id}")
                out.touched.add((mine.kind, mine.value))
            publish_indicator(session, mine, now)
            continue
        if value is None:  # a token only: the platform may know the identifier behind it
            value = session.scalar(select(Indicator.value).where(
                Indicator.kind == kind, Indicator.token == token_, Indicator.value.is_not(None)).limit(1))
        label = _label_for(obj, kind)
        reason = CONFIRM_REASON[label]
        ob = indicators.Observation(kind=kind, token=token_, value=value, label=label, confidence=conf,
                                    reasons=sorted(set(reasons) | {reason}), observed_at=observed,
                                    tlp=level.value, recipients=recipients, bank_code=bank, confirmed=True)
        ind, _ = indicators.upsert(session, ob, poster.id, now, stix.new_id)
        # Merge with the platform's view when that reveals nothing beyond the member's own TLP.
        ours = indicators.find(session, kind, token_, indicators.PLATFORM)
        if ours is not None and level.rank <= tlpmod.parse_level(ours.tlp).rank:
            indicators.record_sighting(session, ours, poster.id, "confirmed", observed, now, stix.new_id)
            publish_indicator(session, ours, now)
        if value is not None and level in FEEDS_CHECK and kind in check.SIGNAL_KINDS:
            check.add_signal(session, kind, value, "member_confirmation", conf / 100.0, reason, observed,
                             org_id=poster.id, expires_at=ind.valid_until, ref=f"org:{poster.id}")
            out.touched.add((kind, value))
        publish_indicator(session, ind, now)


def _ingest_sighting(session, poster: Org, obj: dict, now: datetime, out: IngestOutcome, check) -> None:
    from zeroscam.sharing.repository import reader_for, visible

    target = obj.get("sighting_of_ref")
    ind = session.scalar(select(Indicator).where(Indicator.stix_id == str(target)))
    # A sighting of something the poster cannot read looks like one of something that does not exist.
    can_see = ind is not None and session.scalar(
        select(SharedObject.id).where(SharedObject.stix_id == ind.stix_id, visible(reader_for(poster))).limit(1))
    if not can_see:
        raise DataError("sighting_of_ref names no indicator known here", value=target)
    ext = (obj.get("extensions") or {}).get(stix.SIGHTING_OUTCOME_EXT_ID) or {}
    negative = ext.get("outcome") == "false_positive" or obj.get("x_opencti_negative") is True \
        or "false positive" in str(obj.get("description", "")).lower()
    outcome = "false_positive" if negative else "confirmed"
    count = obj.get("count", 1)
    if not isinstance(count, int) or count < 0:
        raise DataError("count must be a non-negative integer", value=count)
    seen = stix.parse_ts(obj["last_seen"]) if obj.get("last_seen") else now
    indicators.record_sighting(session, ind, poster.id, outcome, min(seen, now), now, stix.new_id, max(1, count))
    if ind.value is not None and tlpmod.parse_level(ind.tlp) in FEEDS_CHECK and ind.kind in check.SIGNAL_KINDS:
        if outcome == "false_positive":
            check.add_signal(session, ind.kind, ind.value, "member_clearance", 0.6, "member_false_positive",
                             min(seen, now), org_id=poster.id, ref=f"org:{poster.id}")
        else:
            check.add_signal(session, ind.kind, ind.value, "member_confirmation", 0.85,
                             CONFIRM_REASON.get(ind.label, "member_confirmed_scam"), min(seen, now),
                             org_id=poster.id, expires_at=ind.valid_until, ref=f"org:{poster.id}")
        out.touched.add((ind.kind, ind.value))
    publish_indicator(session, ind, now)

