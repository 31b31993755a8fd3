"""Scores: mules and SIMs (precision/recall/F1, unreported recall, false positives by look-alike kind),
trace (money followed, money held in the listed accounts, innocents listed), rings (B-cubed F1).

Definitions (also in docs/simulator.md, "Evaluation"):
- a criminal account counts as a positive when it had moved scam money by the as-of time
  (`first_scam_ts <= as_of`); a ring number when it had called or texted (`first_use_ts <= as_of`).
  Flagging a criminal that had not acted yet is not a false positive.
- "unreported" positives are those no report filed by the as-of time had named.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pandas as pd

from zeroscam.evaluate.inputs import Named, Truth, named_by_reports
from zeroscam.kit.timeutil import to_iso_bangkok


def _prf(tp: int, flagged: int, positives: int) -> dict:
    p = tp / flagged if flagged else 0.0
    r = tp / positives if positives else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _fp_by_kind(fps: set[str], lookalike: pd.DataFrame, key: str) -> dict[str, int]:
    kinds = lookalike[lookalike[key].isin(fps)]
    counts = Counter(kinds["kind"])
    counts["ordinary"] = len(fps - set(kinds[key]))
    return {k: int(v) for k, v in sorted(counts.items()) if v}


def score_flags(flagged: set[str], criminal: pd.DataFrame, key: str, first_col: str, named: set[str],
                lookalike: pd.DataFrame, lookalike_key: str, by: str, as_of: datetime) -> dict:
    """Precision/recall/F1 of a flag set against the criminal rows active by `as_of`."""
    all_bad = set(criminal[key])
    active = criminal[criminal[first_col] <= as_of]
    positives = set(active[key])
    tp_all = flagged & all_bad
    caught = flagged & positives
    fps = flagged - all_bad
    unreported = positives - named
    out = {
        "flagged": len(flagged), "positives": len(positives), "true_positives": len(tp_all),
        "caught_active": len(caught), "false_positives": len(fps),
        **_prf(len(tp_all), len(flagged), len(positives)),
        "recall_unreported": round(len(flagged & unreported) / len(unreported), 4) if unreported else None,
        "unreported_positives": len(unreported),
        "false_positives_by_kind": _fp_by_kind(fps, lookalike, lookalike_key),
        f"recall_by_{by}": {},
    }
    # recall uses active positives only, but precision counts every criminal caught
    out["recall"] = round(len(caught) / len(positives), 4) if positives else 0.0
    p, r = out["precision"], out["recall"]
    out["f1"] = round(2 * p * r / (p + r), 4) if p + r else 0.0
    for value, group in active.groupby(by):
        members = set(group[key])
        out[f"recall_by_{by}"][str(value)] = round(len(members & flagged) / len(members), 4)
    return out


def score_mules(truth: Truth, flagged: set[str], named: Named, as_of: datetime) -> dict:
    res = score_flags(flagged, truth.accounts, "account", "first_scam_ts", named.accounts,
                      truth.lookalike_accounts, "account", "tier", as_of)
    active = truth.accounts[truth.accounts["first_scam_ts"] <= as_of]
    res["recall_by_role"] = {str(k): round(len(set(g["account"]) & flagged) / len(g), 4)
                             for k, g in active.groupby("role")}
    res["recall_by_scam_type"] = _by_scam_type(truth, active, "account", flagged)
    return res


def _by_scam_type(truth: Truth, active: pd.DataFrame, key: str, flagged: set[str]) -> dict[str, float]:
    kinds = active.merge(truth.rings[["ring_id", "scam_type"]], on="ring_id", how="left")
    return {str(k): round(len(set(g[key]) & flagged) / len(g), 4) for k, g in kinds.groupby("scam_type")}


def score_sims(truth: Truth, flagged: set[str], named: Named, as_of: datetime) -> dict:
    res = score_flags(flagged, truth.sims, "msisdn", "first_use_ts", named.phones, truth.lookalike_sims,
                      "msisdn", "role", as_of)
    active = truth.sims[truth.sims["first_use_ts"] <= as_of]
    res["recall_by_scam_type"] = _by_scam_type(truth, active, "msisdn", flagged)
    return res


def held_by_account(scam: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """Scam money sitting in each (victim, account) at `as_of`: in minus out, positive part."""
    rows = scam[(scam["ts"] <= as_of) & (scam["kind"] != "test_credit") & scam["victim_id"].notna()]
    inflow = rows[rows["kind"] != "crypto_out"].dropna(subset=["dst"]).groupby(["victim_id", "dst"])["amount"].sum()
    outflow = rows.dropna(subset=["src"]).groupby(["victim_id", "src"])["amount"].sum()
    inflow.index.names = outflow.index.names = ["victim_id", "account"]
    bal = inflow.sub(outflow, fill_value=0.0)
    bal = bal[bal > 0.005]
    return bal.rename("held").reset_index()


def mistaken_named(truth: Truth, named: Named | None, as_of: datetime) -> set[str]:
    """Accounts that mistaken reports filed by `as_of` name themselves (their transfers' receivers and bank
    account contacts; the truth's `target_account` when the reports file is not at hand)."""
    reports = truth.reports[(truth.reports["reported_at"] <= as_of) & (truth.reports["mistaken"] == "1")]
    out = set(reports["target_account"].dropna()) if "target_account" in reports.columns else set()
    if named is not None:
        for rid in reports["report_id"]:
            out |= named.accounts_by_report.get(str(rid), set())
    return out


def score_trace(truth: Truth, trace: pd.DataFrame, as_of: datetime, named: Named | None = None) -> dict:
    """How much of each reported victim's money the trace followed, and how much held money it lists.

    `innocent_listed` counts every listed account that is not a ring's; `innocent_named_by_mistaken` those
    of them that a mistaken report itself names (an honest seller the victim paid), `innocent_beyond_mistaken`
    the others — the trace's own mistakes.
    """
    reports = truth.reports[(truth.reports["reported_at"] <= as_of)]
    real = reports[reports["mistaken"] != "1"]
    scam = truth.scam_txns
    hops = scam[(scam["ts"] <= as_of) & scam["kind"].isin(["victim_payment", "layer"]) & scam["dst"].notna()]
    traced = trace.groupby("report_id")["account"].agg(set).to_dict()
    held = held_by_account(scam, as_of)
    per_report = []
    found_total = path_total = 0.0
    held_in = held_total = 0.0
    empty_h, empty_held = hops.iloc[:0], held.iloc[:0]
    hops_by_victim = dict(tuple(hops.groupby("victim_id")))
    held_by_victim = dict(tuple(held.groupby("victim_id")))
    for rid, vid in zip(real["report_id"], real["victim_id"]):
        listed = traced.get(rid, set())
        h = hops_by_victim.get(vid, empty_h)
        total = float(h["amount"].sum())
        found = float(h[h["dst"].isin(listed)]["amount"].sum())
        hv = held_by_victim.get(vid, empty_held)
        hin = float(hv[hv["account"].isin(listed)]["held"].sum())
        found_total += found
        path_total += total
        held_in += hin
        held_total += float(hv["held"].sum())
        per_report.append({"report_id": rid, "path_share": round(found / total, 4) if total else None,
                           "held_thb": round(float(hv["held"].sum()), 2), "held_listed_thb": round(hin, 2)})
    all_listed = set(trace["account"])
    held_all = held.groupby("account")["held"].sum()
    # the reported victims' held money in accounts the plan holds under any report (a pool's onward
    # accounts may be listed under another report whose money went there too)
    held_rep = held[held["victim_id"].isin(set(real["victim_id"]))]
    held_in_plan = float(held_rep[held_rep["account"].isin(all_listed)]["held"].sum())
    criminal = set(truth.accounts["account"])
    innocent = all_listed - criminal
    beyond = innocent - mistaken_named(truth, named, as_of)
    # scam money held in rings that at least one real report is about (the rest no report can lead to)
    reported_rings = set(real["ring_id"].dropna()) if "ring_id" in real.columns else set()
    ring_of = dict(zip(truth.accounts["account"], truth.accounts["ring_id"]))
    held_rr = held_all[[ring_of.get(a) in reported_rings for a in held_all.index]]
    shares = [r["path_share"] for r in per_report if r["path_share"] is not None]
    return {
        "reports": len(real), "reports_traced": int(sum(1 for r in real["report_id"] if r in traced)),
        "path_share_baht": round(found_total / path_total, 4) if path_total else None,
        "path_share_mean": round(sum(shares) / len(shares), 4) if shares else None,
        "held_share_reported": round(held_in / held_total, 4) if held_total else None,
        "held_reported_thb": round(held_total, 2),
        "held_share_reported_in_plan": round(held_in_plan / float(held_rep["held"].sum()), 4)
        if float(held_rep["held"].sum()) else None,
        "held_share_all": round(float(held_all[held_all.index.isin(all_listed)].sum()) / float(held_all.sum()), 4)
        if float(held_all.sum()) else None,
        "held_all_thb": round(float(held_all.sum()), 2),
        "held_share_all_reported_rings": round(float(held_rr[held_rr.index.isin(all_listed)].sum())
                                               / float(held_rr.sum()), 4) if float(held_rr.sum()) else None,
        "held_all_reported_rings_thb": round(float(held_rr.sum()), 2),
        "accounts_listed": len(all_listed), "innocent_listed": len(innocent),
        "innocent_by_kind": _fp_by_kind(innocent, truth.lookalike_accounts, "account"),
        "innocent_named_by_mistaken": len(innocent) - len(beyond), "innocent_beyond_mistaken": len(beyond),
        "innocent_beyond_mistaken_by_kind": _fp_by_kind(beyond, truth.lookalike_accounts, "account"),
        "innocent_beyond_mistaken_accounts": sorted(beyond),
        "per_report": per_report,
    }


def _visible_truth(truth: Truth, as_of: datetime) -> dict[tuple[str, str], str]:
    """(entity_type, entity) → true ring, for ring members that exist in the data by `as_of`."""
    out: dict[tuple[str, str], str] = {}
    acc = truth.accounts[truth.accounts["opened_at"] <= as_of]
    for a, r in zip(acc["account"], acc["ring_id"]):
        out[("account", a)] = r
    sims = truth.sims
    seen = (sims["registered_at"] <= as_of) | ((sims["role"] == "voip") & (sims["first_use_ts"] <= as_of))
    for m, r in zip(sims[seen]["msisdn"], sims[seen]["ring_id"]):
        out[("msisdn", m)] = r
    holders_seen = set(acc["holder_id"]) | set(sims[seen]["holder_id"].dropna())
    for h, r in zip(truth.holders["holder_id"], truth.holders["ring_id"]):
        if h in holders_seen:
            out[("holder", h)] = r
    return out


def bcubed(pred: dict, true: dict) -> dict:
    """B-cubed precision/recall/F1 with extra and missing items.

    A predicted entity that is not a ring member is its own true cluster; a ring
    member left out of every predicted ring gets recall 0.
    """
    pred_members = defaultdict(set)
    for e, c in pred.items():
        pred_members[c].add(e)
    true_members = defaultdict(set)
    for e, c in true.items():
        true_members[c].add(e)
    precisions = []
    for e, c in pred.items():
        cluster = pred_members[c]
        same = {x for x in cluster if e in true and true.get(x) == true[e]} if e in true else {e}
        precisions.append(len(same) / len(cluster))
    recalls = []
    for e, c in true.items():
        if e not in pred:
            recalls.append(0.0)
            continue
        cluster = true_members[c]
        recalls.append(len({x for x in cluster if pred.get(x) == pred[e]}) / len(cluster))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "predicted": len(pred),
            "true": len(true)}


