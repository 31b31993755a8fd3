"""The baseline for bench_check.py: a bare FastAPI app that parses the same body and
answers from a dict — no auth, no metrics, no canonicalisation. Plain FastAPI style
(return a dict; FastAPI serialises it)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from zeroscam.check.schemas import CheckRequest

ENTRIES: dict[tuple[str, str], dict] = {}
UNKNOWN = {"risk": "unknown", "score": 0.0, "reasons": [], "reports": 0, "last_reported_at": None}


def create_app() -> FastAPI:
    n = int(os.environ.get("BENCH_ENTRIES", "20000"))
    for i in range(n):
        ENTRIES[("bank_account", f"014-{i:010d}")] = {"risk": "high", "score": 0.97, "reasons": ["victim_reports"],
                                                     "reports": 3, "last_reported_at": "2025-03-02T09:00:00+07:00"}
    app = FastAPI()

    @app.post("/v1/check")
    async def check(body: CheckRequest) -> dict:
        return {"results": [{"type": it.type, "value": it.value, **ENTRIES.get((it.type, it.value), UNKNOWN)}
                            for it in body.items]}

    return app
