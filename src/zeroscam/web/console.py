"""The members' console under `/app/`: sign-in, the national dashboard, reports,
cases, the hold queue and the entity page.

Staff sign in with their argon2 passwords; the session is a signed cookie. Every
POST carries the session's CSRF token. What a member sees follows the domains'
org-scoped repositories; views are written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from zeroscam.kit.errors import IdentifierError, NotFound, ZeroscamError
from zeroscam.web import assets, labels
from zeroscam.web.common import (SessionDep, audit, csrf_failed, csrf_ok, is_htmx, not_found, parse_amount,
                                 read_form, redirect, safe_next)
from zeroscam.web.pages import StaffUser, client_ip, entity_url, page, render, web_state
from zeroscam.web.security import SESSION_COOKIE, password_stamp

router = APIRouter(include_in_schema=False)


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


def _loginredirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, "/app/login?next=" + quote(target, safe=""))


@router.get("/app/login")
async def login_page(request: Request, session: SessionDep):
    if current_user(request, session) is not None:
        return redirect(request, safe_next(request.query_params.get("next")))
    return render(request, "app/login.html", {"next_url": safe_next(request.query_params.get("next"))})


@router.post("/app/login")
async def login_submit(request: Request, session: SessionDep):
    p = page(request)
    form = await read_form(request)
    if not csrf_ok(request, form, None if p.csrf_is_new else p.csrf):
        return csrf_failed(request)
    next_url = safe_next(form.get("next"))
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
    audit(session, f"org:{user.org_id}/user:{user.username}", "web.login", f"user:{user.id}")
    # A new CSRF token with the new session: a token planted before sign-in is useless after.
    from zeroscam.web.security import new_token

    p.csrf, p.csrf_is_new = new_token(), True
    p.session_cookie = web_state(request).web_signer.dump_session(user.id, p.csrf, password_stamp(user.password_hash))
    return redirect(request, next_url)


@router.post("/app/logout")
async def logout(request: Request, session: SessionDep):
    p = page(request)
    user = current_user(request, session)
    form = await read_form(request)
    if user is not None and not csrf_ok(request, form, p.csrf):
        return csrf_failed(request)
    p.clear_session = True
    return redirect(request, "/")


# --- the console: pages --------------------------------------------------------------

@router.get("/app")
async def console_rootredirect(request: Request):
    return redirect(request, "/app/")


@router.get("/app/")
async def dashboard(request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _loginredirect(request)
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
        return _loginredirect(request)
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
        return redirect(request, entity_url("holder", canonical))
    from zeroscam.reports.repository import ReportRepository

    view = entity_view(session, kind, canonical, ring_index=rings, entity_url=entity_url,
                       report_scope=ReportRepository(session, user.principal).scoped)
    audit(session, user.principal, "web.entity.view", f"{kind}:{canonical}"[:300])
    ctx["entity"] = view
    ctx["query"] = {"kind": kind, "value": view.display if kind != "holder" else ""}
    return render(request, "app/entity.html", ctx)


# --- the console: reports, cases, holds ----------------------------------------------

PAGE_SIZE = 50


@router.get("/app/reports")
async def reports_page(request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _loginredirect(request)
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
    audit(session, user.principal, "web.reports.list", "reports", {"count": min(len(rows), PAGE_SIZE),
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
        return _loginredirect(request)
    from zeroscam.cases.repository import HoldRepository
    from zeroscam.reports.repository import ReportRepository

    report = ReportRepository(session, user.principal).get(report_id)
    if report is None:
        return not_found(request)
    holds = HoldRepository(session, user.principal).list(report_id=report.id, limit=200)
    audit(session, user.principal, "web.report.view", f"report:{report.id}")
    return render(request, "app/report_detail.html", {"report": report, "holds": hold_rows(holds, user.principal),
                                                      "active": "reports"})


@router.get("/app/cases")
async def cases_page(request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _loginredirect(request)
    from sqlalchemy import func, select

    from zeroscam.cases import service as cases_service
    from zeroscam.reports.models import Report

    cases = cases_service.list_cases(session, user.principal, limit=200)
    counts = dict(session.execute(select(Report.case_id, func.count()).where(
        Report.case_id.in_([c.id for c in cases])).group_by(Report.case_id)).all()) if cases else {}
    audit(session, user.principal, "web.cases.list", "cases", {"count": len(cases)})
    return render(request, "app/cases.html", {"cases": cases, "counts": counts, "active": "cases"})


@router.get("/app/cases/{case_id}")
async def case_page(case_id: int, request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _loginredirect(request)
    from sqlalchemy import select

    from zeroscam.cases.repository import CaseRepository, HoldRepository
    from zeroscam.cases.models import Hold
    from zeroscam.reports.models import Report
    from zeroscam.reports.repository import ReportRepository

    case = CaseRepository(session, user.principal).get(case_id)
    if case is None:
        return not_found(request)
    reports = list(session.scalars(ReportRepository(session, user.principal).scoped(
        select(Report).where(Report.case_id == case.id)).order_by(Report.reported_at)))
    hold_repo = HoldRepository(session, user.principal)
    holds = list(session.scalars(hold_repo.scoped(select(Hold).where(Hold.case_id == case.id))
                                 .order_by(Hold.requested_at.desc()).limit(500)))
    audit(session, user.principal, "web.case.view", f"case:{case.id}")
    return render(request, "app/case.html", {"case": case, "reports": reports,
                                             "holds": hold_rows(holds, user.principal), "active": "cases"})


@router.get("/app/holds")
async def holds_page(request: Request, session: SessionDep):
    user = current_user(request, session)
    if user is None:
        return _loginredirect(request)
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
        return _loginredirect(request)
    p = page(request)
    form = await read_form(request)
    if not csrf_ok(request, form, p.csrf):
        return csrf_failed(request)
    from zeroscam.cases import service as cases_service

    try:
        if action == "confirm":
            try:
                amount = parse_amount(form.get("amount_held_thb", ""))
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
        return not_found(request)
    except ZeroscamError as exc:
        session.rollback()
        p.flashes.append(p.t("holds.err.refused", reason=exc.message))
        return await _holds_after_action(request, session, user, status=exc.status)
    if is_htmx(request):
        return await _holds_after_action(request, session, user)
    return redirect(request, "/app/holds?done=confirmed")


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