def _active_truth(truth: Truth, as_of: datetime) -> dict[tuple[str, str], str]:
    """(entity_type, entity) → true ring, for ring members that had acted for their ring by `as_of`.

    The same rule as mule and SIM scoring: an account once it received scam money, a number once it
    called or texted, a holder once one of those is theirs.
    """
    out: dict[tuple[str, str], str] = {}
    acc = truth.accounts[truth.accounts["first_scam_ts"] <= as_of]
    sims = truth.sims[truth.sims["first_use_ts"] <= as_of]
    out.update({("account", a): r for a, r in zip(acc["account"], acc["ring_id"])})
    out.update({("msisdn", m): r for m, r in zip(sims["msisdn"], sims["ring_id"])})
    holders = set(acc["holder_id"]) | set(sims["holder_id"].dropna())
    out.update({("holder", h): r for h, r in zip(truth.holders["holder_id"], truth.holders["ring_id"]) if h in holders})
    return out


def _bcubed_by_kind(pred: dict, true: dict) -> dict:
    out = {"all": bcubed(pred, true)}
    for kind in ("account", "msisdn", "holder"):
        out[kind] = bcubed({k: v for k, v in pred.items() if k[0] == kind},
                           {k: v for k, v in true.items() if k[0] == kind})
    return out


