"""The public pages: the check (`/`, `/check`) and the victim report form (`/report`).

Thai by default, English with `?lang=en`. Every form works as a plain POST without
JavaScript; with it, HTMX answers the check in place. The check is rate-limited
per client and answers coarsely — no counts, no names — so that it cannot be used
to read out the lists.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request

from zeroscam.kit.errors import IdentifierError, NotFound, ZeroscamError
from zeroscam.web import labels
from zeroscam.web.common import (SessionDep, csrf_failed, csrf_ok, error_page, is_htmx, log, parse_amount,
                                 read_form)
from zeroscam.web.pages import client_ip, page, render, web_state

router = APIRouter(include_in_schema=False)

CONTACT_ROWS = 4
TRANSFER_ROWS = 3


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
    form = await read_form(request)
    if not csrf_ok(request, form, None if p.csrf_is_new else p.csrf):
        if is_htmx(request):
            return render(request, "_check_result.html", {"result": {"outcome": "expired"}})
        return csrf_failed(request)
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
    if is_htmx(request):
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
        loss = parse_amount(form.get("loss_thb", ""))
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
            amount = parse_amount(fields["amount"])
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
    form = await read_form(request)
    if not csrf_ok(request, form, None if p.csrf_is_new else p.csrf):
        return csrf_failed(request)
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
    form = await read_form(request)
    if not csrf_ok(request, form, None if p.csrf_is_new else p.csrf):
        return csrf_failed(request)
    ip = client_ip(request)
    if not web_state(request).web_check_bucket.allow(ip):
        return error_page(request, 429, "check.limited", "check.limited.retry")
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
