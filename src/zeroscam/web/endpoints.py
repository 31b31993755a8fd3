"""The web pages: the public check and report form, and the members' console.

Server-rendered (Jinja2), progressively enhanced with HTMX: every form works as a
plain POST without JavaScript; with it, the check answers in place. Thai by
default, English with `?lang=en` (remembered in a cookie). Every POST carries a
CSRF token. The public check is rate-limited per client and answers coarsely —
no counts, no names — so it cannot be used to read out the lists.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from zeroscam.kit.db import get_session
from zeroscam.kit.errors import IdentifierError, NotFound, ZeroscamError
from zeroscam.web import assets, labels
from zeroscam.web.pages import StaffUser, apply_cookies, client_ip, entity_url, page, render, web_state
from zeroscam.web.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, tokens_match

log = logging.getLogger("zeroscam.web")

router = APIRouter(include_in_schema=False)
router.mount("/static", StaticFiles(directory=str(assets.STATIC_DIR), check_dir=False), name="static")

SessionDep = Annotated[Session, Depends(get_session)]
CONTACT_ROWS = 4
TRANSFER_ROWS = 3


# --- helpers ----------------------------------------------------------------------

def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _form(request: Request) -> dict[str, str]:
    """The posted form as plain strings (files are not accepted anywhere)."""
    form = await request.form()
    return {k: v.strip() if isinstance(v, str) else "" for k, v in form.items()}


def _csrf_ok(request: Request, form: dict[str, str], expected: str | None) -> bool:
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    return tokens_match(expected, given)


def _error_page(request: Request, status: int, title_key: str, message_key: str):
    t = page(request).t
    return render(request, "error.html", {"title": t(title_key), "message": t(message_key)}, status=status)


def _csrf_failed(request: Request):
    return _error_page(request, 403, "error.csrf.title", "error.csrf.text")


def _safe_next(target: str | None) -> str:
    """Only a local console path may follow a sign-in (no open redirect)."""
    if not target:
        return "/app/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/app") or target.startswith("//"):
        return "/app/"
    return target


def _redirect(request: Request, url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    apply_cookies(request, response, page(request))
    return response


# --- public: home and check ----------------------------------------------------------

def _check_context(request: Request, form: dict | None = None, result: dict | None = None) -> dict:
    lang = page(request).lang
    return {"check_types": labels.CHECK_TYPES, "banks": labels.bank_options(lang),
            "form": form or {"type": "bank_account"}, "result": result}


@router.get("/")
async def home(request: Request):
    return render(request, "index.html", {**_check_context(request), "active": "home"})


@router.get("/check")
async def check_page(request: Request):
    return render(request, "check.html", {**_check_context(request), "active": "check"})


def _public_answer(request: Request, kind: str, bank: str, value: str) -> dict:
    """Coarse outcome of one public check: high | medium | none | invalid."""
    from zeroscam.check.lookup import answer_one
    from zeroscam.identifiers import bank_account

    if kind not in labels.CHECK_TYPES or not value or len(value) > 300:
        return {"outcome": "invalid", "kind": kind if kind in labels.CHECK_TYPES else "bank_account"}
    if kind == "bank_account" and bank:
        try:
            value = bank_account.make(bank, value)
        except IdentifierError:
            return {"outcome": "invalid", "kind": kind}
    cache = request.app.state.risk_cache
    cache.refresh_if_stale()
    result = answer_one(cache, kind, value, request.app.state.alliance_key)
    risk = result.get("risk")
    if risk == "invalid":
        return {"outcome": "invalid", "kind": kind}
    outcome = {"high": "high", "medium": "medium"}.get(risk, "none")
    return {"outcome": outcome, "kind": kind, "display": result.get("value", value)}


@router.post("/check")
async def check_submit(request: Request):
    p = page(request)
    form = await _form(request)
    if not _csrf_ok(request, form, None if p.csrf_is_new else p.csrf):
        if _is_htmx(request):
            return render(request, "_check_result.html", {"result": {"outcome": "unavailable"}}, status=403)
        return _csrf_failed(request)
    kind, bank, value = form.get("type", ""), form.get("bank", ""), form.get("value", "")
    bucket = web_state(request).web_check_bucket
    ip = client_ip(request)
    if not bucket.allow(ip):
        result = {"outcome": "limited", "retry_after": bucket.retry_after(ip)}
        status = 429
    else:
        try:
            result = _public_answer(request, kind, bank, value)
            status = 200
        except Exception:  # the check service being down must not show a traceback
            log.exception("public check failed")
            result, status = {"outcome": "unavailable"}, 503
    if _is_htmx(request):
        response = render(request, "_check_result.html", {"result": result}, status=status)
    else:
        template = "index.html" if form.get("from") == "home" else "check.html"
        response = render(request, template, {**_check_context(request, form, result), "active": "check"},
                          status=status)
    if status == 429:
        response.headers["Retry-After"] = str(result["retry_after"])
    return response


# --- public: the report form ---------------------------------------------------------

def _report_context(request: Request, form: dict | None = None, errors: list[str] | None = None) -> dict:
    lang = page(request).lang
    return {"scam_types": labels.SCAM_TYPES, "contact_types": labels.CONTACT_TYPES,
            "banks": labels.bank_options(lang), "provinces": labels.province_options(lang),
            "contact_rows": CONTACT_ROWS, "transfer_rows": TRANSFER_ROWS,
            "form": form or {}, "errors": errors or [], "active": "report"}


@router.get("/report")
async def report_page(request: Request):
    return render(request, "report.html", _report_context(request))


def _parse_amount(text: str) -> float | None:
    text = (text or "").replace(",", "").replace("฿", "").replace("บาท", "").strip()
    if not text:
        return None
    value = float(text)  # ValueError for the caller
    if value < 0 or value > 1e12 or value != value:
        raise ValueError(text)
    return round(value, 2)


def _parse_local_ts(text: str) -> str | None:
    """`2025-03-01T21:40` from <input type=datetime-local> is Bangkok time; keep it as ISO with +07:00."""
    if not text:
        return None
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        return dt.strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"
    return dt.isoformat()


def build_report(form: dict[str, str], t) -> tuple[dict, list[str]]:
    """The form → an AXF-shaped report (reports.jsonl fields) and the errors, in the visitor's language."""
    errors: list[str] = []
    scam_type = form.get("scam_type", "")
    if scam_type not in labels.SCAM_TYPES:
        errors.append(t("report.err.scam_type"))
    try:
        loss = _parse_amount(form.get("loss_thb", ""))
    except ValueError:
        errors.append(t("report.err.loss"))
        loss = None
    victim = {}
    if form.get("victim_phone"):
        victim["phone"] = form["victim_phone"]
    if form.get("victim_province"):
        if form["victim_province"] not in labels.PROVINCES:
            errors.append(t("report.err.province"))
        else:
            victim["province"] = form["victim_province"]
    contacts = []
    for i in range(CONTACT_ROWS):
        value = form.get(f"contact_value_{i}", "")
        kind = form.get(f"contact_type_{i}", "")
        if value:
            if kind not in labels.CONTACT_TYPES:
                errors.append(t("report.err.contact", n=i + 1))
            else:
                contacts.append({"type": kind, "value": value})
    transfers = []
    for i in range(TRANSFER_ROWS):
        fields = {k: form.get(f"transfer_{k}_{i}", "") for k in ("ts", "to_bank", "to_account", "amount",
                                                               "from_bank", "from_account")}
        if not any(fields.values()):
            continue
        row: dict = {}
        try:
            ts = _parse_local_ts(fields["ts"])
            if ts:
                row["ts"] = ts
        except ValueError:
            errors.append(t("report.err.transfer_ts", n=i + 1))
        try:
            amount = _parse_amount(fields["amount"])
            if amount is not None:
                row["amount"] = amount
        except ValueError:
            errors.append(t("report.err.transfer_amount", n=i + 1))
        if not fields["to_bank"] or not fields["to_account"]:
            errors.append(t("report.err.transfer_to", n=i + 1))
        else:
            row["to_bank"], row["to_account"] = fields["to_bank"], fields["to_account"]
        if fields["from_bank"] and fields["from_account"]:
            row["from_bank"], row["from_account"] = fields["from_bank"], fields["from_account"]
        transfers.append(row)
    narrative = form.get("narrative", "")[:5000]
    if not contacts and not transfers and not narrative:
        errors.append(t("report.err.empty"))
    report = {"scam_type": scam_type, "loss_thb": loss, "victim": victim, "contacts": contacts,
              "transfers": transfers, "narrative": narrative}
    return report, errors


