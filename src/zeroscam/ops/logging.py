"""Structured JSON logs, one object a line on stderr, without personal data.

Only routes (templates such as `/v1/holds/{hold_id}`), methods, statuses, timings,
ids and counts are logged, never request bodies, query strings or identifiers.
"""

from __future__ import annotations

import logging
import sys

import orjson

from zeroscam.kit.timeutil import to_iso_bangkok, utcnow

_configured = False
access_log = logging.getLogger("zeroscam.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": to_iso_bangkok(utcnow()), "level": record.levelname.lower(), "logger": record.name,
               "msg": record.getMessage()}
        fields = getattr(record, "fields", None)
        if fields:
            out.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__  # the type only: messages may quote input
        return orjson.dumps(out).decode()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (test capture and redirection swap it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(level: str = "INFO") -> None:
    """Send zeroscam's loggers to stderr as JSON (once per process)."""
    global _configured
    if _configured:
        logging.getLogger("zeroscam").setLevel(level.upper())
        return
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("zeroscam")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    _configured = True


def log_request(method: str, route: str, status: int, elapsed: float) -> None:
    if access_log.isEnabledFor(logging.INFO):
        access_log.info("request", extra={"fields": {"method": method, "route": route, "status": status,
                                                     "ms": round(elapsed * 1000, 3)}})


def event(logger: logging.Logger, msg: str, **fields) -> None:
    """Log an event with structured fields (ids and counts only)."""
    logger.info(msg, extra={"fields": fields})
