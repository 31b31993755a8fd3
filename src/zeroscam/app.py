"""The FastAPI application factory.

`create_app(settings)` wires the database, the in-memory risk cache, problem-JSON
errors, metrics and every domain's router (members, reports, cases/holds, check,
audit, ops) plus, when present, the web console (`zeroscam.web.endpoints`) and
sharing/TAXII (`zeroscam.sharing.endpoints`). It does not migrate: `zeroscam serve`,
`zeroscam db upgrade` and the test fixtures do that first.
"""

from __future__ import annotations

import importlib
import logging
from contextlib import asynccontextmanager

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from zeroscam.config import Settings, get_settings
from zeroscam.kit.db import get_engine, session_factory
from zeroscam.kit.errors import ZeroscamError

log = logging.getLogger("zeroscam.app")

# Routers: our domains first, then the ones other parts provide if they exist.
DOMAIN_ROUTERS = ("zeroscam.ops.endpoints", "zeroscam.members.endpoints", "zeroscam.check.endpoints",
                  "zeroscam.reports.endpoints", "zeroscam.cases.endpoints", "zeroscam.audit.endpoints")
OPTIONAL_ROUTERS = ("zeroscam.web.endpoints", "zeroscam.sharing.endpoints")


def problem(status: int, title: str, detail: str, **extra) -> Response:
    """RFC 9457 problem JSON."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(orjson.dumps(body, default=str), status_code=status,
                    media_type="application/problem+json", headers=headers)


def _include(app: FastAPI, module_name: str, optional: bool) -> None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return  # that part is not built (yet)
        raise
    router = getattr(module, "router", None)
    if router is not None:
        app.include_router(router)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service for `settings` (default: from the environment)."""
    settings = settings or get_settings()
    from zeroscam.check.cache import RiskCache
    from zeroscam.ops.logging import configure
    from zeroscam.ops.metrics import MetricsMiddleware

    configure(settings.log_level)
    if settings.database_url is None:
        settings.ensure_home()
    engine = get_engine(settings.relational_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            app.state.risk_cache.load()
        except Exception:
            log.warning("risk entries could not be loaded at start (is the database migrated?)")
        yield

    app = FastAPI(title="zeroscam", version="1", lifespan=lifespan,
                  description="The shared service of the anti-scam alliance: real-time checks, reports, "
                              "holds, sharing. Authenticate with `Authorization: Bearer <API key>`.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = session_factory(engine)
    app.state.alliance_key = settings.alliance_key()
    app.state.risk_cache = RiskCache(engine, interval=0.0 if settings.testing else 1.0,
                                     background=not settings.testing)

    @app.exception_handler(ZeroscamError)
    async def _zeroscam_error(request: Request, exc: ZeroscamError):
        if exc.status >= 500:
            log.error("server error", extra={"fields": {"error": type(exc).__name__}})
        return problem(exc.status, exc.title, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()[:50]]
        return problem(422, "Invalid request", "the request body or parameters are not valid", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        response = problem(exc.status_code, "Error", str(exc.detail))
        for name, value in (exc.headers or {}).items():  # e.g. Allow on a 405
            response.headers[name] = value
        if exc.status_code == 405:
            response.headers["Allow"] = _allowed_methods(request)
        return response

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError):
        # SQLite lets one writer at a time; a writer that loses the race is told to retry.
        log.warning("database busy", extra={"fields": {"error": type(exc.orig).__name__ if exc.orig else "?"}})
        response = problem(503, "Busy", "the database is busy; retry shortly")
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.error("unhandled error", extra={"fields": {"error": type(exc).__name__}}, exc_info=exc)
        return problem(500, "Internal server error", "an unexpected error; it has been logged")

    for name in DOMAIN_ROUTERS:
        _include(app, name, optional=False)
    for name in OPTIONAL_ROUTERS:
        _include(app, name, optional=True)

    app.add_middleware(MetricsMiddleware)
    _document_problems(app)
    from zeroscam.check.fastpath import CheckFastPath

    app.add_middleware(CheckFastPath)  # outermost: the hot path skips the rest
    return app


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in _flat_routes(request.app.routes):
        match, _ = route.matches({**request.scope, "method": "\0"})
        if match is Match.PARTIAL and getattr(route, "methods", None):
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


def _flat_routes(routes):
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat_routes(inner.routes)
        else:
            yield route


TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
PROBLEM_SCHEMA = {
    "type": "object", "title": "Problem", "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"},
                   "errors": {"type": "array", "items": {"type": "object"}}},
}


def _document_problems(app: FastAPI) -> None:
    """Say in the OpenAPI document what every error really is: problem JSON.

    Error responses that routes declare as JSON (or without content) get the Problem
    schema under application/problem+json, and every operation documents 4XX, since
    authentication, validation and missing rows can answer any of them."""
    original = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        taxii_error = {TAXII_MEDIA_TYPE: {"schema": {"type": "object", "title": "TAXII error",
                                                     "properties": {"title": {"type": "string"}}}}}
        for path, item in schema.get("paths", {}).items():
            if path.startswith("/taxii2"):
                # TAXII answers errors in its own media type (the TAXII 2.1 error message).
                for method, op in item.items():
                    if method in ("get", "post", "put", "patch", "delete"):
                        op.setdefault("responses", {}).setdefault(
                            "4XX", {"description": "TAXII error message", "content": dict(taxii_error)})
                continue
            for method, op in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                responses = op.setdefault("responses", {})
                for code, resp in responses.items():
                    if code[:1] in ("4", "5") and set(resp.get("content", {})) <= {"application/json"}:
                        resp["content"] = dict(content)
                responses.setdefault("4XX", {"description": "Problem (RFC 9457)", "content": dict(content)})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (several workers)."""
    return create_app()
