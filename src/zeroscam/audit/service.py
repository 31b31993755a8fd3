"""The audit log: every disclosure of personal data and every administrative act.

Append-only and hash-chained: entry n stores the hash of entry n-1 (`prev_hash`) and
its own `hash` = SHA-256 over the canonical JSON of (seq, ts, actor, action, subject,
detail, prev_hash). Changing, removing or reordering an entry breaks the chain,
which `verify` finds. `detail` must never carry raw personal data: pass keyed
tokens, ids and counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from zeroscam.audit.models import AuditEntry
from zeroscam.kit.repository import Principal
from zeroscam.kit.timeutil import utcnow

GENESIS = "0" * 64


def canonical(seq: int, ts: datetime, actor: str, action: str, subject: str, detail: dict, prev_hash: str) -> bytes:
    return orjson.dumps({"seq": seq, "ts": ts.isoformat(timespec="microseconds"), "actor": actor,
                         "action": action, "subject": subject, "detail": detail, "prev_hash": prev_hash},
                        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def entry_hash(seq: int, ts: datetime, actor: str, action: str, subject: str, detail: dict, prev_hash: str) -> str:
    return hashlib.sha256(canonical(seq, ts, actor, action, subject, detail, prev_hash)).hexdigest()


def actor_name(actor: Principal | str | None) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, Principal):
        return actor.actor
    return str(actor)


def record(session: Session, actor: Principal | str | None, action: str, subject: str,
           detail: dict[str, Any] | None = None) -> AuditEntry:
    """Append one entry (flushes; the caller commits with the act it records)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # One writer at a time extends the chain (released at commit/rollback).
        session.execute(text("SELECT pg_advisory_xact_lock(7263001)"))
    elif dialect == "sqlite":
        # Take SQLite's write lock before reading the chain's head (a no-op write waits
        # for the lock), so two writers never read the same head.
        session.execute(text("DELETE FROM audit_log WHERE 0 = 1"))
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    # Round-trip the detail through JSON so the stored value hashes the same when read back.
    clean = orjson.loads(orjson.dumps(detail or {}, option=orjson.OPT_NON_STR_KEYS, default=str))
    ts = utcnow()
    name = actor_name(actor)
    entry = AuditEntry(seq=seq, ts=ts, actor=name, action=action, subject=str(subject)[:300], detail=clean,
                       prev_hash=prev, hash=entry_hash(seq, ts, name, action, str(subject)[:300], clean, prev))
    session.add(entry)
    session.flush()
    return entry


@dataclass
class Verification:
    ok: bool
    entries: int
    head: str
    problem: str | None = None
    seq: int | None = None


def verify(session: Session) -> Verification:
    """Walk the chain in seq order; report the first changed, removed or reordered entry."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        count += 1
        if e.seq != expected_seq:
            return Verification(False, count, prev, f"entry {expected_seq} is missing (next is {e.seq})", e.seq)
        if e.prev_hash != prev:
            return Verification(False, count, prev,
                                f"entry {e.seq} does not follow entry {e.seq - 1} (removed or reordered)", e.seq)
        ts = e.ts.replace(tzinfo=None) if e.ts.tzinfo else e.ts
        if entry_hash(e.seq, ts, e.actor, e.action, e.subject, e.detail, e.prev_hash) != e.hash:
            return Verification(False, count, prev, f"entry {e.seq} was changed (its hash does not match)", e.seq)
        prev = e.hash
        expected_seq += 1
    return Verification(True, count, prev)


def list_entries(session: Session, *, limit: int = 100, offset: int = 0, action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(session.scalars(stmt.limit(limit).offset(offset)))
