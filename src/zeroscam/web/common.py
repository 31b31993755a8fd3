"""What the web pages' handlers share: reading forms, CSRF checks, redirects,
error pages and audit records."""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from zeroscam.kit.db import get_session
from zeroscam.web.pages import apply_cookies, page, render
from zeroscam.web.security import CSRF_FIELD, CSRF_HEADER, tokens_match

log = logging.getLogger("zeroscam.web")

SessionDep = Annotated[Session, Depends(get_session)]

def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def read_form(request: Request) -> dict[str, str]:
    """The posted form as plain strings (files are not accepted anywhere)."""
    form = await request.form()
    return {k: v.strip() if isinstance(v, str) else "" for k, v in form.items()}


def csrf_ok(request: Request, form: dict[str, str], expected: str | None) -> bool:
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    return tokens_match(expected, given)


def error_page(request: Request, status: int, title_key: str, message_key: str):
    t = page(request).t
    return render(request, "error.html", {"title": t(title_key), "message": t(message_key)}, status=status)


def csrf_failed(request: Request):
    return error_page(request, 403, "error.csrf.title", "error.csrf.text")


def safe_next(target: str | None) -> str:
    """Only a local console path may follow a sign-in (no open redirect)."""
    if not target:
        return "/app/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/app") or target.startswith("//"):
        return "/app/"
    return target


def redirect(request: Request, url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    apply_cookies(request, response, page(request))
    return response


def audit(session: Session, actor: str, action: str, subject: str, detail: dict | None = None) -> None:
    """Record in the audit log who saw or did what (PDPA); never fails the page."""
    try:
        from zeroscam.audit import service as audit_service

        audit_service.record(session, actor=actor, action=action, subject=subject, detail=detail or {})
        session.commit()
    except Exception:
        session.rollback()
        log.warning("audit record failed for %s", action)

def not_found(request: Request):
    return error_page(request, 404, "error.notfound.title", "error.notfound.text")


def parse_amount(text: str) -> float | None:
    """`"35,000"`, `"฿35000"`, `"35000 บาท"` → 35000.0; empty → None; ValueError otherwise."""
    text = (text or "").replace(",", "").replace("฿", "").replace("บาท", "").strip()
    if not text:
        return None
    value = float(text)
    if value < 0 or value > 1e12 or value != value:
        raise ValueError(text)
    return round(value, 2)
