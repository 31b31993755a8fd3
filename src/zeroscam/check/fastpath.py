"""A lean ASGI path for POST /v1/check, the one hot endpoint.

The FastAPI route in check/endpoints.py is the reference (and what OpenAPI shows).
This middleware answers the common case itself — a cached API key, a body that
validates — with the same schema and the same lookup, skipping FastAPI's routing and
dependency machinery. Anything else (no or unknown key, a body that does not
validate, a body too big) is handed, untouched, to the FastAPI route, which answers
401/422 exactly as documented. So the fast path changes speed, never answers.
"""

from __future__ import annotations

import time

import orjson
from pydantic import ValidationError

from zeroscam.check.lookup import answer
from zeroscam.check.schemas import CheckRequest
from zeroscam.members.auth import key_cache
from zeroscam.members.service import hash_key
from zeroscam.ops import metrics

PATH = "/v1/check"
MAX_BODY = 2_000_000  # 1,000 items of a few hundred bytes; larger goes the slow way (and fails there)
_HEADERS = [(b"content-type", b"application/json")]
_REQ_200 = metrics.REQUESTS.labels("POST", PATH, "200")
_LAT = metrics.LATENCY.labels("POST", PATH)
_CHECK_CHILDREN: dict[tuple[str, str], object] = {}


def _checks(kind: str, risk: str):
    child = _CHECK_CHILDREN.get((kind, risk))
    if child is None:
        child = _CHECK_CHILDREN[(kind, risk)] = metrics.CHECKS.labels(kind, risk)
    return child


def _bearer(headers) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


class CheckFastPath:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        scope = _as_json(scope)
        key = _bearer(scope["headers"])
        principal = key_cache.get(hash_key(key)) if key else None
        if principal is None:
            await self.app(scope, receive, send)  # the route authenticates (or answers 401)
            return
        chunks = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(b"".join(chunks), message), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            more = message.get("more_body", False)
            if size > MAX_BODY:
                break
        body = b"".join(chunks)
        if size > MAX_BODY or more:
            await self.app(scope, _replay(body, None, receive if more else None), send)
            return
        try:
            request = CheckRequest.model_validate_json(body)
        except ValidationError:
            await self.app(scope, _replay(body), send)  # the route answers the 422
            return
        state = scope["app"].state
        cache = state.risk_cache
        cache.refresh_if_stale()
        results, counts = answer(cache, request.items, state.alliance_key)
        payload = orjson.dumps({"results": results})
        await send({"type": "http.response.start", "status": 200,
                    "headers": _HEADERS + [(b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
        for (kind, risk), n in counts.items():
            _checks(kind, risk).inc(n)
        _REQ_200.inc()
        _LAT.observe(time.perf_counter() - start)


def _as_json(scope):
    """The body of /v1/check is JSON whatever the request says (`curl -d` sends form encoding)."""
    headers = scope["headers"]
    for name, value in headers:
        if name == b"content-type":
            if b"json" in value:
                return scope
            break
    fixed = [(n, v) for n, v in headers if n != b"content-type"] + [(b"content-type", b"application/json")]
    return {**scope, "headers": fixed}


def _replay(body: bytes, pending: dict | None = None, rest=None):
    """A `receive` that gives back the body already read, then carries on."""
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            if pending is not None:
                return pending
            return {"type": "http.request", "body": body, "more_body": rest is not None}
        if rest is not None:
            return await rest()
        return {"type": "http.disconnect"}

    return receive
