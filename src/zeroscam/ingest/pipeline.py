"""`zeroscam load`: an AXF folder into both stores, then detectors, traces, risk.

Steps, and why a load killed at any point leaves the stores as they were:

1. read and validate the folder (`open_dataset`; bad data stops here, nothing written);
2. write a new Parquet generation = previous generation ∪ this folder, deduplicated
   on txn_id / report_id / ... (a new directory, renamed into place; not yet current);
3. in ONE relational transaction: new reports (ids already loaded are skipped), their
   risk signals, holder links, detector scores, hold requests for recent reports, the
   full risk refresh, and the `LoadRun` row that makes the new generation current;
4. commit — the single point where the load takes effect; then old generations go.

Running the same load again after a kill completes it; running it after success
changes nothing (the same rows, the same scores).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from zeroscam.audit.service import record
from zeroscam.cases import service as holds_service
from zeroscam.check import service as risk
from zeroscam.ingest import adapters, store
from zeroscam.ingest.models import LoadRun
from zeroscam.kit.db import session_factory
from zeroscam.kit.progress import steps
from zeroscam.kit.timeutil import utcnow
from zeroscam.ops.logging import event
from zeroscam.reports import service as reports_service
from zeroscam.reports.models import Report, ReportIdentifier, ReportTransfer

log = logging.getLogger("zeroscam.ingest")

# Holds are requested for loaded reports this recent (relative to the data's as-of);
# older reports' money is long gone and a flood of stale requests helps no bank.
HOLD_RECENT = timedelta(days=7)
PAUSE_ENV = "ZEROSCAM_TEST_LOAD_PAUSE_AT"


def _pause(step: str) -> None:
    """Test hook: stop at `step` (announced on stderr) so a test can kill the load there."""
    if os.environ.get(PAUSE_ENV) == step:
        print(f"zeroscam-load-paused-at {step}", file=sys.stderr, flush=True)
        time.sleep(float(os.environ.get("ZEROSCAM_TEST_LOAD_PAUSE_SECONDS", "120")))


@dataclass
class LoadResult:
    generation: str
    as_of: datetime | None
    counts: dict[str, int]
    new_reports: int
    holds: int
    risk_entries: int
    detectors: list[str] = field(default_factory=list)


def _none(value):
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _ts(value):
    value = _none(value)
    if value is None:
        return None
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)


def ingest_reports(session: Session, dataset, key: bytes) -> list[tuple[str, datetime, list[dict]]]:
    """Insert the dataset's reports that are not in the relational store yet, with their
    identifiers, transfers and report signals. Returns (id, reported_at, transfers) of the new ones."""
    reports = dataset.con.execute("SELECT report_id, reported_at, scam_type, loss_thb, victim_holder_id, victim_phone, "
                                  "victim_province, narrative, CAST(raw AS VARCHAR) AS raw FROM reports "
                                  "ORDER BY reported_at, report_id").df()
    if reports.empty:
        return []
    have: set[str] = set()
    ids = reports["report_id"].tolist()
    for i in range(0, len(ids), 500):
        have.update(session.scalars(select(Report.id).where(Report.id.in_(ids[i:i + 500]))))
    fresh = reports[~reports["report_id"].isin(have)]
    if fresh.empty:
        return []
    contacts = dataset.con.execute("SELECT report_id, type, value FROM report_contacts").df()
    transfers = dataset.con.execute("SELECT report_id, seq, ts, txn_id, src, dst, amount FROM report_transfers "
                                    "ORDER BY report_id, seq").df()
    contacts_by = {rid: g for rid, g in contacts.groupby("report_id")} if not contacts.empty else {}
    transfers_by = {rid: g for rid, g in transfers.groupby("report_id")} if not transfers.empty else {}
    used_keys = set(session.scalars(select(Report.dedup_key).where(Report.dedup_key.is_not(None))))
    report_rows, ident_rows, transfer_rows, signal_rows = [], [], [], []
    out = []
    now = utcnow()
    for r in fresh.itertuples(index=False):
        rid = str(r.report_id)
        holder, phone = _none(r.victim_holder_id), _none(r.victim_phone)
        victim = reports_service.victim_token(key, holder, phone)
        own = {("phone", phone), ("promptpay", phone)} if phone else set()
        if holder and str(holder).isdigit():
            own |= {("national_id", holder), ("promptpay", holder)}
        named: set[tuple[str, str]] = set()
        idents: list[tuple[str, str, str]] = []
        tlist = []
        for t in (transfers_by[rid].itertuples(index=False) if rid in transfers_by else ()):
            row = {"seq": int(t.seq), "ts": _ts(t.ts), "txn_id": _none(t.txn_id), "src": _none(t.src),
                   "dst": _none(t.dst), "amount": _none(t.amount)}
            tlist.append(row)
            if row["dst"] and ("bank_account", row["dst"]) not in named:
                named.add(("bank_account", row["dst"]))
                idents.append(("bank_account", row["dst"], "transfer"))
        for c in (contacts_by[rid].itertuples(index=False) if rid in contacts_by else ()):
            k = (str(c.type), str(c.value))
            if k in named or k in own:
                continue
            named.add(k)
            idents.append((k[0], k[1], "contact"))
        narrative = _none(r.narrative)
        idents += reports_service.narrative_identifiers(narrative, named, own)
        reported_at = _ts(r.reported_at)
        dedup = reports_service.dedup_key(victim, tlist)
        if dedup in used_keys:
            dedup = None  # a re-sent copy under another id: kept, but not the merge target
        elif dedup:
            used_keys.add(dedup)
        raw = orjson.loads(r.raw) if _none(r.raw) else {}
        report_rows.append({"id": rid, "source": "load", "org_id": None, "reported_at": reported_at,
                            "scam_type": str(r.scam_type), "loss_thb": _none(r.loss_thb), "victim_token": victim,
                            "victim_province": _none(r.victim_province), "narrative": narrative, "raw": raw,
                            "dedup_key": dedup, "status": "received", "status_token_hash": None, "case_id": None,
                            "created_at": now})
        ident_rows += [{"report_id": rid, "kind": k, "value": v, "role": role} for k, v, role in idents]
        transfer_rows += [{"report_id": rid, **t} for t in tlist]
        signal_rows += reports_service.signal_rows(rid, victim, reported_at, idents)
        out.append((rid, reported_at, tlist))
    for rows, model in ((report_rows, Report), (ident_rows, ReportIdentifier), (transfer_rows, ReportTransfer)):
        for i in range(0, len(rows), 2000):
            session.execute(insert(model), rows[i:i + 2000])
    risk.add_signals_bulk(session, signal_rows)
    return out


def _holder_links(dataset, key: bytes) -> list[tuple[str, str, str]]:
    links = []
    for kind, query in (("bank_account", "SELECT DISTINCT account, holder_id FROM accounts"),
                        ("phone", "SELECT DISTINCT msisdn, holder_id FROM sims")):
        for value, holder in dataset.con.execute(query).fetchall():
            if value and holder:
                links.append((kind, value, risk.holder_token(holder, key)))
    return links


def _detector_rows(frame: pd.DataFrame | None, kind: str, column: str, as_of: datetime) -> list[dict]:
    if frame is None or frame.empty:
        return []
    rows = []
    flagged = frame["flagged"].astype(int).to_numpy() if "flagged" in frame else [0] * len(frame)
    for value, score, flag in zip(frame[column].tolist(), frame["score"].astype(float).tolist(), flagged):
        if not value:
            continue
        # A flag is the detector's own verdict (its threshold is learnt from the data): high.
        s = max(score, 0.8) if flag else score
        rows.append({"kind": kind, "value": value, "score": min(1.0, max(0.0, s)),
                     "reason": "mule_model" if kind == "bank_account" else "sim_model", "observed_at": as_of})
    return rows


def load(settings, data_dir: str | Path, as_of: datetime | None = None) -> LoadResult:
    """Load one AXF folder (see the module docstring). Raises DataError on bad input."""
    from zeroscam.exchange.axf import open_dataset

    key = settings.alliance_key()
    started = utcnow()
    session = session_factory(settings.relational_url)()
    try:
        with steps("zeroscam load", total=10) as bar:
            dataset = open_dataset(data_dir, as_of)
            bar.advance("read and checked")
            previous = store.current_generation(session, settings)
            name, counts, store_as_of, _sources = store.write_generation(dataset, previous, settings.analytics_dir,
                                                                          pause=_pause)
            dataset.con.close()
            bar.advance("parquet written")
            _pause("parquet-done")
            merged = store.open_generation(settings.analytics_dir / name)
            new = ingest_reports(session, merged, key)
            bar.advance("reports")
            risk.set_holder_links(session, _holder_links(merged, key))
            bar.advance("holders")
            detectors = []
            obs = store_as_of or utcnow()
            mules = adapters.detect_mules(merged)
            if mules is not None:
                risk.replace_source(session, "mule_model", "mules",
                                    _detector_rows(mules, "bank_account", "account", obs))
                detectors.append("mules")
            bar.advance("mule detector")
            sims = adapters.detect_sims(merged, mules[["account", "score"]] if mules is not None else None)
            if sims is not None:
                risk.replace_source(session, "sim_model", "sims", _detector_rows(sims, "phone", "msisdn", obs))
                detectors.append("sims")
            bar.advance("SIM detector")
            holds = _request_holds(session, merged, new, store_as_of)
            bar.advance("holds")
            rings = adapters.find_rings(merged, mules, sims)
            bar.advance("rings")
            _pause("relational")
            entries = risk.refresh_risk(session)
            bar.advance("risk")
            session.add(LoadRun(generation=name, source=str(Path(data_dir).resolve())[:500], as_of=store_as_of,
                                started_at=started, finished_at=utcnow(), counts=counts))
            record(session, "cli", "load", f"generation:{name}",
                   {"new_reports": len(new), "holds": holds, "detectors": detectors, "counts": counts})
            _pause("commit")
            session.commit()
            bar.advance("committed")
            merged.con.close()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    store.point_current(settings.analytics_dir, name)
    store.clean_generations(settings.analytics_dir, keep={name})
    if rings is not None:
        _write_rings(rings, settings.analytics_dir)
    event(log, "load finished", generation=name, new_reports=len(new), holds=holds, risk_entries=entries)
    return LoadResult(name, store_as_of, counts, len(new), holds, entries, detectors)


def _write_rings(rings, analytics_dir: Path) -> None:
    """rings.csv and rings.json (for the console's ring view) beside the generations; derived
    data, rewritten whole by every load, so it is written after the commit."""
    from zeroscam.analytics.rings import write_summary

    csv_path = Path(analytics_dir) / "rings.csv"
    tmp = csv_path.with_name("rings.csv.tmp")
    rings.members.to_csv(tmp, index=False, lineterminator="\n")
    tmp.replace(csv_path)
    write_summary(rings, csv_path)


def _request_holds(session: Session, dataset, new: list[tuple[str, datetime, list[dict]]],
                   as_of: datetime | None) -> int:
    """Hold requests for the new reports recent enough to matter: along the traced path when
    a tracer exists, else on the accounts the victims paid."""
    if as_of is None:
        return 0
    recent = [(rid, ts, tl) for rid, ts, tl in new if ts is not None and ts >= as_of - HOLD_RECENT]
    if not recent:
        return 0
    plan = adapters.trace_reports(dataset, [rid for rid, _, _ in recent])
    by_report: dict[str, list[holds_service.HoldTarget]] = {}
    if plan is not None and not plan.empty:
        for row in plan.itertuples(index=False):
            by_report.setdefault(str(row.report_id), []).append(
                holds_service.HoldTarget(f"{row.bank}-{row.account}", int(row.hop), float(row.traced_thb)))
    n = 0
    for rid, _, tlist in recent:
        targets = by_report.get(rid, [])
        seen = {t.account for t in targets}
        targets += [holds_service.HoldTarget(t["dst"], 1, t["amount"]) for t in tlist
                    if t["dst"] and t["dst"] not in seen]
        if targets:
            n += len(holds_service.request_holds(session, rid, targets, None))
            session.execute(Report.__table__.update().where(Report.id == rid).values(status="holds_requested"))
    return n
