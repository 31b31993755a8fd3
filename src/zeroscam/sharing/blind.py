"""Blind lookups: is this account, number or link listed, without telling the platform which one?

Server: `POST /v1/blind/evaluate` multiplies members' blinded elements by the
platform's OPRF key (RFC 9497, ristretto255-SHA512), charged against a per-org
hourly budget; `GET /v1/blind/set?prefix=ab` returns the listed identifiers' PRF
outputs (first 16 bytes, hex) that start with `prefix` and that the caller's TLP
allows. Client: `BlindClient` blinds, finalises, and checks membership in the
bucket of its output's prefix. docs/sharing.md gives the privacy argument.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeroscam.indicators import service as indicators
from zeroscam.indicators.models import Indicator
from zeroscam.kit.errors import DataError, RateLimited
from zeroscam.sharing import oprf
from zeroscam.sharing import tlp as tlpmod
from zeroscam.sharing.models import BlindUsage

MAX_BATCH = 100
DEFAULT_PER_HOUR = 1000     # evaluations per org per hour
OUTPUT_BYTES = 16           # published outputs are truncated: 128 bits, collisions negligible
MAX_PREFIX_HEX = 4
_HEX = re.compile(r"[0-9a-f]*")


def input_for(kind: str, canonical: str) -> bytes:
    """The OPRF input of an identifier: `kind:canonical`, UTF-8."""
    return f"{kind}:{canonical}".encode()


# ---- server --------------------------------------------------------------------

_key_lock = threading.Lock()


def server_key(app) -> oprf.ServerKey:
    """The platform's OPRF key, loaded once per process from `$ZEROSCAM_HOME/oprf.key`."""
    key = getattr(app.state, "oprf_key", None)
    if key is None:
        with _key_lock:
            key = getattr(app.state, "oprf_key", None)
            if key is None:
                key = app.state.oprf_key = oprf.load_or_create_key(app.state.settings.ensure_home())
    return key


def limit_for(app) -> int:
    return int(getattr(app.state, "blind_per_hour", DEFAULT_PER_HOUR))


def charge(session: Session, org_id: int, n: int, limit: int, now: datetime) -> int:
    """Count `n` evaluations against the org's budget for this hour (shared by every worker).

    Raises RateLimited when the budget would be exceeded; nothing is charged then."""
    window = now.replace(minute=0, second=0, microsecond=0)
    for _ in range(3):
        used = session.scalar(select(BlindUsage.count).where(BlindUsage.org_id == org_id,
                                                             BlindUsage.window_start == window))
        if used is None:
            try:  # charge() is the request's first write: a rollback loses nothing else
                session.add(BlindUsage(org_id=org_id, window_start=window, count=0))
                session.flush()
            except IntegrityError:
                session.rollback()
                continue
            used = 0
        if used + n > limit:
            raise RateLimited(f"blind lookups are limited to {limit} an hour per organisation "
                              f"({used} used this hour)")
        res = session.execute(update(BlindUsage).where(
            BlindUsage.org_id == org_id, BlindUsage.window_start == window, BlindUsage.count == used)
            .values(count=used + n))
        if res.rowcount == 1:
            return used + n
    raise RateLimited("blind lookups are busy; try again")


def evaluate_hex(key: oprf.ServerKey, elements: Iterable[str]) -> list[str]:
    out = []
    for i, e in enumerate(elements):
        e = e.strip().lower()
        if len(e) != 64 or not _HEX.fullmatch(e):
            raise DataError(f"elements[{i}] is not 64 hex digits", value=e[:70])
        try:
            out.append(oprf.blind_evaluate(key.sk, bytes.fromhex(e)).hex())
        except DataError:
            raise DataError(f"elements[{i}] is not a valid ristretto255 element", value=e[:16] + "…") from None
    return out


class _OutputCache:
    """PRF outputs of listed identifiers, computed once per key (about 0.1 ms each)."""

    def __init__(self):
        self._data: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()

    def get(self, key: oprf.ServerKey, kind: str, value: str) -> str:
        k = (key.key_id, kind, value)
        hit = self._data.get(k)
        if hit is None:
            hit = oprf.evaluate(key.sk, input_for(kind, value))[:OUTPUT_BYTES].hex()
            with self._lock:
                if len(self._data) > 2_000_000:
                    self._data.clear()
                self._data[k] = hit
        return hit


