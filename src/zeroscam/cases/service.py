"""Holds along the money's path, and cases that group reports.

The Royal Decree on Technology Crime Prevention (DOMAIN.md): when a victim reports,
the bank holds the money for 72 hours; once the victim's police complaint is filed the
hold runs 7 days, and the police may extend it. Here:

  requested ──confirm (bank, amount held)──► held (expires confirmed_at + 72 h)
  requested/held ──complaint (police or the requester)──► complaint (expires + 7 days)
  complaint/extended ──extend (police)──► extended (expiry pushed by N days)
  any live state ──release (bank, police or requester)──► released
  a live state past its expiry is `expired` (computed; stored by the next write).

A request the bank never confirms expires 72 hours after it was sent. Every step is a
timed `HoldEvent` and an audit entry. Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from zeroscam.audit.service import record
from zeroscam.cases.models import Case, Hold, HoldEvent
from zeroscam.cases.repository import CaseRepository, HoldRepository
from zeroscam.kit.errors import Conflict, DataError, Forbidden, NotFound
from zeroscam.kit.repository import Principal
from zeroscam.kit.timeutil import utcnow

HOLD_WINDOW = timedelta(hours=72)
COMPLAINT_WINDOW = timedelta(days=7)
MAX_EXTEND_DAYS = 30
LIVE = ("requested", "held", "complaint", "extended")
STATES = LIVE + ("released", "expired")


@dataclass(frozen=True)
class HoldTarget:
    account: str  # canonical BANK-DIGITS
    hop: int = 1
    traced_thb: float | None = None


def effective_state(hold: Hold, now: datetime | None = None) -> str:
    now = now or utcnow()
    if hold.state in LIVE and hold.expires_at is not None and hold.expires_at <= now:
        return "expired"
    return hold.state


def _event(session: Session, hold: Hold, action: str, actor: Principal | None, **detail) -> None:
    ts = utcnow()
    hold.events.append(HoldEvent(ts=ts, actor_org_id=actor.org_id if actor else None, action=action,
                                 detail=detail))
    record(session, actor or "system", f"hold.{action}", f"hold:{hold.id}",
           {"report_id": hold.report_id, "bank_code": hold.bank_code, **detail})


def request_holds(session: Session, report_id: str, targets: list[HoldTarget], requested_by: Principal | None,
                  case_id: int | None = None) -> list[Hold]:
    """One hold request per account (per report), addressed to the bank's member org."""
    from zeroscam.members.service import org_for_bank

    existing = {h.account: h for h in session.scalars(select(Hold).where(Hold.report_id == report_id))}
    out: list[Hold] = []
    banks: dict[str, int | None] = {}
    now = utcnow()
    for t in targets:
        if t.account in existing:
            out.append(existing[t.account])
            continue
        bank = t.account.split("-", 1)[0]
        if bank not in banks:
            org = org_for_bank(session, bank)
            banks[bank] = org.id if org else None
        hold = Hold(report_id=report_id, case_id=case_id, account=t.account, bank_code=bank,
                    bank_org_id=banks[bank], requested_by_org_id=requested_by.org_id if requested_by else None,
                    hop=int(t.hop), traced_thb=t.traced_thb, state="requested", requested_at=now,
                    expires_at=now + HOLD_WINDOW)
        session.add(hold)
        session.flush()
        _event(session, hold, "request", requested_by, hop=int(t.hop))
        existing[t.account] = hold
        out.append(hold)
    session.flush()
    return out


def _get(session: Session, principal: Principal, hold_id: int) -> Hold:
    hold = HoldRepository(session, principal).get(hold_id, for_update=True)
    if hold is None:
        raise NotFound(f"no hold {hold_id}")
    state = effective_state(hold)
    if state == "expired" and hold.state != "expired":
        hold.state = "expired"
        _event(session, hold, "expire", None)
    return hold


def _require_live(hold: Hold, allowed: tuple[str, ...], step: str) -> None:
    if hold.state not in allowed:
        raise Conflict(f"hold {hold.id} is {hold.state}; cannot {step}")


def confirm(session: Session, principal: Principal, hold_id: int, amount_held_thb: float) -> Hold:
    """The bank confirms it holds `amount_held_thb` in the account; the 72-hour clock starts."""
    hold = _get(session, principal, hold_id)
    if hold.bank_org_id != principal.org_id:
        raise Forbidden("only the account's bank confirms a hold")
    _require_live(hold, ("requested",), "confirm")
    if amount_held_thb < 0:
        raise DataError("amount_held_thb must not be negative", value=amount_held_thb)
    now = utcnow()
    hold.state, hold.confirmed_at, hold.amount_held_thb = "held", now, float(amount_held_thb)
    hold.expires_at = now + HOLD_WINDOW
    _event(session, hold, "confirm", principal, amount_held_thb=float(amount_held_thb),
           seconds_to_hold=round((now - hold.requested_at).total_seconds(), 3))
    session.flush()
    return hold


def complaint(session: Session, principal: Principal, hold_id: int) -> Hold:
    """The victim's police complaint is filed: the hold now runs 7 days from now."""
    hold = _get(session, principal, hold_id)
    if not (principal.org_type == "police" or principal.org_id == hold.requested_by_org_id):
        raise Forbidden("the police or the member that requested the hold record the complaint")
    _require_live(hold, ("requested", "held"), "record a complaint")
    now = utcnow()
    hold.state, hold.complaint_at, hold.expires_at = "complaint", now, now + COMPLAINT_WINDOW
    _event(session, hold, "complaint", principal)
    session.flush()
    return hold