@router.post("/report")
async def report_submit(request: Request, session: SessionDep):
    p = page(request)
    form = await _form(request)
    if not _csrf_ok(request, form, None if p.csrf_is_new else p.csrf):
        return _csrf_failed(request)
    ip = client_ip(request)
    bucket = web_state(request).web_report_bucket
    if not bucket.allow(ip):
        response = render(request, "report.html", _report_context(
            request, form, [p.t("check.limited.advice", seconds=bucket.retry_after(ip))]), status=429)
        response.headers["Retry-After"] = str(bucket.retry_after(ip))
        return response
    report, errors = build_report(form, p.t)
    if errors:
        return render(request, "report.html", _report_context(request, form, errors), status=422)
    from zeroscam.reports import service as reports_service

    try:
        receipt = reports_service.submit_public_report(session, report, key=request.app.state.alliance_key)
        session.commit()
    except IdentifierError as exc:
        session.rollback()
        return render(request, "report.html", _report_context(
            request, form, [p.t("report.err.identifier", value=str(exc.value))]), status=422)
    except ZeroscamError as exc:
        session.rollback()
        log.info("public report refused: %s", type(exc).__name__)
        return render(request, "report.html", _report_context(request, form, [p.t("report.err.refused")]),
                      status=exc.status if 400 <= exc.status < 500 else 422)
    return render(request, "report_done.html", {"report_id": receipt.report_id,
                                                "status_token": receipt.status_token}, status=201)


