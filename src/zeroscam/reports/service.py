"""Victim reports: intake (API, public form, bulk load), duplicates, signals and holds.

A new report
1. is normalised at the edge: contacts and transfers to canonical identifiers, and
   identifiers found in the narrative (`zeroscam.identifiers.extract`);
2. is merged into an earlier report when it is the same victim and the same transfers;
3. adds a `report` risk signal for each identifier it names (the victim's own phone
   and ID are never signals) and refreshes their risk entries at once;
4. asks for holds: along the money's path when the tracer and the analytics store are
   there, else on the accounts the report names — one hold per account, addressed to
   the bank's member organisation.
Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeroscam import identifiers
from zeroscam.audit.service import record
from zeroscam.cases import service as holds_service
from zeroscam.cases.models import Hold
from zeroscam.check import service as risk
from zeroscam.kit.errors import DataError, IdentifierError, NotFound
from zeroscam.kit.repository import Principal
from zeroscam.kit.timeutil import parse_ts, to_iso_bangkok, utcnow
from zeroscam.reports.models import Report, ReportIdentifier, ReportTransfer
from zeroscam.reports.repository import ReportRepository
from zeroscam.reports.schemas import ReportIn

# How strongly one victim's report speaks against an identifier, by how it was named.
ROLE_SCORE = {"transfer": 0.7, "contact": 0.6, "narrative": 0.4}


@dataclass
class Normalised:
    reported_at: datetime
    scam_type: str
    loss_thb: float | None
    victim_token: str | None
    victim_own: set[tuple[str, str]]
    province: str | None
    narrative: str | None
    identifiers: list[tuple[str, str, str]] = field(default_factory=list)  # kind, value, role
    transfers: list[dict] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    @property
    def dedup_key(self) -> str | None:
        return dedup_key(self.victim_token, self.transfers)


def dedup_key(victim: str | None, transfers: list[dict]) -> str | None:
    """Same victim, same transfers → same key (a transfer is its txn_id, else account and amount)."""
    if not victim or not transfers:
        return None
    parts = sorted(t["txn_id"] or f"{t['dst']}|{(t['amount'] or 0):.2f}" for t in transfers)
    return hashlib.sha256("\x1f".join([victim, *parts]).encode()).hexdigest()


def _norm(kind: str, value, column: str) -> str:
    try:
        return identifiers.normalize(kind, value)
    except IdentifierError as exc:
        raise DataError(f"not a valid {kind}: {exc.reason}", column=column, value=value) from exc


def victim_token(key: bytes, holder_id: str | None, phone: str | None) -> str | None:
    """The keyed token that stands for the victim (holder id preferred, else phone)."""
    if holder_id:
        return identifiers.token("holder_id", holder_id, key)
    if phone:
        return identifiers.token("phone", phone, key)
    return None


def narrative_identifiers(text: str | None, named: set[tuple[str, str]],
                          skip: set[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Identifiers found in free text, minus those already named and the victim's own (`skip`)."""
    if not text:
        return []
    out = []
    try:
        found = identifiers.extract(text)
    except Exception:  # extraction is best effort; the report stands without it
        return []
    for f in found:
        key = (f.kind, f.value)
        if key in named or key in skip or f.kind in ("national_id", "holder_id"):
            continue
        named.add(key)
        out.append((f.kind, f.value, "narrative"))
    return out