def _cache(app) -> _OutputCache:
    cache = getattr(app.state, "blind_outputs", None)
    if cache is None:
        cache = app.state.blind_outputs = _OutputCache()
    return cache


def bucket(app, session: Session, reader: tlpmod.Reader, key: oprf.ServerKey, prefix: str) -> list[str]:
    """Sorted truncated outputs of live, unrevoked indicators the reader may see, starting with `prefix`."""
    prefix = prefix.strip().lower()
    if len(prefix) > MAX_PREFIX_HEX or not _HEX.fullmatch(prefix):
        raise DataError(f"prefix must be 0 to {MAX_PREFIX_HEX} hex digits", value=prefix[:10])
    from zeroscam.sharing.service import sharing_now

    now = sharing_now(session)
    cache = _cache(app)
    out: set[str] = set()
    rows = session.execute(select(Indicator.kind, Indicator.value, Indicator.tlp, Indicator.producer_org_id,
                                  Indicator.recipients)
                           .where(Indicator.revoked.is_(False), Indicator.value.is_not(None),
                                  Indicator.valid_until > now))
    for kind, value, level, producer, recipients in rows:
        recips = {int(x) for x in recipients.strip(",").split(",") if x}
        if not tlpmod.can_read(reader, tlpmod.parse_level(level), tlpmod.audience_of_kind(kind), producer, recips):
            continue
        o = cache.get(key, kind, value)
        if o.startswith(prefix):
            out.add(o)
    return sorted(out)


# ---- client --------------------------------------------------------------------

class BlindClient:
    """Ask the platform whether identifiers are listed without revealing them.

    `http` is an `httpx.Client` with the platform's base URL (FastAPI's TestClient is one).
    `prefix_digits` hex digits of each output are revealed to fetch its bucket (see docs).
    """

    def __init__(self, http, api_key: str, prefix_digits: int = 2):
        if not 0 <= prefix_digits <= MAX_PREFIX_HEX:
            raise ValueError("prefix_digits must be 0..4")
        self.http = http
        self.headers = {"Authorization": f"Bearer {api_key}"}
        self.prefix_digits = prefix_digits

    def outputs(self, items: list[tuple[str, str]]) -> tuple[str, list[bytes]]:
        """(key_id, PRF outputs) for (kind, value) items, through blinded evaluation."""
        inputs = [input_for(kind, indicators.normalize(kind, value)) for kind, value in items]
        blinds = [oprf.blind(i) for i in inputs]
        key_id, outs = "", []
        for start in range(0, len(inputs), MAX_BATCH):
            chunk = blinds[start:start + MAX_BATCH]
            resp = self.http.post("/v1/blind/evaluate", headers=self.headers,
                                  json={"elements": [b.hex() for _, b in chunk]})
            resp.raise_for_status()
            body = resp.json()
            key_id = body["key_id"]
            for (r, _), ev, inp in zip(chunk, body["evaluated"], inputs[start:start + MAX_BATCH], strict=True):
                outs.append(oprf.finalize(inp, r, bytes.fromhex(ev)))
        return key_id, outs

    def lookup_many(self, items: list[tuple[str, str]]) -> list[bool]:
        """True for each (kind, value) that is on a list the caller may read."""
        key_id, outs = self.outputs(items)
        truncated = [o[:OUTPUT_BYTES].hex() for o in outs]
        buckets: dict[str, set[str]] = {}
        for t in truncated:
            p = t[:self.prefix_digits]
            if p not in buckets:
                resp = self.http.get("/v1/blind/set", headers=self.headers, params={"prefix": p})
                resp.raise_for_status()
                body = resp.json()
                if body["key_id"] != key_id:
                    raise RuntimeError("the platform's OPRF key changed during the lookup; try again")
                buckets[p] = set(body["outputs"])
        return [t in buckets[t[:self.prefix_digits]] for t in truncated]

    def lookup(self, kind: str, value: str) -> bool:
        return self.lookup_many([(kind, value)])[0]