@router.get("/report/status")
async def report_status_page(request: Request):
    return render(request, "report_status.html", {"form": {}, "status": None, "failed": False})


@router.post("/report/status")
async def report_status_submit(request: Request, session: SessionDep):
    p = page(request)
    form = await _form(request)
    if not _csrf_ok(request, form, None if p.csrf_is_new else p.csrf):
        return _csrf_failed(request)
    ip = client_ip(request)
    if not web_state(request).web_check_bucket.allow(ip):
        return _error_page(request, 429, "check.limited", "check.limited.retry")
    from zeroscam.reports import service as reports_service

    status = reports_service.public_status(session, form.get("report_id", ""), form.get("token", ""))
    return render(request, "report_status.html", {"form": form, "status": status, "failed": status is None},
                  status=200 if status else 404)


# --- the console: sign-in ------------------------------------------------------------

def current_user(request: Request, session: Session) -> StaffUser | None:
    """The signed-in, enabled staff user of this request, or None."""
    p = page(request)
    if p.user is not None:
        return p.user
    data = web_state(request).web_signer.load_session(request.cookies.get(SESSION_COOKIE))
    if data is None:
        return None
    from zeroscam.members.models import User
    from zeroscam.members.service import principal_for

    user = session.get(User, data.user_id)
    if user is None or user.disabled:
        return None
    org = user.org
    p.user = StaffUser(id=user.id, username=user.username, org_id=org.id, org_name=org.name, org_type=org.type,
                       role=user.role, principal=principal_for(org, user))
    # The console's forms use the token bound to the session.
    p.csrf, p.csrf_is_new = data.csrf, False
    return p.user


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return _redirect(request, "/app/login?next=" + quote(target, safe=""))


@router.get("/app/login")
async def login_page(request: Request, session: SessionDep):
    if current_user(request, session) is not None:
        return _redirect(request, _safe_next(request.query_params.get("next")))
    return render(request, "app/login.html", {"next_url": _safe_next(request.query_params.get("next"))})


@router.post("/app/login")
async def login_submit(request: Request, session: SessionDep):
    p = page(request)
    form = await _form(request)
    if not _csrf_ok(request, form, None if p.csrf_is_new else p.csrf):
        return _csrf_failed(request)
    next_url = _safe_next(form.get("next"))
    ip = client_ip(request)
    if not web_state(request).web_login_bucket.allow(ip):
        return render(request, "app/login.html", {"next_url": next_url, "username": form.get("username"),
                                                  "error": p.t("login.limited")}, status=429)
    from zeroscam.members.service import authenticate_user

    user = authenticate_user(session, form.get("username", ""), form.get("password", ""))
    if user is None:
        session.rollback()
        return render(request, "app/login.html", {"next_url": next_url, "username": form.get("username"),
                                                  "error": p.t("login.failed")}, status=401)
    session.commit()  # a password rehash, if argon2's parameters changed
    _audit(session, f"org:{user.org_id}/user:{user.username}", "web.login", f"user:{user.id}")
    # A new CSRF token with the new session: a token planted before sign-in is useless after.
    from zeroscam.web.security import new_token

    p.csrf, p.csrf_is_new = new_token(), True
    p.session_cookie = web_state(request).web_signer.dump_session(user.id, p.csrf)
    return _redirect(request, next_url)


