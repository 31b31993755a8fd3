"""`zeroscam evaluate`: perfect outputs score 1, the reports-only baseline scores what a hand count says."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from zeroscam.cli.main import app
from zeroscam.evaluate.baselines import reports_only
from zeroscam.evaluate.inputs import load_truth
from zeroscam.evaluate.service import bcubed, default_as_of, evaluate, held_by_account
from zeroscam.kit.timeutil import parse_ts


def _cli(*args: str):
    result = CliRunner().invoke(app, ["evaluate", *args])
    return result


def _perfect_outputs(truth, tmp_path):
    acc = truth.accounts
    pd.DataFrame({"bank": acc["bank"], "account": acc["account"].str.split("-").str[1], "score": 1.0,
                  "flagged": 1, "reasons": "truth"}).to_csv(tmp_path / "mules.csv", index=False)
    pd.DataFrame({"msisdn": truth.sims["msisdn"], "score": 1.0, "flagged": 1, "reasons": "truth"}).to_csv(
        tmp_path / "sims.csv", index=False)
    rows = []
    for e, kind in ((truth.accounts, "account"), (truth.sims, "msisdn")):
        col = "account" if kind == "account" else "msisdn"
        rows += [(kind, v, r) for v, r in zip(e[col], e["ring_id"])]
    rows += [("holder", h, r) for h, r in zip(truth.holders["holder_id"], truth.holders["ring_id"])]
    pd.DataFrame(rows, columns=["entity_type", "entity", "ring_id"]).to_csv(tmp_path / "rings.csv", index=False)
    # trace: every account the victim's money reached, per report
    scam = truth.scam_txns
    rep = truth.reports[truth.reports["mistaken"] != "1"]
    trows = []
    for rid, vid in zip(rep["report_id"], rep["victim_id"]):
        dsts = scam[(scam["victim_id"] == vid) & scam["kind"].isin(["victim_payment", "layer"])]
        for dst, hop, ts in zip(dsts["dst"], dsts["hop"], dsts["ts"]):
            trows.append((rid, hop, dst.split("-")[0], dst.split("-")[1], 1.0, ts.isoformat()))
    pd.DataFrame(trows, columns=["report_id", "hop", "bank", "account", "traced_thb", "first_in_ts"]).to_csv(
        tmp_path / "trace.csv", index=False)


def test_perfect_outputs_score_one(tiny_world, tmp_path):
    truth = load_truth(tiny_world / "truth")
    _perfect_outputs(truth, tmp_path)
    r = _cli("--truth", str(tiny_world / "truth"), "--mules", str(tmp_path / "mules.csv"), "--sims",
             str(tmp_path / "sims.csv"), "--rings", str(tmp_path / "rings.csv"), "--trace",
             str(tmp_path / "trace.csv"), "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    for part in ("mules", "sims"):
        assert res[part]["precision"] == 1.0 and res[part]["recall"] == 1.0 and res[part]["false_positives"] == 0
        assert res[part]["recall_unreported"] in (1.0, None)
    assert res["rings"]["all"]["f1"] == 1.0
    assert res["trace"]["path_share_baht"] == 1.0
    assert res["trace"]["held_share_reported"] in (1.0, None)
    assert res["trace"]["innocent_listed"] == 0


def test_reports_only_baseline_matches_a_hand_count(tiny_world, capsys):
    """Recount from reports.jsonl and truth/ with plain Python, and compare with evaluate."""
    truth = load_truth(tiny_world / "truth")
    as_of = default_as_of(truth)
    named_accounts, named_phones = set(), set()
    for line in (tiny_world / "reports.jsonl").read_text(encoding="utf-8").splitlines():
        rep = json.loads(line)
        if parse_ts(rep["reported_at"]) > as_of:
            continue
        for t in rep["transfers"]:
            named_accounts.add(t["to_bank"] + "-" + re.sub(r"\D", "", t["to_account"]))
        for c in rep["contacts"]:
            if c["type"] == "bank_account":
                digits = re.sub(r"\D", "", c["value"])
                named_accounts.add(digits[:3] + "-" + digits[3:])
            if c["type"] == "phone":
                digits = re.sub(r"[^\d+]", "", c["value"])
                named_phones.add(digits if digits.startswith("+") else "+66" + digits[1:])
    mule_all = set(truth.accounts["account"])
    active = set(truth.accounts[truth.accounts["first_scam_ts"] <= as_of]["account"])
    tp, fp = named_accounts & mule_all, named_accounts - mule_all
    mistaken_targets = set(truth.reports[(truth.reports["mistaken"] == "1")
                                         & (truth.reports["reported_at"] <= as_of)]["target_account"])
    assert fp == mistaken_targets   # the only innocents reports name are honest sellers reported by mistake
    sims_all = set(truth.sims["msisdn"])
    sims_active = set(truth.sims[truth.sims["first_use_ts"] <= as_of]["msisdn"])

    mules_df, sims_df = reports_only(tiny_world, as_of)
    res = evaluate(truth, tiny_world, as_of, mules={f"{b}-{a}" for b, a in zip(
        mules_df[mules_df.flagged == 1].bank, mules_df[mules_df.flagged == 1].account)},
        sims=set(sims_df[sims_df.flagged == 1].msisdn))
    m, s = res["mules"], res["sims"]
    print(f"\nreports-only on tiny seed 21: mules flagged={len(named_accounts)} tp={len(tp)} fp={len(fp)} "
          f"active={len(active)} precision={m['precision']} recall={m['recall']}; sims flagged={len(named_phones)} "
          f"tp={len(named_phones & sims_all)} active={len(sims_active)} precision={s['precision']} "
          f"recall={s['recall']}")
    assert m["flagged"] == len(named_accounts)
    assert m["true_positives"] == len(tp) and m["false_positives"] == len(fp)
    assert m["precision"] == round(len(tp) / len(named_accounts), 4)
    assert m["recall"] == round(len(named_accounts & active) / len(active), 4)
    assert m["recall_unreported"] == 0.0       # by definition it finds nothing no report named
    assert sum(m["false_positives_by_kind"].get(k, 0) for k in ("online_seller",)) == len(fp)
    assert s["flagged"] == len(named_phones)
    assert s["precision"] == round(len(named_phones & sims_all) / len(named_phones), 4)
    assert s["recall"] == round(len(named_phones & sims_active) / len(sims_active), 4)
    assert 0 < m["recall"] < 1 and 0 < s["recall"] < 1


def test_bcubed_by_hand():
    true = {"a": 1, "b": 1, "c": 2, "d": 2}
    # predicted: {a,b,c} in one ring, e (honest) alone, d missed
    pred = {"a": "x", "b": "x", "c": "x", "e": "y"}
    r = bcubed(pred, true)
    # precision: a,b: 2/3 each; c: 1/3; e: 1 → (2/3+2/3+1/3+1)/4 = 2/3
    assert r["precision"] == round(2 / 3, 4)
    # recall: a,b: 2/2; c: 1/2 (d not with it); d: 0 → (1+1+0.5+0)/4 = 0.625
    assert r["recall"] == 0.625
    assert bcubed(true, true)["f1"] == 1.0


def test_held_money_is_in_minus_out():
    scam = pd.DataFrame({
        "ts": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:05", "2025-01-01 10:30", "2025-01-02 10:00"]),
        "kind": ["victim_payment", "layer", "cashout_atm", "cashout_atm"],
        "victim_id": ["V1"] * 4, "src": ["V", "A", "B", "B"], "dst": ["A", "B", None, None],
        "amount": [1000.0, 950.0, 900.0, 50.0]})
    held = held_by_account(scam, parse_ts("2025-01-01T12:00:00+00:00")).set_index("account")["held"]
    assert held.to_dict() == {"A": 50.0, "B": 50.0}
    held = held_by_account(scam, parse_ts("2025-01-03T00:00:00+00:00")).set_index("account")["held"]
    assert held.to_dict() == {"A": 50.0}


def test_earlier_as_of_sees_fewer_reports(tiny_world):
    truth = load_truth(tiny_world / "truth")
    end = default_as_of(truth)
    early = truth.reports["reported_at"].sort_values().iloc[0]
    a = evaluate(truth, tiny_world, end, mules=set())
    b = evaluate(truth, tiny_world, early.to_pydatetime(), mules=set())
    assert b["reports_by_as_of"] == 1 < a["reports_by_as_of"]
    assert b["mules"]["positives"] <= a["mules"]["positives"]


def test_bad_output_is_one_clean_line(tiny_world, tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "mules.csv"
    bad.write_text("bank,account,score,flagged,reasons\n014,1234567890,0.5,yes,\n")
    p = subprocess.run([sys.executable, "-m", "zeroscam", "evaluate", "--truth", str(tiny_world / "truth"),
                        "--mules", str(bad)], capture_output=True, text=True, check=False)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "mules.csv:2" in p.stderr and "flagged" in p.stderr
    assert "Traceback" not in p.stderr


def test_table_output_on_the_terminal(tiny_world):
    r = _cli("--truth", str(tiny_world / "truth"), "--baseline", "reports-only")
    assert r.exit_code == 0, r.output
    assert "precision" in r.output and "recall_unreported" in r.output


@pytest.mark.parametrize("missing", ["truth"])
def test_not_a_truth_folder(tmp_path, missing):
    r = _cli("--truth", str(tmp_path), "--json")
    assert r.exit_code != 0


def test_world_folder_is_accepted_as_truth(tiny_world):
    a = _cli("--truth", str(tiny_world), "--baseline", "reports-only", "--json")
    b = _cli("--truth", str(tiny_world / "truth"), "--baseline", "reports-only", "--json")
    assert a.exit_code == 0, a.output
    assert json.loads(a.output) == json.loads(b.output)


def test_a_folder_without_truth_is_a_clean_error(tmp_path):
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "zeroscam", "evaluate", "--truth", str(tmp_path)],
                       capture_output=True, text=True, check=False)
    assert p.returncode == 2 and "not a truth folder" in p.stderr and "Traceback" not in p.stderr


def test_active_ring_scoring_counts_members_that_had_acted(tiny_world, tmp_path):
    """Early in the data, `active` scores against members that had acted: the perfect output scores 1,
    members not yet active are not held against it, and leaving out an active member costs recall."""
    truth = load_truth(tiny_world / "truth")
    _perfect_outputs(truth, tmp_path)
    rings = pd.read_csv(tmp_path / "rings.csv", dtype=str)
    first = truth.accounts["first_scam_ts"].dropna().sort_values()
    as_of = first.iloc[len(first) // 2].to_pydatetime()
    res = evaluate(truth, tiny_world, as_of, rings=rings)["rings"]
    acted = set(truth.accounts[truth.accounts["first_scam_ts"] <= as_of]["account"])
    assert res["active"]["account"]["true"] == len(acted) < len(truth.accounts)
    assert res["active"]["all"]["f1"] == 1.0
    missing_one = rings[rings["entity"] != sorted(acted)[0]]
    worse = evaluate(truth, tiny_world, as_of, rings=missing_one)["rings"]["active"]["all"]
    assert worse["recall"] < 1.0 and worse["precision"] == 1.0
