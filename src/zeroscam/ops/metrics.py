"""Prometheus metrics: requests, latency, checks by answer, holds by state.

With several uvicorn workers, `zeroscam serve` sets PROMETHEUS_MULTIPROC_DIR and
/metrics aggregates every worker's figures (prometheus_client multiprocess mode).
"""

from __future__ import annotations

import os
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REQUESTS = Counter("zeroscam_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("zeroscam_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
                    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
CHECKS = Counter("zeroscam_checks_total", "Items answered by /v1/check", ["kind", "risk"])
HOLDS = Gauge("zeroscam_holds", "Holds by state (at the last scrape)", ["state"], multiprocess_mode="max")
RISK_VERSION = Gauge("zeroscam_risk_version", "Risk entries version loaded", multiprocess_mode="max")
RISK_ENTRIES = Gauge("zeroscam_risk_entries", "Risk entries in memory", multiprocess_mode="max")


def route_of(scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path or "unmatched"


class MetricsMiddleware:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot path)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status_holder = [500]

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = route_of(scope)
            elapsed = time.perf_counter() - start
            REQUESTS.labels(scope["method"], route, str(status_holder[0])).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            from zeroscam.ops.logging import log_request

            log_request(scope["method"], route, status_holder[0], elapsed)


def render(session_factory=None) -> tuple[bytes, str]:
    """The exposition text; refreshes the holds-by-state gauge first."""
    if session_factory is not None:
        try:
            from zeroscam.cases.service import holds_by_state

            session = session_factory()
            try:
                for state, n in holds_by_state(session).items():
                    HOLDS.labels(state).set(n)
            finally:
                session.close()
        except Exception:  # metrics must never fail the scrape
            pass
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
