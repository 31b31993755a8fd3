"""POST /v1/check — the real-time lookup (contracts/CLI.md) — and POST /v1/feedback."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import delete
from sqlalchemy.orm import Session

from zeroscam.check.lookup import answer
from zeroscam.check.models import RiskSignal
from zeroscam.check.schemas import CheckRequest, CheckResponse, FeedbackRequest, FeedbackResponse
from zeroscam.kit.db import get_session
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


@router.post("/v1/feedback", response_model=FeedbackResponse, responses=PROBLEMS,
             summary="A member's verdict on identifiers: confirm (a scam/mule) or clear (not); raises or "
                     "lowers their risk for everyone. One verdict per member and identifier (the latest wins).")
def feedback(body: FeedbackRequest, request: Request, principal: PrincipalDep,
             session: Annotated[Session, Depends(get_session)]) -> dict:
    from zeroscam import identifiers
    from zeroscam.audit.service import record
    from zeroscam.check import service
    from zeroscam.kit.errors import IdentifierError
    from zeroscam.kit.timeutil import utcnow

    now = utcnow()
    results, touched = [], []
    for item in body.items:
        try:
            value = identifiers.normalize(item.type, item.value)
        except IdentifierError as exc:
            results.append({"type": item.type, "value": item.value, "verdict": item.verdict, "risk": "invalid",
                            "error": exc.reason})
            continue
        confirm = item.verdict == "confirm"
        source = "member_confirmation" if confirm else "member_clearance"
        other = "member_clearance" if confirm else "member_confirmation"
        # The member's latest word replaces its earlier, opposite one.
        session.execute(delete(RiskSignal).where(RiskSignal.kind == item.type, RiskSignal.value == value,
                                                 RiskSignal.source == other,
                                                 RiskSignal.ref == f"org:{principal.org_id}"))
        service.add_signal(session, item.type, value, source, 0.95 if confirm else 0.9, source, now,
                           org_id=principal.org_id)
        touched.append((item.type, value))
        results.append({"type": item.type, "value": value, "verdict": item.verdict, "risk": ""})
    if touched:
        service.refresh_risk(session, touched)
        record(session, principal, "risk.feedback", "signals",
               {"confirm": sum(1 for i in body.items if i.verdict == "confirm"),
                "clear": sum(1 for i in body.items if i.verdict == "clear")})
    session.commit()
    for r in results:
        if r["risk"] == "":
            entry = service.get_entry(session, r["type"], r["value"])
            r["risk"] = entry.risk if entry is not None else "unknown"
    return {"results": results}
