"""The in-process risk cache that answers /v1/check without touching the database.

All risk entries live in one dict `(kind, canonical value) → answer fields`, built
once and swapped whole. A worker notices new entries by polling the one-row
`risk_version` table at most once per `interval` seconds; a reload happens in a
background thread while the old dict keeps answering.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from zeroscam.kit.timeutil import to_iso_bangkok

log = logging.getLogger("zeroscam.check")

UNKNOWN = {"risk": "unknown", "score": 0.0, "reasons": [], "reports": 0, "last_reported_at": None}


class RiskCache:
    def __init__(self, engine: Engine, interval: float = 1.0, background: bool = True):
        self.engine = engine
        self.interval = interval
        self.background = background
        self.entries: dict[tuple[str, str], dict] = {}
        self.version: int | None = None
        self.loaded = False
        self._next_check = 0.0
        self._reloading = threading.Lock()

    def _db_version(self) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT version FROM risk_version WHERE id = 1")).scalar()

    def load(self) -> None:
        """Read every risk entry and swap the dict (synchronously)."""
        from zeroscam.check.models import RiskEntry

        version = self._db_version()
        fresh: dict[tuple[str, str], dict] = {}
        cols = (RiskEntry.kind, RiskEntry.value, RiskEntry.risk, RiskEntry.score, RiskEntry.reasons,
                RiskEntry.reports, RiskEntry.last_reported_at)
        with self.engine.connect() as conn:
            for kind, value, risk, score, reasons, reports, last in conn.execute(select(*cols)).yield_per(10000):
                fresh[(kind, value)] = {"risk": risk, "score": float(score), "reasons": list(reasons or []),
                                        "reports": int(reports or 0),
                                        "last_reported_at": to_iso_bangkok(last) if last else None}
        self.entries = fresh
        self.version = version
        # The entries live as long as the process: keep the collector from walking them.
        import gc

        gc.collect()
        gc.freeze()
        self.loaded = True
        try:
            from zeroscam.ops.metrics import RISK_ENTRIES, RISK_VERSION

            RISK_ENTRIES.set(len(fresh))
            RISK_VERSION.set(version or 0)
        except Exception:  # pragma: no cover - metrics are optional
            pass

    def _reload_in_background(self) -> None:
        if not self._reloading.acquire(blocking=False):
            return

        def run():
            try:
                self.load()
            except Exception:
                log.exception("risk cache reload failed")
            finally:
                self._reloading.release()

        threading.Thread(target=run, name="risk-cache-reload", daemon=True).start()

    def refresh_if_stale(self) -> None:
        """Cheap: at most one `SELECT version` per interval; reload when it changed."""
        now = time.monotonic()
        if now < self._next_check and self.loaded:
            return
        self._next_check = now + self.interval
        try:
            version = self._db_version()
        except Exception:
            log.warning("risk version check failed; serving the entries already loaded")
            return
        if version != self.version or not self.loaded:
            if self.background and self.loaded:
                self._reload_in_background()
            else:
                self.load()

    def get(self, kind: str, value: str) -> dict | None:
        return self.entries.get((kind, value))