def normalise(data: ReportIn, key: bytes) -> Normalised:
    """Validate and canonicalise an incoming report (DataError names the field and value)."""
    try:
        reported_at = parse_ts(data.reported_at) if data.reported_at else utcnow()
    except ValueError as exc:
        raise DataError("not an ISO 8601 time", column="reported_at", value=data.reported_at) from exc
    holder = _norm("holder_id", data.victim.holder_id, "victim.holder_id") if data.victim.holder_id else None
    phone = _norm("phone", data.victim.phone, "victim.phone") if data.victim.phone else None
    own = {("phone", phone)} if phone else set()
    if holder and holder.isdigit():
        own |= {("national_id", holder), ("promptpay", holder)}
    if phone:
        own.add(("promptpay", phone))
    n = Normalised(reported_at=reported_at, scam_type=data.scam_type, loss_thb=data.loss_thb,
                   victim_token=victim_token(key, holder, phone), victim_own=own, province=data.victim.province,
                   narrative=data.narrative, raw=data.model_dump(mode="json", exclude_none=True))
    named: set[tuple[str, str]] = set()
    for i, t in enumerate(data.transfers):
        dst = _norm_account(t.to_bank, t.to_account, f"transfers[{i}].to_account")
        src = _norm_account(t.from_bank, t.from_account, f"transfers[{i}].from_account") if t.from_account else None
        try:
            ts = parse_ts(t.ts) if t.ts else None
        except ValueError as exc:
            raise DataError("not an ISO 8601 time", column=f"transfers[{i}].ts", value=t.ts) from exc
        n.transfers.append({"seq": i + 1, "ts": ts, "txn_id": t.txn_id, "src": src, "dst": dst, "amount": t.amount})
        if ("bank_account", dst) not in named:
            named.add(("bank_account", dst))
            n.identifiers.append(("bank_account", dst, "transfer"))
    for i, c in enumerate(data.contacts):
        value = _norm(c.type, c.value, f"contacts[{i}].value")
        if (c.type, value) in named or (c.type, value) in own:
            continue
        named.add((c.type, value))
        n.identifiers.append((c.type, value, "contact"))
    n.identifiers += narrative_identifiers(data.narrative, named, own)
    return n


def _norm_account(bank, account, column: str) -> str:
    from zeroscam.identifiers import bank_account

    try:
        return bank_account.from_fields(bank, account)
    except IdentifierError as exc:
        raise DataError(f"not a valid bank account: {exc.reason}", column=column, value=f"{bank}-{account}") from exc


def new_report_id(reported_at: datetime) -> str:
    return f"ZR-{reported_at:%Y%m%d}-{secrets.token_hex(5).upper()}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signal_rows(report_id: str, victim: str | None, observed_at: datetime,
                idents: list[tuple[str, str, str]]) -> list[dict]:
    """A `report` risk signal per identifier the report names (kinds the check API serves)."""
    rows = []
    for kind, value, role in idents:
        if kind not in risk.SIGNAL_KINDS:
            continue
        rows.append({"kind": kind, "value": value, "source": "report", "ref": report_id,
                     "score": ROLE_SCORE.get(role, 0.4), "reason": "victim_reports", "victim_token": victim,
                     "observed_at": observed_at})
    return rows


def plan_holds(session: Session, settings, report_id: str, transfers: list[dict]) -> list[holds_service.HoldTarget]:
    """Accounts to hold for a new report: its money's path if the tracer and store are
    there, else the accounts the victim paid."""
    targets: dict[str, holds_service.HoldTarget] = {}
    if settings is not None:
        try:
            from zeroscam.ingest import adapters, store

            dataset = store.open_store(session, settings)
            frame = adapters.trace_report(dataset, report_id, transfers) if dataset is not None else None
        except DataError:
            frame = None
        if frame is not None:
            for row in frame.itertuples(index=False):
                acc = f"{row.bank}-{row.account}"
                if acc not in targets:
                    targets[acc] = holds_service.HoldTarget(acc, int(row.hop), float(row.traced_thb))
    for t in transfers:
        if t["dst"] not in targets:
            targets[t["dst"]] = holds_service.HoldTarget(t["dst"], 1, t["amount"])
    return list(targets.values())


@dataclass
class Submitted:
    report: Report
    status_token: str | None
    merged: bool
    holds: list[Hold]