def extend(session: Session, principal: Principal, hold_id: int, days: int = 7) -> Hold:
    """The police extend a hold that runs on a complaint."""
    hold = _get(session, principal, hold_id)
    if principal.org_type != "police":
        raise Forbidden("only the police extend a hold")
    _require_live(hold, ("complaint", "extended"), "extend")
    if not 1 <= days <= MAX_EXTEND_DAYS:
        raise DataError(f"days must be 1 to {MAX_EXTEND_DAYS}", value=days)
    base = max(hold.expires_at or utcnow(), utcnow())
    hold.state, hold.expires_at = "extended", base + timedelta(days=days)
    hold.extended_count += 1
    _event(session, hold, "extend", principal, days=days)
    session.flush()
    return hold


def release(session: Session, principal: Principal, hold_id: int, reason: str = "") -> Hold:
    """Release a live hold (the bank, the police or the requester)."""
    hold = _get(session, principal, hold_id)
    if not (principal.org_type == "police" or principal.org_id in (hold.bank_org_id, hold.requested_by_org_id)):
        raise Forbidden("the bank, the police or the requester release a hold")
    _require_live(hold, LIVE, "release")
    hold.state, hold.released_at = "released", utcnow()
    _event(session, hold, "release", principal, reason=(reason or "")[:200])
    session.flush()
    return hold


def get_hold(session: Session, principal: Principal, hold_id: int) -> Hold:
    hold = HoldRepository(session, principal).get(hold_id)
    if hold is None:
        raise NotFound(f"no hold {hold_id}")
    record(session, principal, "hold.read", f"hold:{hold.id}", {})
    return hold


def list_holds(session: Session, principal: Principal, *, state: str | None = None, report_id: str | None = None,
               limit: int = 100, offset: int = 0) -> list[Hold]:
    """The holds the caller may see, newest first; `state` filters on the effective state."""
    if state is not None and state not in STATES:
        raise DataError(f"state must be one of {', '.join(STATES)}", value=state)
    repo = HoldRepository(session, principal)
    now = utcnow()
    if state is None:
        holds = repo.list(report_id=report_id, limit=limit, offset=offset)
    else:
        # Filter in SQL on stored state and expiry, so pages stay full.
        stmt = repo.scoped(select(Hold))
        if report_id:
            stmt = stmt.where(Hold.report_id == report_id)
        if state == "expired":
            stmt = stmt.where((Hold.state == "expired") | (Hold.state.in_(LIVE) & (Hold.expires_at <= now)))
        elif state in LIVE:
            stmt = stmt.where(Hold.state == state, (Hold.expires_at.is_(None)) | (Hold.expires_at > now))
        else:
            stmt = stmt.where(Hold.state == state)
        holds = list(session.scalars(stmt.order_by(Hold.requested_at.desc(), Hold.id.desc()).limit(limit).offset(offset)))
    if holds:
        record(session, principal, "hold.list", "holds", {"ids": [h.id for h in holds][:100], "count": len(holds)})
    return holds


def holds_by_state(session: Session) -> dict[str, int]:
    """Counts of holds by effective state (for /metrics and the dashboard)."""
    now = utcnow()
    eff = case((Hold.state.in_(LIVE) & (Hold.expires_at <= now), "expired"), else_=Hold.state)
    counts = {s: 0 for s in STATES}
    for state, n in session.execute(select(eff, func.count()).group_by(eff)):
        counts[state] = n
    return counts


# ---------------------------------------------------------------- cases


def create_case(session: Session, principal: Principal, title: str, report_ids: list[str] = ()) -> Case:
    c = Case(title=title.strip()[:300] or "untitled", org_id=principal.org_id)
    session.add(c)
    session.flush()
    add_reports(session, principal, c.id, list(report_ids))
    record(session, principal, "case.create", f"case:{c.id}", {"reports": len(report_ids)})
    return c


def add_reports(session: Session, principal: Principal, case_id: int, report_ids: list[str]) -> Case:
    """Group reports (that the caller may see) into the case; their holds join it too."""
    from zeroscam.reports.repository import ReportRepository

    c = CaseRepository(session, principal).get(case_id)
    if c is None:
        raise NotFound(f"no case {case_id}")
    reports = ReportRepository(session, principal)
    for rid in report_ids:
        report = reports.get(rid)
        if report is None:
            raise NotFound(f"no report {rid}")
        report.case_id = c.id
        for hold in session.scalars(select(Hold).where(Hold.report_id == rid)):
            hold.case_id = c.id
    session.flush()
    return c


def get_case(session: Session, principal: Principal, case_id: int) -> Case:
    c = CaseRepository(session, principal).get(case_id)
    if c is None:
        raise NotFound(f"no case {case_id}")
    return c


def list_cases(session: Session, principal: Principal, *, limit: int = 100, offset: int = 0) -> list[Case]:
    return CaseRepository(session, principal).list(limit=limit, offset=offset)


def case_report_ids(session: Session, case_id: int) -> list[str]:
    from zeroscam.reports.models import Report

    return list(session.scalars(select(Report.id).where(Report.case_id == case_id).order_by(Report.id)))
