"""Read-only queries behind the console pages: the national dashboard and the
entity page. They read the other domains' tables (reports, holds, risk) and
never write. National figures are aggregates; pages that show a single report go
through the reports domain's org-scoped access instead.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from zeroscam import identifiers
from zeroscam.cases.models import Hold
from zeroscam.check.models import HolderLink, RiskEntry, RiskSignal
from zeroscam.kit.errors import IdentifierError
from zeroscam.kit.timeutil import BANGKOK, utcnow
from zeroscam.reports.models import Report, ReportIdentifier, ReportTransfer

OPEN_HOLD_STATES = ("requested", "held", "complaint", "extended")
HELD_STATES = ("held", "complaint", "extended")
HOLD_STATES = ("requested", "held", "complaint", "extended", "released", "expired")
# Entity kinds the console can open (a holder is named by its keyed token).
ENTITY_KINDS = ("bank_account", "phone", "promptpay", "url", "line_id", "facebook", "email", "crypto_wallet",
                "holder")
MAX_ROWS_PER_DAY_WINDOW = 500_000  # beyond this the dashboard samples the newest rows only


def _bkk_day(ts: datetime) -> str:
    return ts.replace(tzinfo=timezone.utc).astimezone(BANGKOK).strftime("%Y-%m-%d")


def _alerts_for(stmt, principal):
    """The alerts a member may list: police/regulators all, a bank its own accounts, others none."""
    if principal is None or getattr(principal, "oversight", False):
        return stmt
    codes = tuple(getattr(principal, "bank_codes", ()) or ())
    if principal.org_type == "bank" and codes:
        return stmt.where(RiskEntry.kind == "bank_account",
                          or_(*[RiskEntry.value.like(f"{code}-%") for code in codes]))
    return None


def dashboard(session: Session, principal=None, days: int = 30) -> dict:
    """National figures over the last `days` days of reports (ending at the newest report,
    so a loaded historical dataset shows its own last month, not an empty one)."""
    end = session.scalar(select(func.max(Report.reported_at))) or utcnow()
    start = end - timedelta(days=days)
    rows = session.execute(
        select(Report.reported_at, Report.loss_thb, Report.scam_type, Report.victim_province)
        .where(Report.reported_at > start, Report.reported_at <= end)
        .order_by(Report.reported_at.desc()).limit(MAX_ROWS_PER_DAY_WINDOW)).all()

    per_day: dict[str, list[float]] = {}
    day = start + timedelta(days=1)
    while day <= end + timedelta(days=1):
        per_day[_bkk_day(day)] = [0, 0.0]
        day += timedelta(days=1)
    by_type: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    by_province: dict[str | None, list[float]] = defaultdict(lambda: [0, 0.0])
    total_loss = 0.0
    for reported_at, loss, scam_type, province in rows:
        loss = float(loss or 0.0)
        total_loss += loss
        d = per_day.setdefault(_bkk_day(reported_at), [0, 0.0])
        d[0] += 1
        d[1] += loss
        by_type[scam_type][0] += 1
        by_type[scam_type][1] += loss
        by_province[province][0] += 1
        by_province[province][1] += loss
    # trim leading empty days the window may start with
    days_sorted = sorted(per_day)

    holds = session.execute(
        select(Hold.state, func.count(), func.coalesce(func.sum(Hold.amount_held_thb), 0.0))
        .group_by(Hold.state)).all()
    holds_by_state = [{"state": s, "count": int(n), "held": float(h or 0.0)} for s, n, h in holds]
    holds_by_state.sort(key=lambda r: HOLD_STATES.index(r["state"]) if r["state"] in HOLD_STATES else 99)

    to_hold = session.execute(
        select(Report.reported_at, Hold.confirmed_at).join(Report, Report.id == Hold.report_id)
        .where(Hold.confirmed_at.is_not(None), Report.reported_at > start)).all()
    hours = [(c - r).total_seconds() / 3600 for r, c in to_hold if c >= r]

    alerts_q = select(RiskEntry).where(RiskEntry.risk == "high", RiskEntry.reports == 0,
                                       RiskEntry.kind.in_(("bank_account", "phone")))
    alerts_count = session.scalar(select(func.count()).select_from(alerts_q.subquery())) or 0
    # The national count for everyone; the list only for oversight (all) and banks (their own accounts).
    listed = _alerts_for(alerts_q, principal)
    alerts = [] if listed is None else [
        {"kind": e.kind, "value": e.value, "score": e.score, "reasons": list(e.reasons or [])}
        for e in session.scalars(listed.order_by(RiskEntry.score.desc(), RiskEntry.value).limit(15))]

    return {
        "window_days": days, "start": start, "end": end,
        "kpis": {
            "reports": len(rows), "loss": total_loss,
            "holds_active": sum(r["count"] for r in holds_by_state if r["state"] in OPEN_HOLD_STATES),
            "baht_held": sum(r["held"] for r in holds_by_state if r["state"] in HELD_STATES),
            "median_hours_to_hold": statistics.median(hours) if hours else None,
            "alerts": int(alerts_count),
        },
        "per_day": [{"day": d, "reports": per_day[d][0], "loss": round(per_day[d][1], 2)} for d in days_sorted],
        "by_type": sorted(({"scam_type": k, "reports": v[0], "loss": v[1]} for k, v in by_type.items()),
                          key=lambda r: (-r["reports"], r["scam_type"])),
        "by_province": sorted(({"province": k, "reports": v[0], "loss": v[1]} for k, v in by_province.items()),
                              key=lambda r: (-r["reports"], r["province"] or ""))[:15],
        "holds_by_state": holds_by_state,
        "alerts": alerts,
        "alerts_listed": listed is not None,
    }


# --- the entity page --------------------------------------------------------------

@dataclass
class Link:
    kind: str
    value: str
    link: str           # same_holder | co_reported | transfer_in | transfer_out | ring
    via: str | None = None  # the report that links them


@dataclass
class EntityView:
    kind: str
    value: str
    display: str
    risk: RiskEntry | None = None
    signals: list[RiskSignal] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    holder_links: list[HolderLink] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    ring: object = None
    graph: dict = field(default_factory=lambda: {"nodes": [], "edges": []})


def canonical_entity(kind: str, value: str, key: bytes) -> tuple[str, str]:
    """(kind, canonical value) of what a person typed; holders become their keyed token.
    Raises IdentifierError."""
    value = (value or "").strip()
    if kind not in ENTITY_KINDS:
        raise IdentifierError(kind, value, "unknown kind")
    if kind == "holder":
        low = value.lower()
        if len(low) == 64 and all(c in "0123456789abcdef" for c in low):
            return "holder", low  # already a token
        return "holder", identifiers.token("holder_id", identifiers.normalize("holder_id", value), key)
    return kind, identifiers.normalize(kind, value)


def holder_display(token: str) -> str:
    return f"#{token[:12]}"


MAX_LINKS = 60


def entity_view(session: Session, kind: str, value: str, ring_index=None, entity_url=None,
                report_scope=None) -> EntityView:
    """Everything the console knows about one canonical entity.

    `report_scope(select(Report))` limits the reports (and what is learnt through them)
    to those the caller may see (reports/repository.py); risk, holder links and rings
    are shared alliance data."""
    report_scope = report_scope or (lambda stmt: stmt)
    view = EntityView(kind=kind, value=value, display=holder_display(value) if kind == "holder" else value)
    view.risk = session.get(RiskEntry, (kind, value))
    view.signals = list(session.scalars(
        select(RiskSignal).where(RiskSignal.kind == kind, RiskSignal.value == value)
        .order_by(RiskSignal.score.desc()).limit(50)))

    # reports that name it, as a contact or as a transfer end
    report_ids: set[str] = set()
    if kind != "holder":
        report_ids.update(session.scalars(select(ReportIdentifier.report_id).where(
            ReportIdentifier.kind == kind, ReportIdentifier.value == value).limit(500)))
    if kind == "bank_account":
        report_ids.update(session.scalars(select(ReportTransfer.report_id).where(
            or_(ReportTransfer.dst == value, ReportTransfer.src == value)).limit(500)))
    if report_ids:
        view.reports = list(session.scalars(report_scope(select(Report).where(Report.id.in_(sorted(report_ids))))
                                            .order_by(Report.reported_at.desc()).limit(100)))
    visible = {r.id for r in view.reports}

    # same holder
    if kind == "holder":
        holder = value
    else:
        holder = session.scalar(select(HolderLink.holder_token).where(
            HolderLink.kind == kind, HolderLink.value == value))
    if holder:
        view.holder_links = [h for h in session.scalars(
            select(HolderLink).where(HolderLink.holder_token == holder).limit(MAX_LINKS))
            if (h.kind, h.value) != (kind, value)]
        if kind != "holder":
            view.links.append(Link("holder", holder, "same_holder"))
        view.links.extend(Link(h.kind, h.value, "same_holder") for h in view.holder_links)

    # what the same reports name, and the money paths they describe
    seen = {(kind, value)} | {(link.kind, link.value) for link in view.links}
    shown_reports = [r.id for r in view.reports[:30]]
    if shown_reports:
        for ident in session.scalars(select(ReportIdentifier).where(ReportIdentifier.report_id.in_(shown_reports))):
            if (ident.kind, ident.value) not in seen and len(view.links) < MAX_LINKS:
                seen.add((ident.kind, ident.value))
                view.links.append(Link(ident.kind, ident.value, "co_reported", ident.report_id))
    if kind == "bank_account":
        for tr in session.scalars(select(ReportTransfer).where(
                or_(ReportTransfer.dst == value, ReportTransfer.src == value)).limit(200)):
            if tr.report_id not in visible:
                continue
            other, link = (tr.src, "transfer_in") if tr.dst == value else (tr.dst, "transfer_out")
            if other and ("bank_account", other) not in seen and len(view.links) < MAX_LINKS:
                seen.add(("bank_account", other))
                view.links.append(Link("bank_account", other, link, tr.report_id))

    if ring_index is not None:
        view.ring = ring_index.ring_of(kind, value)
        if view.ring is not None:
            for m in view.ring.members:
                if (m.kind, m.value) not in seen and len(view.links) < MAX_LINKS:
                    seen.add((m.kind, m.value))
                    view.links.append(Link(m.kind, m.value, "ring"))

    keys = [(link.kind, link.value) for link in view.links if link.kind != "holder"]
    risks = {}
    for i in range(0, len(keys), 200):
        for e in session.scalars(select(RiskEntry).where(tuple_(RiskEntry.kind, RiskEntry.value).in_(keys[i:i + 200]))):
            risks[f"{e.kind}:{e.value}"] = e.risk
    view.graph = _graph(view, entity_url, risks)
    return view


def _graph(view: EntityView, entity_url, risks: dict[str, str]) -> dict:
    """Nodes and edges for the graph view: the entity, its links, and the reports that join them."""
    nodes = {}

    def node(kind, value, center=False):
        nid = f"{kind}:{value}"
        if nid not in nodes:
            label = holder_display(value) if kind == "holder" else value
            nodes[nid] = {"id": nid, "label": label, "kind": kind, "risk": risks.get(nid, ""),
                          "url": entity_url(kind, value) if entity_url and kind != "report" else
                          (f"/app/reports/{value}" if kind == "report" else None)}
            if center:
                nodes[nid]["center"] = True
        return nid

    center = node(view.kind, view.value, center=True)
    if view.risk is not None:
        nodes[center]["risk"] = view.risk.risk
    edges = []
    for r in view.reports[:30]:
        edges.append({"source": node("report", r.id), "target": center, "link": "reported"})
    for link in view.links:
        target = node(link.kind, link.value)
        if link.link == "co_reported" and link.via:
            edges.append({"source": node("report", link.via), "target": target, "link": "reported"})
        elif link.link == "transfer_in":
            edges.append({"source": target, "target": center, "link": "transfer"})
        elif link.link == "transfer_out":
            edges.append({"source": center, "target": target, "link": "transfer"})
        else:
            edges.append({"source": center, "target": target, "link": link.link})
    return {"nodes": list(nodes.values()), "edges": edges}
