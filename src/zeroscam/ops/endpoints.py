"""GET /health and GET /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import text

router = APIRouter(tags=["operations"])


@router.get("/health", summary="200 once the service is ready (database reachable, risk entries loaded)",
            responses={503: {"description": "Not ready"}})
def health(request: Request) -> Response:
    cache = request.app.state.risk_cache
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM risk_version"))
        if not cache.loaded:
            cache.load()
    except Exception:
        return Response(b'{"status":"starting"}', status_code=503, media_type="application/json")
    return Response(b'{"status":"ok","risk_version":%d}' % (cache.version or 0), media_type="application/json")


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    from zeroscam.ops.metrics import render

    body, content_type = render(request.app.state.sessionmaker)
    return Response(body, media_type=content_type)
