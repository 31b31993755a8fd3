"""Web security: signed-cookie sessions, CSRF tokens, per-client rate limits.

Sessions are signed cookies (itsdangerous, key derived from the alliance
secret), HttpOnly and SameSite=Lax, valid for `SESSION_HOURS`. They carry only
the staff user's id and a CSRF token, never personal data. Every POST, public
or not, carries a CSRF token that must equal the one in the visitor's signed
cookie (forms send it as a hidden field, HTMX as the `X-CSRF-Token` header).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "zs_session"
CSRF_COOKIE = "zs_csrf"
SESSION_HOURS = 8
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def derive_key(alliance_key: bytes, purpose: str) -> bytes:
    """A key for one purpose, so the web never signs with the alliance secret itself."""
    return hmac.new(alliance_key, f"zeroscam-web:{purpose}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class SessionData:
    user_id: int
    csrf: str
    issued_at: float
    stamp: str = ""


def password_stamp(password_hash: str) -> str:
    """A short fingerprint of the stored password hash: a new password ends every session."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class Signer:
    """Signs and reads the session and CSRF cookies."""

    def __init__(self, alliance_key: bytes):
        self._session = URLSafeTimedSerializer(derive_key(alliance_key, "session"), salt="session")
        self._csrf = URLSafeTimedSerializer(derive_key(alliance_key, "csrf"), salt="csrf")

    def dump_session(self, user_id: int, csrf: str, stamp: str = "") -> str:
        return self._session.dumps({"uid": user_id, "csrf": csrf, "iat": time.time(), "pw": stamp})

    def load_session(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            data = self._session.loads(cookie, max_age=SESSION_HOURS * 3600)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("uid"), int) or not data.get("csrf"):
            return None
        return SessionData(user_id=data["uid"], csrf=str(data["csrf"]), issued_at=float(data.get("iat", 0)),
                           stamp=str(data.get("pw", "")))

    def dump_csrf(self, token: str) -> str:
        return self._csrf.dumps(token)

    def load_csrf(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._csrf.loads(cookie, max_age=7 * 24 * 3600)
        except BadSignature:
            return None
        return value if isinstance(value, str) and value else None


def new_token() -> str:
    return secrets.token_urlsafe(24)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing side never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class TokenBucket:
    """In-process token buckets, one per key (client IP): `per_minute` requests a
    minute with bursts up to the same number. Bounded memory: full buckets are
    forgotten when the table grows past `max_keys` (a full bucket is the same
    as a new one)."""

    def __init__(self, per_minute: int, max_keys: int = 50_000, clock=time.monotonic):
        self.capacity = float(max(1, per_minute))
        self.rate = self.capacity / 60.0
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False when the bucket is empty."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > self.max_keys:
                self._forget_full(now)
            return True

    def retry_after(self, key: str) -> int:
        """Whole seconds until `key` has a token again."""
        with self._lock:
            tokens, _ = self._buckets.get(key, (self.capacity, 0.0))
        return max(1, int((1.0 - tokens) / self.rate) + 1) if tokens < 1.0 else 0

    def _forget_full(self, now: float) -> None:
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.rate >= self.capacity:
                del self._buckets[key]
        if len(self._buckets) > self.max_keys:  # a flood of distinct keys: keep the newest half
            keep = sorted(self._buckets.items(), key=lambda kv: kv[1][1])[len(self._buckets) // 2:]
            self._buckets = dict(keep)