def submit_report(session: Session, data: ReportIn | dict, *, key: bytes, source: str = "api",
                  principal: Principal | None = None, settings=None) -> Submitted:
    """Take in one report from a member (`source="api"`) or the public form (`"public"`).

    Returns the report, the victim's status token (shown once; None when merged into an
    earlier report), whether it was merged, and its holds."""
    if isinstance(data, dict):
        data = ReportIn.model_validate(data)
    n = normalise(data, key)
    existing = session.scalar(select(Report).where(Report.dedup_key == n.dedup_key)) if n.dedup_key else None
    if existing is not None:
        have = {(i.kind, i.value) for i in existing.identifiers}
        fresh = [i for i in n.identifiers if (i[0], i[1]) not in have]
        for kind, value, role in fresh:
            existing.identifiers.append(ReportIdentifier(kind=kind, value=value, role=role))
        rows = signal_rows(existing.id, existing.victim_token, existing.reported_at, fresh)
        risk.add_signals_bulk(session, rows)
        if rows:
            risk.refresh_risk(session, [(r["kind"], r["value"]) for r in rows])
        record(session, principal or source, "report.merge", f"report:{existing.id}", {"new_identifiers": len(fresh)})
        session.flush()
        holds = list(session.scalars(select(Hold).where(Hold.report_id == existing.id)))
        return Submitted(existing, None, True, holds)

    token = secrets.token_urlsafe(24)
    report = Report(id=new_report_id(n.reported_at), source=source, org_id=principal.org_id if principal else None,
                    reported_at=n.reported_at, scam_type=n.scam_type, loss_thb=n.loss_thb,
                    victim_token=n.victim_token, victim_province=n.province, narrative=n.narrative, raw=n.raw,
                    dedup_key=n.dedup_key, status="received", status_token_hash=hash_token(token))
    report.identifiers = [ReportIdentifier(kind=k, value=v, role=r) for k, v, r in n.identifiers]
    report.transfers = [ReportTransfer(**t) for t in n.transfers]
    session.add(report)
    session.flush()
    rows = signal_rows(report.id, n.victim_token, n.reported_at, n.identifiers)
    risk.add_signals_bulk(session, rows)
    risk.refresh_risk(session, [(r["kind"], r["value"]) for r in rows])
    targets = plan_holds(session, settings, report.id, n.transfers)
    holds = holds_service.request_holds(session, report.id, targets, principal)
    report.status = "holds_requested" if holds else "received"
    record(session, principal or source, "report.create", f"report:{report.id}",
           {"source": source, "identifiers": len(n.identifiers), "transfers": len(n.transfers), "holds": len(holds)})
    session.flush()
    return Submitted(report, token, False, holds)


def get_report(session: Session, report_id: str, *, principal: Principal | None = None,
               status_token: str | None = None) -> tuple[Report, bool]:
    """A report the caller may see: (report, seen_by_victim). NotFound otherwise.

    Members see it through `ReportRepository`'s scope; the victim with the status token."""
    report = None
    victim = False
    if principal is not None:
        report = ReportRepository(session, principal).get(report_id)
    if report is None and status_token:
        candidate = session.get(Report, report_id)
        if candidate is not None and candidate.status_token_hash and hmac.compare_digest(
                candidate.status_token_hash, hash_token(status_token)):
            report, victim = candidate, True
    if report is None:
        raise NotFound(f"no report {report_id}")
    record(session, principal or "victim", "report.read", f"report:{report.id}", {"by_victim": victim})
    return report, victim


def list_reports(session: Session, principal: Principal, *, limit: int = 100, offset: int = 0) -> list[Report]:
    reports = ReportRepository(session, principal).list(limit=limit, offset=offset)
    if reports:
        record(session, principal, "report.list", "reports", {"count": len(reports)})
    return reports


def view(session: Session, report: Report, *, victim: bool = False) -> dict:
    """The API view. A victim sees only the holds on accounts they paid (hop 1)."""
    holds = session.scalars(select(Hold).where(Hold.report_id == report.id).order_by(Hold.hop, Hold.id)).all()
    if victim:
        holds = [h for h in holds if h.hop == 1]
    return {
        "id": report.id, "status": report.status, "source": report.source,
        "reported_at": to_iso_bangkok(report.reported_at), "scam_type": report.scam_type,
        "loss_thb": report.loss_thb, "victim_province": report.victim_province, "narrative": report.narrative,
        "case_id": report.case_id,
        "identifiers": [{"kind": i.kind, "value": i.value, "role": i.role} for i in report.identifiers],
        "transfers": [{"seq": t.seq, "ts": to_iso_bangkok(t.ts) if t.ts else None, "txn_id": t.txn_id,
                       "src": t.src, "dst": t.dst, "amount": t.amount} for t in report.transfers],
        "holds": [hold_brief(h) for h in holds],
    }


def hold_brief(h: Hold) -> dict:
    return {"id": h.id, "account": h.account, "bank_code": h.bank_code, "hop": h.hop,
            "state": holds_service.effective_state(h)}
