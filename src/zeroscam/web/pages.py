"""Rendering pages: the per-request context (language, CSRF token, signed-in user),
formatting helpers for the templates, and the cookies a response must carry.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from zeroscam.kit.timeutil import BANGKOK, utcnow
from zeroscam.web import assets, labels
from zeroscam.web.i18n import LANG_COOKIE, Translator, pick_language
from zeroscam.web.security import CSRF_COOKIE, SESSION_COOKIE, SESSION_HOURS, Signer, TokenBucket, new_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

TH_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class StaffUser:
    """The signed-in staff member as the pages see them (no personal data beyond the username)."""

    id: int
    username: str
    org_id: int
    org_name: str
    org_type: str
    role: str
    principal: object = None


@dataclass
class Page:
    """What every page of one request shares."""

    lang: str
    t: Translator
    csrf: str
    csrf_is_new: bool
    set_lang_cookie: bool
    user: StaffUser | None = None
    flashes: list[str] = field(default_factory=list)
    session_cookie: str | None = None  # set when the user just signed in
    clear_session: bool = False


def web_state(request: Request):
    """Per-app web state (signer, rate limiters), made on first use."""
    state = request.app.state
    if not hasattr(state, "web_signer"):
        settings = state.settings
        state.web_signer = Signer(state.alliance_key)
        state.web_check_bucket = TokenBucket(settings.public_check_per_minute)
        # Reports and logins: a few a minute is plenty for a person, and slows a script.
        state.web_report_bucket = TokenBucket(max(5, settings.public_check_per_minute // 3))
        state.web_login_bucket = TokenBucket(10)
    return state


def client_ip(request: Request) -> str:
    """The peer address. Forwarded headers are not trusted: a proxy in front should
    be configured with uvicorn's --proxy-headers so that this is the real client."""
    return request.client.host if request.client else "unknown"


def page(request: Request) -> Page:
    """The request's Page, built once."""
    existing = getattr(request.state, "page", None)
    if existing is not None:
        return existing
    state = web_state(request)
    query_lang = request.query_params.get("lang")
    lang = pick_language(query_lang, request.cookies.get(LANG_COOKIE))
    csrf = state.web_signer.load_csrf(request.cookies.get(CSRF_COOKIE))
    is_new = csrf is None
    if is_new:
        csrf = new_token()
    p = Page(lang=lang, t=Translator(lang), csrf=csrf, csrf_is_new=is_new,
             set_lang_cookie=bool(query_lang) and query_lang.lower() == lang and request.cookies.get(LANG_COOKIE) != lang)
    request.state.page = p
    return p


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def apply_cookies(request: Request, response, p: Page) -> None:
    """Set the cookies the page needs: language, CSRF token, session (sign-in/out)."""
    secure = _is_https(request)
    signer = web_state(request).web_signer
    if p.set_lang_cookie:
        response.set_cookie(LANG_COOKIE, p.lang, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    if p.csrf_is_new:
        response.set_cookie(CSRF_COOKIE, signer.dump_csrf(p.csrf), max_age=7 * 24 * 3600, httponly=True,
                            samesite="lax", secure=secure)
    if p.session_cookie:
        response.set_cookie(SESSION_COOKIE, p.session_cookie, max_age=SESSION_HOURS * 3600, httponly=True,
                            samesite="lax", secure=secure, path="/")
    if p.clear_session:
        response.delete_cookie(SESSION_COOKIE, path="/")


# --- formatting -----------------------------------------------------------------

def fmt_int(value) -> str:
    if value is None:
        return "—"
    return f"{int(value):,}"


def fmt_baht(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = float(value)
    return f"{value:,.0f}" if value == int(value) or abs(value) >= 1000 else f"{value:,.2f}"


def fmt_hours(value) -> str:
    if value is None:
        return "—"
    if value < 1:
        return f"{value * 60:.0f} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} d"


def make_fmt_dt(lang: str):
    def fmt_dt(value) -> str:
        """Naive UTC → Bangkok time; Thai dates in the Buddhist era (พ.ศ.) as Thai readers expect."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        dt = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
        dt = dt.astimezone(BANGKOK)
        if lang == "th":
            return f"{dt.day} {TH_MONTHS[dt.month - 1]} {dt.year + 543} {dt:%H:%M}"
        return f"{dt.day} {EN_MONTHS[dt.month - 1]} {dt.year} {dt:%H:%M}"
    return fmt_dt


def iso_utc(value: datetime | None) -> str:
    if value is None:
        return ""
    dt = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z")


def make_countdown(t: Translator):
    def countdown(expires: datetime | None) -> str:
        """The server-side text of a hold timer (the page's script keeps it ticking)."""
        if expires is None:
            return ""
        seconds = (expires - utcnow()).total_seconds()
        if seconds <= 0:
            return t("holds.over")
        h, rem = divmod(int(seconds), 3600)
        m = rem // 60
        text = f"{h // 24}d {h % 24}h {m:02d}m" if h >= 24 else f"{h}h {m:02d}m"
        return f"{text} {t('holds.left')}"
    return countdown


def json_script(element_id: str, data) -> Markup:
    """Embed data for the page's script safely: no `</script>` can break out."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/json" id="{element_id}">{text}</script>')


def entity_label(kind: str, value: str) -> str:
    """How an entity is written on a page: holders by a short token, never by their ID."""
    return f"#{value[:12]}" if kind == "holder" else value


def entity_url(kind: str, value: str) -> str:
    return "/app/entity?" + urlencode({"kind": kind, "value": value})


def render(request: Request, name: str, context: dict | None = None, status: int = 200) -> HTMLResponse:
    """Render a template with the shared context and set the cookies the page needs."""
    p = page(request)
    t = p.t

    def lang_url(target: str) -> str:
        params = dict(request.query_params)
        params["lang"] = target
        return request.url.path + "?" + urlencode(params)

    def reason(code: str) -> str:
        key = f"reason.{code}"
        return t(key) if t.has(key) else code.replace("_", " ")

    ctx = {
        "lang": p.lang, "t": t, "has_key": t.has, "csrf_token": p.csrf, "user": p.user,
        "flashes": p.flashes, "asset": assets.available, "lang_url": lang_url,
        "fmt_int": fmt_int, "fmt_baht": fmt_baht, "fmt_hours": fmt_hours, "fmt_dt": make_fmt_dt(p.lang),
        "iso_utc": iso_utc, "countdown": make_countdown(t), "json_script": json_script,
        "entity_url": entity_url, "reason": reason, "label": entity_label,
        "province": lambda n: labels.province_label(n, p.lang),
        "bank": lambda c: labels.bank_label(c, p.lang),
        "active": None,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'")
    apply_cookies(request, response, p)
    return response