def score_rings(truth: Truth, rings: pd.DataFrame, as_of: datetime) -> dict:
    """B-cubed against every ring member that exists by `as_of` ("all", per kind), and under `active`
    against the members that had acted by then. In `active`, a listed member that had not acted yet
    is neither credited nor counted against (it is a ring member, just an early one)."""
    true = _visible_truth(truth, as_of)
    pred = {(t, e): str(r) for t, e, r in zip(rings["entity_type"], rings["entity"], rings["ring_id"])}
    out = _bcubed_by_kind(pred, true)
    active = _active_truth(truth, as_of)
    members = ({("account", a) for a in truth.accounts["account"]} | {("msisdn", m) for m in truth.sims["msisdn"]}
               | {("holder", h) for h in truth.holders["holder_id"]})
    early = members - set(active)
    out["active"] = _bcubed_by_kind({k: v for k, v in pred.items() if k not in early}, active)
    return out


def default_as_of(truth: Truth) -> datetime:
    if truth.window_end is not None:
        return truth.window_end
    return max(truth.scam_txns["ts"].max(), truth.reports["reported_at"].max()).to_pydatetime()


def evaluate(truth: Truth, data_dir: str | Path, as_of: datetime | None = None, *, mules: set[str] | None = None,
             sims: set[str] | None = None, trace: pd.DataFrame | None = None,
             rings: pd.DataFrame | None = None) -> dict:
    """Score whatever outputs are given; returns a JSON-ready dict."""
    as_of = as_of or default_as_of(truth)
    named = named_by_reports(data_dir, as_of)
    result: dict = {"as_of": to_iso_bangkok(as_of), "reports_by_as_of": len(named.report_ids)}
    if mules is not None:
        result["mules"] = score_mules(truth, mules, named, as_of)
    if sims is not None:
        result["sims"] = score_sims(truth, sims, named, as_of)
    if trace is not None:
        result["trace"] = score_trace(truth, trace, as_of, named)
    if rings is not None:
        result["rings"] = score_rings(truth, rings, as_of)
    return result
