"""POST /v1/check — the real-time lookup (contracts/CLI.md)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from zeroscam.check.lookup import answer
from zeroscam.check.schemas import CheckRequest, CheckResponse
from zeroscam.members.auth import PrincipalDep
from zeroscam.ops.metrics import CHECKS

router = APIRouter(tags=["check"])

PROBLEMS = {401: {"description": "No valid API key"}, 422: {"description": "Malformed body"}}


@router.post("/v1/check", response_model=CheckResponse, responses=PROBLEMS,
             summary="Is this account, number or link a scam? 1 to 1,000 items, answered in order.")
async def check(body: CheckRequest, request: Request, principal: PrincipalDep) -> Response:
    cache = request.app.state.risk_cache
    cache.refresh_if_stale()
    results, counts = answer(cache, body.items, request.app.state.alliance_key)
    for (kind, risk), n in counts.items():
        CHECKS.labels(kind, risk).inc(n)
    return Response(orjson.dumps({"results": results}), media_type="application/json")
