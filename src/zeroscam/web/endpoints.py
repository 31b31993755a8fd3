"""The web pages: the public check and report form, and the members' console.

Server-rendered (Jinja2), progressively enhanced with HTMX: every form works as a
plain POST without JavaScript; with it, the check answers in place. Thai by
default, English with `?lang=en` (remembered in a cookie). Every POST carries a
CSRF token. The public check is rate-limited per client and answers coarsely —
no counts, no names — so it cannot be used to read out the lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
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
from zeroscam.web.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, password_stamp, tokens_match

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
            return render(request, "_check_result.html", {"result": {"outcome": "expired"}})
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
        # HTMX swaps only 2xx answers, and the fragment itself says what went wrong.
        response = render(request, "_check_result.html", {"result": result}, status=200)
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
    from pydantic import ValidationError

    from zeroscam.kit.errors import DataError
    from zeroscam.reports import service as reports_service

    try:
        out = reports_service.submit_report(session, report, key=request.app.state.alliance_key, source="public",
                                            settings=request.app.state.settings)
        session.commit()
    except DataError as exc:
        session.rollback()
        shown = exc.value if exc.value is not None else ""
        return render(request, "report.html", _report_context(
            request, form, [p.t("report.err.identifier", value=str(shown)[:100])]), status=422)
    except (ZeroscamError, ValidationError) as exc:
        session.rollback()
        log.info("public report refused: %s", type(exc).__name__)
        return render(request, "report.html", _report_context(request, form, [p.t("report.err.refused")]),
                      status=422)
    return render(request, "report_done.html", {"report_id": out.report.id, "status_token": out.status_token,
                                                "merged": out.merged}, status=201)


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

    status = None
    report_id, token = form.get("report_id", "")[:64], form.get("token", "")[:200]
    if report_id and token:
        try:
            report, _ = reports_service.get_report(session, report_id, status_token=token)
            status = report.status
            session.commit()  # the read is audited
        except NotFound:
            session.rollback()
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
    if user is None or user.disabled or data.stamp != password_stamp(user.password_hash):
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
    p.session_cookie = web_state(request).web_signer.dump_session(user.id, p.csrf, password_stamp(user.password_hash))
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
    dash = dashboard_query(session, user.principal)
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
    from zeroscam.reports.repository import ReportRepository

    view = entity_view(session, kind, canonical, ring_index=rings, entity_url=entity_url,
                       report_scope=ReportRepository(session, user.principal).scoped)
    _audit(session, user.principal, "web.entity.view", f"{kind}:{canonical}"[:300])
    ctx["entity"] = view
    ctx["query"] = {"kind": kind, "value": view.display if kind != "holder" else ""}
    return render(request, "app/entity.html", ctx)


# --- the console: reports, cases, holds ----------------------------------------------

PAGE_SIZE = 50


def _not_found(request: Request):
    return _error_page(request, 404, "error.notfound.title", "error.notfound.text")


@router.get("/app/reports")
async def reports_page(request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _login_redirect(request)
    from sqlalchemy import select

    from zeroscam.reports.models import Report
    from zeroscam.reports.repository import ReportRepository

    try:
        page_no = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page_no = 1
    scam_type = request.query_params.get("scam_type") or ""
    stmt = ReportRepository(session, user.principal).scoped(select(Report))
    if scam_type in labels.SCAM_TYPES:
        stmt = stmt.where(Report.scam_type == scam_type)
    else:
        scam_type = ""
    rows = list(session.scalars(stmt.order_by(Report.reported_at.desc(), Report.id)
                                .limit(PAGE_SIZE + 1).offset((page_no - 1) * PAGE_SIZE)))
    _audit(session, user.principal, "web.reports.list", "reports", {"count": min(len(rows), PAGE_SIZE),
                                                                      "page": page_no})
    return render(request, "app/reports.html", {
        "reports": rows[:PAGE_SIZE], "has_more": len(rows) > PAGE_SIZE, "page": page_no,
        "filters": {"scam_type": scam_type}, "scam_types": labels.SCAM_TYPES, "active": "reports"})


@dataclass
class HoldRow:
    """A hold as the queue shows it: the effective state and what this user may do."""

    id: int
    report_id: str
    account: str
    bank_code: str
    hop: int
    traced_thb: float | None
    state: str
    requested_at: datetime
    expires_at: datetime | None
    amount_held_thb: float | None
    can_confirm: bool
    can_complaint: bool
    can_release: bool
    can_extend: bool = False


def hold_rows(holds, principal) -> list[HoldRow]:
    from zeroscam.cases.service import LIVE, effective_state

    rows = []
    for h in holds:
        state = effective_state(h)
        live = state in LIVE
        police = principal.org_type == "police"
        rows.append(HoldRow(
            id=h.id, report_id=h.report_id, account=h.account, bank_code=h.bank_code, hop=h.hop,
            traced_thb=h.traced_thb, state=state, requested_at=h.requested_at, expires_at=h.expires_at,
            amount_held_thb=h.amount_held_thb,
            can_confirm=state == "requested" and h.bank_org_id == principal.org_id,
            can_complaint=state in ("requested", "held") and (police or h.requested_by_org_id == principal.org_id),
            can_release=live and (police or principal.org_id in (h.bank_org_id, h.requested_by_org_id)),
            can_extend=police and state in ("complaint", "extended")))
    return rows


@router.get("/app/reports/{report_id}")
async def report_detail(report_id: str, request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _login_redirect(request)
    from zeroscam.cases.repository import HoldRepository
    from zeroscam.reports.repository import ReportRepository

    report = ReportRepository(session, user.principal).get(report_id)
    if report is None:
        return _not_found(request)
    holds = HoldRepository(session, user.principal).list(report_id=report.id, limit=200)
    _audit(session, user.principal, "web.report.view", f"report:{report.id}")
    return render(request, "app/report_detail.html", {"report": report, "holds": hold_rows(holds, user.principal),
                                                      "active": "reports"})


@router.get("/app/cases")
async def cases_page(request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _login_redirect(request)
    from sqlalchemy import func, select

    from zeroscam.cases import service as cases_service
    from zeroscam.reports.models import Report

    cases = cases_service.list_cases(session, user.principal, limit=200)
    counts = dict(session.execute(select(Report.case_id, func.count()).where(
        Report.case_id.in_([c.id for c in cases])).group_by(Report.case_id)).all()) if cases else {}
    _audit(session, user.principal, "web.cases.list", "cases", {"count": len(cases)})
    return render(request, "app/cases.html", {"cases": cases, "counts": counts, "active": "cases"})


@router.get("/app/cases/{case_id}")
async def case_page(case_id: int, request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _login_redirect(request)
    from sqlalchemy import select

    from zeroscam.cases.repository import CaseRepository, HoldRepository
    from zeroscam.cases.models import Hold
    from zeroscam.reports.models import Report
    from zeroscam.reports.repository import ReportRepository

    case = CaseRepository(session, user.principal).get(case_id)
    if case is None:
        return _not_found(request)
    reports = list(session.scalars(ReportRepository(session, user.principal).scoped(
        select(Report).where(Report.case_id == case.id)).order_by(Report.reported_at)))
    hold_repo = HoldRepository(session, user.principal)
    holds = list(session.scalars(hold_repo.scoped(select(Hold).where(Hold.case_id == case.id))
                                 .order_by(Hold.requested_at.desc()).limit(500)))
    _audit(session, user.principal, "web.case.view", f"case:{case.id}")
    return render(request, "app/case.html", {"case": case, "reports": reports,
                                             "holds": hold_rows(holds, user.principal), "active": "cases"})


@router.get("/app/holds")
async def holds_page(request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _login_redirect(request)
    from zeroscam.cases import service as cases_service

    state = request.query_params.get("state") or None
    if state not in cases_service.STATES:
        state = None
    if state is None:
        holds = [h for s in cases_service.LIVE
                 for h in cases_service.list_holds(session, user.principal, state=s, limit=200)]
        holds.sort(key=lambda h: (h.expires_at is None, h.expires_at or h.requested_at))
    else:
        holds = cases_service.list_holds(session, user.principal, state=state, limit=200)
    session.commit()  # list_holds records who saw which holds
    flash = request.query_params.get("done")
    p = page(request)
    if flash == "confirmed":
        p.flashes.append(p.t("holds.updated"))
    return render(request, "app/holds.html", {"holds": hold_rows(holds, user.principal),
                                              "hold_states": cases_service.STATES,
                                              "filters": {"state": state or ""}, "active": "holds"})


async def _hold_action(request: Request, session: Session, hold_id: int, action: str):
    user = current_user(request, session)
    if user is None:
        return _login_redirect(request)
    p = page(request)
    form = await _form(request)
    if not _csrf_ok(request, form, p.csrf):
        return _csrf_failed(request)
    from zeroscam.cases import service as cases_service

    try:
        if action == "confirm":
            try:
                amount = _parse_amount(form.get("amount_held_thb", ""))
            except ValueError:
                amount = None
            if amount is None:
                p.flashes.append(p.t("holds.err.amount"))
                return await _holds_after_action(request, session, user, status=422)
            cases_service.confirm(session, user.principal, hold_id, amount)
        elif action == "complaint":
            cases_service.complaint(session, user.principal, hold_id)
        elif action == "release":
            cases_service.release(session, user.principal, hold_id, reason="web console")
        elif action == "extend":
            cases_service.extend(session, user.principal, hold_id, days=7)
        session.commit()
    except NotFound:
        session.rollback()
        return _not_found(request)
    except ZeroscamError as exc:
        session.rollback()
        p.flashes.append(p.t("holds.err.refused", reason=exc.message))
        return await _holds_after_action(request, session, user, status=exc.status)
    if _is_htmx(request):
        return await _holds_after_action(request, session, user)
    return _redirect(request, "/app/holds?done=confirmed")


async def _holds_after_action(request: Request, session: Session, user: StaffUser, status: int = 200):
    """The hold queue again (HTMX picks the changed row out of it with hx-select)."""
    from zeroscam.cases import service as cases_service

    holds = [h for s in cases_service.STATES
             for h in cases_service.list_holds(session, user.principal, state=s, limit=200)]
    session.commit()
    return render(request, "app/holds.html", {"holds": hold_rows(holds, user.principal),
                                              "hold_states": cases_service.STATES,
                                              "filters": {"state": ""}, "active": "holds"}, status=status)


@router.post("/app/holds/{hold_id}/confirm")
async def hold_confirm(hold_id: int, request: Request, session: SessionDep):
    return await _hold_action(request, session, hold_id, "confirm")


@router.post("/app/holds/{hold_id}/complaint")
async def hold_complaint(hold_id: int, request: Request, session: SessionDep):
    return await _hold_action(request, session, hold_id, "complaint")


@router.post("/app/holds/{hold_id}/extend")
async def hold_extend(hold_id: int, request: Request, session: SessionDep):
    return await _hold_action(request, session, hold_id, "extend")


@router.post("/app/holds/{hold_id}/release")
async def hold_release(hold_id: int, request: Request, session: SessionDep):
    return await _hold_action(request, session, hold_id, "release")