@router.post("/app/logout")
async def logout(request: Request, session: SessionDep):
    p = page(request)
    user = current_user(request, session)
    form = await _form(request)
    if user is not None and not _csrf_ok(request, form, p.csrf):
        return _csrf_failed(request)
    p.clear_session = True
    return _redirect(request, "/")


def _audit(session: Session, actor: str, action: str, subject: str, detail: dict | None = None) -> None:
    """Record in the audit log who saw or did what (PDPA); never fails the page."""
    try:
        from zeroscam.audit import service as audit_service

        audit_service.record(session, actor=actor, action=action, subject=subject, detail=detail or {})
        session.commit()
    except Exception:
        session.rollback()
        log.warning("audit record failed for %s", action)


# --- the console: pages --------------------------------------------------------------

@router.get("/app")
async def console_root_redirect(request: Request):
    return _redirect(request, "/app/")


@router.get("/app/")
async def dashboard(request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _login_redirect(request)
    from zeroscam.web.repository import dashboard as dashboard_query

    p = page(request)
    dash = dashboard_query(session)
    t = p.t
    chart_data = {
        "days": [row["day"] for row in dash["per_day"]],
        "reports": [row["reports"] for row in dash["per_day"]],
        "loss": [row["loss"] for row in dash["per_day"]],
        "labels": {"reports": t("dash.col.reports"), "loss": t("dash.col.loss")},
        "types": {"labels": [t("scam." + r["scam_type"]) if t.has("scam." + r["scam_type"]) else r["scam_type"]
                             for r in dash["by_type"]],
                  "reports": [r["reports"] for r in dash["by_type"]]},
    }
    from zeroscam.web.pages import make_fmt_dt

    fmt_dt = make_fmt_dt(p.lang)
    dash["start_label"], dash["end_label"] = fmt_dt(dash["start"]), fmt_dt(dash["end"])
    return render(request, "app/dashboard.html", {
        "dash": dash, "chart_data": chart_data, "active": "dashboard",
        "charts_available": assets.available("chart.umd.min.js")})


# --- the console: the entity page ----------------------------------------------------

def ring_index(request: Request):
    """The app's ring index over analytics/rings.json (made on first use)."""
    state = request.app.state
    if not hasattr(state, "web_rings"):
        from zeroscam import identifiers
        from zeroscam.web.rings import RingIndex

        key = state.alliance_key

        def holder_token(canonical: str) -> str:
            return identifiers.token("holder_id", canonical, key)

        state.web_rings = RingIndex(state.settings.analytics_dir, holder_token)
    return state.web_rings


@router.get("/app/entity")
async def entity_page(request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _login_redirect(request)
    from zeroscam.web.repository import ENTITY_KINDS, canonical_entity, entity_view

    p = page(request)
    kind = request.query_params.get("kind") or "bank_account"
    value = (request.query_params.get("value") or "").strip()
    ctx = {"entity_kinds": ENTITY_KINDS, "query": {"kind": kind, "value": value}, "entity": None,
           "error": None, "active": "entity", "graph_available": assets.available("cytoscape.min.js")}
    rings = ring_index(request)
    ctx["rings_loaded"] = rings.loaded
    if not value:
        return render(request, "app/entity.html", ctx)
    try:
        kind, canonical = canonical_entity(kind, value, request.app.state.alliance_key)
    except IdentifierError:
        kind_label = p.t("kind." + kind) if p.t.has("kind." + kind) else kind
        ctx["error"] = p.t("entity.err.value", kind=kind_label)
        return render(request, "app/entity.html", ctx, status=422)
    if kind == "holder" and canonical != value.lower():
        # a holder id was typed: continue under its token, so the id stays out of URLs
        return _redirect(request, entity_url("holder", canonical))
    view = entity_view(session, kind, canonical, ring_index=rings, entity_url=entity_url)
    _audit(session, user.principal, "web.entity.view", f"{kind}:{canonical}"[:300])
    ctx["entity"] = view
    ctx["query"] = {"kind": kind, "value": view.display if kind != "holder" else ""}
    return render(request, "app/entity.html", ctx)
